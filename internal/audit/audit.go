// Package audit keeps the append-only, hash-chained log of security-relevant actions (logins,
// credential changes, registry changes). Each row's hash covers the previous row's hash and the
// row's own fields, so editing or deleting any row breaks the chain; the head row (last sequence
// number and hash) lets Verify notice a deleted tail too.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// Entry is one audit record.
type Entry struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Target   string    `json:"target"`
	Detail   string    `json:"detail"`
	PrevHash string    `json:"prev_hash"`
	Hash     string    `json:"hash"`
}

// Append adds an entry inside the caller's transaction, so the audited change and its record commit
// together or not at all. Detail is encoded as JSON.
func Append(ctx context.Context, tx *db.Tx, actor, action, target string, detail any) error {
	var d string
	switch v := detail.(type) {
	case nil:
	case string:
		d = v
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("audit.Append: %w", err)
		}
		d = string(b)
	}
	var seq int64
	var prev string
	// Locking the head row orders concurrent appenders on PostgreSQL; SQLite has one writer anyway.
	if err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1"+tx.ForUpdate()).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("audit.Append: %w", err)
	}
	e := Entry{Seq: seq + 1, At: tx.Now.Truncate(time.Microsecond), Actor: actor, Action: action, Target: target, Detail: d, PrevHash: prev}
	e.Hash = e.computeHash()
	if _, err := tx.Exec(ctx, `INSERT INTO audit_log (seq, at, actor, action, target, detail, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.Seq, e.At, e.Actor, e.Action, e.Target, e.Detail, e.PrevHash, e.Hash); err != nil {
		return fmt.Errorf("audit.Append: %w", err)
	}
	if _, err := tx.Exec(ctx, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", e.Seq, e.Hash); err != nil {
		return fmt.Errorf("audit.Append: %w", err)
	}
	return nil
}

// computeHash hashes the previous hash and every field with length prefixes, so no two different
// rows can produce the same input.
func (e Entry) computeHash() string {
	h := sha256.New()
	for _, f := range []string{e.PrevHash, strconv.FormatInt(e.Seq, 10), e.At.UTC().Format(time.RFC3339Nano), e.Actor, e.Action, e.Target, e.Detail} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Problem is one break in the chain found by Verify.
type Problem struct {
	Seq     int64  `json:"seq"`
	Message string `json:"message"`
}

// Report is the result of Verify.
type Report struct {
	Rows     int64     `json:"rows"`
	Problems []Problem `json:"problems"`
}

// OK reports whether the chain is intact.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify walks the whole log and reports every edited, inserted or deleted row.
func Verify(ctx context.Context, d *db.DB) (Report, error) {
	var rep Report
	err := d.Read(ctx, func(tx *db.Tx) error {
		var headSeq int64
		var headHash string
		if err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM audit_log ORDER BY seq")
		if err != nil {
			return err
		}
		defer rows.Close()
		var last Entry
		for rows.Next() {
			var e Entry
			if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
				return err
			}
			rep.Rows++
			if e.Seq != last.Seq+1 {
				rep.Problems = append(rep.Problems, Problem{e.Seq, fmt.Sprintf("rows %d to %d are missing", last.Seq+1, e.Seq-1)})
			}
			if e.PrevHash != last.Hash {
				rep.Problems = append(rep.Problems, Problem{e.Seq, "does not follow the previous row's hash (a row before it was edited or deleted)"})
			}
			if e.computeHash() != e.Hash {
				rep.Problems = append(rep.Problems, Problem{e.Seq, "content does not match its hash (the row was edited)"})
			}
			last = e
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if last.Seq != headSeq || last.Hash != headHash {
			rep.Problems = append(rep.Problems, Problem{headSeq, fmt.Sprintf("the log ends at row %d but %d rows were written (rows at the end were deleted or the head was changed)", last.Seq, headSeq)})
		}
		return nil
	})
	if err != nil {
		return rep, errs.Wrap(errs.Internal, err, "audit verification failed")
	}
	return rep, nil
}

// List returns the newest entries, newest first, for the administrator's page.
func List(ctx context.Context, d *db.DB, limit int) ([]Entry, error) {
	var out []Entry
	err := d.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT seq, at, actor, action, target, detail, prev_hash, hash FROM audit_log ORDER BY seq DESC LIMIT ?", limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Entry
			if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.Target, &e.Detail, &e.PrevHash, &e.Hash); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

package jobs

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// SQL is the durable queue in the jobs table, on SQLite or PostgreSQL.
//
// On PostgreSQL many nodes claim concurrently: the claim selects due rows with FOR UPDATE SKIP
// LOCKED, so claimers never wait for each other and never take the same row, and records a lease
// (lease_owner, lease_until). On SQLite the database has one writer, and db routes every write
// transaction through one connection, so claims are serialised without any locking clause.
//
// Job states are 'ready' (waiting for run_at), 'running' (leased), 'done' and 'dead'. Done rows are
// kept, so that a dedupe key stays used, until Purge removes them.
type SQL struct {
	db *db.DB
	notifier
}

var (
	_ Queue    = (*SQL)(nil)
	_ Notifier = (*SQL)(nil)
)

// NewSQL returns the queue stored in d's jobs table.
func NewSQL(d *db.DB) *SQL { return &SQL{db: d} }

// Enqueue adds a job in its own transaction and wakes this process's runners of the queue.
func (q *SQL) Enqueue(ctx context.Context, queue string, payload []byte, opts ...Option) error {
	err := q.db.Tx(ctx, func(tx *db.Tx) error { return EnqueueTx(ctx, tx, queue, payload, opts...) })
	if err != nil {
		return err
	}
	q.Wake(queue)
	return nil
}

// EnqueueTx adds a job inside the caller's transaction, so the job exists if and only if the
// caller's own writes commit. Run times are relative to tx.Now. Runners see the job at their next
// poll, or at once if the caller calls Wake on the queue after committing.
func EnqueueTx(ctx context.Context, tx *db.Tx, queue string, payload []byte, opts ...Option) error {
	j, err := newJob(tx.Now, queue, payload, opts)
	if err != nil {
		return err
	}
	var key any // NULL, not "", when there is no key: NULLs never collide in the unique index
	if j.dedupeKey != "" {
		key = j.dedupeKey
	}
	// ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL a failed
	// statement would abort the caller's whole transaction.
	_, err = tx.Exec(ctx, `INSERT INTO jobs (queue, payload, dedupe_key, state, attempts, max_attempts, run_at, created_at)
		VALUES (?, ?, ?, 'ready', 0, ?, ?, ?) ON CONFLICT (queue, dedupe_key) DO NOTHING`,
		j.queue, j.payload, key, j.maxAttempts, j.runAt, dbTime(tx.Now))
	if err != nil {
		return fmt.Errorf("jobs.Enqueue(%s): %w", queue, err)
	}
	return nil
}

// Claim leases up to n due jobs. It first releases the jobs of queue whose lease has run out
// (making them ready again, or dead if that was their last attempt), then leases the oldest due
// ones; each claim increments the job's attempts.
func (q *SQL) Claim(ctx context.Context, queue, owner string, n int, lease time.Duration) ([]Job, error) {
	if err := checkClaim(queue, owner, n, lease); err != nil {
		return nil, err
	}
	var out []Job
	err := q.db.Tx(ctx, func(tx *db.Tx) error {
		out = out[:0] // db.Tx may run this function again after a serialisation failure
		now := dbTime(tx.Now)
		until := dbTime(now.Add(lease))
		skip := ""
		if tx.Dialect() == db.Postgres {
			skip = " FOR UPDATE SKIP LOCKED"
		}
		// Expired leases: the worker died or hung. Only running rows of this queue are scanned,
		// and there are never more of those than workers.
		const expired = `SELECT id FROM jobs WHERE queue = ? AND state = 'running' AND lease_until <= ?`
		if _, err := tx.Exec(ctx, `UPDATE jobs SET state = 'dead', done_at = ?, lease_owner = '', lease_until = NULL,
			last_error = 'lease of ' || lease_owner || ' ran out on the last attempt'
			WHERE id IN (`+expired+` AND attempts >= max_attempts`+skip+`)`, now, queue, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE jobs SET state = 'ready', lease_owner = '', lease_until = NULL,
			last_error = 'lease of ' || lease_owner || ' ran out'
			WHERE id IN (`+expired+skip+`)`, queue, now); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?, lease_until = ?
			WHERE id IN (SELECT id FROM jobs WHERE queue = ? AND state = 'ready' AND run_at <= ?
				ORDER BY run_at, id LIMIT ?`+skip+`)
			RETURNING id, payload, attempts, max_attempts, last_error, created_at`,
			owner, until, queue, now, n)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			j := Job{Queue: queue, Owner: owner, LeaseUntil: until}
			var payload string
			var created timeScanner
			if err := rows.Scan(&j.ID, &payload, &j.Attempts, &j.MaxAttempts, &j.LastError, &created); err != nil {
				return err
			}
			j.Payload = []byte(payload)
			j.CreatedAt = created.t
			out = append(out, j)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("jobs.Claim(%s): %w", queue, err)
	}
	// RETURNING gives no order; hand jobs out oldest first as they were selected.
	slices.SortFunc(out, func(a, b Job) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Complete marks a claimed job done.
func (q *SQL) Complete(ctx context.Context, j Job) error {
	err := q.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE jobs SET state = 'done', done_at = ?, lease_owner = '', lease_until = NULL
			WHERE id = ? AND state = 'running' AND lease_owner = ? AND attempts = ?`,
			dbTime(tx.Now), j.ID, j.Owner, j.Attempts)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		return missingOrLost(ctx, tx, j.ID)
	})
	if err != nil {
		return fmt.Errorf("jobs.Complete(%d): %w", j.ID, err)
	}
	return nil
}

// Fail records the error of a claimed job and reschedules it, or marks it dead after its last
// attempt.
func (q *SQL) Fail(ctx context.Context, j Job, cause error, retryAt time.Time) error {
	msg := errorText(cause)
	err := q.db.Tx(ctx, func(tx *db.Tx) error {
		var state, owner string
		var attempts, maxAttempts int
		err := tx.QueryRow(ctx, `SELECT state, lease_owner, attempts, max_attempts FROM jobs WHERE id = ?`+tx.ForUpdate(),
			j.ID).Scan(&state, &owner, &attempts, &maxAttempts)
		if db.IsNoRows(err) {
			return errs.New(errs.NotFound, "no job %d", j.ID)
		}
		if err != nil {
			return err
		}
		if state != "running" || owner != j.Owner || attempts != j.Attempts {
			return leaseLost(j.ID)
		}
		now := dbTime(tx.Now)
		if attempts >= maxAttempts {
			_, err = tx.Exec(ctx, `UPDATE jobs SET state = 'dead', done_at = ?, last_error = ?, lease_owner = '', lease_until = NULL
				WHERE id = ?`, now, msg, j.ID)
			return err
		}
		at := retryAt
		if at.IsZero() {
			at = now.Add(Backoff(attempts))
		}
		_, err = tx.Exec(ctx, `UPDATE jobs SET state = 'ready', run_at = ?, last_error = ?, lease_owner = '', lease_until = NULL
			WHERE id = ?`, dbTime(at), msg, j.ID)
		return err
	})
	if err != nil {
		return fmt.Errorf("jobs.Fail(%d): %w", j.ID, err)
	}
	return nil
}

// missingOrLost explains why an update of a claimed job matched no row.
func missingOrLost(ctx context.Context, tx *db.Tx, id int64) error {
	var state string
	err := tx.QueryRow(ctx, `SELECT state FROM jobs WHERE id = ?`, id).Scan(&state)
	if db.IsNoRows(err) {
		return errs.New(errs.NotFound, "no job %d", id)
	}
	if err != nil {
		return err
	}
	return leaseLost(id)
}

// Stats counts jobs per queue and state, and measures each queue's lag.
func (q *SQL) Stats(ctx context.Context) (map[string]QueueStats, error) {
	out := map[string]QueueStats{}
	err := q.db.Read(ctx, func(tx *db.Tx) error {
		clear(out)
		now := dbTime(tx.Now)
		rows, err := tx.Query(ctx, `SELECT queue, state, COUNT(*), SUM(CASE WHEN run_at > ? THEN 1 ELSE 0 END)
			FROM jobs GROUP BY queue, state`, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var queue, state string
			var count, later int64
			if err := rows.Scan(&queue, &state, &count, &later); err != nil {
				return err
			}
			s := out[queue]
			switch state {
			case "ready":
				s.Ready, s.Delayed = count-later, later
			case "running":
				s.Running = count
			case "done":
				s.Done = count
			case "dead":
				s.Dead = count
			}
			out[queue] = s
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		for queue, s := range out {
			if s.Ready == 0 {
				continue
			}
			// Read the oldest run time through the index rather than MIN(): SQLite returns an
			// aggregate of a TIMESTAMP column as text, a plain column as a time.
			var oldest timeScanner
			if err := tx.QueryRow(ctx, `SELECT run_at FROM jobs WHERE queue = ? AND state = 'ready' AND run_at <= ?
				ORDER BY run_at LIMIT 1`, queue, now).Scan(&oldest); err != nil && !db.IsNoRows(err) {
				return err
			}
			if !oldest.t.IsZero() {
				s.Lag = now.Sub(oldest.t)
				out[queue] = s
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("jobs.Stats: %w", err)
	}
	return out, nil
}

// Purge deletes done jobs finished before the given time and returns how many it removed. Their
// dedupe keys become free again, so keep done jobs for longer than a duplicate could arrive. Dead
// jobs are kept for an operator to look at.
func (q *SQL) Purge(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := q.db.Tx(ctx, func(tx *db.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM jobs WHERE state = 'done' AND done_at < ?`, dbTime(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("jobs.Purge: %w", err)
	}
	return n, nil
}

// timeScanner reads a timestamp on both dialects: SQLite hands back text where it cannot see the
// column's declared type (RETURNING, some expressions), PostgreSQL always a time.Time.
type timeScanner struct{ t time.Time }

// Scan implements sql.Scanner.
func (s *timeScanner) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		s.t = time.Time{}
	case time.Time:
		s.t = x.UTC()
	case string:
		return s.parse(x)
	case []byte:
		return s.parse(string(x))
	default:
		return fmt.Errorf("jobs: cannot read %T as a time", v)
	}
	return nil
}

func (s *timeScanner) parse(v string) error {
	for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano, "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, v); err == nil {
			s.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("jobs: cannot parse time %q", v)
}

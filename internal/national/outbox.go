package national

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// Outbox is the provincial side: it tails dossier_events into a durable outbox and sends it to
// the upstream national hub's REST API.
type Outbox struct {
	db *db.DB
	// Upstream is the national hub's base URL; ClientID and Secret are this node's client there
	// (the axis's AxisUpstream* settings serve).
	Upstream, ClientID, Secret string
	HTTP                       *http.Client
	// Interval is the pause between rounds when nothing failed (default 10 s).
	Interval time.Duration
	// Province is the depth-1 code this node sends for (000.00.00.H36), for the hub's gap list.
	Province string

	mu      sync.Mutex
	token   string
	expires time.Time
}

// NewOutbox returns the provincial outbox.
func NewOutbox(d *db.DB, upstream, clientID, secret string) *Outbox {
	return &Outbox{db: d, Upstream: strings.TrimRight(upstream, "/"), ClientID: clientID, Secret: secret,
		HTTP: &http.Client{Timeout: 60 * time.Second}, Interval: 10 * time.Second}
}

const cursorName = "national"

// Fill moves up to 1,000 new dossier events into the outbox, each as a progress record, plus one
// dossier snapshot per dossier touched, numbered in order; the cursor advances in the same
// transaction. It returns how many events it took.
func (o *Outbox) Fill(ctx context.Context) (int, error) {
	taken := 0
	err := o.db.Tx(ctx, func(tx *db.Tx) error {
		var last int64
		err := tx.QueryRow(ctx, "SELECT last_event_id FROM national_outbox_cursor WHERE name = ?"+tx.ForUpdate(), cursorName).Scan(&last)
		if db.IsNoRows(err) {
			if _, err := tx.Exec(ctx, "INSERT INTO national_outbox_cursor (name, last_event_id) VALUES (?, 0)", cursorName); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		var seq int64
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(seq), 0) FROM national_outbox").Scan(&seq); err != nil {
			return err
		}
		// On PostgreSQL ids come from a sequence and a transaction may commit after one holding a
		// higher id: leaving the last 30 seconds for the next round keeps such events from being
		// skipped (SQLite's single writer commits in id order).
		// Events are taken in id order up to the first recent one, so none is passed over.
		cutoff := tx.Now.Add(time.Hour)
		if tx.Dialect() == db.Postgres {
			cutoff = tx.Now.Add(-30 * time.Second)
		}
		rows, err := tx.Query(ctx, "SELECT id, dossier_code, at FROM dossier_events WHERE id > ? ORDER BY id LIMIT 1000", last)
		if err != nil {
			return err
		}
		type ev struct {
			id   int64
			code string
		}
		var evs []ev
		for rows.Next() {
			var e ev
			var at time.Time
			if err := rows.Scan(&e.id, &e.code, &at); err != nil {
				rows.Close()
				return err
			}
			if !at.Before(cutoff) {
				break
			}
			evs = append(evs, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(evs) == 0 {
			return err
		}
		snap := map[string]bool{}
		for _, e := range evs {
			if !snap[e.code] {
				snap[e.code] = true
				seq++
				if _, err := tx.Exec(ctx, "INSERT INTO national_outbox (seq, event_id, dossier_code, kind, state, created_at) VALUES (?, ?, ?, 'dossier', 'pending', ?)",
					seq, e.id, e.code, tx.Now); err != nil {
					return err
				}
			}
			seq++
			if _, err := tx.Exec(ctx, "INSERT INTO national_outbox (seq, event_id, dossier_code, kind, state, created_at) VALUES (?, ?, ?, 'progress', 'pending', ?)",
				seq, e.id, e.code, tx.Now); err != nil {
				return err
			}
		}
		taken = len(evs)
		_, err = tx.Exec(ctx, "UPDATE national_outbox_cursor SET last_event_id = ? WHERE name = ?", evs[len(evs)-1].id, cursorName)
		return err
	})
	return taken, err
}

type pending struct {
	seq     int64
	eventID int64
	code    string
	kind    string
}

// SendOnce sends up to 1,000 pending records (dossier snapshots first, so their steps find them)
// and marks each sent or refused with the hub's reason. An error means the hub was not reached or
// refused the whole batch; the records stay pending.
func (o *Outbox) SendOnce(ctx context.Context) (sent, refused int, err error) {
	var list []pending
	err = o.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT seq, event_id, dossier_code, kind FROM national_outbox WHERE state = 'pending' ORDER BY seq LIMIT 1000")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p pending
			if err := rows.Scan(&p.seq, &p.eventID, &p.code, &p.kind); err != nil {
				return err
			}
			list = append(list, p)
		}
		return rows.Err()
	})
	if err != nil || len(list) == 0 {
		return 0, 0, err
	}
	var dossiers, steps []pending
	for _, p := range list {
		if p.kind == "dossier" {
			dossiers = append(dossiers, p)
		} else {
			steps = append(steps, p)
		}
	}
	if len(dossiers) > 0 {
		recs, err := o.dossierRecords(ctx, dossiers)
		if err != nil {
			return 0, 0, err
		}
		var ans BatchAnswer
		if err := o.post(ctx, "/api/v1/national/dossiers:batch", DossierBatch{Data: recs}, &ans); err != nil {
			return 0, 0, o.failed(ctx, err)
		}
		s, r, err := o.mark(ctx, dossiers, ans.Results)
		sent, refused = sent+s, refused+r
		if err != nil {
			return sent, refused, err
		}
	}
	if len(steps) > 0 {
		recs, err := o.progressRecords(ctx, steps)
		if err != nil {
			return sent, refused, err
		}
		var ans BatchAnswer
		if err := o.post(ctx, "/api/v1/national/progress:batch", ProgressBatch{Data: recs}, &ans); err != nil {
			return sent, refused, o.failed(ctx, err)
		}
		s, r, err := o.mark(ctx, steps, ans.Results)
		sent, refused = sent+s, refused+r
		if err != nil {
			return sent, refused, err
		}
	}
	return sent, refused, nil
}

func (o *Outbox) failed(ctx context.Context, cause error) error {
	_ = o.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE national_outbox_cursor SET last_error = ? WHERE name = ?", cause.Error(), cursorName)
		return err
	})
	return cause
}

// mark records the hub's answer to each record.
func (o *Outbox) mark(ctx context.Context, list []pending, res []Result) (sent, refused int, err error) {
	if len(res) != len(list) {
		return 0, 0, fmt.Errorf("national hub answered %d results for %d records", len(res), len(list))
	}
	err = o.db.Tx(ctx, func(tx *db.Tx) error {
		for i, p := range list {
			state, reason := "sent", ""
			if res[i].Outcome == Refused {
				state, reason = "refused", res[i].Message
				refused++
			} else {
				sent++
			}
			if _, err := tx.Exec(ctx, "UPDATE national_outbox SET state = ?, reason = ?, attempts = attempts + 1, sent_at = ? WHERE seq = ?",
				state, reason, tx.Now, p.seq); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, "UPDATE national_outbox_cursor SET last_success_at = ?, last_error = '' WHERE name = ?", tx.Now, cursorName)
		return err
	})
	return sent, refused, err
}

// Run fills and sends until ctx ends, backing off exponentially (1 s to 5 min) while the hub
// cannot be reached.
func (o *Outbox) Run(ctx context.Context) {
	backoff := time.Second
	for {
		wait := o.Interval
		if _, err := o.Fill(ctx); err != nil {
			slog.Error("national outbox: fill", "err", err)
		}
		for {
			sent, refused, err := o.SendOnce(ctx)
			if err != nil {
				slog.Warn("national outbox: send", "err", err, "retry_in", backoff)
				wait, backoff = backoff, min(backoff*2, 5*time.Minute)
				break
			}
			backoff = time.Second
			if sent+refused == 0 {
				break
			}
		}
		if o.Province != "" && wait == o.Interval {
			if _, err := o.ResendGaps(ctx); err != nil {
				slog.Warn("national outbox: gaps", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// accessToken returns a cached upstream token, fetching one with the client credentials grant.
func (o *Outbox) accessToken(ctx context.Context) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.token != "" && time.Now().Before(o.expires) {
		return o.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {o.ClientID}, "client_secret": {o.Secret}}
	req, err := http.NewRequestWithContext(ctx, "POST", o.Upstream+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := o.HTTP.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok auth.Token
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return "", fmt.Errorf("national hub token: %s: %s", resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		return "", err
	}
	o.token = tok.AccessToken
	o.expires = time.Now().Add(time.Duration(tok.ExpiresIn)*time.Second - 30*time.Second)
	return o.token, nil
}

func (o *Outbox) post(ctx context.Context, path string, body, out any) error {
	tok, err := o.accessToken(ctx)
	if err != nil {
		return err
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, "POST", o.Upstream+path, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := o.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		o.mu.Lock()
		o.token = ""
		o.mu.Unlock()
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("national hub %s: %s: %s", path, resp.Status, msg)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// OutboxStatus is what the province's officers see of the synchronisation.
type OutboxStatus struct {
	Backlog       int64           `json:"backlog"`
	Sent          int64           `json:"sent"`
	LastSuccessAt *time.Time      `json:"last_success_at,omitempty"`
	LastError     string          `json:"last_error,omitempty"`
	Refused       []OutboxRefusal `json:"refused"`
}

// OutboxRefusal is a record the national hub refused, with its reason.
type OutboxRefusal struct {
	Seq    int64      `json:"seq"`
	MaHoSo string     `json:"MaHoSo"`
	Kind   string     `json:"kind"`
	Reason string     `json:"reason"`
	At     *time.Time `json:"at,omitempty"`
}

// Status reports the backlog, the last success and the latest refused records (viewers and above
// of any agency of the node).
func (o *Outbox) Status(ctx context.Context, p *auth.Principal) (OutboxStatus, error) {
	if p == nil {
		return OutboxStatus{}, errs.New(errs.Unauthorized, "please log in")
	}
	if !p.Can(auth.Viewer, "") {
		return OutboxStatus{}, errs.Reasonf(errs.Forbidden, "missing_role", "%s needs the viewer role", p.Actor())
	}
	st := OutboxStatus{Refused: []OutboxRefusal{}}
	err := o.db.Read(ctx, func(tx *db.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM national_outbox WHERE state = 'pending'").Scan(&st.Backlog); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM national_outbox WHERE state = 'sent'").Scan(&st.Sent); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, "SELECT last_success_at, last_error FROM national_outbox_cursor WHERE name = ?", cursorName).Scan(&st.LastSuccessAt, &st.LastError)
		if err != nil && !db.IsNoRows(err) {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT seq, dossier_code, kind, reason, sent_at FROM national_outbox WHERE state = 'refused' ORDER BY seq DESC LIMIT 200")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r OutboxRefusal
			if err := rows.Scan(&r.Seq, &r.MaHoSo, &r.Kind, &r.Reason, &r.At); err != nil {
				return err
			}
			st.Refused = append(st.Refused, r)
		}
		return rows.Err()
	})
	return st, err
}

// ResendGaps asks the hub which sequence numbers it lacks and puts those records back in the
// queue. It returns how many it requeued.
func (o *Outbox) ResendGaps(ctx context.Context) (int, error) {
	tok, err := o.accessToken(ctx)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", o.Upstream+"/api/v1/national/provinces/"+url.PathEscape(o.Province)+"/gaps", nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := o.HTTP.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("national hub gaps: %s", resp.Status)
	}
	var g Gaps
	if err := json.NewDecoder(resp.Body).Decode(&g); err != nil {
		return 0, err
	}
	n := 0
	err = o.db.Tx(ctx, func(tx *db.Tx) error {
		for _, m := range g.Missing {
			res, err := tx.Exec(ctx, "UPDATE national_outbox SET state = 'pending' WHERE seq BETWEEN ? AND ? AND state = 'sent'", m.From, m.To)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

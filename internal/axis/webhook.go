package axis

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/jobs"
)

// WebhookQueue is the job queue of webhook calls.
const WebhookQueue = "axis.webhook"

// SignatureHeader carries a webhook's signature: "t=<unix seconds>,v1=<hex HMAC-SHA256 of
// t + "." + body with the webhook's secret>". Receivers recompute it and refuse old timestamps.
const SignatureHeader = "X-Lienthong-Signature"

// Webhook is an agency's registered callback.
type Webhook struct {
	Agency    string    `json:"agency"`
	URL       string    `json:"url"`
	Secret    string    `json:"secret,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// WebhookRequest is the body of PUT /api/v1/axis/webhooks/{agency}.
type WebhookRequest struct {
	URL string `json:"url"`
}

// WebhookEvent is what a webhook receives when a package arrives in the agency's inbox.
type WebhookEvent struct {
	Event      string    `json:"event"`
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	DocumentID string    `json:"document_id"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	StatusCode string    `json:"status_code,omitempty"`
	At         time.Time `json:"at"`
}

// SetWebhook registers (or replaces) the callback of an agency the caller acts for and returns it
// with a new secret, shown once.
func (s *Service) SetWebhook(ctx context.Context, p *auth.Principal, agency, rawURL string) (*Webhook, error) {
	if p == nil || !p.ActsFor(agency) {
		return nil, forbiddenFor(p, agency)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, errs.Reasonf(errs.Invalid, "bad_url", "url %q: want an absolute http(s) URL", rawURL)
	}
	var b [24]byte
	rand.Read(b[:])
	w := &Webhook{Agency: agency, URL: u.String(), Secret: hex.EncodeToString(b[:])}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		w.CreatedAt = tx.Now
		_, err := tx.Exec(ctx, `INSERT INTO axis_webhooks (agency_code, url, secret, client_id, created_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (agency_code) DO UPDATE SET url = excluded.url, secret = excluded.secret, client_id = excluded.client_id, created_at = excluded.created_at`,
			agency, w.URL, w.Secret, p.ID, tx.Now)
		return err
	})
	return w, err
}

// DeleteWebhook removes an agency's callback.
func (s *Service) DeleteWebhook(ctx context.Context, p *auth.Principal, agency string) error {
	if p == nil || !p.ActsFor(agency) {
		return forbiddenFor(p, agency)
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM axis_webhooks WHERE agency_code = ?", agency)
		return err
	})
}

// enqueueWebhook schedules the callback of a recipient with a webhook, in the delivery's transaction.
func enqueueWebhook(ctx context.Context, tx *db.Tx, ev WebhookEvent) error {
	var n int
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM axis_webhooks WHERE agency_code = ?", ev.To).Scan(&n); err != nil || n == 0 {
		return err
	}
	payload, _ := json.Marshal(ev)
	return jobs.EnqueueTx(ctx, tx, WebhookQueue, payload, jobs.DedupeKey("hook:"+ev.ID+":"+ev.To), jobs.MaxAttempts(12))
}

// CallWebhook is the handler of the webhook queue: it POSTs the event, signed, and treats any 2xx
// as received. Failures are retried with backoff by the queue.
func (s *Service) CallWebhook(ctx context.Context, j jobs.Job) error {
	var ev WebhookEvent
	if err := json.Unmarshal(j.Payload, &ev); err != nil {
		return fmt.Errorf("axis.CallWebhook: bad payload: %w", err)
	}
	var hookURL, secret string
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT url, secret FROM axis_webhooks WHERE agency_code = ?", ev.To).Scan(&hookURL, &secret)
	})
	if db.IsNoRows(err) {
		return nil // unregistered meanwhile
	}
	if err != nil {
		return err
	}
	body, _ := json.Marshal(ev)
	req, err := http.NewRequestWithContext(ctx, "POST", hookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(SignatureHeader, SignWebhook(secret, time.Now(), body))
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", hookURL, err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("webhook %s answered HTTP %d", hookURL, resp.StatusCode)
	}
	s.recordEvent(ctx, ev.ID, ev.To, "webhook", "", "called "+hookURL)
	return nil
}

// SignWebhook returns the signature header value for a body sent at t.
func SignWebhook(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// VerifyWebhook checks a signature header against the body, refusing signatures more than maxAge
// away from now (replays).
func VerifyWebhook(secret, header string, body []byte, maxAge time.Duration) bool {
	var ts int64
	for _, part := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
			ts, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	t := time.Unix(ts, 0)
	if ts == 0 || time.Since(t) > maxAge || time.Until(t) > maxAge {
		return false
	}
	return hmac.Equal([]byte(SignWebhook(secret, t, body)), []byte(strings.ReplaceAll(header, " ", "")))
}

// WebhookBackoff retries quickly at first (2 s, 4 s, 8 s …) and at most every 10 minutes.
func WebhookBackoff(attempt int) time.Duration {
	if attempt > 9 {
		return 10 * time.Minute
	}
	return min(time.Second<<attempt, 10*time.Minute)
}

package axis

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
	"github.com/lienthong/lienthong/internal/jobs"
)

// Hierarchical axes: a provincial node serves the agencies of its scope (for example the subtree
// of 000.00.00.H36). A package for a recipient outside the scope gets a delivery row marked
// "upstream" here and a forward job that sends the package, unchanged, to the upstream (national)
// node; the upstream node's packages for the scope are pulled down and accepted here as if sent
// locally. Both directions are idempotent (the DocumentId and the package hash), so a retry or a
// package that arrives both ways is stored once.

// ForwardQueue is the job queue of packages waiting to go upstream.
const ForwardQueue = "axis.forward"

// TransportUpstream marks the delivery of a recipient served by the upstream node.
const TransportUpstream = "upstream"

// Upstream is the node this node forwards to, and its credentials there.
type Upstream struct {
	URL          string
	ClientID     string
	ClientSecret string
	HTTP         *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// upstreamPrincipal is who packages pulled from upstream are accepted as: the upstream node has
// already checked the sender, so it may act for any agency.
var upstreamPrincipal = &auth.Principal{Kind: auth.KindClient, ID: "upstream", Name: "upstream node", Agency: auth.Everywhere, Subtree: true}

// inScope reports whether this node serves the agency itself.
func (s *Service) inScope(code string) bool {
	return s.opt.Scope == "" || auth.ScopeCovers(s.opt.Scope, code)
}

type forwardJob struct {
	Package string `json:"package"` // our package id
	Kind    string `json:"kind"`    // document or status
}

func (u *Upstream) client() *http.Client {
	if u.HTTP != nil {
		return u.HTTP
	}
	return &http.Client{Timeout: 2 * time.Minute}
}

func (u *Upstream) bearer(ctx context.Context, renew bool) (string, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if !renew && u.token != "" && time.Until(u.expires) > 30*time.Second {
		return u.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, "POST", strings.TrimRight(u.URL, "/")+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.SetBasicAuth(u.ClientID, u.ClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := u.client().Do(req)
	if err != nil {
		return "", errs.Wrap(errs.Unavailable, err, "upstream axis unreachable")
	}
	defer resp.Body.Close()
	var tok auth.Token
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tok) != nil {
		return "", errs.Reasonf(errs.Unavailable, "upstream_auth", "the upstream axis refused this node's credentials (HTTP %d)", resp.StatusCode)
	}
	u.token, u.expires = tok.AccessToken, time.Now().Add(time.Duration(tok.ExpiresIn)*time.Second)
	return u.token, nil
}

// do sends an authenticated request, renewing the token once if it expired.
func (u *Upstream) do(ctx context.Context, method, path string, body func() io.Reader, contentType string) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		tok, err := u.bearer(ctx, attempt > 0)
		if err != nil {
			return nil, err
		}
		var b io.Reader
		if body != nil {
			b = body()
		}
		req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(u.URL, "/")+path, b)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		resp, err := u.client().Do(req)
		if err != nil {
			return nil, errs.Wrap(errs.Unavailable, err, "upstream axis unreachable")
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			resp.Body.Close()
			continue
		}
		return resp, nil
	}
}

// upstreamError turns an upstream refusal into an error; 4xx answers are permanent.
func upstreamError(resp *http.Response) (error, bool) {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e struct {
		Error struct{ Code, Reason, Message string }
	}
	json.Unmarshal(b, &e)
	msg := fmt.Sprintf("upstream answered HTTP %d: %s %s", resp.StatusCode, e.Error.Reason, e.Error.Message)
	permanent := resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests
	return errs.Reasonf(errs.Unavailable, "upstream_refused", "%s", msg), permanent
}

// Forward is the handler of the forward queue: it sends one package to the upstream node. A refusal
// by the upstream is recorded in the package's timeline and not retried; a network failure is.
func (s *Service) Forward(ctx context.Context, j jobs.Job) error {
	var fj forwardJob
	if err := json.Unmarshal(j.Payload, &fj); err != nil {
		return fmt.Errorf("axis.Forward: bad payload: %w", err)
	}
	if s.up == nil {
		return errs.Reasonf(errs.Unavailable, "no_upstream", "this node has no upstream axis configured")
	}
	var sha string
	if err := s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT package_sha FROM axis_documents WHERE id = ?", fj.Package).Scan(&sha)
	}); err != nil {
		return err
	}
	path := "/api/v1/axis/edocs"
	if fj.Kind == "status" {
		path = "/api/v1/axis/status"
	}
	resp, err := s.up.do(ctx, "POST", path, func() io.Reader {
		f, err := s.openStored(ctx, fj.Package, sha)
		if err != nil {
			return errReader{err}
		}
		return f
	}, "application/xml")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		var rc Receipt
		json.NewDecoder(resp.Body).Decode(&rc)
		s.recordEvent(ctx, fj.Package, s.opt.Scope, "forwarded", "", "to the upstream axis as "+rc.ID)
		return nil
	}
	uerr, permanent := upstreamError(resp)
	s.recordEvent(ctx, fj.Package, s.opt.Scope, "forward_failed", "", uerr.Error())
	if permanent {
		return nil // recorded; retrying cannot help
	}
	return uerr
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// PullDown receives, until ctx ends, what the upstream node holds for this node's scope: each
// package is accepted here as if sent locally (idempotently) and then acknowledged upstream.
func (s *Service) PullDown(ctx context.Context) {
	if s.up == nil || s.opt.Scope == "" {
		return
	}
	var after int64
	for ctx.Err() == nil {
		n, next, err := s.pullOnce(ctx, after)
		if err != nil {
			if ctx.Err() == nil {
				slog.Warn("axis: pulling from the upstream axis failed", "err", err)
				select {
				case <-ctx.Done():
				case <-time.After(5 * time.Second):
				}
			}
			continue
		}
		if n == 0 {
			after = 0 // start over: items not acknowledged (failures) are offered again
		} else {
			after = next
		}
	}
}

func (s *Service) pullOnce(ctx context.Context, after int64) (int, int64, error) {
	q := url.Values{"agency": {s.opt.Scope}, "subtree": {"true"}, "after": {fmt.Sprint(after)}, "limit": {"50"}, "wait": {"25s"}}
	resp, err := s.up.do(ctx, "GET", "/api/v1/axis/edocs/received?"+q.Encode(), nil, "")
	if err != nil {
		return 0, after, err
	}
	var page InboxPage
	if resp.StatusCode != http.StatusOK {
		uerr, _ := upstreamError(resp)
		resp.Body.Close()
		return 0, after, uerr
	}
	err = json.NewDecoder(resp.Body).Decode(&page)
	resp.Body.Close()
	if err != nil {
		return 0, after, err
	}
	for _, it := range page.Items {
		if err := s.pullItem(ctx, it); err != nil && ctx.Err() == nil {
			slog.Warn("axis: a package from the upstream axis was not accepted", "id", it.ID, "err", err)
			continue
		}
	}
	return len(page.Items), page.Next, nil
}

func (s *Service) pullItem(ctx context.Context, it InboxItem) error {
	resp, err := s.up.do(ctx, "GET", "/api/v1/axis/edocs/"+url.PathEscape(it.ID), nil, "")
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		uerr, _ := upstreamError(resp)
		resp.Body.Close()
		return uerr
	}
	var rc *Receipt
	if it.Kind == "status" {
		rc, err = s.accept(ctx, upstreamPrincipal, resp.Body, true, true)
	} else {
		rc, err = s.accept(ctx, upstreamPrincipal, resp.Body, false, true)
	}
	resp.Body.Close()
	transport := TransportDone
	if err != nil {
		transport = TransportFail
		if e := errs.As(err); e.Code == errs.Internal || e.Code == errs.Unavailable {
			return err // try again later; tell the upstream nothing
		}
	}
	body, _ := json.Marshal(AckRequest{Agency: it.To, Status: transport})
	ack, aerr := s.up.do(ctx, "POST", "/api/v1/axis/edocs/"+url.PathEscape(it.ID)+"/ack", func() io.Reader { return bytes.NewReader(body) }, "application/json")
	if aerr != nil {
		return aerr
	}
	ack.Body.Close()
	if rc != nil && !rc.Duplicate {
		s.recordEvent(ctx, rc.ID, it.To, "received_from_upstream", "", "upstream package "+it.ID)
	}
	return err
}

// recordEvent adds a timeline event in its own transaction; failing to record is logged, not fatal.
func (s *Service) recordEvent(ctx context.Context, document, agency, ev, status, detail string) {
	// What happened happened: record it even when the caller is being cancelled.
	ctx = context.WithoutCancel(ctx)
	if err := s.db.Tx(ctx, func(tx *db.Tx) error { return event(ctx, tx, document, agency, ev, status, detail) }); err != nil {
		slog.Warn("axis: recording an event failed", "document", document, "event", ev, "err", err)
	}
}

// deliver adds the delivery of a package to one recipient: into the local inbox when this node
// serves the recipient, else marked upstream with a forward job (once per package).
func (s *Service) deliver(ctx context.Context, tx *db.Tx, ev WebhookEvent, fromUpstream bool, forwarded *bool) error {
	id, kind, recipient := ev.ID, ev.Kind, ev.To
	transport := "pending"
	if !s.inScope(recipient) && !fromUpstream {
		transport = TransportUpstream
	}
	if _, err := tx.Exec(ctx, "INSERT INTO axis_deliveries (document, recipient_code, transport, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		id, recipient, transport, tx.Now, tx.Now); err != nil {
		return err
	}
	if transport != TransportUpstream {
		if err := event(ctx, tx, id, recipient, "delivered", "", "in the inbox"); err != nil {
			return err
		}
		ev.Event, ev.At = "delivered", tx.Now
		return enqueueWebhook(ctx, tx, ev)
	}
	if !*forwarded {
		payload, _ := json.Marshal(forwardJob{Package: id, Kind: kind})
		if err := jobs.EnqueueTx(ctx, tx, ForwardQueue, payload, jobs.DedupeKey("fwd:"+id)); err != nil {
			return err
		}
		*forwarded = true
	}
	return event(ctx, tx, id, recipient, "queued_upstream", "", "served by the upstream axis")
}

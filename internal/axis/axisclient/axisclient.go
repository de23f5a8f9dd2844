// Package axisclient is a small HTTP client of the axis API for a connected system (hệ thống kết
// nối): it gets an OAuth2 client-credentials token at /oauth/token, keeps it for the life of the
// client, and calls the /api/v1/axis routes. The reference client `lienthong axis` and the tests
// that drive a node over HTTP use it. It speaks only HTTP: it never opens a node's database.
package axisclient

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/errs"
)

// Client calls one node's axis API with one machine client's credentials. It is safe for
// concurrent use.
type Client struct {
	base   string
	id     string
	secret string
	hc     *http.Client

	mu      sync.Mutex
	token   string
	expires time.Time
}

// New returns a client of the node at baseURL (such as http://127.0.0.1:8080). hc may be nil for
// http.DefaultClient; it should have no overall Timeout shorter than the long polls it will make.
func New(baseURL, clientID, clientSecret string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{base: strings.TrimRight(baseURL, "/"), id: clientID, secret: clientSecret, hc: hc}
}

// Error is an error answer of the node: an API error {"error":{code,reason,message,fields}} or an
// OAuth2 error {"error","error_description"} from the token endpoint.
type Error struct {
	// Status is the HTTP status of the answer.
	Status int
	api.ErrorDetail
}

// Error implements error: the server's message, then its codes and the HTTP status.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if e.Message == "" {
		b.WriteString(http.StatusText(e.Status))
	}
	fmt.Fprintf(&b, " (HTTP %d", e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, ", %s", e.Code)
		if e.Reason != "" {
			fmt.Fprintf(&b, "/%s", e.Reason)
		}
	}
	b.WriteString(")")
	for _, f := range e.Fields {
		b.WriteString("\n  ")
		if f.Line > 0 {
			fmt.Fprintf(&b, "line %d: ", f.Line)
		}
		fmt.Fprintf(&b, "%s: %s", f.Field, f.Message)
	}
	return b.String()
}

// ChecksumError reports a downloaded package whose SHA-256 differs from the one the node announced.
type ChecksumError struct {
	ID             string
	Want, Received string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("package %s: the node announced SHA-256 %s but the bytes received hash to %s", e.ID, e.Want, e.Received)
}

// Token returns a bearer token, asking /oauth/token for one when the client has none or the one it
// has is about to expire.
func (c *Client) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && time.Now().Before(c.expires) {
		return c.token, nil
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1 form-encodes the credentials inside Basic; the node's ids and secrets are
	// base64url, which that encoding leaves unchanged, and the node reads them as they come.
	req.SetBasicAuth(c.id, c.secret)
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("axisclient: token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("axisclient: token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		if json.Unmarshal(body, &oe) != nil || oe.Error == "" {
			return "", &Error{Status: resp.StatusCode, ErrorDetail: api.ErrorDetail{Message: "the token endpoint answered " + resp.Status}}
		}
		code := errs.Invalid
		if resp.StatusCode == http.StatusUnauthorized {
			code = errs.Unauthorized
		} else if resp.StatusCode == http.StatusServiceUnavailable {
			code = errs.Unavailable
		}
		return "", &Error{Status: resp.StatusCode, ErrorDetail: api.ErrorDetail{Code: code, Reason: oe.Error, Message: oe.Description}}
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("axisclient: token: the node's answer carries no access_token")
	}
	c.token = tok.AccessToken
	// Renew a little early, so that a token does not expire between here and the node.
	life := time.Duration(tok.ExpiresIn) * time.Second
	c.expires = time.Now().Add(life - min(life/10, 30*time.Second))
	return c.token, nil
}

// forget drops the cached token if it is still tok.
func (c *Client) forget(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = ""
	}
}

// do sends a request and returns a 2xx response, whose body the caller closes, or an *Error. When
// the node says the token expired, it gets a new one and tries once more, rewinding body when it
// is an io.Seeker (a file); a body that cannot be rewound is not resent.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string) (*http.Response, error) {
	var start, size int64 = 0, -1
	seeker, _ := body.(io.Seeker)
	if seeker != nil {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			return nil, err
		}
		end, err := seeker.Seek(0, io.SeekEnd)
		if err != nil {
			return nil, err
		}
		if _, err := seeker.Seek(start, io.SeekStart); err != nil {
			return nil, err
		}
		size = end - start
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.Token(ctx)
		if err != nil {
			return nil, err
		}
		var rc io.ReadCloser = http.NoBody
		if body != nil {
			// The caller owns the body (an open file): the transport must not close it.
			rc = io.NopCloser(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, u, rc)
		if err != nil {
			return nil, err
		}
		if body != nil {
			req.ContentLength = size
			if size == 0 {
				req.Body = http.NoBody
			}
			req.Header.Set("Content-Type", contentType)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Accept", "application/json")
		resp, err := c.hc.Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode < 300 {
			return resp, nil
		}
		apiErr := readError(resp)
		if apiErr.Status == http.StatusUnauthorized && apiErr.Reason == "expired_token" && attempt == 0 && (body == nil || seeker != nil) {
			c.forget(tok)
			if seeker != nil {
				if _, err := seeker.Seek(start, io.SeekStart); err != nil {
					return nil, err
				}
			}
			continue
		}
		return nil, apiErr
	}
}

func readError(resp *http.Response) *Error {
	defer resp.Body.Close()
	e := &Error{Status: resp.StatusCode}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var eb api.ErrorBody
	if json.Unmarshal(b, &eb) == nil && eb.Error.Message != "" {
		e.ErrorDetail = eb.Error
		return e
	}
	e.Message = "the node answered " + resp.Status
	if s := strings.TrimSpace(string(b)); s != "" && len(s) < 300 && !strings.HasPrefix(s, "<") {
		e.Message += ": " + s
	}
	return e
}

func (c *Client) call(ctx context.Context, method, path string, query url.Values, body io.Reader, contentType string, out any) error {
	resp, err := c.do(ctx, method, path, query, body, contentType)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("axisclient: %s %s: reading the answer: %w", method, path, err)
	}
	return nil
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return strings.NewReader(string(b))
}

// Send sends a document package, read from body as the request goes out (a file is never read
// whole into memory), and returns the receipt; Duplicate is set when the node had already
// accepted the same package. The receipt comes only after the node committed the package durably.
func (c *Client) Send(ctx context.Context, body io.Reader) (*axis.Receipt, error) {
	var rc axis.Receipt
	if err := c.call(ctx, http.MethodPost, "/api/v1/axis/edocs", nil, body, "application/xml", &rc); err != nil {
		return nil, err
	}
	return &rc, nil
}

// SendStatus sends a status packet; the node routes it to the document's sender.
func (c *Client) SendStatus(ctx context.Context, body io.Reader) (*axis.Receipt, error) {
	var rc axis.Receipt
	if err := c.call(ctx, http.MethodPost, "/api/v1/axis/status", nil, body, "application/xml", &rc); err != nil {
		return nil, err
	}
	return &rc, nil
}

// Received returns one page of an agency's inbox (the client's own agency when q.Agency is
// empty), oldest first, after the cursor q.After. With q.Wait the node holds the request until
// something arrives or the time is up. Limit 0 means the node's default.
func (c *Client) Received(ctx context.Context, q axis.InboxQuery) (*axis.InboxPage, error) {
	v := url.Values{}
	if q.Agency != "" {
		v.Set("agency", q.Agency)
	}
	if q.After > 0 {
		v.Set("after", strconv.FormatInt(q.After, 10))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if q.Wait > 0 {
		v.Set("wait", q.Wait.String())
	}
	if q.All {
		v.Set("all", "true")
	}
	var page axis.InboxPage
	if err := c.call(ctx, http.MethodGet, "/api/v1/axis/edocs/received", v, nil, "", &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// Download describes a package written by Get.
type Download struct {
	ID   string `json:"id"`
	Size int64  `json:"size"`
	// SHA256 is the hash of the bytes received.
	SHA256 string `json:"sha256"`
	// Checked is true when the node announced a hash (X-Content-SHA256) and it matched.
	Checked bool `json:"checked"`
}

// Get writes the package id to w exactly as its sender sent it and checks it against the hash the
// node announced; a mismatch is a *ChecksumError (w then holds bad bytes: write to a temporary
// file and keep it only when Get succeeds).
func (c *Client) Get(ctx context.Context, id string, w io.Writer) (*Download, error) {
	resp, err := c.do(ctx, http.MethodGet, "/api/v1/axis/edocs/"+url.PathEscape(id), nil, nil, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), resp.Body)
	if err != nil {
		return nil, fmt.Errorf("axisclient: downloading %s: %w", id, err)
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return nil, fmt.Errorf("axisclient: downloading %s: got %d bytes of %d", id, n, resp.ContentLength)
	}
	d := &Download{ID: id, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
	if want := strings.ToLower(strings.TrimSpace(resp.Header.Get("X-Content-SHA256"))); want != "" {
		if want != d.SHA256 {
			return nil, &ChecksumError{ID: id, Want: want, Received: d.SHA256}
		}
		d.Checked = true
	}
	return d, nil
}

// Info returns a package's metadata, deliveries and timeline.
func (c *Client) Info(ctx context.Context, id string) (*axis.Document, error) {
	var d axis.Document
	if err := c.call(ctx, http.MethodGet, "/api/v1/axis/edocs/"+url.PathEscape(id)+"/info", nil, nil, "", &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// Ack records a transport acknowledgement (done, fail or processing) by recipient agency (the
// client's own agency when empty).
func (c *Client) Ack(ctx context.Context, id, agency, status string) error {
	return c.call(ctx, http.MethodPost, "/api/v1/axis/edocs/"+url.PathEscape(id)+"/ack", nil,
		jsonBody(axis.AckRequest{Agency: agency, Status: status}), "application/json", nil)
}

// Sent lists what an agency sent (the client's own agency when empty), newest first, with the
// state at each recipient. Limit 0 means the node's default.
func (c *Client) Sent(ctx context.Context, agency string, limit int) ([]axis.SentItem, error) {
	v := url.Values{}
	if agency != "" {
		v.Set("agency", agency)
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var out []axis.SentItem
	if err := c.call(ctx, http.MethodGet, "/api/v1/axis/edocs/sent", v, nil, "", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// AgencyQuery selects agencies in Agencies.
type AgencyQuery struct {
	// Registered, when set, keeps only agencies whose registration on the axis is *Registered.
	Registered *bool
	// Level is central, province, district or commune.
	Level string
	// Within keeps only this agency's subtree.
	Within string
}

// Agencies lists the agencies the axis knows, with their registration.
func (c *Client) Agencies(ctx context.Context, q AgencyQuery) ([]axis.AxisAgency, error) {
	v := url.Values{}
	if q.Registered != nil {
		v.Set("registered", strconv.FormatBool(*q.Registered))
	}
	if q.Level != "" {
		v.Set("level", q.Level)
	}
	if q.Within != "" {
		v.Set("within", q.Within)
	}
	var out []axis.AxisAgency
	if err := c.call(ctx, http.MethodGet, "/api/v1/axis/agencies", v, nil, "", &out); err != nil {
		return nil, err
	}
	return out, nil
}

// IsAPIError reports whether err is an answer of the node (as opposed to a network failure) and
// returns it.
func IsAPIError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

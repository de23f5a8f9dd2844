package main

// End-to-end tests: they run the real command line (Run) with a temporary data folder, start real
// nodes on 127.0.0.1:0 and talk to them over HTTP, as an operator and a connected system would.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/web"
)

// syncBuffer is a bytes.Buffer that the node's goroutines and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// envOf returns a Runtime.Env that knows only vars, so the host's LIENTHONG_* variables cannot leak
// into a test.
func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// startNode runs `lienthong demo --addr 127.0.0.1:0 --data <t.TempDir()> args...` until the test
// ends and returns the node's base URL. Later flags win, so args may name another --data folder
// (the default one is then not created). Cleanup stops the node through its context and checks
// that Run returned nil, that is, that it shut down gracefully.
func startNode(t *testing.T, args ...string) (baseURL string) {
	t.Helper()
	full := []string{"demo", "--addr", "127.0.0.1:0"}
	if !slices.Contains(args, "--data") {
		full = append(full, "--data", t.TempDir())
	}
	full = append(full, args...)

	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Runtime{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, Env: envOf(nil),
			Ready: func(addr string) { ready <- addr }}, full)
	}()

	var (
		runErr    error
		returned  bool
		listening bool
	)
	t.Cleanup(func() {
		cancel()
		if !returned {
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second):
				t.Errorf("lienthong %s: still running 30s after its context was cancelled", strings.Join(full, " "))
			}
		}
		switch {
		case !listening:
			t.Logf("lienthong %s: Run returned %v after failing to start", strings.Join(full, " "), runErr)
		case runErr != nil:
			t.Errorf("lienthong %s: Run returned %v, want nil (graceful shutdown)", strings.Join(full, " "), runErr)
		}
		if t.Failed() {
			t.Logf("node stdout:\n%s\nnode stderr:\n%s", stdout.String(), stderr.String())
		}
	})

	select {
	case addr := <-ready:
		listening = true
		return "http://" + addr
	case runErr = <-done:
		returned = true
		t.Fatalf("lienthong %s: returned before listening: %v", strings.Join(full, " "), runErr)
	case <-time.After(30 * time.Second):
		t.Fatalf("lienthong %s: not listening after 30s", strings.Join(full, " "))
	}
	return ""
}

// cliTimeout bounds one administration command; they take milliseconds.
const cliTimeout = 30 * time.Second

// runCLI runs one command line to completion, as a shell would, and returns what it printed.
func runCLI(t *testing.T, env map[string]string, args ...string) (stdout string, err error) {
	t.Helper()
	// A command that hangs fails its test instead of the whole package's run.
	ctx, cancel := context.WithTimeout(t.Context(), cliTimeout)
	defer cancel()
	var out, errOut syncBuffer
	err = Run(ctx, Runtime{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Env: envOf(env)}, args)
	if s := errOut.String(); s != "" {
		t.Logf("lienthong %s: stderr:\n%s", strings.Join(args, " "), s)
	}
	return out.String(), err
}

// mustCLI is runCLI for commands that must succeed.
func mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runCLI(t, nil, args...)
	if err != nil {
		t.Fatalf("lienthong %s: %v\nstdout:\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// newClient returns an HTTP client with its own cookie jar that does not follow redirects, so that
// tests see the 303s of the forms.
func newClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Jar: jar, Transport: tr, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// response is an HTTP response with its body read.
type response struct {
	Status int
	Header http.Header
	Body   string
	// Cookies are the cookies the response set.
	Cookies []*http.Cookie
}

// send makes one request; header holds extra headers as name, value pairs.
func send(t *testing.T, c *http.Client, method, url, contentType string, body io.Reader, header ...string) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: string(b), Cookies: res.Cookies()}
}

func get(t *testing.T, c *http.Client, url string, header ...string) response {
	t.Helper()
	return send(t, c, http.MethodGet, url, "", nil, header...)
}

func postForm(t *testing.T, c *http.Client, url string, form url.Values, header ...string) response {
	t.Helper()
	return send(t, c, http.MethodPost, url, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), header...)
}

func postJSON(t *testing.T, c *http.Client, url, body string, header ...string) response {
	t.Helper()
	return send(t, c, http.MethodPost, url, "application/json", strings.NewReader(body), header...)
}

// wantStatus fails the test unless the response has the status.
func (r response) wantStatus(t *testing.T, what string, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: status %d, want %d; body:\n%.2000s", what, r.Status, status, r.Body)
	}
}

// decode parses a JSON body into v.
func (r response) decode(t *testing.T, what string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("%s: the body is not JSON (%v):\n%.2000s", what, err, r.Body)
	}
}

// apiError is the JSON shape of every API error.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	} `json:"error"`
}

// wantAPIError checks status, JSON content type and the error code (and reason, when given).
func (r response) wantAPIError(t *testing.T, what string, status int, code, reason string) {
	t.Helper()
	r.wantStatus(t, what, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s: Content-Type %q, want application/json", what, ct)
	}
	var e apiError
	r.decode(t, what, &e)
	if e.Error.Code != code || reason != "" && e.Error.Reason != reason || e.Error.Message == "" {
		t.Errorf("%s: error %+v, want code %q reason %q and a message", what, e.Error, code, reason)
	}
}

// login posts the real login form.
func login(t *testing.T, c *http.Client, base, login, password string) response {
	t.Helper()
	return postForm(t, c, base+"/login", url.Values{"login": {login}, "password": {password}, "next": {"/"}})
}

// mustLogin logs in and fails the test unless the session cookie is set.
func mustLogin(t *testing.T, c *http.Client, base, user, password string) {
	t.Helper()
	r := login(t, c, base, user, password)
	r.wantStatus(t, "log in as "+user, http.StatusSeeOther)
	if sessionCookie(r) == nil {
		t.Fatalf("log in as %s: no lt_session cookie in %v", user, r.Header.Values("Set-Cookie"))
	}
}

func sessionCookie(r response) *http.Cookie {
	for _, c := range r.Cookies {
		if c.Name == "lt_session" && c.Value != "" {
			return c
		}
	}
	return nil
}

// checkDemo checks the public surface of a freshly started demo node.
func checkDemo(t *testing.T, base, database string) {
	c := newClient(t)
	t.Run("healthz", func(t *testing.T) {
		r := get(t, c, base+"/healthz")
		r.wantStatus(t, "GET /healthz", http.StatusOK)
		if strings.TrimSpace(r.Body) != "ok" {
			t.Errorf("GET /healthz: body %q, want ok", r.Body)
		}
	})
	t.Run("readyz", func(t *testing.T) {
		r := get(t, c, base+"/readyz")
		r.wantStatus(t, "GET /readyz", http.StatusOK)
		var got map[string]string
		r.decode(t, "GET /readyz", &got)
		if diff := cmp.Diff(map[string]string{"status": "ready", "database": database}, got); diff != "" {
			t.Errorf("GET /readyz (-want +got):\n%s", diff)
		}
	})
	t.Run("metrics", func(t *testing.T) {
		get(t, c, base+"/healthz").wantStatus(t, "GET /healthz", http.StatusOK)
		r := get(t, c, base+"/metrics")
		r.wantStatus(t, "GET /metrics", http.StatusOK)
		for _, want := range []string{`lienthong_http_requests_total{route="GET /healthz",status="200"}`, "go_goroutines"} {
			if !strings.Contains(r.Body, want) {
				t.Errorf("GET /metrics lacks %s", want)
			}
		}
	})
	t.Run("openapi", func(t *testing.T) {
		r := get(t, c, base+"/openapi.json")
		r.wantStatus(t, "GET /openapi.json", http.StatusOK)
		var doc struct {
			OpenAPI string                     `json:"openapi"`
			Paths   map[string]json.RawMessage `json:"paths"`
		}
		r.decode(t, "GET /openapi.json", &doc)
		if doc.OpenAPI != "3.1.0" {
			t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
		}
		for _, p := range []string{"/api/v1/agencies/{code}", "/oauth/token", "/api/v1/me"} {
			if _, ok := doc.Paths[p]; !ok {
				t.Errorf("the OpenAPI document lacks the path %s", p)
			}
		}
	})
	t.Run("home", func(t *testing.T) {
		r := get(t, c, base+"/")
		r.wantStatus(t, "GET /", http.StatusOK)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("GET /: Content-Type %q, want text/html", ct)
		}
		if !strings.Contains(r.Body, `<html lang="vi">`) {
			t.Errorf("GET /: no <html lang=\"vi\"> in\n%.500s", r.Body)
		}
	})
	t.Run("search", func(t *testing.T) {
		r := get(t, c, base+"/agencies?q=dak+lak")
		r.wantStatus(t, "GET /agencies?q=dak+lak", http.StatusOK)
		if !strings.Contains(r.Body, "Ủy ban nhân dân tỉnh Đắk Lắk") {
			t.Errorf("GET /agencies?q=dak+lak does not list Ủy ban nhân dân tỉnh Đắk Lắk:\n%.3000s", r.Body)
		}
		var res struct {
			Agencies []struct {
				Code string `json:"code"`
				Name string `json:"name"`
			} `json:"agencies"`
		}
		api := get(t, c, base+"/api/v1/agencies?q=lam+dong&kind=province_committee")
		api.wantStatus(t, "GET /api/v1/agencies", http.StatusOK)
		api.decode(t, "GET /api/v1/agencies", &res)
		if len(res.Agencies) != 1 || res.Agencies[0].Code != "000.00.00.H36" || res.Agencies[0].Name != "Ủy ban nhân dân tỉnh Lâm Đồng" {
			t.Errorf("GET /api/v1/agencies?q=lam+dong&kind=province_committee: %+v, want only 000.00.00.H36", res.Agencies)
		}
	})
}

func TestDemo(t *testing.T) {
	t.Parallel()
	checkDemo(t, startNode(t), "sqlite")
}

func TestDemoPostgres(t *testing.T) {
	t.Parallel()
	dsn := dbtest.PostgresURL(t) // skips without LIENTHONG_TEST_POSTGRES
	checkDemo(t, startNode(t, "--db", dsn), "postgres")
}

// TestDemoTwice starts the demo twice on one data folder: the second load finds everything in place.
func TestDemoTwice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var totals [2]int
	for i := range totals {
		t.Run(fmt.Sprint("run", i+1), func(t *testing.T) {
			base := startNode(t, "--data", dir)
			c := newClient(t)
			r := get(t, c, base+"/api/v1/agencies?q=gia+lai")
			r.wantStatus(t, "GET /api/v1/agencies", http.StatusOK)
			var res struct{ Count, Total int }
			r.decode(t, "GET /api/v1/agencies", &res)
			if res.Count == 0 || res.Total < 100 {
				t.Fatalf("run %d: search found %d of %d agencies, want some of the whole demo registry", i+1, res.Count, res.Total)
			}
			totals[i] = res.Total
			mustLogin(t, c, base, "quantri", demo.Password)
		})
	}
	if totals[0] != totals[1] {
		t.Errorf("the registry has %d agencies after the first run and %d after the second", totals[0], totals[1])
	}
	users := mustCLI(t, "user", "list", "--data", dir)
	if n := len(strings.Split(strings.TrimSpace(users), "\n")); n != len(demo.Logins) {
		t.Errorf("user list shows %d accounts after two runs, want %d:\n%s", n, len(demo.Logins), users)
	}
	if out := mustCLI(t, "audit", "verify", "--data", dir); !strings.Contains(out, "intact") {
		t.Errorf("audit verify: %s", out)
	}
}

func TestPrintConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want map[string]any
	}{
		{"defaults", nil, []string{"--db", "postgres://lt:s3cr3t-pw@h/db"},
			map[string]any{"addr": "127.0.0.1:8080", "data": "./lienthong-data", "db": "postgres://lt:xxxxx@h/db"}},
		{"env overrides the default", map[string]string{"LIENTHONG_ADDR": "0.0.0.0:9090", "LIENTHONG_DB": "postgres://lt:s3cr3t-pw@h/db"}, nil,
			map[string]any{"addr": "0.0.0.0:9090", "data": "./lienthong-data", "db": "postgres://lt:xxxxx@h/db"}},
		{"flag overrides the env", map[string]string{"LIENTHONG_ADDR": "0.0.0.0:9090", "LIENTHONG_DATA": "/srv/lt"},
			[]string{"--addr", "127.0.0.1:7070", "--db", "postgres://lt:s3cr3t-pw@h/db"},
			map[string]any{"addr": "127.0.0.1:7070", "data": "/srv/lt", "db": "postgres://lt:xxxxx@h/db"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCLI(t, tt.env, append([]string{"serve", "--print-config"}, tt.args...)...)
			if err != nil {
				t.Fatalf("serve --print-config: %v", err)
			}
			if strings.Contains(out, "s3cr3t-pw") {
				t.Errorf("the printed configuration shows the password:\n%s", out)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("serve --print-config does not print JSON (%v):\n%s", err, out)
			}
			picked := map[string]any{}
			for k := range tt.want {
				picked[k] = got[k]
			}
			if diff := cmp.Diff(tt.want, picked); diff != "" {
				t.Errorf("serve --print-config (-want +got):\n%s", diff)
			}
			if got["token_ttl"] != "15m0s" || got["log_level"] != "info" {
				t.Errorf("serve --print-config: token_ttl %v, log_level %v; want the defaults 15m0s and info", got["token_ttl"], got["log_level"])
			}
		})
	}
}

// TestMachineClient registers connected systems with the CLI, before and while a node runs on the
// same data folder, and has them use the OAuth2 client credentials grant and the API.
func TestMachineClient(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	csv := filepath.Join(t.TempDir(), "demo.csv")
	if err := os.WriteFile(csv, demo.AgenciesCSV(), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "agency", "import", "--data", dir, csv)

	type credentials struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	createClient := func(name string) credentials {
		t.Helper()
		out := mustCLI(t, "client", "create", "--agency", "000.00.00.H36", "--name", name, "--data", dir)
		var cr credentials
		if err := json.Unmarshal([]byte(out), &cr); err != nil || cr.ClientID == "" || cr.ClientSecret == "" {
			t.Fatalf("client create printed %q (%v), want JSON with client_id and client_secret", out, err)
		}
		return cr
	}
	before := createClient("Hệ thống quản lý văn bản tỉnh Lâm Đồng")
	base := startNode(t, "--data", dir)
	during := createClient("Cổng dịch vụ công tỉnh Lâm Đồng")
	c := newClient(t)
	tokenForm := url.Values{"grant_type": {"client_credentials"}}

	token := func(t *testing.T, r response) string {
		t.Helper()
		r.wantStatus(t, "POST /oauth/token", http.StatusOK)
		var tok struct {
			AccessToken string `json:"access_token"`
			TokenType   string `json:"token_type"`
			ExpiresIn   int    `json:"expires_in"`
		}
		r.decode(t, "POST /oauth/token", &tok)
		if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn <= 0 {
			t.Fatalf("POST /oauth/token: %+v, want a bearer token", tok)
		}
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("POST /oauth/token: Cache-Control %q, want no-store", cc)
		}
		return tok.AccessToken
	}
	me := func(t *testing.T, tok, clientID string) {
		t.Helper()
		r := get(t, c, base+"/api/v1/me", "Authorization", "Bearer "+tok)
		r.wantStatus(t, "GET /api/v1/me", http.StatusOK)
		var p struct{ Kind, ID, Agency string }
		r.decode(t, "GET /api/v1/me", &p)
		if p.Kind != "client" || p.ID != clientID || p.Agency != "000.00.00.H36" {
			t.Errorf("GET /api/v1/me: %+v, want kind client, id %s, agency 000.00.00.H36", p, clientID)
		}
	}
	basic := func(cr credentials) string {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(cr.ClientID, cr.ClientSecret)
		return req.Header.Get("Authorization")
	}

	var tok string
	for _, cr := range []struct {
		name string
		cr   credentials
	}{{"created before the node started", before}, {"created while the node runs", during}} {
		t.Run(cr.name, func(t *testing.T) {
			t.Run("basic auth", func(t *testing.T) {
				tok = token(t, postForm(t, c, base+"/oauth/token", tokenForm, "Authorization", basic(cr.cr)))
				me(t, tok, cr.cr.ClientID)
			})
			t.Run("credentials in the body", func(t *testing.T) {
				form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cr.cr.ClientID}, "client_secret": {cr.cr.ClientSecret}}
				me(t, token(t, postForm(t, c, base+"/oauth/token", form)), cr.cr.ClientID)
			})
		})
	}
	if tok == "" {
		t.FailNow()
	}

	t.Run("wrong secret", func(t *testing.T) {
		wrong := credentials{ClientID: before.ClientID, ClientSecret: during.ClientSecret}
		r := postForm(t, c, base+"/oauth/token", tokenForm, "Authorization", basic(wrong))
		r.wantStatus(t, "POST /oauth/token with a wrong secret", http.StatusUnauthorized)
		var e struct{ Error string }
		r.decode(t, "POST /oauth/token", &e)
		if e.Error != "invalid_client" {
			t.Errorf("POST /oauth/token with a wrong secret: error %q, want invalid_client", e.Error)
		}
	})
	t.Run("forged token", func(t *testing.T) {
		// Change one character in the middle of the signed claims.
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			t.Fatalf("token %q does not have three parts", tok)
		}
		b := []byte(parts[1])
		i := len(b) / 2
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		forged := parts[0] + "." + string(b) + "." + parts[2]
		get(t, c, base+"/api/v1/me", "Authorization", "Bearer "+forged).
			wantAPIError(t, "GET /api/v1/me with a forged token", http.StatusUnauthorized, "unauthorized", "invalid_token")
	})
	t.Run("garbage token", func(t *testing.T) {
		get(t, c, base+"/api/v1/me", "Authorization", "Bearer garbage").
			wantAPIError(t, "GET /api/v1/me with a garbage token", http.StatusUnauthorized, "unauthorized", "invalid_token")
	})
	t.Run("no token", func(t *testing.T) {
		get(t, c, base+"/api/v1/me").
			wantAPIError(t, "GET /api/v1/me without credentials", http.StatusUnauthorized, "unauthorized", "no_credentials")
	})
	t.Run("JSON to the token endpoint", func(t *testing.T) {
		body := fmt.Sprintf(`{"grant_type":"client_credentials","client_id":%q,"client_secret":%q}`, before.ClientID, before.ClientSecret)
		r := postJSON(t, c, base+"/oauth/token", body)
		r.wantStatus(t, "POST /oauth/token with JSON", http.StatusBadRequest)
		var e struct{ Error string }
		r.decode(t, "POST /oauth/token", &e)
		if e.Error != "invalid_request" {
			t.Errorf("POST /oauth/token with JSON: error %q, want invalid_request", e.Error)
		}
	})
}

// TestAgencyImport imports CSV files with the CLI: a bad file changes nothing and its errors name
// the lines; a good one is imported.
func TestAgencyImport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(files, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := write("base.csv", "code,name,kind,level\n000.00.00.H98,Ủy ban nhân dân tỉnh Thử Nghiệm,province_committee,province\n")
	if out := mustCLI(t, "agency", "import", "--data", dir, base); !strings.Contains(out, "1 created") {
		t.Fatalf("agency import base.csv: %s", out)
	}
	listBefore := mustCLI(t, "agency", "list", "--data", dir)

	bad := write("bad.csv", "code,name,kind,level\n"+
		"000.00.01.H98,Văn phòng Ủy ban nhân dân tỉnh Thử Nghiệm,department,province\n"+ // line 2: fine on its own
		"00.00.02.H98,Sở Nội vụ tỉnh Thử Nghiệm,department,province\n"+ // line 3: malformed code
		"000.00.01.H97,Sở mồ côi,department,province\n") // line 4: parent 000.00.00.H97 does not exist
	out, err := runCLI(t, nil, "agency", "import", "--data", dir, bad)
	if err == nil {
		t.Fatalf("agency import bad.csv succeeded:\n%s", out)
	}
	msg := err.Error()
	for _, want := range []string{"line 3", "line 4", "000.00.00.H97"} {
		if !strings.Contains(msg, want) {
			t.Errorf("agency import bad.csv: the error does not mention %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "line 2") {
		t.Errorf("agency import bad.csv: the error blames the good line 2:\n%s", msg)
	}
	if got := mustCLI(t, "agency", "list", "--data", dir); got != listBefore {
		t.Errorf("agency list after a failed import (-before +after):\n%s", cmp.Diff(listBefore, got))
	}
	if _, err := runCLI(t, nil, "agency", "show", "--data", dir, "000.00.01.H98"); err == nil {
		t.Errorf("agency show 000.00.01.H98: the good line of the failed import was imported")
	}

	good := write("good.csv", "code,name,kind,level,on_axis\n"+
		"000.00.01.H98,Văn phòng Ủy ban nhân dân tỉnh Thử Nghiệm,department,province,true\n"+
		"000.00.02.H98,Sở Nội vụ tỉnh Thử Nghiệm,department,province,false\n")
	if out := mustCLI(t, "agency", "import", "--data", dir, good); !strings.Contains(out, "imported 2 rows: 2 created") {
		t.Errorf("agency import good.csv: %s", out)
	}
	var shown struct {
		Code, Name, Parent, Kind string
		OnAxis                   bool `json:"on_axis"`
		Children                 []string
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "agency", "show", "--data", dir, "000.00.01.H98")), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Code != "000.00.01.H98" || shown.Name != "Văn phòng Ủy ban nhân dân tỉnh Thử Nghiệm" || shown.Parent != "000.00.00.H98" || !shown.OnAxis {
		t.Errorf("agency show 000.00.01.H98: %+v", shown)
	}
	if err := json.Unmarshal([]byte(mustCLI(t, "agency", "show", "--data", dir, "000.00.00.H98")), &shown); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"000.00.01.H98", "000.00.02.H98"}, shown.Children); diff != "" {
		t.Errorf("agency show 000.00.00.H98: children (-want +got):\n%s", diff)
	}
	if list := mustCLI(t, "agency", "list", "--data", dir, "-q", "thu nghiem"); strings.Count(list, "H98") != 3 {
		t.Errorf("agency list -q \"thu nghiem\" should show the three agencies:\n%s", list)
	}
}

// TestLoginLockoutAudit creates an officer with the CLI, logs in through the real form, locks the
// account with wrong passwords, and checks that the audit log notices tampering.
func TestLoginLockoutAudit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := startNode(t, "--data", dir)
	const (
		user     = "vanthu.thu"
		name     = "Hoàng Thị Thư"
		password = "mật-khẩu-đủ-dài-2026"
	)
	out := mustCLI(t, "user", "create", "--data", dir, "--login", user, "--name", name,
		"--grant", "clerk@000.00.01.H36", "--password", password)
	if !strings.Contains(out, `"login":"`+user+`"`) || strings.Contains(out, password) {
		t.Errorf("user create printed %s", out)
	}
	msgs, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	vi := msgs.Messages("vi")

	t.Run("login", func(t *testing.T) {
		c := newClient(t)
		page := get(t, c, base+"/login")
		page.wantStatus(t, "GET /login", http.StatusOK)
		for _, field := range []string{`name="login"`, `name="password"`} {
			if !strings.Contains(page.Body, field) {
				t.Fatalf("the login page has no %s field", field)
			}
		}
		r := login(t, c, base, user, password)
		r.wantStatus(t, "POST /login", http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/" {
			t.Errorf("POST /login: Location %q, want /", loc)
		}
		sc := sessionCookie(r)
		if sc == nil {
			t.Fatalf("POST /login: no lt_session cookie in %v", r.Header.Values("Set-Cookie"))
		}
		if !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != "/" {
			t.Errorf("lt_session cookie %+v, want HttpOnly, SameSite=Lax, Path=/", sc)
		}
		home := get(t, c, base+"/")
		home.wantStatus(t, "GET / after logging in", http.StatusOK)
		if !strings.Contains(home.Body, name) {
			t.Errorf("the home page does not show %s after logging in", name)
		}
		var p struct {
			Kind, ID string
			Grants   []struct{ Role, Agency string }
		}
		me := get(t, c, base+"/api/v1/me")
		me.wantStatus(t, "GET /api/v1/me with the session", http.StatusOK)
		me.decode(t, "GET /api/v1/me", &p)
		if p.Kind != "user" || p.ID != user || len(p.Grants) != 1 || p.Grants[0].Role != "clerk" || p.Grants[0].Agency != "000.00.01.H36" {
			t.Errorf("GET /api/v1/me: %+v", p)
		}
	})

	t.Run("lockout", func(t *testing.T) {
		c := newClient(t)
		for i := 1; i <= 5; i++ {
			r := login(t, c, base, user, fmt.Sprintf("wrong password %d", i))
			r.wantStatus(t, fmt.Sprintf("wrong password %d", i), http.StatusUnauthorized)
			if !strings.Contains(r.Body, vi["login.error.bad_credentials"]) || sessionCookie(r) != nil {
				t.Errorf("wrong password %d: the page does not say %q, or a session was opened", i, vi["login.error.bad_credentials"])
			}
		}
		r := login(t, c, base, user, password)
		r.wantStatus(t, "the right password on a locked account", http.StatusUnauthorized)
		if sessionCookie(r) != nil {
			t.Errorf("a locked account got a session")
		}
		if !strings.Contains(r.Body, vi["login.error.locked"]) {
			t.Errorf("the login page does not say the account is locked (%q):\n%.3000s", vi["login.error.locked"], r.Body)
		}
		if get(t, c, base+"/api/v1/me").Status != http.StatusUnauthorized {
			t.Errorf("GET /api/v1/me answers a client whose login was refused")
		}
	})

	t.Run("audit", func(t *testing.T) {
		out, err := runCLI(t, nil, "audit", "verify", "--data", dir)
		if err != nil || !strings.Contains(out, "audit log intact") {
			t.Fatalf("audit verify before tampering: %v\n%s", err, out)
		}
		n := regexp.MustCompile(`(\d+) entries`).FindStringSubmatch(out)
		if n == nil || n[1] == "0" || n[1] == "1" {
			t.Errorf("audit verify: %q, want the entries of the demo load, the login and the failures", out)
		}

		sqlDB, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "lienthong.db")+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatal(err)
		}
		res, err := sqlDB.Exec("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("tampering changed %d rows, want 1", n)
		}
		if err := sqlDB.Close(); err != nil {
			t.Fatal(err)
		}

		out, err = runCLI(t, nil, "audit", "verify", "--data", dir)
		if err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("audit verify after tampering: err %v, want the log reported damaged\n%s", err, out)
		}
		if !strings.HasPrefix(out, "row 1:") {
			t.Errorf("audit verify after tampering should name row 1:\n%s", out)
		}
	})
}

// TestAgencyAPIWrites checks the write API's limits and access rules.
func TestAgencyAPIWrites(t *testing.T) {
	t.Parallel()
	base := startNode(t, "--max-body-bytes", "4096")
	admin, viewer, anonymous := newClient(t), newClient(t), newClient(t)
	mustLogin(t, admin, base, "quantri", demo.Password)
	mustLogin(t, viewer, base, "theodoi.vpcp", demo.Password)
	const agency = `{"code":"000.00.00.H99","name":"Ủy ban nhân dân tỉnh Thử Nghiệm","kind":"province_committee","level":"province"%s}`

	t.Run("too large", func(t *testing.T) {
		huge := fmt.Sprintf(agency, `,"address":"`+strings.Repeat("x", 64<<10)+`"`)
		postJSON(t, admin, base+"/api/v1/agencies", huge).
			wantAPIError(t, "POST /api/v1/agencies with 64 KiB", http.StatusRequestEntityTooLarge, "too_large", "")
	})
	t.Run("unknown field", func(t *testing.T) {
		postJSON(t, admin, base+"/api/v1/agencies", fmt.Sprintf(agency, `,"colour":"red"`)).
			wantAPIError(t, "POST /api/v1/agencies with an unknown field", http.StatusBadRequest, "invalid", "")
	})
	t.Run("anonymous", func(t *testing.T) {
		postJSON(t, anonymous, base+"/api/v1/agencies", fmt.Sprintf(agency, "")).
			wantAPIError(t, "POST /api/v1/agencies without credentials", http.StatusUnauthorized, "unauthorized", "")
	})
	t.Run("viewer", func(t *testing.T) {
		postJSON(t, viewer, base+"/api/v1/agencies", fmt.Sprintf(agency, "")).
			wantAPIError(t, "POST /api/v1/agencies as a viewer", http.StatusForbidden, "forbidden", "")
	})
	t.Run("admin", func(t *testing.T) {
		// After the refusals, the same body from an administrator goes through.
		r := postJSON(t, admin, base+"/api/v1/agencies", fmt.Sprintf(agency, ""))
		r.wantStatus(t, "POST /api/v1/agencies as an administrator", http.StatusCreated)
		var got struct {
			Code   string
			Active bool
		}
		r.decode(t, "POST /api/v1/agencies", &got)
		if got.Code != "000.00.00.H99" || !got.Active {
			t.Errorf("POST /api/v1/agencies: %+v", got)
		}
		postJSON(t, admin, base+"/api/v1/agencies", fmt.Sprintf(agency, "")).
			wantAPIError(t, "POST /api/v1/agencies again", http.StatusConflict, "conflict", "")
	})
}

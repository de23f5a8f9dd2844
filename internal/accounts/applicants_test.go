package accounts_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/accounts"
	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/web"
)

// mailbox stands for the e-mail server and SMS gateway, which are outside the system.
type mailbox struct {
	mu    sync.Mutex
	codes []auth.CodeMessage
}

func (m *mailbox) SendCode(ctx context.Context, c auth.CodeMessage) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.codes = append(m.codes, c)
	return nil
}

func (m *mailbox) last(t *testing.T) string {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.codes) == 0 {
		t.Fatal("no code was sent")
	}
	return m.codes[len(m.codes)-1].Code
}

// site is the accounts handler behind the real router and authentication middleware.
type site struct {
	url  string
	auth *auth.Service
	db   *db.DB
	mail *mailbox
}

func newSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	ctx := context.Background()
	mb := &mailbox{}
	s, err := auth.NewService(ctx, d, auth.Options{TokenTTL: time.Minute, SessionTTL: time.Hour, LockoutThreshold: 5,
		LockoutDuration: time.Minute, Notifier: mb})
	if err != nil {
		t.Fatal(err)
	}
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := accounts.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	h := &accounts.Handler{Auth: s, DB: d, Pages: pages, SessionTTL: time.Hour}
	rr := api.NewRouter(1 << 20)
	rr.PageLogin = "/login"
	rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
		d := api.Detail(r, err)
		pages.RenderError(w, r, api.Status(err), d.Code, d.Message, d.Fields)
	}
	rr.Handle(h.Routes()...)
	rr.Handle(h.PageRoutes()...)
	srv := httptest.NewServer(s.Middleware(rr.Mux))
	t.Cleanup(srv.Close)
	return &site{url: srv.URL, auth: s, db: d, mail: mb}
}

// login opens a session and returns its cookie header and CSRF token.
func (s *site) login(t *testing.T, login, password string) (string, string) {
	t.Helper()
	tok, p, err := s.auth.Login(context.Background(), login, password)
	if err != nil {
		t.Fatal(err)
	}
	return auth.SessionCookie + "=" + tok, p.CSRF
}

type answer struct {
	Status int
	Header http.Header
	Body   string
}

func (s *site) do(t *testing.T, method, path, cookie, contentType, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func (s *site) json(t *testing.T, method, path, cookie, body string) answer {
	t.Helper()
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return s.do(t, method, path, cookie, ct, body)
}

func (s *site) form(t *testing.T, path, cookie string, f url.Values) answer {
	t.Helper()
	return s.do(t, "POST", path, cookie, "application/x-www-form-urlencoded", f.Encode())
}

func (a answer) want(t *testing.T, what string, status int) answer {
	t.Helper()
	if a.Status != status {
		t.Fatalf("%s: status %d, want %d: %s", what, a.Status, status, a.Body)
	}
	return a
}

// apiError is the error body of the API.
type apiError struct {
	Error struct {
		Code, Reason, Message string
		Fields                []struct{ Field, Message string }
	}
}

func (a answer) apiError(t *testing.T) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal([]byte(a.Body), &e); err != nil {
		t.Fatalf("error body %q: %v", a.Body, err)
	}
	return e
}

func (e apiError) fields() []string {
	var out []string
	for _, f := range e.Error.Fields {
		out = append(out, f.Field)
	}
	return out
}

func countApplicants(t *testing.T, d *db.DB) int {
	t.Helper()
	var n int
	if err := d.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT COUNT(*) FROM applicants").Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

const anJSON = `{"kind":"citizen","identification_number":"068085012345","full_name":"Nguyễn Văn An","date_of_birth":"1985-04-12",
	"email":"an.nv@example.vn","phone":"0912 345 678","address":"12 Trần Phú, Đà Lạt, Lâm Đồng","password":"mật khẩu của An"}`

func TestApplicantAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newSite(t, d)

		r := s.json(t, "POST", "/api/v1/applicants", "", anJSON).want(t, "register", http.StatusCreated)
		var a auth.Applicant
		if err := json.Unmarshal([]byte(r.Body), &a); err != nil {
			t.Fatal(err)
		}
		if a.Login != "068085012345" || a.Kind != auth.Citizen || a.Phone != "0912345678" || a.EmailVerifiedAt != nil || strings.Contains(r.Body, "password") {
			t.Errorf("registered %s", r.Body)
		}

		// Repeating the registration is a conflict, never a second account.
		e := s.json(t, "POST", "/api/v1/applicants", "", anJSON).want(t, "register again", http.StatusConflict).apiError(t)
		if e.Error.Reason != "duplicate_applicant" || !cmp.Equal(e.fields(), []string{"identification_number"}) {
			t.Errorf("register again: %+v", e)
		}
		bad := strings.NewReplacer(`"068085012345"`, `"06808501234"`, `"0912 345 678"`, `"02633822222"`).Replace(anJSON)
		e = s.json(t, "POST", "/api/v1/applicants", "", bad).want(t, "bad registration", http.StatusBadRequest).apiError(t)
		if diff := cmp.Diff([]string{"identification_number", "phone"}, e.fields()); e.Error.Code != "invalid" || diff != "" {
			t.Errorf("bad registration: %+v (-want +got fields):\n%s", e, diff)
		}
		s.json(t, "POST", "/api/v1/applicants", "", `{"kind":"citizen","grants":[{"role":"admin","agency":"*"}]}`).
			want(t, "registration with grants", http.StatusBadRequest)
		if n := countApplicants(t, d); n != 1 {
			t.Errorf("%d applicants stored, want 1", n)
		}

		cookie, _ := s.login(t, "068085012345", "mật khẩu của An")
		r = s.json(t, "GET", "/api/v1/applicants/me", cookie, "").want(t, "GET me", http.StatusOK)
		var me auth.Applicant
		json.Unmarshal([]byte(r.Body), &me)
		if me.UserID != a.UserID || me.FullName != "Nguyễn Văn An" {
			t.Errorf("GET me: %s", r.Body)
		}
		var p auth.Principal
		json.Unmarshal([]byte(s.json(t, "GET", "/api/v1/me", cookie, "").want(t, "GET /api/v1/me", http.StatusOK).Body), &p)
		if p.ApplicantKind != auth.Citizen || len(p.Grants) != 0 {
			t.Errorf("GET /api/v1/me: %+v", p)
		}

		// An applicant cannot reach the administration API.
		for _, c := range []struct{ method, path, body string }{
			{"GET", "/api/v1/users", ""},
			{"POST", "/api/v1/users", `{"login":"hacker","full_name":"x","password":"0123456789ab","grants":[{"role":"admin","agency":"*"}]}`},
			{"GET", "/api/v1/clients", ""},
			{"POST", "/api/v1/clients", `{"name":"x","agency":"000.00.00.H36"}`},
			{"GET", "/api/v1/audit", ""},
			{"GET", "/api/v1/audit/verify", ""},
		} {
			if e := s.json(t, c.method, c.path, cookie, c.body).want(t, "applicant: "+c.method+" "+c.path, http.StatusForbidden).apiError(t); e.Error.Code != "forbidden" {
				t.Errorf("%s %s: %+v", c.method, c.path, e)
			}
		}

		// Contact details change; identity fields are not part of the update.
		r = s.json(t, "PATCH", "/api/v1/applicants/me", cookie, `{"phone":"+84 387 654 321"}`).want(t, "PATCH me", http.StatusOK)
		json.Unmarshal([]byte(r.Body), &me)
		if me.Phone != "0387654321" || me.Email != "an.nv@example.vn" {
			t.Errorf("PATCH me: %s", r.Body)
		}
		s.json(t, "PATCH", "/api/v1/applicants/me", cookie, `{"full_name":"Người Khác"}`).want(t, "PATCH the name", http.StatusBadRequest)
		e = s.json(t, "PATCH", "/api/v1/applicants/me", cookie, `{"email":"không hợp lệ"}`).want(t, "PATCH a bad e-mail", http.StatusBadRequest).apiError(t)
		if !cmp.Equal(e.fields(), []string{"email"}) {
			t.Errorf("PATCH a bad e-mail: %+v", e)
		}

		// Verification through the API.
		r = s.json(t, "POST", "/api/v1/applicants/me/verification-codes", cookie, `{"channel":"email"}`).want(t, "send a code", http.StatusOK)
		var sent auth.CodeSent
		json.Unmarshal([]byte(r.Body), &sent)
		if sent.To != "an.nv@example.vn" || strings.Contains(r.Body, s.mail.last(t)) {
			t.Errorf("send a code: %s", r.Body)
		}
		e = s.json(t, "POST", "/api/v1/applicants/me/verify", cookie, `{"channel":"email","code":"abc"}`).want(t, "a wrong code", http.StatusBadRequest).apiError(t)
		if e.Error.Reason != "bad_code" {
			t.Errorf("a wrong code: %+v", e)
		}
		r = s.json(t, "POST", "/api/v1/applicants/me/verify", cookie, `{"channel":"email","code":"`+s.mail.last(t)+`"}`).want(t, "the right code", http.StatusOK)
		json.Unmarshal([]byte(r.Body), &me)
		if me.EmailVerifiedAt == nil {
			t.Errorf("after verifying: %s", r.Body)
		}

		// Officers and anonymous callers have no applicant profile.
		if _, err := s.auth.CreateUser(ctx, auth.System, auth.NewUser{Login: "motcua.ld", FullName: "Trần Thị Mai", Password: "mật khẩu cán bộ",
			Grants: []auth.Grant{{Role: auth.Admin, Agency: auth.Everywhere}}}); err != nil {
			t.Fatal(err)
		}
		officer, _ := s.login(t, "motcua.ld", "mật khẩu cán bộ")
		if e := s.json(t, "GET", "/api/v1/applicants/me", officer, "").want(t, "officer: GET me", http.StatusForbidden).apiError(t); e.Error.Reason != "applicants_only" {
			t.Errorf("officer: GET me: %+v", e)
		}
		var users []auth.User
		json.Unmarshal([]byte(s.json(t, "GET", "/api/v1/users", officer, "").want(t, "officer: GET users", http.StatusOK).Body), &users)
		if len(users) != 1 || users[0].Login != "motcua.ld" {
			t.Errorf("officer: GET users lists %+v, want the officer only", users)
		}
		s.json(t, "GET", "/api/v1/applicants/me", "", "").want(t, "anonymous: GET me", http.StatusUnauthorized)
		s.json(t, "PATCH", "/api/v1/applicants/me", "", `{"phone":"0912345678"}`).want(t, "anonymous: PATCH me", http.StatusUnauthorized)
	})
}

func TestApplicantPages(t *testing.T) {
	s := newSite(t, dbtest.SQLite(t))
	ctx := context.Background()

	page := s.do(t, "GET", "/register", "", "", "").want(t, "GET /register", http.StatusOK)
	for _, want := range []string{`name="identification_number"`, `name="full_name"`, `name="password2"`, `value="citizen"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("GET /register has no %s", want)
		}
	}
	if strings.Contains(page.Body, `name="tax_code"`) {
		t.Error("the citizen form asks for a tax code")
	}
	page = s.do(t, "GET", "/register?kind=business", "", "", "").want(t, "GET /register?kind=business", http.StatusOK)
	for _, want := range []string{`name="tax_code"`, `name="business_name"`, `value="business"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the business form has no %s", want)
		}
	}

	form := url.Values{"kind": {"citizen"}, "identification_number": {"068 085 012 345"}, "full_name": {"Nguyễn Văn An"},
		"email": {"an.nv@example.vn"}, "phone": {"0912345678"}, "address": {"Đà Lạt, Lâm Đồng"},
		"password": {"mật khẩu của An"}, "password2": {"mật khẩu của An"},
		// A business field left over from the other tab is ignored for a citizen.
		"tax_code": {"5800123456"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("identification_number", "12345")
	page = s.form(t, "/register", "", bad).want(t, "POST /register with a bad number", http.StatusBadRequest)
	for _, want := range []string{"Nhập đủ 12 chữ số", `href="#f-identification_number"`, `value="Nguyễn Văn An"`, `aria-invalid="true"`} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("the refused form has no %s:\n%s", want, page.Body)
		}
	}
	if strings.Contains(page.Body, "mật khẩu của An") {
		t.Error("the refused form echoes the password")
	}
	bad = url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("password2", "mật khẩu khác")
	s.form(t, "/register", "", bad).want(t, "POST /register with different passwords", http.StatusBadRequest)
	if n := countApplicants(t, s.db); n != 0 {
		t.Fatalf("%d applicants after refused forms", n)
	}

	r := s.form(t, "/register", "", form).want(t, "POST /register", http.StatusSeeOther)
	if loc := r.Header.Get("Location"); loc != "/me?welcome=1" {
		t.Errorf("POST /register: Location %q", loc)
	}
	var token string
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == auth.SessionCookie {
			token = c.Value
		}
	}
	if token == "" {
		t.Fatal("POST /register: no session cookie")
	}
	p, err := s.auth.SessionPrincipal(ctx, token)
	if err != nil || p.ApplicantKind != auth.Citizen {
		t.Fatalf("the new session: %+v %v", p, err)
	}
	cookie := auth.SessionCookie + "=" + token
	s.form(t, "/register", "", form).want(t, "POST /register again", http.StatusConflict)

	page = s.do(t, "GET", "/me?welcome=1", cookie, "", "").want(t, "GET /me", http.StatusOK)
	for _, want := range []string{"068085012345", "Nguyễn Văn An", "Đăng ký thành công", `action="/me/codes"`, p.CSRF} {
		if !strings.Contains(page.Body, want) {
			t.Errorf("GET /me has no %q", want)
		}
	}
	if a, _ := s.auth.Applicant(ctx, p.UserID); a.TaxCode != "" {
		t.Errorf("the citizen got the leftover tax code %q", a.TaxCode)
	}
	s.do(t, "GET", "/register", cookie, "", "").want(t, "GET /register signed in", http.StatusSeeOther)

	// The home page shows an applicant the portal's links.
	home := s.do(t, "GET", "/", cookie, "", "").want(t, "GET / as an applicant", http.StatusOK)
	for _, link := range []string{`href="/procedures"`, `href="/my/dossiers"`, `href="/my/documents"`, `href="/feedback/new"`, "Nộp hồ sơ trực tuyến", "Hồ sơ của tôi", "Kho dữ liệu", "Phản ánh kiến nghị"} {
		if !strings.Contains(home.Body, link) {
			t.Errorf("the applicant's home page has no %s", link)
		}
	}
	anon := s.do(t, "GET", "/", "", "", "").want(t, "GET / anonymous", http.StatusOK)
	if !strings.Contains(anon.Body, `href="/register"`) || strings.Contains(anon.Body, `href="/my/dossiers"`) {
		t.Error("the anonymous home page: want a register link and no applicant panel")
	}
	if login := s.do(t, "GET", "/login", "", "", "").want(t, "GET /login", http.StatusOK); !strings.Contains(login.Body, `href="/register"`) {
		t.Error("the login page has no register link")
	}

	// Contact update and verification through the page.
	s.form(t, "/me", cookie, url.Values{"email": {"an.nv@example.vn"}, "phone": {"0387654321"}}).want(t, "POST /me without CSRF", http.StatusForbidden)
	page = s.form(t, "/me", cookie, url.Values{"csrf": {p.CSRF}, "email": {"an.nv@example.vn"}, "phone": {"0387 654 321"}, "address": {"Lạc Dương"}}).
		want(t, "POST /me", http.StatusOK)
	if !strings.Contains(page.Body, "Đã lưu thông tin liên hệ") || !strings.Contains(page.Body, "0387654321") {
		t.Error("POST /me: no confirmation or new phone")
	}
	page = s.form(t, "/me", cookie, url.Values{"csrf": {p.CSRF}, "email": {""}, "phone": {""}, "address": {""}}).
		want(t, "POST /me without contacts", http.StatusBadRequest)
	if !strings.Contains(page.Body, "alert error") {
		t.Error("POST /me without contacts: no error shown")
	}
	page = s.form(t, "/me/codes", cookie, url.Values{"csrf": {p.CSRF}, "channel": {"phone"}}).want(t, "POST /me/codes", http.StatusOK)
	if !strings.Contains(page.Body, "Đã gửi mã xác thực tới 0387654321") {
		t.Errorf("POST /me/codes: no notice:\n%s", page.Body)
	}
	page = s.form(t, "/me/verify", cookie, url.Values{"csrf": {p.CSRF}, "channel": {"phone"}, "code": {s.mail.last(t)}}).want(t, "POST /me/verify", http.StatusOK)
	if !strings.Contains(page.Body, "Đã xác thực số điện thoại") {
		t.Error("POST /me/verify: no notice")
	}
	if a, _ := s.auth.Applicant(ctx, p.UserID); a.PhoneVerifiedAt == nil {
		t.Error("the phone is not verified")
	}

	// Applicants log out like officers.
	s.form(t, "/logout", cookie, url.Values{"csrf": {p.CSRF}}).want(t, "POST /logout", http.StatusSeeOther)
	if _, err := s.auth.SessionPrincipal(ctx, token); err == nil {
		t.Error("the applicant's session survived logging out")
	}

	// Anonymous visitors are sent to log in; officers have no profile page or applicant panel.
	if r := s.do(t, "GET", "/me", "", "", "").want(t, "GET /me anonymous", http.StatusSeeOther); r.Header.Get("Location") != "/login?next=%2Fme" {
		t.Errorf("GET /me anonymous: Location %q", r.Header.Get("Location"))
	}
	if _, err := s.auth.CreateUser(ctx, auth.System, auth.NewUser{Login: "motcua.ld", FullName: "Trần Thị Mai", Password: "mật khẩu cán bộ",
		Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}}); err != nil {
		t.Fatal(err)
	}
	officer, _ := s.login(t, "motcua.ld", "mật khẩu cán bộ")
	s.do(t, "GET", "/me", officer, "", "").want(t, "GET /me as an officer", http.StatusForbidden)
	if home := s.do(t, "GET", "/", officer, "", "").want(t, "GET / as an officer", http.StatusOK); strings.Contains(home.Body, `href="/my/dossiers"`) {
		t.Error("the officer's home page shows the applicant panel")
	}
}

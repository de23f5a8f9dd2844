package feedback_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/feedback"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

// site is the feedback handler behind a real router and the real authentication middleware.
type site struct {
	url  string
	auth *auth.Service
	f    fixture
}

func newSite(t *testing.T, d *db.DB) *site {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, d, feedback.Options{})
	as, err := auth.NewService(ctx, d, auth.Options{TokenTTL: time.Minute, SessionTTL: time.Hour, LockoutThreshold: 5, LockoutDuration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []auth.NewUser{
		{Login: "pakn.ld", FullName: "Trần Thị Mai", Password: "mật khẩu cán bộ 1", Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}},
		{Login: "pakn.dl", FullName: "Y Bhim Niê", Password: "mật khẩu cán bộ 2", Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H16"}}},
		{Login: "theodoi.vpcp", FullName: "Lê Hoàng Anh", Password: "mật khẩu cán bộ 3", Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.G22"}}},
	} {
		if _, err := as.CreateUser(ctx, auth.System, u); err != nil {
			t.Fatal(err)
		}
	}
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := feedback.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	h := &feedback.Handler{Feedback: f.svc, Pages: pages}
	rr := api.NewRouter(1 << 20)
	rr.PageLogin = "/login"
	rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
		d := api.Detail(r, err)
		pages.RenderError(w, r, api.Status(err), d.Code, d.Message, d.Fields)
	}
	rr.Handle(h.Routes()...)
	rr.Handle(h.PageRoutes()...)
	if doc := rr.OpenAPI("test", "0"); len(doc["paths"].(map[string]any)) != 10 {
		t.Errorf("OpenAPI paths: %d", len(doc["paths"].(map[string]any)))
	}
	srv := httptest.NewServer(as.Middleware(rr.Mux))
	t.Cleanup(srv.Close)
	return &site{url: srv.URL, auth: as, f: f}
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

var rawKey = regexp.MustCompile(`\b(feedback|nav|error)\.[a-z_]+(\.[a-z_]+)*\b`)

type answer struct {
	Status int
	Header http.Header
	Body   string
}

func (s *site) do(t *testing.T, method, path string, header http.Header, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
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

func (a answer) want(t *testing.T, what string, status int, contains ...string) answer {
	t.Helper()
	if a.Status != status {
		t.Errorf("%s: status %d, want %d: %s", what, a.Status, status, a.Body)
	}
	for _, c := range contains {
		if !strings.Contains(a.Body, c) {
			t.Errorf("%s: the answer does not contain %q", what, c)
		}
	}
	// A message key missing from the catalogues shows itself on the page.
	if strings.HasPrefix(a.Header.Get("Content-Type"), "text/html") {
		if m := rawKey.FindString(a.Body); m != "" {
			t.Errorf("%s: the page shows the message key %q", what, m)
		}
	}
	return a
}

func jsonHeader(cookie string, more ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	for i := 0; i+1 < len(more); i += 2 {
		h.Set(more[i], more[i+1])
	}
	return h
}

func TestHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newSite(t, d)
		s.f.at(time.Date(2026, 2, 2, 10, 0, 0, 0, vn.ICT))
		body := `{"kind":"question","agency":"000.00.05.H36","subject":"Lệ phí chứng thực","content":"Lệ phí chứng thực chữ ký là bao nhiêu?",
			"sender":{"name":"Nguyễn Văn An","email":"an.nguyen@example.vn"}}`
		first := s.do(t, "POST", "/api/v1/feedback", jsonHeader("", "Idempotency-Key", "k-1"), body).want(t, "submit", http.StatusCreated)
		var created feedback.PublicView
		if err := json.Unmarshal([]byte(first.Body), &created); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(created.Code, "HD-") || first.Header.Get("Location") != "/api/v1/feedback/"+created.Code || strings.Contains(first.Body, "an.nguyen") {
			t.Errorf("created: %s (Location %s)", first.Body, first.Header.Get("Location"))
		}
		again := s.do(t, "POST", "/api/v1/feedback", jsonHeader("", "Idempotency-Key", "k-1"), body).want(t, "retry", http.StatusCreated)
		if again.Body != first.Body {
			t.Errorf("retry answered differently:\n%s\n%s", first.Body, again.Body)
		}
		s.do(t, "POST", "/api/v1/feedback", jsonHeader("", "Idempotency-Key", "k-1"), strings.Replace(body, "bao nhiêu", "mấy đồng", 1)).
			want(t, "same key, other body", http.StatusConflict, "idempotency_key_reused")
		s.do(t, "POST", "/api/v1/feedback", jsonHeader(""), `{"kind":"question","agency":"000.00.05.H36","subject":"x","content":"","sender":{"name":"A","email":"a@"}}`).
			want(t, "bad submission", http.StatusBadRequest, `"field":"content"`, `"field":"sender.email"`)
		s.do(t, "POST", "/api/v1/feedback", jsonHeader(""), `{"kind":"question","unknown":1}`).want(t, "unknown field", http.StatusBadRequest, "bad_json")

		code := created.Code
		s.do(t, "GET", "/api/v1/feedback/"+strings.ToLower(code), nil, "").want(t, "public lookup", http.StatusOK, code, "Lệ phí chứng thực")
		s.do(t, "GET", "/api/v1/feedback/PA-NOTACODE", nil, "").want(t, "bad code", http.StatusBadRequest, "bad_tracking_code")
		s.do(t, "GET", "/api/v1/feedback/"+code+"/detail", nil, "").want(t, "detail anonymous", http.StatusUnauthorized)
		ld, csrfLD := s.login(t, "pakn.ld", "mật khẩu cán bộ 1")
		dl, _ := s.login(t, "pakn.dl", "mật khẩu cán bộ 2")
		gov, _ := s.login(t, "theodoi.vpcp", "mật khẩu cán bộ 3")
		s.do(t, "GET", "/api/v1/feedback/"+code+"/detail", jsonHeader(dl), "").want(t, "detail other province", http.StatusForbidden)
		s.do(t, "GET", "/api/v1/feedback/"+code+"/detail", jsonHeader(ld), "").want(t, "detail", http.StatusOK, "an.nguyen@example.vn", `"action":"submit"`)
		s.do(t, "GET", "/api/v1/feedback?agency=000.00.00.H36&q=le+phi", jsonHeader(ld), "").want(t, "list", http.StatusOK, code)
		s.do(t, "GET", "/api/v1/feedback", jsonHeader(ld), "").want(t, "list without agency", http.StatusBadRequest, "agency_required")
		s.do(t, "GET", "/api/v1/feedback?agency=000.00.00.H36&timeliness=late", jsonHeader(ld), "").want(t, "bad timeliness", http.StatusBadRequest, "bad_filter")

		s.f.at(time.Date(2026, 2, 3, 9, 0, 0, 0, vn.ICT))
		s.do(t, "POST", "/api/v1/feedback/"+code+"/answer", jsonHeader(dl), `{"text":"Không."}`).want(t, "answer other province", http.StatusForbidden)
		s.do(t, "POST", "/api/v1/feedback/"+code+"/answer", jsonHeader(ld), `{"text":"Theo biểu phí hiện hành.","title":"Chuyên viên"}`).
			want(t, "answer", http.StatusOK, `"status":"answered"`, `"officer":"Trần Thị Mai"`)
		s.do(t, "POST", "/api/v1/feedback/"+code+"/answer", jsonHeader(ld), `{"text":"Lần hai."}`).want(t, "answer again", http.StatusConflict, "already_answered")
		s.do(t, "POST", "/api/v1/feedback/"+code+"/publish", http.Header{"Cookie": {ld}}, "").want(t, "publish with an empty body", http.StatusOK, `"status":"published"`)
		pub := s.do(t, "GET", "/api/v1/feedback/published?q=CHUNG+THUC", nil, "").want(t, "published", http.StatusOK, code, "Theo biểu phí hiện hành.")
		if strings.Contains(pub.Body, "an.nguyen") || strings.Contains(pub.Body, "Nguyễn Văn An") {
			t.Errorf("the published list shows the sender: %s", pub.Body)
		}
		st := s.do(t, "GET", "/api/v1/feedback/stats?from=2026-02-01&to=2026-02-28", jsonHeader(gov), "").want(t, "stats", http.StatusOK)
		var rep feedback.Report
		if err := json.Unmarshal([]byte(st.Body), &rep); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]feedback.StatsRow{{Code: "000.00.00.H36", Name: "Ủy ban nhân dân tỉnh Lâm Đồng", Received: 1, OnTime: 1, Published: 1}}, rep.Provinces); diff != "" {
			t.Errorf("stats provinces (-want +got):\n%s", diff)
		}
		s.do(t, "GET", "/api/v1/feedback/stats?from=2026-02-28&to=2026-02-01", jsonHeader(gov), "").want(t, "stats period", http.StatusBadRequest)

		// Pages: send through the form, look up, handle, summary.
		s.do(t, "GET", "/feedback/new?agency=000.00.02.H16", nil, "").want(t, "new page", http.StatusOK, `name="key"`, `value="000.00.02.H16"`)
		form := url.Values{"kind": {"feedback"}, "agency": {"000.00.02.H16"}, "subject": {"Thái độ cán bộ một cửa"}, "content": {"Cán bộ không hướng dẫn."},
			"name": {"Lê Thị Hoa"}, "phone": {"0905 111 222"}, "key": {"form-1"}}
		formHeader := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		s.do(t, "POST", "/feedback/new", formHeader, url.Values{"kind": {"feedback"}, "agency": {"000.00.02.H16"}, "name": {"Lê Thị Hoa"}}.Encode()).
			want(t, "form with errors", http.StatusBadRequest, "sender", "subject")
		sent := s.do(t, "POST", "/feedback/new", formHeader, form.Encode()).want(t, "form", http.StatusSeeOther)
		loc := sent.Header.Get("Location")
		if !strings.HasPrefix(loc, "/feedback/PA-") || !strings.HasSuffix(loc, "?sent=1") {
			t.Fatalf("redirected to %q", loc)
		}
		paCode := strings.TrimSuffix(strings.TrimPrefix(loc, "/feedback/"), "?sent=1")
		s.do(t, "POST", "/feedback/new", formHeader, form.Encode()).want(t, "form sent twice", http.StatusSeeOther)
		s.do(t, "GET", loc, nil, "").want(t, "show", http.StatusOK, paCode, "Thái độ cán bộ một cửa")
		s.do(t, "GET", "/feedback/lookup?code="+strings.ToLower(paCode), nil, "").want(t, "lookup", http.StatusSeeOther)
		s.do(t, "GET", "/feedback?q=bieu+phi", nil, "").want(t, "published page", http.StatusOK, "Theo biểu phí hiện hành.")

		s.f.at(time.Date(2026, 2, 25, 9, 0, 0, 0, vn.ICT)) // the form's item, sent on 3/2, was due on 24/2 (Tết in between)
		dlCookie, csrfDL := s.login(t, "pakn.dl", "mật khẩu cán bộ 2")
		inbox := s.do(t, "GET", "/feedback/manage", http.Header{"Cookie": {dlCookie}}, "").want(t, "inbox", http.StatusOK, "000.00.00.H16", paCode)
		if i, j := strings.Index(inbox.Body, `id="overdue-h"`), strings.Index(inbox.Body, paCode); i < 0 || j < i {
			t.Errorf("the overdue item is not listed under the overdue heading")
		}
		s.do(t, "GET", "/feedback/manage", nil, "").want(t, "inbox anonymous", http.StatusSeeOther)
		s.do(t, "GET", "/feedback/manage/"+paCode, http.Header{"Cookie": {ld}}, "").want(t, "item of another province", http.StatusForbidden)
		s.do(t, "GET", "/feedback/manage/"+paCode, http.Header{"Cookie": {dlCookie}}, "").want(t, "item", http.StatusOK, "Lê Thị Hoa", "0905 111 222", `action="/feedback/manage/`+paCode+`/answer"`)
		s.do(t, "POST", "/feedback/manage/"+paCode+"/assign", http.Header{"Cookie": {dlCookie}, "Content-Type": {"application/x-www-form-urlencoded"}},
			url.Values{"assignee": {"Y Bhim Niê"}}.Encode()).want(t, "form without CSRF", http.StatusForbidden)
		s.do(t, "POST", "/feedback/manage/"+paCode+"/assign", http.Header{"Cookie": {dlCookie}, "Content-Type": {"application/x-www-form-urlencoded"}},
			url.Values{"csrf": {csrfDL}, "assignee": {""}, "version": {"1"}}.Encode()).want(t, "assign without assignee", http.StatusBadRequest, "assignee")
		s.do(t, "POST", "/feedback/manage/"+paCode+"/assign", http.Header{"Cookie": {dlCookie}, "Content-Type": {"application/x-www-form-urlencoded"}},
			url.Values{"csrf": {csrfDL}, "assignee": {"Y Bhim Niê"}, "version": {"1"}}.Encode()).want(t, "assign", http.StatusSeeOther)
		s.do(t, "POST", "/feedback/manage/"+paCode+"/answer", http.Header{"Cookie": {dlCookie}, "Content-Type": {"application/x-www-form-urlencoded"}},
			url.Values{"csrf": {csrfDL}, "text": {"Sở đã nhắc nhở cán bộ."}, "version": {"1"}}.Encode()).want(t, "answer with a stale version", http.StatusConflict, "Sở đã nhắc nhở cán bộ.")
		s.do(t, "POST", "/feedback/manage/"+paCode+"/answer", http.Header{"Cookie": {dlCookie}, "Content-Type": {"application/x-www-form-urlencoded"}},
			url.Values{"csrf": {csrfDL}, "text": {"Sở đã nhắc nhở cán bộ."}, "title": {"Chánh Văn phòng"}, "version": {"2"}}.Encode()).want(t, "answer", http.StatusSeeOther)
		s.do(t, "GET", "/feedback/manage/"+paCode+"?done=answer", http.Header{"Cookie": {dlCookie}}, "").want(t, "item answered", http.StatusOK, "Sở đã nhắc nhở cán bộ.", "/publish")
		s.do(t, "GET", "/feedback/summary", http.Header{"Cookie": {gov}}, "").want(t, "summary", http.StatusOK, "Ủy ban nhân dân tỉnh Đắk Lắk", "feedback-summary-data", "/feedback/assets/summary.js")
		js := s.do(t, "GET", "/feedback/assets/summary.js", nil, "").want(t, "script", http.StatusOK, "echarts")
		if ct := js.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("script served as %q", ct)
		}
		_ = csrfLD
	})
}

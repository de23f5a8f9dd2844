package task_test

import (
	"context"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/task"
	"github.com/lienthong/lienthong/internal/web"
)

// withCSRF copies a principal with a session's anti-forgery token, as the session middleware does.
func withCSRF(p *auth.Principal, tok string) *auth.Principal {
	c := *p
	c.CSRF = tok
	return &c
}

type pageSite struct {
	url string
	f   fixture
}

type pageResp struct {
	status int
	body   string
	loc    string
}

func (r pageResp) want(t *testing.T, what string, status int, contains ...string) pageResp {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d\n%.3000s", what, r.status, status, r.body)
	}
	for _, c := range contains {
		if !strings.Contains(r.body, c) {
			t.Fatalf("%s: body lacks %q\n%.6000s", what, c, r.body)
		}
	}
	return r
}

var pageCallers = map[string]*auth.Principal{
	"clerk.gov":  withCSRF(clerkGov, "tok-clerk"),
	"leader.gov": withCSRF(leaderGov, "tok-leader"),
	"officer.ld": withCSRF(officerLD, "tok-ld"),
	"officer.dl": withCSRF(officerDL, "tok-dl"),
	"viewer.gov": withCSRF(viewerGov, "tok-viewer"),
	"citizen":    withCSRF(callers["citizen"], "tok-citizen"),
	"officer.hn": {Kind: auth.KindUser, ID: "cv.hn", Name: "Cán bộ Hà Nội", UserID: 9, CSRF: "tok-hn",
		Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H26"}}},
}

func newPageSite(t *testing.T, d *db.DB) *pageSite {
	t.Helper()
	f := newFixture(t, d)
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := task.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	h := &task.Handler{Tasks: f.svc, Pages: pages}
	rr := api.NewRouter(1 << 20)
	rr.PageLogin = "/login"
	rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
		dt := api.Detail(r, err)
		pages.RenderError(w, r, api.Status(err), dt.Code, dt.Message, dt.Fields)
	}
	rr.Handle(h.Routes()...)
	rr.Handle(h.PageRoutes()...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := pageCallers[r.Header.Get("X-As")]; p != nil {
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		rr.Mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return &pageSite{url: srv.URL, f: f}
}

func (s *pageSite) do(t *testing.T, as, method, path string, form url.Values) pageResp {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, s.url+path, body)
	req.Header.Set("X-As", as)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return pageResp{status: resp.StatusCode, body: string(b), loc: resp.Header.Get("Location")}
}

func (s *pageSite) task(t *testing.T, id int64) *task.Task {
	t.Helper()
	tk, err := s.f.svc.Get(context.Background(), leaderGov, id)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

var createdID = regexp.MustCompile(`^/tasks/(\d+)\?done=assigned$`)

func assignForm(csrf, key, deadline string) url.Values {
	return url.Values{"csrf": {csrf}, "key": {key}, "directive_kind": {"TB"}, "directive_number": {"45/TB-VPCP"},
		"directive_date": {"2026-03-01"}, "content": {"Số hóa hồ sơ địa chính"}, "lead": {"000.00.00.H36"},
		"coordinators": {"000.00.00.H16"}, "authority": {"TTG"}, "deadline": {deadline}, "product": {"Báo cáo Thủ tướng"}}
}

func TestPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newPageSite(t, d)
		s.f.at("2026-03-02")

		// The board: anonymous goes to the login page, a citizen is refused, the clerk sees the form.
		if r := s.do(t, "", "GET", "/tasks", nil); r.status != http.StatusSeeOther || !strings.HasPrefix(r.loc, "/login") {
			t.Fatalf("anonymous board: %d %s", r.status, r.loc)
		}
		s.do(t, "citizen", "GET", "/tasks", nil).want(t, "citizen board", http.StatusForbidden)
		s.do(t, "clerk.gov", "GET", "/tasks", nil).want(t, "clerk board", http.StatusOK,
			`action="/tasks"`, `name="csrf" value="tok-clerk"`, `name="directive_kind"`, `name="report_period"`, `Thủ tướng Chính phủ`)
		if r := s.do(t, "officer.ld", "GET", "/tasks", nil).want(t, "officer board", http.StatusOK); strings.Contains(r.body, `name="directive_kind"`) {
			t.Fatal("an officer of a province sees the assigning form")
		}

		// Assigning through the form: without the token, with a bad deadline, then for real.
		s.do(t, "clerk.gov", "POST", "/tasks", assignForm("", "k1", "2026-03-20")).want(t, "assign without CSRF", http.StatusForbidden)
		s.do(t, "clerk.gov", "POST", "/tasks", assignForm("tok-clerk", "k1", "2026-02-20")).
			want(t, "deadline before assignment", http.StatusBadRequest, "thời hạn trước ngày giao", ">Số hóa hồ sơ địa chính</textarea>", `value="2026-02-20"`)
		if n := count(t, d, "tasks"); n != 0 {
			t.Fatalf("%d tasks after a bad form", n)
		}
		s.do(t, "officer.ld", "POST", "/tasks", assignForm("tok-ld", "k2", "2026-03-20")).want(t, "province officer assigns", http.StatusForbidden)
		r := s.do(t, "clerk.gov", "POST", "/tasks", assignForm("tok-clerk", "k1", "2026-03-20")).want(t, "assign", http.StatusSeeOther)
		m := createdID.FindStringSubmatch(r.loc)
		if m == nil {
			t.Fatalf("assign went to %q", r.loc)
		}
		id, _ := strconv.ParseInt(m[1], 10, 64)
		path := "/tasks/" + m[1]
		// The same form sent twice (same key) makes no second task.
		s.do(t, "clerk.gov", "POST", "/tasks", assignForm("tok-clerk", "k1", "2026-03-20")).want(t, "assign again", http.StatusSeeOther)
		if n := count(t, d, "tasks"); n != 1 {
			t.Fatalf("%d tasks after sending the form twice", n)
		}

		// The detail: the assigner may cancel but has nothing to accept yet; history shows the assignment.
		r = s.do(t, "clerk.gov", "GET", path, nil).want(t, "detail", http.StatusOK, `data-status="in_progress"`, `action="`+path+`/cancel"`,
			"Giao nhiệm vụ", "000.00.00.H16", "20/03/2026")
		if strings.Contains(r.body, path+"/accept") {
			t.Fatal("accept form before any completion report")
		}
		s.do(t, "officer.hn", "GET", path, nil).want(t, "unrelated province reads", http.StatusNotFound)
		s.do(t, "officer.dl", "GET", path, nil).want(t, "coordinator reads", http.StatusOK)

		// My tasks: the lead agency's officer reports completion through the form.
		s.do(t, "officer.ld", "GET", "/tasks/mine", nil).want(t, "mine", http.StatusOK, "Số hóa hồ sơ địa chính",
			`action="`+path+`/progress"`, `formaction="`+path+`/completion"`, `name="csrf" value="tok-ld"`)
		s.do(t, "officer.ld", "POST", path+"/progress", url.Values{"csrf": {"tok-ld"}, "text": {""}}).want(t, "empty report", http.StatusBadRequest, "cần nội dung báo cáo")
		s.do(t, "officer.dl", "POST", path+"/completion", url.Values{"csrf": {"tok-dl"}, "text": {"xong"}}).want(t, "coordinator reports", http.StatusForbidden)
		s.do(t, "officer.hn", "POST", path+"/completion", url.Values{"csrf": {"tok-hn"}, "text": {"xong"}}).want(t, "unrelated reports", http.StatusNotFound)
		s.do(t, "officer.ld", "POST", path+"/completion", url.Values{"text": {"xong"}}).want(t, "completion without CSRF", http.StatusForbidden)
		if r := s.do(t, "officer.ld", "POST", path+"/progress", url.Values{"csrf": {"tok-ld"}, "text": {"Đã số hóa 60%"}, "back": {"mine"}}); r.status != http.StatusSeeOther || r.loc != "/tasks/mine?done=progress" {
			t.Fatalf("progress: %d %s", r.status, r.loc)
		}
		s.f.at("2026-03-18")
		s.do(t, "officer.ld", "POST", path+"/completion", url.Values{"csrf": {"tok-ld"}, "text": {"Đã hoàn thành"}, "documents": {"b1, b2"}}).
			want(t, "completion", http.StatusSeeOther)
		if tk := s.task(t, id); tk.State != "submitted" || tk.CompletedOn != "2026-03-18" {
			t.Fatalf("after the completion form: %+v", tk)
		}
		// The assigner judges it; the lead may not accept its own report.
		s.do(t, "officer.ld", "POST", path+"/accept", url.Values{"csrf": {"tok-ld"}}).want(t, "lead accepts", http.StatusForbidden)
		s.do(t, "leader.gov", "GET", path, nil).want(t, "detail to judge", http.StatusOK, `action="`+path+`/accept"`, `action="`+path+`/return"`, "Đã số hóa 60%", "b1,b2")
		s.do(t, "leader.gov", "POST", path+"/accept", url.Values{"csrf": {"tok-leader"}}).want(t, "accept", http.StatusSeeOther)
		if tk := s.task(t, id); tk.Status != task.OnTime {
			t.Fatalf("accepted: %+v", tk)
		}
		s.do(t, "leader.gov", "POST", path+"/accept", url.Values{"csrf": {"tok-leader"}}).want(t, "accept twice", http.StatusConflict)

		// A second task runs overdue: highlighted on the board, counted on top; extension by form.
		r = s.do(t, "clerk.gov", "POST", "/tasks", func() url.Values {
			v := assignForm("tok-clerk", "k3", "2026-03-25")
			v.Set("lead", "000.00.00.H16")
			v.Set("content", "Kết nối cơ sở dữ liệu dân cư")
			return v
		}()).want(t, "assign 2", http.StatusSeeOther)
		path2 := strings.TrimSuffix(r.loc, "?done=assigned")
		id2, _ := strconv.ParseInt(strings.TrimPrefix(path2, "/tasks/"), 10, 64)
		s.f.at("2026-03-23")
		if n, err := s.f.svc.RemindOnce(context.Background()); err != nil || n != 1 {
			t.Fatalf("reminders: %d %v", n, err)
		}
		s.do(t, "officer.dl", "GET", "/tasks/mine", nil).want(t, "mine with reminder", http.StatusOK,
			"Nhắc hạn: nhiệm vụ đến hạn ngày 25/03/2026", "Kết nối cơ sở dữ liệu dân cư")
		s.f.at("2026-03-27")
		s.do(t, "viewer.gov", "GET", "/tasks", nil).want(t, "board with overdue", http.StatusOK,
			`class="task-overdue"`, `data-status="overdue">1<`, `data-status="on_time">1<`, "Kết nối cơ sở dữ liệu dân cư")
		if r := s.do(t, "viewer.gov", "GET", "/tasks?status=on_time", nil).want(t, "filtered board", http.StatusOK); strings.Contains(r.body, "Kết nối cơ sở dữ liệu dân cư") {
			t.Fatal("the status filter kept an overdue task")
		}
		s.do(t, "viewer.gov", "GET", "/tasks?province=000.00.00.H16", nil).want(t, "province filter", http.StatusOK, `data-status="on_time">0<`)
		s.do(t, "officer.dl", "GET", path2, nil).want(t, "lead sees extension form", http.StatusOK, `action="`+path2+`/extension"`)
		s.do(t, "officer.dl", "POST", path2+"/extension", url.Values{"csrf": {"tok-dl"}, "deadline": {"2026-03-20"}, "reason": {"Chờ dữ liệu"}}).
			want(t, "earlier deadline", http.StatusBadRequest, "thời hạn mới phải sau thời hạn cũ")
		s.do(t, "officer.dl", "POST", path2+"/extension", url.Values{"csrf": {"tok-dl"}, "deadline": {"2026-04-30"}, "reason": {"Chờ dữ liệu của Bộ Công an"}}).
			want(t, "extension", http.StatusSeeOther)
		s.do(t, "leader.gov", "GET", path2, nil).want(t, "decision form", http.StatusOK, `action="`+path2+`/decision"`, "Chờ dữ liệu của Bộ Công an")
		s.do(t, "officer.dl", "POST", path2+"/decision", url.Values{"csrf": {"tok-dl"}, "approve": {"1"}}).want(t, "lead decides", http.StatusForbidden)
		s.do(t, "leader.gov", "POST", path2+"/decision", url.Values{"csrf": {"tok-leader"}, "approve": {"1"}, "reason": {"Đồng ý"}}).want(t, "approve", http.StatusSeeOther)
		if tk := s.task(t, id2); tk.Deadline != "2026-04-30" || tk.Status != task.InProgress {
			t.Fatalf("after approval: %+v", tk)
		}
		s.do(t, "leader.gov", "POST", path2+"/cancel", url.Values{"csrf": {"tok-leader"}, "reason": {"Không còn phù hợp"}}).want(t, "cancel", http.StatusSeeOther)
		s.do(t, "leader.gov", "GET", path2, nil).want(t, "cancelled detail", http.StatusOK, `data-status="not_required"`, "Không còn phù hợp", "Đồng ý gia hạn")
		s.do(t, "leader.gov", "POST", path2+"/fly", url.Values{"csrf": {"tok-leader"}}).want(t, "unknown action", http.StatusNotFound)

		// Figures: per province with the chart data and the XLSX link; applicants are refused.
		s.do(t, "viewer.gov", "GET", "/tasks/figures?from=2026-01&to=2026-12", nil).want(t, "figures", http.StatusOK,
			`id="task-figures-data"`, `"on_time":[`, "000.00.00.H36", "/api/v1/tasks/figures.xlsx?by=province", "/tasks?from=2026-01&amp;province=000.00.00.H36",
			"100.0%", "/tasks/assets/figures.js")
		s.do(t, "viewer.gov", "GET", "/tasks/figures?by=authority", nil).want(t, "figures by authority", http.StatusOK, "Thủ tướng Chính phủ", "TTG")
		s.do(t, "viewer.gov", "GET", "/tasks/figures?by=moon", nil).want(t, "bad dimension", http.StatusBadRequest)
		s.do(t, "citizen", "GET", "/tasks/figures", nil).want(t, "citizen figures", http.StatusForbidden)
		s.do(t, "", "GET", "/tasks/assets/figures.js", nil).want(t, "chart script", http.StatusOK, "echarts")
		s.do(t, "", "GET", "/tasks/assets/nope.js", nil).want(t, "unknown asset", http.StatusNotFound)
	})
}

// TestPageMessages checks that every key the task templates use is in both catalogues, including
// the keys built from event kinds, and that the English pages come out in English.
func TestPageMessages(t *testing.T) {
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := task.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	names, _ := fs.Glob(os.DirFS("templates"), "*.html")
	if len(names) != 4 {
		t.Fatalf("templates: %v", names)
	}
	keyRe := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	keys := []string{}
	for _, n := range names {
		b, err := os.ReadFile("templates/" + n)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	for _, k := range []string{"assigned", "progress", "completion_reported", "accepted", "returned", "extension_requested",
		"extension_approved", "extension_refused", "cancelled"} {
		keys = append(keys, "task.event."+k)
	}
	for _, lang := range []string{"vi", "en"} {
		cat := pages.Messages(lang)
		for _, k := range keys {
			if cat[k] == "" {
				t.Errorf("%s: %q missing", lang, k)
			}
		}
	}
}

func TestPagesInEnglish(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newPageSite(t, d)
		req, _ := http.NewRequestWithContext(context.Background(), "GET", s.url+"/tasks/figures?by=authority", nil)
		req.Header.Set("X-As", "viewer.gov")
		req.AddCookie(&http.Cookie{Name: "lang", Value: "en"})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, want := range []string{"Task figures", "Completion rate", `"on_time":"Completed on time"`} {
			if !strings.Contains(string(b), want) {
				t.Fatalf("English figures lack %q:\n%.4000s", want, b)
			}
		}
	})
}

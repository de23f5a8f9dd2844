package meeting

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/web"
)

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func withCSRF(p *auth.Principal) *auth.Principal {
	c := *p
	c.CSRF = "tok"
	return &c
}

// TestHTTP drives the API through a router built like the server's; the caller is picked by a
// test header standing in for the session middleware.
func TestHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		rr := api.NewRouter(1 << 20)
		pages, err := web.NewRenderer()
		if err != nil {
			t.Fatal(err)
		}
		if err := RegisterPages(pages); err != nil {
			t.Fatal(err)
		}
		h := &Handler{Meetings: f.svc, Pages: pages}
		rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
			d := api.Detail(r, err)
			pages.RenderError(w, r, api.Status(err), d.Code, d.Message, d.Fields)
		}
		rr.Handle(h.Routes()...)
		rr.Handle(h.PageRoutes()...)
		if doc := rr.OpenAPI("test", "0"); len(doc["paths"].(map[string]any)) != 14 {
			t.Errorf("OpenAPI paths: %d", len(doc["paths"].(map[string]any)))
		}
		who := map[string]*auth.Principal{"leader": leaderLD, "a": memberA, "b": memberB, "outsider": outsider,
			"leader-page": withCSRF(leaderLD), "a-page": withCSRF(memberA), "client": {Kind: auth.KindClient, ID: "mc", Agency: agencyLD}}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p := who[r.Header.Get("X-Test-User")]; p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			}
			rr.Mux.ServeHTTP(w, r)
		}))
		t.Cleanup(srv.Close)
		call := func(user, method, path, body string, want int) []byte {
			t.Helper()
			req, _ := http.NewRequestWithContext(context.Background(), method, srv.URL+path, strings.NewReader(body))
			req.Header.Set("X-Test-User", user)
			if strings.HasPrefix(body, "csrf=") {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != want {
				t.Fatalf("%s %s as %q: %d %s, want %d", method, path, user, res.StatusCode, b, want)
			}
			return b
		}
		call("", "GET", "/api/v1/meetings", "", 401)
		call("client", "GET", "/api/v1/meetings", "", 403)
		nm := `{"agency":"000.00.00.H36","title":"Họp UBND","kind":"provincial_committee","starts_at":"2026-11-25T08:30:00+07:00",
			"items":[{"title":"Đầu tư công","papers":[{"doc_kind":"outgoing","doc_id":2,"attach_file":true}]}],"participants":[{"login":"sokhdt.ld"}]}`
		call("leader", "POST", "/api/v1/meetings", nm, 400)
		call("a", "POST", "/api/v1/meetings", strings.Replace(nm, `"attach_file":true`, `"attach_file":false`, 1), 403)
		var m Meeting
		json.Unmarshal(call("leader", "POST", "/api/v1/meetings", strings.Replace(nm, `"attach_file":true`, `"attach_file":false`, 1), 201), &m)
		if m.ID == 0 || !m.Items[0].Papers[0].PaperOnly {
			t.Fatalf("created %+v", m)
		}
		path := "/api/v1/meetings/" + itoa(int(m.ID))
		call("a", "GET", path, "", 200)
		call("outsider", "GET", path, "", 403)
		call("leader", "GET", "/api/v1/meetings/999", "", 404)
		call("leader", "PUT", path+"/minutes", `{"text":"Nội dung họp"}`, 200)
		call("leader", "POST", path+"/minutes/approve", "", 200)
		call("leader", "POST", path+"/minutes/sign", "", 200)
		verified(t, f, call("a", "GET", path+"/minutes.pdf", "", 200))
		call("leader", "PUT", path+"/conclusions", `{"conclusions":[{"content":"Hoàn thiện kế hoạch","lead_agency":"000.00.00.H36","deadline":"2026-12-15"}]}`, 200)
		if page := string(call("leader", "GET", "/meetings/"+itoa(int(m.ID)), "", 200)); !strings.Contains(page, "Tài liệu mật") || !strings.Contains(page, `action="/meetings/`) {
			t.Fatalf("room page: %s", page)
		}
		call("leader", "POST", "/meetings/"+itoa(int(m.ID))+"/tasks", "csrf=wrong", 403)
		call("leader-page", "POST", "/meetings/"+itoa(int(m.ID))+"/tasks", "csrf=tok", 303)
		call("leader", "POST", path+"/tasks", "", 200)
		if len(*f.calls) != 1 {
			t.Fatalf("hook called %d times", len(*f.calls))
		}

		var b Ballot
		json.Unmarshal(call("leader", "POST", "/api/v1/ballots", `{"agency":"000.00.00.H36","question":"Đồng ý?","deadline":"2026-11-22T09:00:00Z","members":[{"login":"sokhdt.ld"},{"login":"sotc.ld"}]}`, 201), &b)
		bp := "/api/v1/ballots/" + itoa(int(b.ID))
		call("outsider", "PUT", bp+"/answer", `{"answer":"agree"}`, 403)
		call("a", "PUT", bp+"/answer", `{"answer":"maybe"}`, 400)
		call("a", "PUT", bp+"/answer", `{"answer":"agree"}`, 200)
		call("leader", "POST", bp+"/publish", "", 409)
		if body := string(call("b", "GET", bp, "", 200)); strings.Contains(body, `"agree"`) {
			t.Fatalf("b sees a's answer: %s", body)
		}
		if page := string(call("a", "GET", "/ballots/"+itoa(int(b.ID)), "", 200)); !strings.Contains(page, `name="answer"`) {
			t.Fatalf("ballot form: %s", page)
		}
		call("a-page", "POST", "/ballots/"+itoa(int(b.ID))+"/answer", "csrf=tok&answer=other&comment=B%E1%BB%95+sung", 303)
		if v, _ := f.svc.GetBallot(context.Background(), memberA, b.ID); v.Mine.Answer != "other" {
			t.Fatalf("form answer: %+v", v.Mine)
		}
		call("b", "PUT", bp+"/answer", `{"answer":"disagree"}`, 200)
		call("leader", "POST", bp+"/publish", "", 200)
		verified(t, f, call("b", "GET", bp+"/record.pdf", "", 200))
		if page := string(call("b", "GET", "/ballots/"+itoa(int(b.ID)), "", 200)); !strings.Contains(page, "ballot-data") || !strings.Contains(page, "echarts") {
			t.Fatalf("result page: %s", page)
		}
		call("", "GET", "/meetings", "", 401)
		if page := string(call("b", "GET", "/meetings", "", 200)); !strings.Contains(page, "Đồng ý?") {
			t.Fatalf("list page: %s", page)
		}
		call("b", "PUT", bp+"/answer", `{"answer":"agree"}`, 409)
	})
}

// TestAccessTable checks the rows proposed for the server's access table with the same 8 callers.
func TestAccessTable(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newFixture(t, d)
	rr := api.NewRouter(1 << 20)
	rr.Handle((&Handler{Meetings: f.svc}).Routes()...)
	user := func(id string, g ...auth.Grant) *auth.Principal {
		return &auth.Principal{Kind: auth.KindUser, ID: id, Grants: g}
	}
	callers := []*auth.Principal{nil,
		user("admin.all", auth.Grant{Role: auth.Admin, Agency: "*"}),
		user("admin.h36", auth.Grant{Role: auth.Admin, Agency: "000.00.00.H36"}),
		user("admin.h16", auth.Grant{Role: auth.Admin, Agency: "000.00.00.H16"}),
		user("clerk.h36", auth.Grant{Role: auth.Clerk, Agency: "000.00.01.H36"}),
		user("viewer.g22", auth.Grant{Role: auth.Viewer, Agency: "000.00.00.G22"}),
		{Kind: auth.KindClient, ID: "c", Agency: "000.00.00.H36"},
		{Kind: auth.KindUser, ID: "applicant", ApplicantKind: auth.Citizen},
	}
	const no, deny, ok, made = 401, 403, 200, 201
	rows := []struct {
		method, path, body string
		want               [8]int
	}{
		{"GET", "/api/v1/meetings", "", [8]int{no, ok, ok, ok, ok, ok, deny, deny}},
		{"POST", "/api/v1/meetings", `{"agency":"000.00.00.H36","title":"Họp UBND tỉnh","kind":"provincial_committee","starts_at":"2026-12-01T08:00:00+07:00"}`, [8]int{no, made, made, deny, deny, deny, deny, deny}},
		{"GET", "/api/v1/meetings/999999", "", [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{"GET", "/api/v1/ballots", "", [8]int{no, ok, ok, ok, ok, ok, deny, deny}},
		{"POST", "/api/v1/ballots", `{"agency":"000.00.00.H36","question":"Đồng ý?","deadline":"2099-01-01T00:00:00Z","members":[{"login":"clerk.h36"}]}`, [8]int{no, made, made, deny, deny, deny, deny, deny}},
		{"GET", "/api/v1/ballots/999999", "", [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{"PUT", "/api/v1/ballots/999999/answer", `{"answer":"agree"}`, [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
	}
	for _, row := range rows {
		for i, p := range callers {
			req := httptest.NewRequest(row.method, row.path, strings.NewReader(row.body))
			req.Header.Set("Content-Type", "application/json")
			if p != nil {
				req = req.WithContext(auth.WithPrincipal(req.Context(), p))
			}
			w := httptest.NewRecorder()
			rr.Mux.ServeHTTP(w, req)
			if w.Code != row.want[i] {
				t.Errorf("%s %s caller %d: %d %s, want %d", row.method, row.path, i, w.Code, w.Body, row.want[i])
			}
		}
	}
}

package dossier_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

// pageEnv is the dossier pages on a real database, served through the real router with the
// error pages of the node, and principals put into the request as the session middleware does.
type pageEnv struct {
	fixture
	rr    *api.Router
	pages *web.Renderer
}

// Principals with sessions (a CSRF token each). pgApplicant is the fixture's citizen signed in
// with an applicant account.
var (
	pgOfficer   = withSession(officer)
	pgOutsider  = withSession(outsider)
	pgStranger  = withSession(&auth.Principal{Kind: auth.KindUser, ID: "binh", Name: "Lê Bình", UserID: 101, ApplicantKind: auth.Citizen})
	pgApplicant = withSession(&auth.Principal{Kind: auth.KindUser, ID: "an.nv", Name: "Nguyễn Văn An", UserID: 100, ApplicantKind: auth.Citizen})
	pgAdmin     = withSession(&auth.Principal{Kind: auth.KindUser, ID: "admin", Name: "Quản trị", UserID: 3, Grants: []auth.Grant{{Role: auth.Admin, Agency: auth.Everywhere}}})
)

func withSession(p *auth.Principal) *auth.Principal {
	c := *p
	c.CSRF = "csrf-" + p.ID
	return &c
}

func newPageEnv(t *testing.T, d *db.DB, opt ...dossier.Options) pageEnv {
	t.Helper()
	var o dossier.Options
	if len(opt) > 0 {
		o = opt[0]
	}
	f := newFixture(t, d, o)
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := catalog.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	if err := dossier.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	rr := api.NewRouter(1 << 20)
	rr.PageLogin = "/login"
	rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
		d := api.Detail(r, err)
		pages.RenderError(w, r, api.Status(err), d.Code, d.Message, d.Fields)
	}
	h := &dossier.Handler{Dossiers: f.svc, Pages: pages}
	rr.Handle(h.Routes()...)
	rr.Handle(h.PageRoutes()...)
	// The catalogue's procedure page carries the submission links.
	cat, err := catalog.New(context.Background(), d, func(context.Context, string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	rr.Handle((&catalog.Handler{Catalog: cat, Pages: pages, AgencyName: f.svc.AgencyName}).PageRoutes()...)
	return pageEnv{fixture: f, rr: rr, pages: pages}
}

// serve sends a request as p (nil: anonymous) and returns the status, the body and the Location.
func (e pageEnv) serve(t *testing.T, p *auth.Principal, method, target string, body io.Reader, contentType string) (int, string, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if p != nil {
		req = req.WithContext(auth.WithPrincipal(req.Context(), p))
	}
	rec := httptest.NewRecorder()
	e.rr.Mux.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String(), rec.Header().Get("Location")
}

func (e pageEnv) get(t *testing.T, p *auth.Principal, target string) (int, string) {
	t.Helper()
	status, body, _ := e.serve(t, p, "GET", target, nil, "")
	return status, body
}

// postForm sends a URL-encoded form with p's CSRF token.
func (e pageEnv) postForm(t *testing.T, p *auth.Principal, target string, form url.Values) (int, string, string) {
	t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", p.CSRF)
	}
	return e.serve(t, p, "POST", target, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// filePart is a file of a multipart form.
type filePart struct {
	field, name string
	body        []byte
}

// postMultipart sends a multipart form (fields in order, then files).
func (e pageEnv) postMultipart(t *testing.T, p *auth.Principal, target string, fields [][2]string, files []filePart) (int, string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		mw.WriteField(f[0], f[1])
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.body)
	}
	mw.Close()
	return e.serve(t, p, "POST", target, &buf, mw.FormDataContentType())
}

func wantIn(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

func wantNotIn(t *testing.T, what, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("%s contains %q", what, w)
		}
	}
}

var (
	pdfBytes = []byte("%PDF-1.7\n" + strings.Repeat("x", 1000) + "\n%%EOF\n")
	jpgBytes = append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 500)...)
)

// codeOf takes the dossier code from a redirect to its page.
func codeOf(t *testing.T, location string) string {
	t.Helper()
	u, err := url.Parse(location)
	if err != nil || !strings.HasPrefix(u.Path, "/dossiers/") {
		t.Fatalf("redirect to %q, want a dossier page", location)
	}
	return strings.TrimPrefix(u.Path, "/dossiers/")
}

func TestSubmissionPages(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPageEnv(t, d)
		status, body := e.get(t, pgApplicant, "/dossiers/new?instance="+instance)
		if status != http.StatusOK {
			t.Fatalf("form: status %d\n%s", status, body)
		}
		wantIn(t, "the form", body, "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên",
			`name="component-0"`, `name="component-1"`, `name="component-2"`, `name="other"`,
			"Giấy đề nghị đăng ký doanh nghiệp", "Điều lệ công ty", "Bản sao giấy tờ pháp lý của chủ sở hữu",
			`accept=".pdf,application/pdf,.docx,`, `accept=".pdf,application/pdf,.jpg,.jpeg,image/jpeg"`,
			`value="Nguyễn Văn An"`, "3 ngày làm việc", "150.000", `name="csrf" value="csrf-an.nv"`, `enctype="multipart/form-data"`)
		wantNotIn(t, "the applicant's form", body, `name="accept_now"`)
		if _, body := e.get(t, pgOfficer, "/dossiers/new?instance="+instance); !strings.Contains(body, `name="accept_now"`) {
			t.Errorf("the agency's officer gets no accept-now box")
		}
		if status, body := e.get(t, pgOutsider, "/dossiers/new?instance="+instance); status != http.StatusOK ||
			!strings.Contains(body, "Cán bộ chỉ tiếp nhận hồ sơ tại quầy cho cơ quan của mình") || strings.Contains(body, `name="name"`) {
			t.Errorf("another province's officer: status %d", status)
		}
		if status, body := e.get(t, pgApplicant, "/dossiers/new?instance=1.001612.H36"); status != http.StatusBadRequest {
			t.Errorf("bad instance: status %d\n%s", status, body)
		}

		fields := [][2]string{{"csrf", pgApplicant.CSRF}, {"key", "k-1"}, {"instance", instance}, {"kind", "citizen"},
			{"name", "Lê Thị Hoa"}, {"id", "068090001234"}, {"email", "hoa@example.vn"}, {"subject", "Thành lập công ty"}}
		good := []filePart{{"component-0", "don.pdf", pdfBytes}, {"component-1", "dieu-le.pdf", pdfBytes}, {"component-2", "cccd.jpg", jpgBytes}}

		// A GIF named .pdf is refused: the form comes back with the message at its paper and what was typed.
		bad := append([]filePart{{"component-0", "don.pdf", []byte("GIF89a not a pdf at all")}}, good[1:]...)
		status, body, _ = e.postMultipart(t, pgApplicant, "/dossiers/new", fields, bad)
		if status != http.StatusBadRequest {
			t.Fatalf("bad upload: status %d\n%s", status, body)
		}
		wantIn(t, "the refused form", body, `role="alert"`, "don.pdf is not what its name says", `class="component invalid"`,
			`value="Lê Thị Hoa"`, `value="hoa@example.vn"`, "Thành lập công ty", `id="component-0-err"`)
		// A missing required paper is named.
		status, body, _ = e.postMultipart(t, pgApplicant, "/dossiers/new", fields, good[:2])
		if status != http.StatusBadRequest || !strings.Contains(body, "required paper missing: Bản sao giấy tờ pháp lý của chủ sở hữu") {
			t.Errorf("missing paper: status %d", status)
		}
		// Without the session's token nothing is filed.
		noCSRF := append([][2]string{{"csrf", "forged"}}, fields[1:]...)
		if status, _, _ := e.postMultipart(t, pgApplicant, "/dossiers/new", noCSRF, good); status != http.StatusForbidden {
			t.Errorf("forged form: status %d", status)
		}
		if n := count(t, d, "dossiers"); n != 0 {
			t.Fatalf("refused forms left %d dossiers", n)
		}

		status, body, loc := e.postMultipart(t, pgApplicant, "/dossiers/new", fields, good)
		if status != http.StatusSeeOther {
			t.Fatalf("submit: status %d\n%s", status, body)
		}
		code := codeOf(t, loc)
		if code != "000.00.04.H36-261123-0001" {
			t.Errorf("code %s", code)
		}
		// A double click sends the same form again: the same dossier, not a second one.
		if _, _, loc2 := e.postMultipart(t, pgApplicant, "/dossiers/new", fields, good); codeOf(t, loc2) != code {
			t.Errorf("resent form filed %s, want %s", loc2, code)
		}
		status, body = e.get(t, pgApplicant, loc)
		if status != http.StatusOK {
			t.Fatalf("dossier page: status %d\n%s", status, body)
		}
		wantIn(t, "the new dossier's page", body, code, "Mới đăng ký", "Newly submitted", "Lê Thị Hoa", "don.pdf", "cccd.jpg",
			"/api/v1/dossiers/"+code+"/files/0", "Đã nộp hồ sơ", "Rút hồ sơ", `name="to" value="7"`)
		wantNotIn(t, "the applicant's page", body, `name="to" value="2"`, `name="to" value="3"`)
		got, err := e.svc.Get(context.Background(), pgApplicant, code)
		if err != nil || got.Channel != dossier.Online || got.Applicant.UserID != 100 || len(got.Files) != 3 {
			t.Errorf("stored dossier %+v, %v", got, err)
		}

		// The applicant's list.
		status, body = e.get(t, pgApplicant, "/my/dossiers")
		if status != http.StatusOK {
			t.Fatalf("my dossiers: status %d", status)
		}
		wantIn(t, "my dossiers", body, `href="/dossiers/`+code+`"`, "Mới đăng ký")
		if _, body := e.get(t, pgStranger, "/my/dossiers"); strings.Contains(body, code) {
			t.Errorf("another applicant's list shows %s", code)
		}

		// At the counter: the officer files and accepts on the spot, without files.
		counter := [][2]string{{"csrf", pgOfficer.CSRF}, {"instance", instance}, {"kind", "business"}, {"name", "Công ty TNHH An Phú"}, {"accept_now", "1"}}
		status, body, loc = e.postMultipart(t, pgOfficer, "/dossiers/new", counter, nil)
		if status != http.StatusSeeOther {
			t.Fatalf("counter: status %d\n%s", status, body)
		}
		if got, err := e.svc.Get(context.Background(), pgOfficer, codeOf(t, loc)); err != nil || got.Channel != dossier.Counter || got.Status != vn.DossierAccepted {
			t.Errorf("counter dossier %+v, %v", got, err)
		}
	})
}

func TestSubmissionTooLarge(t *testing.T) {
	e := newPageEnv(t, dbtest.SQLite(t), dossier.Options{MaxFileBytes: 4096})
	fields := [][2]string{{"csrf", pgApplicant.CSRF}, {"instance", instance}, {"name", "Lê Thị Hoa"}, {"phone", "0912345678"}}
	big := append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("x"), 5000)...)
	files := []filePart{{"component-0", "don.pdf", big}, {"component-1", "dieu-le.pdf", pdfBytes}, {"component-2", "cccd.jpg", jpgBytes}}
	status, body, _ := e.postMultipart(t, pgApplicant, "/dossiers/new", fields, files)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413\n%s", status, body)
	}
	wantIn(t, "the form after a file too large", body, `role="alert"`, "don.pdf is larger than the limit", `value="Lê Thị Hoa"`, `value="0912345678"`, `name="component-0"`)
	if n := count(t, e.db, "dossiers"); n != 0 {
		t.Errorf("%d dossiers", n)
	}
}

func TestDossierPageSteps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPageEnv(t, d)
		code := submit(t, e.fixture, pgApplicant).Code
		page := "/dossiers/" + code
		act := page + "/act"

		status, body := e.get(t, pgOfficer, page)
		if status != http.StatusOK {
			t.Fatalf("officer's page: status %d\n%s", status, body)
		}
		wantIn(t, "the officer's page", body, "Mới đăng ký", `name="to" value="2"`, `name="to" value="3"`, `name="to" value="5"`,
			"Tiếp nhận", "Từ chối tiếp nhận", "Yêu cầu bổ sung giấy tờ", "Nguyễn Văn An", "068090001234")
		status, body, loc := e.postForm(t, pgOfficer, act, url.Values{"to": {"2"}, "version": {"1"}})
		if status != http.StatusSeeOther || loc != page+"?done=1" {
			t.Fatalf("accept: status %d, location %q\n%s", status, loc, body)
		}
		_, body = e.get(t, pgOfficer, loc)
		wantIn(t, "the accepted dossier", body, "Được tiếp nhận", "Đã cập nhật hồ sơ", "Trong hạn", "17:00 26/11/2026",
			"/api/v1/dossiers/"+code+"/forms/receipt", "/api/v1/dossiers/"+code+"/forms/control", `name="to" value="4"`)

		// Refused steps come back as the page with the message at the top and what was typed.
		status, body, _ = e.postForm(t, pgOfficer, act, url.Values{"to": {"3"}, "reason": {"Sai thủ tục"}, "version": {"2"}})
		if status != http.StatusConflict {
			t.Errorf("2 → 3: status %d", status)
		}
		wantIn(t, "the refused step", body, `role="alert"`, "cannot move to 3", "Được tiếp nhận")
		status, body, _ = e.postForm(t, pgOfficer, act, url.Values{"to": {"5"}, "items": {"Bản vẽ"}, "version": {"2"}})
		if status != http.StatusBadRequest || !strings.Contains(body, "say why") || !strings.Contains(body, "Bản vẽ</textarea>") {
			t.Errorf("request without a reason: status %d", status)
		}
		if status, _, _ := e.postForm(t, pgOfficer, act, url.Values{"to": {"4"}, "version": {"1"}}); status != http.StatusConflict {
			t.Errorf("stale version: status %d", status)
		}
		if status, _, _ := e.postForm(t, pgOfficer, act, url.Values{"to": {"4"}, "csrf": {"forged"}}); status != http.StatusForbidden {
			t.Errorf("forged step: status %d", status)
		}
		if status, _, _ := e.postForm(t, pgApplicant, act, url.Values{"to": {"4"}}); status != http.StatusConflict {
			t.Errorf("the applicant started processing: status %d", status)
		}

		// Processing, a request for documents, the supplement from the applicant.
		if status, body, _ := e.postForm(t, pgOfficer, act, url.Values{"to": {"4"}, "department": {"000.00.01.H36"}, "assignee": {"chuyenvien.a"}}); status != http.StatusSeeOther {
			t.Fatalf("start: status %d\n%s", status, body)
		}
		if status, body, _ := e.postForm(t, pgOfficer, act, url.Values{"to": {"5"}, "reason": {"Thiếu bản vẽ"}, "items": {"Bản vẽ mặt bằng\n\n  Giấy phép xây dựng  \n"}}); status != http.StatusSeeOther {
			t.Fatalf("request documents: status %d\n%s", status, body)
		}
		_, body = e.get(t, pgApplicant, page)
		wantIn(t, "the applicant's page while documents are awaited", body, "Yêu cầu bổ sung giấy tờ", "Thiếu bản vẽ",
			"<li>Bản vẽ mặt bằng</li>", "<li>Giấy phép xây dựng</li>", `action="/dossiers/`+code+`/supplement"`, `name="to" value="7"`)
		wantNotIn(t, "the applicant's page while documents are awaited", body, `name="to" value="4"`)
		status, body, _ = e.postMultipart(t, pgApplicant, page+"/supplement", [][2]string{{"csrf", pgApplicant.CSRF}, {"note", "Bổ sung bản vẽ"}},
			[]filePart{{"other", "ban-ve.pdf", pdfBytes}})
		if status != http.StatusSeeOther {
			t.Fatalf("supplement: status %d\n%s", status, body)
		}
		_, body = e.get(t, pgApplicant, page)
		wantIn(t, "after the supplement", body, "Đang xử lý", "ban-ve.pdf", "Đã bổ sung giấy tờ", "Bổ sung bản vẽ")

		// The result is uploaded, handed over, kept in the data store, and rated.
		status, body, _ = e.postMultipart(t, pgOfficer, page+"/result", [][2]string{{"csrf", pgOfficer.CSRF}},
			[]filePart{{"result", "giay-chung-nhan.pdf", pdfBytes}})
		if status != http.StatusSeeOther {
			t.Fatalf("result: status %d\n%s", status, body)
		}
		if status, body, _ := e.postForm(t, pgOfficer, act, url.Values{"to": {"10"}}); status != http.StatusSeeOther {
			t.Fatalf("return: status %d\n%s", status, body)
		}
		_, body = e.get(t, pgApplicant, page)
		wantIn(t, "the settled dossier", body, "Đã trả kết quả", "Kết quả giải quyết", "giay-chung-nhan.pdf", "Giải quyết đúng hạn", `action="/dossiers/`+code+`/rate"`)
		if status, body, _ := e.postForm(t, pgApplicant, page+"/rate", url.Values{"score": {"9"}}); status != http.StatusBadRequest || !strings.Contains(body, "1 to 5") {
			t.Errorf("rating 9: status %d", status)
		}
		if status, _, _ := e.postForm(t, pgApplicant, page+"/rate", url.Values{"score": {"5"}, "comment": {"Nhanh"}}); status != http.StatusSeeOther {
			t.Errorf("rating: status %d", status)
		}
		_, body = e.get(t, pgApplicant, page)
		wantIn(t, "the rated dossier", body, "5/5 điểm", "Nhanh")
		wantNotIn(t, "the rated dossier", body, `action="/dossiers/`+code+`/rate"`)

		status, body = e.get(t, pgApplicant, "/my/documents")
		docs, err := e.svc.Documents(context.Background(), pgApplicant)
		if status != http.StatusOK || err != nil || len(docs) != 1 {
			t.Fatalf("data store: status %d, %d documents, %v", status, len(docs), err)
		}
		wantIn(t, "the data store", body, "giay-chung-nhan.pdf", fmt.Sprintf("/api/v1/documents/%d", docs[0].ID), code)
		// The stored result is offered for the papers of the next dossier.
		_, body = e.get(t, pgApplicant, "/dossiers/new?instance="+instance)
		wantIn(t, "the next form", body, `name="document-0"`, fmt.Sprintf(`<option value="%d" >giay-chung-nhan.pdf`, docs[0].ID))
		// … and attached from there instead of an upload.
		fields := [][2]string{{"csrf", pgApplicant.CSRF}, {"instance", instance}, {"name", "Nguyễn Văn An"}, {"document-2", fmt.Sprint(docs[0].ID)}}
		status, body, loc = e.postMultipart(t, pgApplicant, "/dossiers/new", fields,
			[]filePart{{"component-0", "don.pdf", pdfBytes}, {"component-1", "dieu-le.pdf", pdfBytes}})
		if status != http.StatusSeeOther {
			t.Fatalf("reusing a stored result: status %d\n%s", status, body)
		}
		if next, err := e.svc.Get(context.Background(), pgApplicant, codeOf(t, loc)); err != nil || len(next.Files) != 3 || next.Files[2].SHA256 != docs[0].SHA256 {
			t.Errorf("the reused paper: %+v, %v", next, err)
		}
	})
}

func TestDossierPageAccess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPageEnv(t, d)
		code := submit(t, e.fixture, pgApplicant).Code
		page := "/dossiers/" + code
		if status, body := e.get(t, pgOutsider, page); status != http.StatusForbidden || !strings.Contains(body, "may not see dossier") {
			t.Errorf("another province's officer: status %d", status)
		}
		if status, _ := e.get(t, pgStranger, page); status != http.StatusForbidden {
			t.Errorf("another applicant: status %d", status)
		}
		if status, _, loc := e.serve(t, nil, "GET", page, nil, ""); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login?next=") {
			t.Errorf("anonymous: status %d, location %q", status, loc)
		}
		if status, _, _ := e.postForm(t, pgOutsider, page+"/act", url.Values{"to": {"2"}}); status != http.StatusForbidden {
			t.Errorf("another province's officer acted: status %d", status)
		}
		if status, _, _ := e.postMultipart(t, pgOutsider, page+"/result", [][2]string{{"csrf", pgOutsider.CSRF}}, []filePart{{"result", "x.pdf", pdfBytes}}); status != http.StatusForbidden {
			t.Errorf("another province's officer issued a result: status %d", status)
		}
		// The applicant's own lists are for applicants; officers work from the console.
		for _, p := range []string{"/my/dossiers", "/my/documents"} {
			if status, _ := e.get(t, pgOfficer, p); status != http.StatusForbidden {
				t.Errorf("an officer on %s: status %d", p, status)
			}
		}
		if status, _ := e.get(t, pgOfficer, "/dossiers/000.00.04.H36-261123-01"); status != http.StatusBadRequest {
			t.Errorf("malformed code: status %d", status)
		}
		if status, _ := e.get(t, pgOfficer, "/dossiers/000.00.04.H36-261123-0999"); status != http.StatusNotFound {
			t.Errorf("unknown code: status %d", status)
		}
		got, _ := e.svc.Get(context.Background(), pgOfficer, code)
		if got.Status != vn.DossierSubmitted || len(got.Events) != 1 {
			t.Errorf("refused requests changed the dossier: %+v", got)
		}
	})
}

func TestLookupPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPageEnv(t, d)
		code := submit(t, e.fixture, pgApplicant).Code
		status, body := e.get(t, nil, "/lookup")
		if status != http.StatusOK || !strings.Contains(body, `name="code"`) {
			t.Fatalf("lookup form: status %d", status)
		}
		status, body = e.get(t, nil, "/lookup?code="+url.QueryEscape(" "+code+" "))
		if status != http.StatusOK {
			t.Fatalf("lookup: status %d\n%s", status, body)
		}
		wantIn(t, "the lookup", body, code, "Mới đăng ký", "Newly submitted", "N. V. An", "Đăng ký thành lập công ty")
		wantNotIn(t, "the lookup", body, "Nguyễn Văn An", "068090001234", "an@example.vn")
		status, body = e.get(t, nil, "/lookup?code=000.00.04.H36-2611-1")
		if status != http.StatusBadRequest {
			t.Errorf("malformed code: status %d", status)
		}
		wantIn(t, "the malformed lookup", body, "Mã hồ sơ không đúng định dạng", `role="alert"`, `value="000.00.04.H36-2611-1"`)
		status, body = e.get(t, nil, "/lookup?code=000.00.04.H36-261123-0999")
		if status != http.StatusNotFound || !strings.Contains(body, "Không tìm thấy hồ sơ") {
			t.Errorf("unknown code: status %d", status)
		}
	})
}

func TestOneStopPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		e := newPageEnv(t, d)
		ctx := context.Background()
		waiting := submit(t, e.fixture, pgApplicant).Code
		var accepted []string
		for i := 0; i < 2; i++ {
			a, err := e.svc.Submit(ctx, officer, dossier.Submission{Instance: instance, Applicant: applicant, AcceptNow: true})
			if err != nil {
				t.Fatal(err)
			}
			accepted = append(accepted, a.Code)
		}
		if _, err := e.svc.Transition(ctx, officer, accepted[0], dossier.Change{To: vn.DossierProcessed}); err != nil {
			t.Fatal(err)
		}
		status, body := e.get(t, pgOfficer, "/one-stop")
		if status != http.StatusOK {
			t.Fatalf("console: status %d\n%s", status, body)
		}
		wantIn(t, "the console", body, `value="000.00.00.H36"`, `href="/dossiers/`+waiting+`"`, "Chờ tiếp nhận",
			"/api/v1/dossier-book?agency=000.00.00.H36", `id="onestop-data"`, "/dossiers/static/onestop.js")
		wantNotIn(t, "the reception list", body, `href="/dossiers/`+accepted[1]+`"`)
		wantTabCounts := func(body string, want map[string]int) {
			t.Helper()
			for tab, n := range want {
				re := regexp.MustCompile(`class="tab-` + tab + `[^"]*">\s*[^<]*<span class="count">(\d+)</span>`)
				m := re.FindStringSubmatch(body)
				if m == nil || m[1] != fmt.Sprint(n) {
					t.Errorf("tab %s: %v, want %d", tab, m, n)
				}
			}
		}
		wantTabCounts(body, map[string]int{"new": 1, "overdue": 0, "in_progress": 1, "settled": 1})

		// Friday: the open accepted dossier (due Thursday 17:00) is overdue.
		*e.clock = time.Date(2026, 11, 27, 9, 0, 0, 0, ict)
		status, body = e.get(t, pgOfficer, "/one-stop?tab=overdue")
		if status != http.StatusOK {
			t.Fatalf("overdue tab: status %d", status)
		}
		wantIn(t, "the overdue tab", body, `href="/dossiers/`+accepted[1]+`"`, "Quá hạn", "alarm")
		wantNotIn(t, "the overdue tab", body, `href="/dossiers/`+waiting+`"`, `href="/dossiers/`+accepted[0]+`"`)
		wantTabCounts(body, map[string]int{"overdue": 1, "due_soon": 0})
		// This month's figures: three received, one settled on time, one overdue, 100% on time.
		wantIn(t, "the statistics", body, `<p class="figure">3</p>`, `<p class="figure">100%</p>`)
		var chart struct {
			Agencies []string `json:"agencies"`
			OnTime   []int    `json:"on_time"`
			Overdue  []int    `json:"overdue"`
		}
		m := regexp.MustCompile(`(?s)<script type="application/json" id="onestop-data">(.*?)</script>`).FindStringSubmatch(body)
		if m == nil || json.Unmarshal([]byte(m[1]), &chart) != nil || len(chart.Agencies) != 1 || chart.OnTime[0] != 1 || chart.Overdue[0] != 1 {
			t.Errorf("chart data %v %+v", m, chart)
		}

		if status, _ := e.get(t, pgOutsider, "/one-stop?agency=000.00.00.H36"); status != http.StatusForbidden {
			t.Errorf("another province's officer: status %d", status)
		}
		if status, body := e.get(t, pgAdmin, "/one-stop"); status != http.StatusOK || !strings.Contains(body, `value="000.00.00.H36"`) {
			t.Errorf("a national administrator: status %d", status)
		}
		if status, _ := e.get(t, pgApplicant, "/one-stop"); status != http.StatusForbidden {
			t.Errorf("an applicant: status %d", status)
		}
		if status, _ := e.get(t, pgOfficer, "/one-stop?agency=H36"); status != http.StatusBadRequest && status != http.StatusForbidden {
			t.Errorf("a bad agency code: status %d", status)
		}
		if status, body, _ := e.serve(t, nil, "GET", "/dossiers/static/onestop.js", nil, ""); status != http.StatusOK || !strings.Contains(body, "echarts") {
			t.Errorf("chart script: status %d", status)
		}
		if status, _, _ := e.serve(t, nil, "GET", "/dossiers/static/nothing.js", nil, ""); status != http.StatusNotFound {
			t.Errorf("missing script: status %d", status)
		}
	})
}

func TestProcedurePageLinksSubmission(t *testing.T) {
	e := newPageEnv(t, dbtest.SQLite(t))
	status, body := e.get(t, nil, "/procedures/1.001612")
	if status != http.StatusOK {
		t.Fatalf("procedure page: status %d", status)
	}
	wantIn(t, "the procedure page", body, `href="/dossiers/new?instance=1.001612.000.00.04.H36"`, "Nộp hồ sơ")
	// Anonymous visitors are sent to log in first.
	if status, _, loc := e.serve(t, nil, "GET", "/dossiers/new?instance="+instance, nil, ""); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/login") {
		t.Errorf("anonymous form: status %d, location %q", status, loc)
	}
}

// TestPageMessages checks that every key the dossier templates (and the catalogue's procedure page,
// which links here) use is in both catalogues, including the keys built from values.
func TestPageMessages(t *testing.T) {
	e := newPageEnv(t, dbtest.SQLite(t))
	vi, en := e.pages.Messages("vi"), e.pages.Messages("en")
	files, _ := filepath.Glob("templates/*.html")
	files = append(files, "../catalog/templates/procedure.html")
	keyRe := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	var keys []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
	}
	built := map[string][]string{
		"dossier.action.":     {"accept", "refuse", "start", "request_documents", "request_payment", "withdraw", "stop", "process", "return_result", "resume", "paid"},
		"dossier.event.":      {"submit", "resubmit", "accept", "refuse", "start", "request_documents", "request_payment", "withdraw", "stop", "process", "return_result", "assign", "reschedule", "rate", "supplied", "paid", "other"},
		"dossier.timeliness.": {"on_track", "due_soon", "overdue", "on_time", "late"},
		"dossier.channel.":    {"online", "counter", "api"},
		"dossier.applicant.":  {"citizen", "business"},
		"dossier.file_kind.":  {dossier.FileSubmitted, dossier.FileSupplement, dossier.FileResult},
		"dossier.form_pdf.":   {"receipt", "supplement", "refusal", "apology", "control"},
		"dossier.tab.":        {"new", "due_soon", "overdue", "in_progress", "waiting", "settled"},
		"dossier.stats.":      {"on_time", "late", "overdue", "in_progress", "waiting"},
		"dossier.rating.":     {"1", "2", "3", "4", "5"},
		// The page titles, given in Go.
		"dossier.": {"new.title", "show.title", "mine.title", "documents.title", "lookup.title", "onestop.title"},
	}
	for prefix, rest := range built {
		for _, r := range rest {
			keys = append(keys, prefix+r)
		}
	}
	for _, k := range keys {
		if _, ok := vi[k]; !ok {
			t.Errorf("%q is missing from the Vietnamese catalogue", k)
		}
		if _, ok := en[k]; !ok {
			t.Errorf("%q is missing from the English catalogue", k)
		}
	}
	// The package's own catalogues have the same keys, all under dossier.
	own := map[string]map[string]string{}
	for _, lang := range web.Languages {
		b, err := fs.ReadFile(os.DirFS("messages"), lang+".json")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		own[lang] = m
	}
	for k := range own["vi"] {
		if !strings.HasPrefix(k, "dossier.") {
			t.Errorf("%q is not under dossier.", k)
		}
		if _, ok := own["en"][k]; !ok {
			t.Errorf("%q is in Vietnamese but not in English", k)
		}
	}
	for k := range own["en"] {
		if _, ok := own["vi"][k]; !ok {
			t.Errorf("%q is in English but not in Vietnamese", k)
		}
	}
}

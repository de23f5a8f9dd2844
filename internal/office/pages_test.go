package office_test

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
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/office"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

// pageServer serves the office API and pages as the node does: the renderer with the office
// templates, the route table with its access rules, and page errors rendered as pages. The
// X-Test-User header names the principal, who carries a CSRF token "csrf-" + login.
func pageServer(t *testing.T, svc *office.Service) *httptest.Server {
	t.Helper()
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := office.RegisterPages(pages); err != nil {
		t.Fatalf("RegisterPages: %v", err)
	}
	people := map[string]*auth.Principal{}
	applicant := &auth.Principal{Kind: auth.KindUser, ID: "citizen", Name: "Công dân"}
	for _, p := range []*auth.Principal{drafterLD, leaderLD, clerkLD, clerkDL, leaderDL, officerDL, outsider, applicant} {
		c := *p
		c.CSRF = "csrf-" + p.ID
		people[p.ID] = &c
	}
	rr := api.NewRouter(64 << 20)
	rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
		d := api.Detail(r, err)
		pages.RenderError(w, r, api.Status(err), d.Code, d.Message, d.Fields)
	}
	h := &office.Handler{Office: svc, Pages: pages}
	rr.Handle(h.Routes()...)
	rr.Handle(h.PageRoutes()...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := people[r.Header.Get("X-Test-User")]; p != nil {
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		rr.Mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type browser struct {
	t   *testing.T
	url string
}

type response struct {
	code     int
	body     string
	location string
	header   http.Header
}

func (b browser) do(method, path, user, contentType string, body io.Reader) response {
	b.t.Helper()
	req, err := http.NewRequest(method, b.url+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("X-Test-User", user)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{code: resp.StatusCode, body: string(raw), location: resp.Header.Get("Location"), header: resp.Header}
}

func (b browser) get(path, user string) response { return b.do("GET", path, user, "", nil) }

// post sends a URL-encoded form with the user's CSRF token.
func (b browser) post(path, user string, form url.Values) response {
	b.t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", "csrf-"+user)
	}
	return b.do("POST", path, user, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// upload sends a multipart form with the user's CSRF token and files (field → name → content).
func (b browser) upload(path, user string, form url.Values, files [][3]string) response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", "csrf-"+user)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile(f[0], f[1])
		if err != nil {
			b.t.Fatal(err)
		}
		io.WriteString(fw, f[2])
	}
	mw.Close()
	return b.do("POST", path, user, mw.FormDataContentType(), &body)
}

func wantRedirect(t *testing.T, r response, prefix string) string {
	t.Helper()
	if r.code != http.StatusSeeOther || !strings.HasPrefix(r.location, prefix) {
		t.Fatalf("want 303 to %s…, got %d %q\n%s", prefix, r.code, r.location, r.body)
	}
	return r.location
}

func wantPage(t *testing.T, r response, code int, contains ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d\n%s", r.code, code, r.body)
	}
	for _, s := range contains {
		if !strings.Contains(r.body, s) {
			t.Fatalf("the page lacks %q\n%s", s, r.body)
		}
	}
}

const pdfBody = "%PDF-1.7\n% quyết định\n1 0 obj << >> endobj\n%%EOF\n"

// TestPages drives the office through its pages: a draft with its PDF made through the form,
// approved, signed and issued with its number and notation; the recipient's clerk registers it from
// the axis inbox, registers a paper document and assigns it; the officer finds it in their work;
// a file that is not a PDF comes back with the error and stores nothing; another province's officer
// is refused.
func TestPages(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), office.Options{})
	ctx := context.Background()
	b := browser{t, pageServer(t, f.svc).URL}
	qd, _ := vn.DocumentTypeByAbbreviation("QĐ")
	draft := url.Values{"agency": {ubndLD}, "type": {fmt.Sprint(qd.Number)}, "subject": {"Về việc phê duyệt kế hoạch chuyển đổi số năm 2027"},
		"signer_name": {"Trần Văn Bình"}, "signer_title": {"Chủ tịch"}, "recipients": {ubndDL}, "paper_recipients": {"Lưu: VT, VP"},
		"urgency": {"1"}, "confidentiality": {"0"}, "copies": {"5"}, "keeper": {"Văn phòng"}, "key": {"form-1"}}

	// The form, with the 29 types and the recipients' hint.
	wantPage(t, b.get("/office/outgoing/new", drafterLD.ID), 200, `name="csrf" value="csrf-chuyenvien.ld"`, "Quyết định (cá biệt) (QĐ)", "000.00.00.H16, 000.00.01.H36")

	// A file that is not a PDF: the form comes back with the error and the typed values; nothing is stored.
	r := b.upload("/office/outgoing/new", drafterLD.ID, draft, [][3]string{{"main", "quyet-dinh.pdf", "<html>not a pdf</html>"}})
	wantPage(t, r, 400, "quyet-dinh.pdf is not a pdf file", "Về việc phê duyệt kế hoạch", `class="field-error"`)
	if list, err := f.svc.ListOutgoing(ctx, clerkLD, office.OutgoingQuery{Agency: ubndLD}); err != nil || len(list) != 0 {
		t.Fatalf("after the refused upload: %d documents, %v", len(list), err)
	}
	// A missing CSRF token is refused.
	r = b.do("POST", "/office/outgoing/new", drafterLD.ID, "application/x-www-form-urlencoded", strings.NewReader(draft.Encode()))
	wantPage(t, r, 403)

	draft.Set("key", "form-2")
	loc := wantRedirect(t, b.upload("/office/outgoing/new", drafterLD.ID, draft, [][3]string{{"main", "quyet-dinh.pdf", pdfBody}}), "/office/outgoing/")
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/office/outgoing/")
	page := b.get(loc, drafterLD.ID)
	wantPage(t, page, 200, "quyet-dinh.pdf", "Chưa cấp số", `value="submitted"`, `value="cancelled"`)
	if strings.Contains(page.body, `value="approved"`) {
		t.Fatal("the drafter is offered approval")
	}

	for _, step := range []struct {
		user string
		to   string
		want string
	}{{drafterLD.ID, "submitted", "done=submit"}, {leaderLD.ID, "approved", "done=approve"}, {leaderLD.ID, "signed", "done=sign"}, {clerkLD.ID, "issued", "done=issue"}} {
		r := b.post("/office/outgoing/"+id+"/transition", step.user, url.Values{"to": {step.to}, "method": {"digital"}})
		if got := wantRedirect(t, r, "/office/outgoing/"+id); !strings.HasSuffix(got, step.want) {
			t.Fatalf("%s: redirected to %s", step.to, got)
		}
	}
	wantPage(t, b.get("/office/outgoing/"+id, clerkLD.ID), 200, "01/QĐ-UBND", "Đã ban hành", "23/11/2026", "Trục liên thông")
	// Issuing twice comes back on the page with the conflict.
	wantPage(t, b.post("/office/outgoing/"+id+"/transition", clerkLD.ID, url.Values{"to": {"issued"}}), 409, "01/QĐ-UBND", `role="alert"`)

	// The list finds it without diacritics; the desk counts.
	wantPage(t, b.get("/office/outgoing?q=chuyen+doi+so", clerkLD.ID), 200, "01/QĐ-UBND", "/office/outgoing/"+id)
	if r := b.get("/office/outgoing?q=khong+co", clerkLD.ID); strings.Contains(r.body, "/office/outgoing/"+id+`"`) {
		t.Fatal("the search found a document it should not")
	}
	wantPage(t, b.get("/office", clerkLD.ID), 200, "Bàn làm việc văn thư", "Ủy ban nhân dân tỉnh Lâm Đồng")

	// Đắk Lắk's clerk sees it on the axis and registers it from the incoming page.
	inbox, err := f.svc.AxisInbox(ctx, clerkDL, ubndDL)
	if err != nil || len(inbox) != 1 {
		t.Fatalf("AxisInbox = %v, %v", inbox, err)
	}
	wantPage(t, b.get("/office/incoming", clerkDL.ID), 200, "axis-inbox", inbox[0].ID, "01/QĐ-UBND")
	wantRedirect(t, b.post("/office/incoming/axis", clerkDL.ID, url.Values{"agency": {ubndDL}, "axis_id": {inbox[0].ID}, "action": {"register"}}), "/office/incoming/")

	// A paper document: registered with its scan, then assigned to an officer.
	paper := url.Values{"agency": {ubndDL}, "sender_name": {"Sở Tài chính tỉnh Đắk Lắk"}, "type": {"18"}, "number_notation": {"123/STC-NS"},
		"document_date": {"2026-11-20"}, "subject": {"Về việc báo cáo quyết toán ngân sách"}, "key": {"paper-1"}}
	r = b.upload("/office/incoming/paper", clerkDL.ID, paper, [][3]string{{"scan", "scan.pdf", pdfBody}})
	inLoc := wantRedirect(t, r, "/office/incoming/")
	inID := strings.TrimPrefix(strings.SplitN(inLoc, "?", 2)[0], "/office/incoming/")
	wantPage(t, b.get(inLoc, clerkDL.ID), 200, "123/STC-NS", "scan.pdf", "Giao xử lý", "Số đến 2")
	wantRedirect(t, b.post("/office/incoming/"+inID+"/assign", clerkDL.ID, url.Values{"assignee": {officerDL.ID}, "due_days": {"2"}, "role": {"lead"}}),
		"/office/incoming/"+inID+"?done=assign")
	// A deadline on a non-working day comes back with the reason.
	wantPage(t, b.post("/office/incoming/"+inID+"/assign", clerkDL.ID, url.Values{"assignee": {officerDL.ID}, "due_date": {"2026-11-28"}}), 400,
		"not a working day")

	// The officer's work lists it at the top; starting it and adding an opinion go through the pages.
	wantPage(t, b.get("/office/my-work", officerDL.ID), 200, "Về việc báo cáo quyết toán ngân sách", "/office/incoming/"+inID, "Sắp đến hạn")
	in, err := f.svc.GetIncoming(ctx, officerDL, mustID(t, inID))
	if err != nil || len(in.Assignments) != 1 {
		t.Fatalf("GetIncoming: %+v, %v", in, err)
	}
	aid := fmt.Sprint(in.Assignments[0].ID)
	wantRedirect(t, b.post("/office/assignments/"+aid+"/start", officerDL.ID, url.Values{"back": {"my-work"}}), "/office/my-work?done=start")
	wantRedirect(t, b.post("/office/incoming/"+inID+"/opinion", officerDL.ID, url.Values{"text": {"Đề nghị Phòng Kế hoạch phối hợp."}}), "/office/incoming/"+inID)
	wantRedirect(t, b.post("/office/assignments/"+aid+"/complete", officerDL.ID, url.Values{"incoming": {inID}, "result": {"Đã báo cáo."}}), "/office/incoming/"+inID+"?done=complete")
	wantPage(t, b.get("/office/incoming/"+inID, officerDL.ID), 200, "Đề nghị Phòng Kế hoạch phối hợp.", "Hoàn thành", "Đã báo cáo.")

	// Work files: opened through the form, the issued document added, closed; the rates show.
	wf := url.Values{"agency": {ubndLD}, "group": {"TH"}, "title": {"Kế hoạch chuyển đổi số năm 2027"}, "key": {"file-1"}}
	fLoc := wantRedirect(t, b.post("/office/files", drafterLD.ID, wf), "/office/files/")
	fID := strings.TrimPrefix(strings.SplitN(fLoc, "?", 2)[0], "/office/files/")
	wantRedirect(t, b.post("/office/files/"+fID+"/add", drafterLD.ID, url.Values{"kind": {"outgoing"}, "document_id": {id}}), "/office/files/"+fID)
	wantRedirect(t, b.post("/office/files/"+fID+"/close", drafterLD.ID, url.Values{}), "/office/files/"+fID)
	wantPage(t, b.get("/office/files/"+fID, drafterLD.ID), 200, "000.00.00.H36.2026.01.TH", "01/QĐ-UBND", "Đã đóng")
	wantPage(t, b.get("/office/files?agency="+ubndLD, drafterLD.ID), 200, "000.00.00.H36.2026.01.TH", "rates-data", "/static/vendor/echarts.min.js", "signature-figures", "Ký số văn bản đi năm 2026")

	// Registers: the preview and the download links.
	wantPage(t, b.get("/office/registers?agency="+ubndLD, clerkLD.ID), 200, "01/QĐ-UBND", "/api/v1/office/registers/outgoing.xlsx?agency=000.00.00.H36&amp;from=2026-01-01",
		"/api/v1/office/registers/outgoing.pdf?agency=000.00.00.H36&amp;from=2026-01-01", "/api/v1/office/registers/incoming.pdf?")
	wantPage(t, b.get("/office/registers?agency="+ubndDL, clerkDL.ID), 200, "123/STC-NS", "Sở Tài chính tỉnh Đắk Lắk")

	// Another province's leader: not found for the document, forbidden for the agency's desk.
	wantPage(t, b.get("/office/outgoing/"+id, outsider.ID), 404)
	wantPage(t, b.get("/office/incoming/"+inID, outsider.ID), 404)
	if r := b.post("/office/outgoing/"+id+"/transition", outsider.ID, url.Values{"to": {"cancelled"}, "reason": {"x"}}); r.code != 403 && r.code != 404 {
		t.Fatalf("another province's leader acted on the document: %d", r.code)
	}
	wantPage(t, b.get("/office?agency="+ubndLD, outsider.ID), 403)
	wantPage(t, b.get("/office/registers?agency="+ubndLD, outsider.ID), 403)
	// Applicants are refused by the route table.
	if r := b.get("/office", "citizen"); r.code != 403 {
		t.Fatalf("an applicant opened the desk: %d", r.code)
	}
	// The chart script is served.
	if r := b.get("/office/static/rates.js", drafterLD.ID); r.code != 200 || !strings.Contains(r.header.Get("Content-Type"), "javascript") {
		t.Fatalf("rates.js: %d %s", r.code, r.header.Get("Content-Type"))
	}

	// English pages use the English catalogue.
	req, _ := http.NewRequest("GET", b.url+"/office/outgoing/"+id, nil)
	req.Header.Set("X-Test-User", clerkLD.ID)
	req.AddCookie(&http.Cookie{Name: "lang", Value: "en"})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	en, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(en), "Issued") || !strings.Contains(string(en), "01/QĐ-UBND") {
		t.Fatalf("English page:\n%s", en)
	}

	// The PDF register through the API.
	r = b.get("/api/v1/office/registers/outgoing.pdf?agency="+ubndLD, clerkLD.ID)
	if r.code != 200 || r.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.body, "%PDF-") || !strings.Contains(r.header.Get("Content-Disposition"), ".pdf") {
		t.Fatalf("outgoing.pdf: %d %v", r.code, r.header)
	}
	if r = b.get("/api/v1/office/registers/outgoing.pdf?agency="+ubndLD, clerkDL.ID); r.code != 403 {
		t.Fatalf("outgoing.pdf for another province: %d", r.code)
	}

	// The XLSX registers through the API.
	r = b.get("/api/v1/office/registers/outgoing.xlsx?agency="+ubndLD, clerkLD.ID)
	if r.code != 200 || !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") || !strings.Contains(r.header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("outgoing.xlsx: %d %v", r.code, r.header)
	}
	rows := xlsxRows(t, []byte(r.body), office.OutgoingSheet)
	if len(rows) != 2 || rows[0][0] != "Số, ký hiệu văn bản" || rows[1][0] != "01/QĐ-UBND" || rows[1][1] != "23/11/2026" {
		t.Fatalf("outgoing register rows: %q", rows)
	}
	if r := b.get("/api/v1/office/registers/outgoing.xlsx?agency="+ubndLD, outsider.ID); r.code != 403 || !strings.Contains(r.body, `"not_your_agency"`) {
		t.Fatalf("outsider's XLSX: %d %s %v", r.code, r.body, r.header)
	}
	r = b.get("/api/v1/office/registers/incoming.xlsx?agency="+ubndDL+"&from=2026-11-01&to=2026-11-30", clerkDL.ID)
	rows = xlsxRows(t, []byte(r.body), office.IncomingSheet)
	if len(rows) != 3 || rows[0][1] != "Số đến" || rows[2][1] != "2" || rows[2][3] != "123/STC-NS" || rows[2][4] != "20/11/2026" {
		t.Fatalf("incoming register rows: %q", rows)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

func xlsxRows(t testing.TB, b []byte, sheet string) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not an XLSX workbook: %v", err)
	}
	defer x.Close()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestPageMessages checks that both catalogues hold the same keys, that every key a template names
// is in them, and that none collides with the shell's.
func TestPageMessages(t *testing.T) {
	cat := map[string]map[string]string{}
	for _, lang := range web.Languages {
		b, err := os.ReadFile(filepath.Join("messages", lang+".json"))
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s.json: %v", lang, err)
		}
		for k := range m {
			if !strings.HasPrefix(k, "office.") {
				t.Errorf("%s.json: key %q lacks the office. prefix", lang, k)
			}
		}
		cat[lang] = m
	}
	for k := range cat["vi"] {
		if _, ok := cat["en"][k]; !ok {
			t.Errorf("%s is in vi.json, not in en.json", k)
		}
	}
	for k := range cat["en"] {
		if _, ok := cat["vi"][k]; !ok {
			t.Errorf("%s is in en.json, not in vi.json", k)
		}
	}
	shell, err := fs.ReadFile(web.TemplateFS(), "messages/vi.json")
	if err != nil {
		t.Fatal(err)
	}
	var sm map[string]string
	json.Unmarshal(shell, &sm)
	for k := range sm {
		if _, dup := cat["vi"][k]; dup {
			t.Errorf("%s is also in the shell's catalogue", k)
		}
	}
	var missing []string
	literal := regexp.MustCompile(`\.T "(office\.[^"]+)"`)
	files, _ := filepath.Glob("templates/*.html")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if _, ok := cat["vi"][m[1]]; !ok {
				missing = append(missing, name+": "+m[1])
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("keys missing from the catalogues:\n%s", strings.Join(missing, "\n"))
	}
	// The keys built from values: every value has its message.
	for _, prefix := range []string{"office.out.", "office.in."} {
		for _, v := range map[string][]string{"office.out.": {"draft", "submitted", "approved", "signed", "issued", "cancelled"},
			"office.in.": {"arrived", "registered", "assigned", "in_progress", "done", "refused"}}[prefix] {
			if _, ok := cat["en"][prefix+v]; !ok {
				t.Errorf("%s%s is missing", prefix, v)
			}
		}
	}
	for _, r := range office.Rules {
		for _, suffix := range []string{"", "_help"} {
			key := "office.action." + map[office.OutStatus]string{office.Draft: "return", office.Submitted: "submit", office.Approved: "approve",
				office.Signed: "sign", office.Issued: "issue", office.Cancelled: "cancel"}[r.To] + suffix
			if _, ok := cat["vi"][key]; !ok {
				t.Errorf("%s is missing", key)
			}
		}
	}
}

package office_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/office"
)

// testServer serves the office routes on a real HTTP server; the X-Test-User header names the
// principal (the server's auth middleware is not under test here).
func testServer(t *testing.T, svc *office.Service) *httptest.Server {
	t.Helper()
	people := map[string]*auth.Principal{}
	for _, p := range []*auth.Principal{drafterLD, leaderLD, clerkLD, clerkDL, leaderDL, officerDL, outsider} {
		people[p.ID] = p
	}
	rr := api.NewRouter(1 << 20)
	rr.Handle((&office.Handler{Office: svc}).Routes()...)
	doc := rr.OpenAPI("test", "0")
	if n := len(doc["paths"].(map[string]any)); n < 30 {
		t.Fatalf("the OpenAPI document lists %d paths", n)
	}
	raw, _ := json.Marshal(doc)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, ref := range regexp.MustCompile(`"\$ref":"#/components/schemas/([^"]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := schemas[ref[1]]; !ok {
			t.Errorf("schema %s is referenced but not defined", ref[1])
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := people[r.Header.Get("X-Test-User")]; p != nil {
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		rr.Mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type client struct {
	t   *testing.T
	url string
}

func (c client) do(method, path, user, key, contentType string, body io.Reader, out any) int {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("X-Test-User", user)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if s, ok := out.(*string); ok {
			*s = string(b)
		} else if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return resp.StatusCode
}

func (c client) json(method, path, user string, in, out any) int {
	c.t.Helper()
	b, _ := json.Marshal(in)
	return c.do(method, path, user, "", "application/json", bytes.NewReader(b), out)
}

func multipartDraft(t *testing.T, doc office.DraftInput, main string) (string, *bytes.Buffer) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	meta, _ := json.Marshal(doc)
	mw.WriteField("document", string(meta))
	fw, _ := mw.CreateFormFile("main", "quyet-dinh.pdf")
	fw.Write([]byte(main))
	mw.Close()
	return mw.FormDataContentType(), &body
}

// TestHTTP drives an outgoing document through the API: multipart drafting with an Idempotency-Key,
// the transitions, the register as JSON and CSV, and the error answers.
func TestHTTP(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), office.Options{})
	c := client{t, testServer(t, f.svc).URL}
	doc := office.DraftInput{Agency: ubndLD, Type: "2", Subject: "Về việc ban hành quy chế", SignerName: "Trần Văn Bình",
		Recipients: []office.Recipient{{Agency: ubndDL}}}

	var types []office.DocumentType
	if code := c.do("GET", "/api/v1/office/document-types", clerkLD.ID, "", "", nil, &types); code != 200 || len(types) != 29 || types[4].Abbreviation != "QyĐ" {
		t.Fatalf("document types: %d %+v", code, types)
	}

	ct, body := multipartDraft(t, doc, "<html>not a pdf</html>")
	var e api.ErrorBody
	if code := c.do("POST", "/api/v1/office/outgoing", drafterLD.ID, "", ct, body, &e); code != 400 || e.Error.Reason != "not_pdf" {
		t.Fatalf("not a PDF: %d %+v", code, e)
	}
	var first, second office.Outgoing
	ct, body = multipartDraft(t, doc, "%PDF-1.7\nquy che\n%%EOF\n")
	raw := body.Bytes()
	if code := c.do("POST", "/api/v1/office/outgoing", drafterLD.ID, "key-1", ct, bytes.NewReader(raw), &first); code != 201 || first.ID == 0 || len(first.Files) != 1 {
		t.Fatalf("draft: %d %+v", code, first)
	}
	if code := c.do("POST", "/api/v1/office/outgoing", drafterLD.ID, "key-1", ct, bytes.NewReader(raw), &second); code != 201 || second.ID != first.ID {
		t.Fatalf("retried draft: %d id %d, want %d", code, second.ID, first.ID)
	}
	path := "/api/v1/office/outgoing/" + itoa(first.ID)
	if code := c.json("POST", path+"/transitions", drafterLD.ID, office.Change{To: office.Approved}, &e); code != 409 || e.Error.Reason != "transition_not_allowed" {
		t.Fatalf("approving a draft: %d %+v", code, e)
	}
	var o office.Outgoing
	for _, step := range []struct {
		user string
		to   office.OutStatus
	}{{drafterLD.ID, office.Submitted}, {leaderLD.ID, office.Approved}, {leaderLD.ID, office.Signed}, {clerkLD.ID, office.Issued}} {
		if code := c.json("POST", path+"/transitions", step.user, office.Change{To: step.to}, &o); code != 200 || o.Status != step.to {
			t.Fatalf("%s: %d %+v", step.to, code, o)
		}
	}
	if o.NumberNotation != "01/QĐ-UBND" || o.SendState != office.SendSent {
		t.Fatalf("issued: %+v", o)
	}
	if code := c.json("POST", path+"/transitions", clerkLD.ID, office.Change{To: office.Issued}, &e); code != 409 || e.Error.Reason != "already_issued" {
		t.Fatalf("issuing twice: %d %+v", code, e)
	}
	var pdfBody string
	if code := c.do("GET", path+"/files/0", clerkLD.ID, "", "", nil, &pdfBody); code != 200 || !strings.HasPrefix(pdfBody, "%PDF-") {
		t.Fatalf("file: %d %q", code, pdfBody)
	}
	if code := c.do("GET", path, outsider.ID, "", "", nil, &e); code != 404 {
		t.Fatalf("an outsider reads the document: %d", code)
	}

	// Đắk Lắk registers it and assigns it to a date that is a Saturday: refused.
	var in office.Incoming
	if code := c.json("POST", "/api/v1/office/incoming/from-axis", clerkDL.ID, office.AxisPickup{AxisID: o.AxisID, Action: "register"}, &in); code != 200 || in.Number != 1 {
		t.Fatalf("register: %d %+v", code, in)
	}
	inPath := "/api/v1/office/incoming/" + itoa(in.ID)
	if code := c.json("POST", inPath+"/assignments", leaderDL.ID, office.AssignRequest{Assignee: officerDL.ID, DueDate: "2026-11-28"}, &e); code != 400 || e.Error.Reason != "deadline_not_working_day" {
		t.Fatalf("a Saturday deadline: %d %+v", code, e)
	}
	if code := c.json("POST", inPath+"/assignments", outsider.ID, office.AssignRequest{Assignee: officerDL.ID, DueDays: 2}, &e); code != 403 {
		t.Fatalf("an outsider assigns: %d %+v", code, e)
	}
	var a office.Assignment
	if code := c.json("POST", inPath+"/assignments", leaderDL.ID, office.AssignRequest{Assignee: officerDL.ID, DueDays: 2}, &a); code != 201 || a.ID == 0 {
		t.Fatalf("assign: %d %+v", code, a)
	}
	if code := c.json("POST", "/api/v1/office/assignments/"+itoa(a.ID)+"/completion", officerDL.ID, office.CompleteRequest{Result: "Xong"}, &a); code != 200 || a.Status != office.AssignDone {
		t.Fatalf("complete: %d %+v", code, a)
	}

	var reg []office.OutgoingEntry
	if code := c.do("GET", "/api/v1/office/registers/outgoing?agency="+ubndLD+"&from=2026-11-23&to=2026-11-23", clerkLD.ID, "", "", nil, &reg); code != 200 || len(reg) != 1 {
		t.Fatalf("register: %d %+v", code, reg)
	}
	var csv string
	if code := c.do("GET", "/api/v1/office/registers/incoming.csv?agency="+ubndDL, clerkDL.ID, "", "", nil, &csv); code != 200 || !strings.Contains(csv, "01/QĐ-UBND") || !strings.HasPrefix(csv, "\uFEFFNgày đến,Số đến") {
		t.Fatalf("incoming CSV: %d\n%s", code, csv)
	}
	if code := c.do("GET", "/api/v1/office/registers/incoming.csv?agency="+ubndDL, outsider.ID, "", "", nil, &e); code != 403 {
		t.Fatalf("an outsider downloads the register: %d", code)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

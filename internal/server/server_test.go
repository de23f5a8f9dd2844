package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/certcopy"
	"github.com/lienthong/lienthong/internal/config"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/feedback"
	"github.com/lienthong/lienthong/internal/office"
	"github.com/lienthong/lienthong/internal/server"
)

// newNode opens a node on a fresh SQLite data folder with the demo data.
func newNode(t testing.TB) *server.Node {
	t.Helper()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	cfg.PaymentBankSecret = "access-table-bank-secret"
	cfg.SSOProvider, cfg.SSOSecret = true, "access-table-sso-secret"
	n, err := server.Open(context.Background(), cfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := demo.Load(context.Background(), n.Registry, n.Auth, nil); err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadProcedures(context.Background(), n.Catalog); err != nil {
		t.Fatal(err)
	}
	return n
}

// caller is one principal of the access table: how to authenticate its requests.
type caller struct {
	name   string
	header http.Header
}

func session(t testing.TB, n *server.Node, login string, grants ...auth.Grant) caller {
	t.Helper()
	ctx := context.Background()
	if _, err := n.Auth.CreateUser(ctx, auth.System, auth.NewUser{Login: login, FullName: login, Password: "access-table-pw", Grants: grants}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := n.Auth.Login(ctx, login, "access-table-pw")
	if err != nil {
		t.Fatal(err)
	}
	return caller{login, http.Header{"Cookie": {auth.SessionCookie + "=" + tok}}}
}

func clientCaller(t testing.TB, n *server.Node, agency string) caller {
	t.Helper()
	ctx := context.Background()
	cr, err := n.Auth.CreateClient(ctx, auth.System, auth.NewClient{Name: "client " + agency, Agency: agency})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := n.Auth.IssueToken(ctx, cr.ClientID, cr.ClientSecret)
	if err != nil {
		t.Fatal(err)
	}
	return caller{"client@" + agency, http.Header{"Authorization": {"Bearer " + tok.AccessToken}}}
}

func applicantCaller(t testing.TB, n *server.Node) caller {
	t.Helper()
	ctx := context.Background()
	if _, err := n.Auth.RegisterApplicant(ctx, auth.NewApplicant{Kind: auth.Citizen, IdentificationNumber: "068085099999",
		FullName: "Đinh Thị Lan", Email: "lan@example.vn", Password: "access-table-pw"}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := n.Auth.Login(ctx, "068085099999", "access-table-pw")
	if err != nil {
		t.Fatal(err)
	}
	return caller{"applicant", http.Header{"Cookie": {auth.SessionCookie + "=" + tok}}}
}

// TestAccessTable walks (role, agency, route) and checks who is allowed and who is refused. Every
// route of the API that is not public must appear in the table, so a new route cannot skip it.
func TestAccessTable(t *testing.T) {
	n := newNode(t)
	callers := []caller{
		{name: "anonymous", header: http.Header{}},
		session(t, n, "admin.all", auth.Grant{Role: auth.Admin, Agency: "*"}),
		session(t, n, "admin.h36", auth.Grant{Role: auth.Admin, Agency: "000.00.00.H36"}),
		session(t, n, "admin.h16", auth.Grant{Role: auth.Admin, Agency: "000.00.00.H16"}),
		session(t, n, "clerk.h36", auth.Grant{Role: auth.Clerk, Agency: "000.00.01.H36"}),
		session(t, n, "viewer.g22", auth.Grant{Role: auth.Viewer, Agency: "000.00.00.G22"}),
		clientCaller(t, n, "000.00.00.H36"),
		applicantCaller(t, n),
	}
	// want lists one status per caller, in the order above.
	type row struct {
		method, path, body string
		contentType        string
		want               [8]int
	}
	const (
		ok   = 200
		made = 201
		no   = 401
		deny = 403
	)
	seq := 0
	newCode := func() string { seq++; return fmt.Sprintf("000.00.%02d.H36", 60+seq) }
	agencyBody := func() string {
		return fmt.Sprintf(`{"code":%q,"name":"Ban Quản lý thử nghiệm","kind":"department","level":"province","on_axis":true}`, newCode())
	}
	seqU := 0
	userBody := func() string {
		seqU++
		return fmt.Sprintf(`{"login":"new.user%d","full_name":"Người Mới","password":"0123456789ab","grants":[{"role":"clerk","agency":"000.00.02.H36"}]}`, seqU)
	}
	seqA := 0
	applicantBody := func() string {
		seqA++
		return fmt.Sprintf(`{"kind":"citizen","identification_number":"0680850%05d","full_name":"Nguyễn Văn An","email":"an%d@example.vn","password":"0123456789ab"}`, seqA, seqA)
	}
	// One accepted counter dossier at Lâm Đồng's Department of Industry and Trade.
	counter, err := n.Dossiers.Submit(context.Background(), &auth.Principal{Kind: auth.KindUser, ID: "motcua",
		Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}},
		dossier.Submission{Instance: "1.001612.000.00.04.H36", Applicant: dossier.Applicant{Name: "Nguyễn Văn An"}, AcceptNow: true})
	if err != nil {
		t.Fatal(err)
	}
	dos := "/api/v1/dossiers/" + counter.Code
	// Two feedback items at Lâm Đồng's People's Committee: one open, one answered.
	fbSub := feedback.Submission{Kind: feedback.Question, Agency: "000.00.00.H36", Subject: "Hỏi về lệ phí", Content: "Lệ phí là bao nhiêu?",
		Sender: feedback.Sender{Name: "Nguyễn Văn An", Email: "an@example.vn"}}
	fbOpen, err := n.Feedback.Submit(context.Background(), nil, fbSub)
	if err != nil {
		t.Fatal(err)
	}
	fbDone, err := n.Feedback.Submit(context.Background(), nil, fbSub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Feedback.Answer(context.Background(), auth.System, fbDone.Code, feedback.Reply{Text: "Miễn lệ phí."}); err != nil {
		t.Fatal(err)
	}
	fbo, fbd := "/api/v1/feedback/"+fbOpen.Code, "/api/v1/feedback/"+fbDone.Code
	// Office: a draft, a paper incoming document assigned to a department, and a work file at Lâm Đồng.
	ldAdmin := &auth.Principal{Kind: auth.KindUser, ID: "vanthu", Name: "Văn thư", Grants: []auth.Grant{{Role: auth.Admin, Agency: "000.00.00.H36"}}}
	draft, err := n.Office.CreateDraft(context.Background(), ldAdmin, office.DraftInput{Agency: "000.00.00.H36", Type: "QĐ", Subject: "Thử",
		Main: &office.Upload{Name: "a.pdf", Body: strings.NewReader("%PDF-1.7\n")}})
	if err != nil {
		t.Fatal(err)
	}
	paper, err := n.Office.RegisterPaper(context.Background(), ldAdmin, office.PaperDocument{Agency: "000.00.00.H36", SenderName: "Công ty A",
		Subject: "Đề nghị", Scans: []office.Upload{{Name: "s.pdf", Body: strings.NewReader("%PDF-1.7\n")}}})
	if err != nil {
		t.Fatal(err)
	}
	asg, err := n.Office.Assign(context.Background(), ldAdmin, paper.ID, office.AssignRequest{Department: "000.00.01.H36", DueDays: 3})
	if err != nil {
		t.Fatal(err)
	}
	wf, err := n.Office.CreateFile(context.Background(), ldAdmin, office.NewWorkFile{Agency: "000.00.00.H36", Group: "TH", Title: "Hồ sơ thử"})
	if err != nil {
		t.Fatal(err)
	}
	outg, inc := fmt.Sprintf("/api/v1/office/outgoing/%d", draft.ID), fmt.Sprintf("/api/v1/office/incoming/%d", paper.ID)
	asgp, wfp := fmt.Sprintf("/api/v1/office/assignments/%d", asg.ID), fmt.Sprintf("/api/v1/office/files/%d", wf.ID)
	// One certified copy at Lâm Đồng's People's Committee, signed with the node's local demo key.
	ccCopy, err := n.Copies.Issue(context.Background(), ldAdmin, certcopy.Request{Agency: "000.00.00.H36", ApplicantName: "Nguyễn Văn An",
		ApplicantIDNumber: "068085001234", OriginalDescription: "Bằng tốt nghiệp", OfficerTitle: "Công chức Tư pháp - Hộ tịch",
		Scans: []certcopy.Scan{{Name: "p1.png", Body: bytes.NewReader(tinyPNG(t))}}})
	if err != nil {
		t.Fatal(err)
	}
	ccp := "/api/v1/certified-copies/" + ccCopy.Code
	ccBody := "--X\r\nContent-Disposition: form-data; name=\"request\"\r\n\r\n" +
		`{"agency":"000.00.00.H36","applicant_name":"Lê Thị Hoa","applicant_id_number":"068190009999","original_description":"Giấy khai sinh","officer_title":"Công chức"}` +
		"\r\n--X--\r\n"
	rows := []row{
		// Certified copies: the agency's officers and leaders (administrators included) certify and
		// revoke (a request without scans or reason shows that access was granted); its viewers,
		// clerks and connected systems read; verification is public.
		{method: "POST", path: "/api/v1/certified-copies", contentType: "multipart/form-data; boundary=X", body: ccBody, want: [8]int{no, 400, 400, deny, deny, deny, deny, deny}},
		{method: "GET", path: "/api/v1/certified-copies?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: ccp, want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: ccp + "/pdf", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "POST", path: ccp + "/revocation", body: `{"reason":""}`, want: [8]int{no, 400, 400, deny, deny, deny, deny, deny}},
		{method: "GET", path: ccp + "/verification", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "POST", path: ccp + "/verification", contentType: "application/pdf", body: "%PDF-1.7\n%%EOF\n", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		// A recall of an unknown document is refused by the office's own check (access granted).
		{method: "POST", path: "/api/v1/office/outgoing", body: `{"agency":"000.00.00.H36","type":"QĐ","subject":"Thu hồi","recipients":[],"relation":{"business":"revoke","refers":999999,"reason":"x"}}`, want: [8]int{no, 400, 400, deny, deny, deny, 400, deny}},
		// Leaders' personal signing keys (registered by admins of the agency), signature figures and
		// the registers as PDF.
		{method: "PUT", path: "/api/v1/office/signing-keys/lanhdao.h36", body: `{"agency":"000.00.00.H36","certificate":"x","key":"y"}`, want: [8]int{no, 400, 400, deny, deny, deny, deny, deny}},
		{method: "GET", path: "/api/v1/office/signing-keys/lanhdao.h36", want: [8]int{no, 404, 404, 404, 404, 404, 404, deny}},
		{method: "POST", path: "/api/v1/office/signing-keys/lanhdao.h36/revocation", body: `{"reason":"Mất thiết bị"}`, want: [8]int{no, 404, 404, 404, 404, 404, 404, deny}},
		{method: "GET", path: "/api/v1/office/signature-figures?scope=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/office/registers/outgoing.pdf?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/office/registers/incoming.pdf?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		// The national hub: provinces' connected systems send batches (refusals are answered per
		// record); officers over a province read its refusals and gaps; citizens see their own dossiers.
		{method: "POST", path: "/api/v1/national/dossiers:batch", body: `{"data":[{"MaHoSo":"x"}]}`, want: [8]int{no, deny, deny, deny, deny, deny, ok, deny}},
		{method: "POST", path: "/api/v1/national/progress:batch", body: `{"data":[{"MaHoSo":"x"}]}`, want: [8]int{no, deny, deny, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/national/provinces/000.00.00.H36/refusals", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/national/provinces/000.00.00.H36/gaps", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/national/provinces/000.00.00.H36/dossiers", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/national/figures", want: [8]int{no, ok, ok, ok, deny, ok, deny, deny}},
		{method: "GET", path: "/api/v1/national/dossiers/000.00.12.H36-260115-0001", want: [8]int{404, 404, 404, 404, 404, 404, 404, 404}},
		{method: "GET", path: "/api/v1/national/my-dossiers", want: [8]int{no, deny, deny, deny, deny, deny, deny, ok}},
		{method: "GET", path: "/api/v1/national/outbox", want: [8]int{no, 404, 404, 404, deny, 404, deny, deny}},
		// Meetings and ballots: leaders and administrators of the convening agency organise; members
		// read and answer; machine clients and applicants are refused.
		{method: "GET", path: "/api/v1/meetings", want: [8]int{no, ok, ok, ok, ok, ok, deny, deny}},
		{method: "POST", path: "/api/v1/meetings", body: `{"agency":"000.00.00.H36","title":"Họp UBND tỉnh","kind":"provincial_committee","starts_at":"2026-12-01T08:00:00+07:00"}`, want: [8]int{no, made, made, deny, deny, deny, deny, deny}},
		{method: "GET", path: "/api/v1/meetings/999999", want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "POST", path: "/api/v1/meetings/999999/attendance", body: `{"login":"x","attendance":"present"}`, want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "PUT", path: "/api/v1/meetings/999999/minutes", body: `{"text":"x"}`, want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "POST", path: "/api/v1/meetings/999999/minutes/approve", want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "POST", path: "/api/v1/meetings/999999/minutes/sign", want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "GET", path: "/api/v1/meetings/999999/minutes.pdf", want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "PUT", path: "/api/v1/meetings/999999/conclusions", body: `{"conclusions":[]}`, want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "POST", path: "/api/v1/meetings/999999/tasks", want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "GET", path: "/api/v1/ballots", want: [8]int{no, ok, ok, ok, ok, ok, deny, deny}},
		{method: "POST", path: "/api/v1/ballots", body: `{"agency":"000.00.00.H36","question":"Đồng ý?","deadline":"2099-01-01T00:00:00Z","members":[{"login":"clerk.h36"}]}`, want: [8]int{no, made, made, deny, deny, deny, deny, deny}},
		{method: "GET", path: "/api/v1/ballots/999999", want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "PUT", path: "/api/v1/ballots/999999/answer", body: `{"answer":"agree"}`, want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "POST", path: "/api/v1/ballots/999999/publish", want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "GET", path: "/api/v1/ballots/999999/record.pdf", want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		// Payments: the agency's officers and systems make bills; notifications are public but must
		// carry the gateway's signature (a bad one is 401 for everybody); reconciliation is for the
		// national administrators.
		{method: "POST", path: "/api/v1/payment/bills", body: `{"agency_code":"000.00.00.H36","payer_name":"A","lines":[{"kind":"le_phi","name":"x","amount":1000}]}`, want: [8]int{no, made, made, deny, deny, deny, made, deny}},
		{method: "GET", path: "/api/v1/payment/bills/NOSUCHBILL", want: [8]int{no, 404, 404, 404, 404, 404, 404, 404}},
		{method: "POST", path: "/api/v1/payment/bills/NOSUCHBILL/payments?gateway=bank", want: [8]int{no, 404, 404, 404, 404, 404, 404, 404}},
		{method: "POST", path: "/api/v1/payment/notifications", body: `{"gateway":"bank","notification_id":"x","payment_id":"P1","amount":1,"currency":"VND","outcome":"success","signature":"00"}`, want: [8]int{no, no, no, no, no, no, no, no}},
		{method: "GET", path: "/api/v1/payment/payments/NOSUCH/receipt", want: [8]int{no, 404, 404, 404, 404, 404, 404, 404}},
		{method: "POST", path: "/api/v1/payment/payments/NOSUCH/refunds", body: `{"amount":1}`, want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "GET", path: "/api/v1/payment/figures", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "GET", path: "/api/v1/payment/reconciliation", want: [8]int{no, ok, deny, deny, deny, deny, deny, deny}},
		// The OpenID provider's own endpoints are the protocol's: public, or the provider's tokens.
		{method: "GET", path: "/oidc/.well-known/openid-configuration", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "GET", path: "/oidc/keys", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		// Government tasks: the Government Office assigns central tasks, the People's Committee its
		// province's; the lead agency reports; figures are for any officer or connected system.
		{method: "GET", path: "/api/v1/tasks", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "POST", path: "/api/v1/tasks", body: `{"directive_kind":"TB","directive_number":"1/TB-VPCP","content":"Kiểm tra","lead":"000.00.00.H36","authority":"TTG","deadline":"2099-12-31"}`, want: [8]int{no, made, deny, deny, deny, deny, deny, deny}},
		{method: "POST", path: "/api/v1/tasks", body: `{"directive_kind":"CV","directive_number":"2/UBND","content":"Kiểm tra","lead":"000.00.00.H36","authority":"UBND","deadline":"2099-12-31"}`, want: [8]int{no, made, made, deny, deny, deny, deny, deny}},
		{method: "POST", path: "/api/v1/tasks/batch", body: `[]`, want: [8]int{no, 400, 400, 400, 400, 400, deny, deny}},
		{method: "POST", path: "/api/v1/tasks/import", body: `x`, want: [8]int{no, 400, 400, 400, 400, 400, deny, deny}},
		{method: "GET", path: "/api/v1/tasks/codes", want: [8]int{no, ok, ok, ok, ok, ok, ok, ok}},
		{method: "GET", path: "/api/v1/tasks/figures", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "GET", path: "/api/v1/tasks/figures.xlsx", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "GET", path: "/api/v1/tasks/reminders?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/tasks/999999", want: [8]int{no, 404, 404, 404, 404, 404, 404, deny}},
		{method: "GET", path: "/api/v1/tasks/999999/history", want: [8]int{no, 404, 404, 404, 404, 404, 404, deny}},
		{method: "POST", path: "/api/v1/tasks/999999/progress", body: `{"text":"x"}`, want: [8]int{no, 404, 404, 404, 404, 404, 404, deny}},
		{method: "POST", path: "/api/v1/tasks/999999/completion", body: `{"text":"x"}`, want: [8]int{no, 404, 404, 404, 404, 404, 404, deny}},
		{method: "POST", path: "/api/v1/tasks/999999/extension", body: `{"deadline":"2099-01-01","reason":"x"}`, want: [8]int{no, 404, 404, 404, 404, 404, 404, deny}},
		{method: "POST", path: "/api/v1/tasks/999999/acceptance", body: `{}`, want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "POST", path: "/api/v1/tasks/999999/return", body: `{"reason":"x"}`, want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "POST", path: "/api/v1/tasks/999999/cancel", body: `{"reason":"x"}`, want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		{method: "POST", path: "/api/v1/tasks/999999/extension/decision", body: `{"approve":true}`, want: [8]int{no, 404, 404, 404, 404, 404, deny, deny}},
		// The scorecard is aggregate counts: officers and connected systems read it.
		{method: "GET", path: "/api/v1/scorecard?from=2026-01&to=2026-06", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "GET", path: "/api/v1/scorecard.csv?from=2026-01&to=2026-06", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "GET", path: "/api/v1/scorecard.xlsx?from=2026-01&to=2026-06", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "GET", path: "/api/v1/scorecard/000.00.00.H36?from=2026-01&to=2026-06", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "GET", path: "/api/v1/agencies?q=lam+dong", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "GET", path: "/api/v1/agencies/000.00.00.H36", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "GET", path: "/api/v1/agencies/export.csv", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "POST", path: "/api/v1/agencies", body: "agency", want: [8]int{no, made, made, deny, deny, deny, deny, deny}},
		{method: "PUT", path: "/api/v1/agencies/000.00.02.H36", body: `{"code":"000.00.02.H36","name":"Sở Nội vụ tỉnh Lâm Đồng","abbreviation":"SNV","kind":"department","level":"province","on_axis":true}`,
			want: [8]int{no, ok, ok, deny, deny, deny, deny, deny}},
		{method: "POST", path: "/api/v1/agencies/import", contentType: "text/csv",
			body: "code,name,kind,level\n000.00.77.H16,Ban thử nghiệm Đắk Lắk,unit,province\n",
			want: [8]int{no, ok, deny, ok, deny, deny, deny, deny}},
		// The procedure catalogue is public; only administrators of the national catalogue import.
		{method: "GET", path: "/api/v1/procedures?q=chung+thuc", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "GET", path: "/api/v1/procedures/2.000815", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "GET", path: "/api/v1/procedures/export.csv", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "GET", path: "/api/v1/procedures/export.json", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "POST", path: "/api/v1/procedures/import", contentType: "text/csv",
			body: "code,name,field_code,field_name,levels,processing_days,online_level\n1.999001,Thủ tục thử nghiệm,G15-CT,Chứng thực,province,3,khong\n",
			want: [8]int{no, ok, deny, deny, deny, deny, deny, deny}},
		{method: "GET", path: "/api/v1/me", want: [8]int{no, ok, ok, ok, ok, ok, ok, ok}},
		{method: "GET", path: "/api/v1/users", want: [8]int{no, ok, ok, ok, deny, deny, deny, deny}},
		{method: "POST", path: "/api/v1/users", body: "user", want: [8]int{no, made, made, deny, deny, deny, deny, deny}},
		{method: "GET", path: "/api/v1/clients", want: [8]int{no, ok, ok, ok, deny, deny, deny, deny}},
		{method: "POST", path: "/api/v1/clients", body: `{"name":"QLVB","agency":"000.00.00.H36"}`, want: [8]int{no, made, made, deny, deny, deny, deny, deny}},
		{method: "GET", path: "/api/v1/audit", want: [8]int{no, ok, deny, deny, deny, deny, deny, deny}},
		{method: "GET", path: "/api/v1/audit/verify", want: [8]int{no, ok, deny, deny, deny, deny, deny, deny}},
		// Applicant accounts: anyone may register; the profile is the signed-in applicant's own, so
		// officers and machine clients are refused.
		{method: "POST", path: "/api/v1/applicants", body: "applicant", want: [8]int{made, made, made, made, made, made, made, made}},
		{method: "GET", path: "/api/v1/applicants/me", want: [8]int{no, deny, deny, deny, deny, deny, deny, ok}},
		{method: "PATCH", path: "/api/v1/applicants/me", body: `{"phone":"0912345678"}`, want: [8]int{no, deny, deny, deny, deny, deny, deny, ok}},
		{method: "POST", path: "/api/v1/applicants/me/verification-codes", body: `{"channel":"email"}`, want: [8]int{no, deny, deny, deny, deny, deny, deny, ok}},
		{method: "POST", path: "/api/v1/applicants/me/verify", body: `{"channel":"email","code":"123456"}`, want: [8]int{no, deny, deny, deny, deny, deny, deny, 400}},
		// The axis: sending is for connected systems (a bad body shows that access was granted);
		// reading an agency's traffic needs a role over it or a client acting for it.
		{method: "POST", path: "/api/v1/axis/edocs", contentType: "application/xml", body: "not xml", want: [8]int{no, deny, deny, deny, deny, deny, 400, deny}},
		{method: "POST", path: "/api/v1/axis/status", contentType: "application/xml", body: "not xml", want: [8]int{no, deny, deny, deny, deny, deny, 400, deny}},
		{method: "GET", path: "/api/v1/axis/edocs/received?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/axis/edocs/sent?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/axis/edocs/nosuchpackage", want: [8]int{no, 404, 404, 404, 404, 404, 404, deny}},
		{method: "GET", path: "/api/v1/axis/edocs/nosuchpackage/info", want: [8]int{no, 404, 404, 404, 404, 404, 404, deny}},
		{method: "GET", path: "/api/v1/axis/edocs/nosuchpackage/attachments/0", want: [8]int{no, 404, 404, 404, 404, 404, 404, deny}},
		{method: "POST", path: "/api/v1/axis/edocs/nosuchpackage/ack", body: `{"status":"done"}`, want: [8]int{no, deny, deny, deny, deny, deny, 404, deny}},
		{method: "PUT", path: "/api/v1/axis/webhooks/000.00.00.H36", body: `{"url":"https://qlvb.lamdong.gov.vn/hook"}`, want: [8]int{no, deny, deny, deny, deny, deny, ok, deny}},
		{method: "DELETE", path: "/api/v1/axis/webhooks/000.00.00.H16", want: [8]int{no, deny, deny, deny, deny, deny, deny, deny}},
		{method: "GET", path: "/api/v1/axis/agencies?registered=true", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "POST", path: "/api/v1/axis/agencies/000.00.00.H36/registration", body: `{"registered":true}`, want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		// Statistics are aggregate counts: any officer or connected system may read them.
		{method: "GET", path: "/api/v1/axis/stats?from=2026-01&to=2026-03&province=H36", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "GET", path: "/api/v1/axis/stats.csv?from=2026-01&to=2026-03", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		// Dossiers: the agency's officers (administrators included) and its connected systems act;
		// others are refused before anything is read; the status lookup is public. An applicant may
		// submit (a counter body is refused as invalid) and reads only their own dossiers and data store.
		{method: "POST", path: "/api/v1/dossiers", body: `{"instance":"1.001612.000.00.04.H36","applicant":{"name":"Lê Thị Hoa"},"accept_now":true}`,
			want: [8]int{no, made, made, deny, deny, deny, deny, 400}},
		{method: "GET", path: "/api/v1/dossiers?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: dos, want: [8]int{no, ok, ok, deny, deny, deny, deny, deny}},
		{method: "GET", path: dos + "/status", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "POST", path: dos + "/transitions", body: `{"to":10}`, want: [8]int{no, 409, 409, deny, deny, deny, deny, deny}},
		{method: "POST", path: dos + "/assignment", body: `{"department":"000.00.01.H36","assignee":"chuyenvien.a"}`, want: [8]int{no, ok, ok, deny, deny, deny, deny, deny}},
		{method: "POST", path: dos + "/supplement", contentType: "multipart/form-data", body: "x", want: [8]int{no, 400, 400, deny, deny, deny, deny, deny}},
		{method: "POST", path: dos + "/result", contentType: "multipart/form-data", body: "x", want: [8]int{no, 400, 400, deny, deny, deny, deny, deny}},
		{method: "POST", path: dos + "/reschedule", body: `{"days":1,"reason":"Chờ ý kiến liên ngành"}`, want: [8]int{no, ok, ok, deny, deny, deny, deny, deny}},
		{method: "POST", path: dos + "/rating", body: `{"score":5}`, want: [8]int{no, deny, deny, deny, deny, deny, deny, deny}},
		{method: "GET", path: dos + "/files/0", want: [8]int{no, 404, 404, deny, deny, deny, deny, deny}},
		{method: "GET", path: dos + "/forms/receipt", want: [8]int{no, ok, ok, deny, deny, deny, deny, deny}},
		{method: "GET", path: "/api/v1/dossier-book?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/dossier-stats?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/documents", want: [8]int{no, deny, deny, deny, deny, deny, deny, ok}},
		{method: "GET", path: "/api/v1/documents/1", want: [8]int{no, deny, deny, deny, deny, deny, deny, 404}},
		// Feedback: anyone submits and looks up by code; the agency's officers act; counts are for roles and clients.
		{method: "POST", path: "/api/v1/feedback", body: `{"kind":"question","agency":"000.00.00.H36","subject":"Hỏi","content":"Hỏi gì?","sender":{"name":"An","email":"an@example.vn"}}`, want: [8]int{made, made, made, made, made, made, made, made}},
		{method: "GET", path: "/api/v1/feedback?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/feedback/published?q=le+phi", want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "GET", path: "/api/v1/feedback/stats", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "GET", path: fbo, want: [8]int{ok, ok, ok, ok, ok, ok, ok, ok}},
		{method: "GET", path: fbo + "/detail", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "POST", path: fbo + "/assignment", body: `{"assignee":"Trần Văn Bình"}`, want: [8]int{no, ok, ok, deny, deny, deny, deny, deny}},
		{method: "POST", path: fbd + "/transfer", body: `{"agency":"000.00.02.H36","reason":"Thuộc thẩm quyền Sở Nội vụ"}`, want: [8]int{no, 409, 409, deny, deny, deny, deny, deny}},
		{method: "POST", path: fbd + "/answer", body: `{"text":"Lần hai."}`, want: [8]int{no, 409, 409, deny, deny, deny, deny, deny}},
		{method: "POST", path: fbo + "/publish", body: `{}`, want: [8]int{no, 409, 409, deny, deny, deny, deny, deny}},
		{method: "POST", path: fbd + "/reject", body: `{"reason":"Trùng"}`, want: [8]int{no, 409, 409, deny, deny, deny, deny, deny}},
		// Office: the agency's officers and its connected systems; others get 403, or 404 for a
		// document they may not know exists.
		{method: "GET", path: "/api/v1/office/document-types", want: [8]int{no, ok, ok, ok, ok, ok, ok, deny}},
		{method: "POST", path: "/api/v1/office/outgoing", body: `{"agency":"000.00.00.H36","type":"QĐ","subject":"Thử"}`, want: [8]int{no, made, made, deny, deny, deny, made, deny}},
		{method: "GET", path: "/api/v1/office/outgoing?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: outg, want: [8]int{no, ok, ok, 404, 404, 404, ok, deny}},
		{method: "PUT", path: outg, body: `{"type":"QĐ","subject":"Thử lại"}`, want: [8]int{no, ok, ok, 404, 404, 404, ok, deny}},
		{method: "POST", path: outg + "/transitions", body: `{"to":"issued"}`, want: [8]int{no, 409, 409, deny, deny, deny, 409, deny}},
		{method: "POST", path: outg + "/resend", want: [8]int{no, 409, 409, deny, deny, deny, 409, deny}},
		{method: "GET", path: outg + "/files/0", want: [8]int{no, ok, ok, 404, 404, 404, ok, deny}},
		{method: "GET", path: "/api/v1/office/axis-inbox?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "POST", path: "/api/v1/office/incoming/from-axis", body: `{"axis_id":"nosuchpackage","agency":"000.00.00.H36","action":"register"}`, want: [8]int{no, 404, 404, deny, deny, deny, 404, deny}},
		{method: "POST", path: "/api/v1/office/incoming", body: `{"agency":"000.00.00.H36","sender_name":"Công ty B","subject":"Không có bản quét"}`, want: [8]int{no, 400, 400, deny, deny, deny, 400, deny}},
		{method: "GET", path: "/api/v1/office/incoming?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: inc, want: [8]int{no, ok, ok, 404, 404, 404, ok, deny}},
		{method: "POST", path: inc + "/registration", body: `{}`, want: [8]int{no, 409, 409, deny, deny, deny, 409, deny}},
		{method: "POST", path: inc + "/refusal", body: `{"reason":"Không thuộc thẩm quyền"}`, want: [8]int{no, 409, 409, deny, deny, deny, 409, deny}},
		{method: "POST", path: inc + "/assignments", body: `{"assignee":"khong.co","due_days":2}`, want: [8]int{no, 400, 400, deny, deny, deny, 400, deny}},
		{method: "POST", path: inc + "/opinions", body: `{"text":"Đề nghị xử lý."}`, want: [8]int{no, made, made, deny, deny, deny, made, deny}},
		{method: "GET", path: inc + "/files/0", want: [8]int{no, ok, ok, 404, 404, 404, ok, deny}},
		{method: "POST", path: asgp + "/start", want: [8]int{no, deny, deny, deny, deny, deny, ok, deny}},
		{method: "POST", path: asgp + "/forward", body: `{"to":"khong.co"}`, want: [8]int{no, 400, 400, deny, deny, deny, 400, deny}},
		{method: "POST", path: asgp + "/completion", body: `{"result":"Xong"}`, want: [8]int{no, ok, 409, deny, deny, deny, 409, deny}},
		{method: "GET", path: "/api/v1/office/deadlines?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "POST", path: "/api/v1/office/files", body: `{"agency":"000.00.00.H36","group":"TH","title":"Hồ sơ mới"}`, want: [8]int{no, made, made, deny, deny, deny, made, deny}},
		{method: "GET", path: "/api/v1/office/files?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: wfp, want: [8]int{no, ok, ok, 404, 404, 404, ok, deny}},
		{method: "POST", path: wfp + "/documents", body: fmt.Sprintf(`{"kind":"incoming","document_id":%d}`, paper.ID), want: [8]int{no, ok, 409, deny, deny, deny, 409, deny}},
		{method: "POST", path: wfp + "/closure", want: [8]int{no, ok, 409, deny, deny, deny, 409, deny}},
		{method: "POST", path: wfp + "/handover", want: [8]int{no, ok, 409, deny, deny, deny, 409, deny}},
		{method: "GET", path: "/api/v1/office/electronic-rates?scope=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/office/registers/outgoing?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/office/registers/outgoing.csv?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/office/registers/incoming?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/office/registers/incoming.csv?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/office/registers/outgoing.xlsx?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/office/registers/incoming.xlsx?agency=000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "GET", path: "/api/v1/office/settings/000.00.00.H36", want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
		{method: "PUT", path: "/api/v1/office/settings/000.00.00.H36", body: `{"auto_register":false,"place":"Đà Lạt"}`, want: [8]int{no, ok, ok, deny, deny, deny, ok, deny}},
	}
	covered := map[string]bool{}
	for _, rw := range rows {
		p := rw.path
		if i := strings.IndexByte(p, '?'); i >= 0 {
			p = p[:i]
		}
		for _, rt := range n.Router.Routes() {
			if rt.Method == rw.method && !rt.Page && matches(rt.Path, p) {
				covered[rt.Pattern()] = true
			}
		}
		for i, c := range callers {
			body := rw.body
			switch body {
			case "agency":
				body = agencyBody()
			case "user":
				body = userBody()
			case "applicant":
				body = applicantBody()
			}
			req := httptest.NewRequest(rw.method, rw.path, strings.NewReader(body))
			for k, v := range c.header {
				req.Header[k] = v
			}
			if body != "" {
				ct := rw.contentType
				if ct == "" {
					ct = "application/json"
				}
				req.Header.Set("Content-Type", ct)
			}
			rec := httptest.NewRecorder()
			n.Handler.ServeHTTP(rec, req)
			if rec.Code != rw.want[i] {
				t.Errorf("%s %s as %s: status %d, want %d: %s", rw.method, rw.path, c.name, rec.Code, rw.want[i], strings.TrimSpace(rec.Body.String()))
			}
			if rec.Code >= 400 {
				var e struct {
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
					t.Errorf("%s %s as %s: error body %q is not {\"error\":{\"code\",\"message\"}}", rw.method, rw.path, c.name, rec.Body.String())
				}
			}
		}
	}
	for _, rt := range n.Router.Routes() {
		if !rt.Page && !covered[rt.Pattern()] {
			t.Errorf("route %s is not in the access table", rt.Pattern())
		}
	}
}

// matches reports whether a concrete path fits a ServeMux path with {wildcards}.
func matches(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if strings.HasPrefix(ps[i], "{") {
			continue
		}
		if ps[i] != xs[i] {
			return false
		}
	}
	return true
}

func TestUnknownRoutesAndBodies(t *testing.T) {
	n := newNode(t)
	srv := httptest.NewServer(n.Handler)
	defer srv.Close()
	for _, tc := range []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/api/v1/nothing", "", 404, "not_found"},
		{"GET", "/api/v1/agencies/000.00.99.H36", "", 404, "not_found"},
		{"GET", "/api/v1/agencies?limit=100000", "", 400, "invalid"},
		{"GET", "/api/v1/agencies?level=galaxy", "", 400, "invalid"},
		{"DELETE", "/api/v1/agencies", "", 405, "method_not_allowed"},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || (tc.code != "" && !strings.Contains(string(b), `"code":"`+tc.code+`"`)) {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, resp.StatusCode, b, tc.status, tc.code)
		}
	}
}

func tinyPNG(t testing.TB) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 20, 30))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

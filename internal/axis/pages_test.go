package axis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/config"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/server"
)

// pageNode is a real node (the demo registry and logins) with some axis traffic: Sở Nội vụ Đắk
// Lắk sends to Sở Nội vụ Lâm Đồng, which answers with status 03, and the reverse.
type pageNode struct {
	n                  *server.Node
	toLamDong, fromLD  string
	subjectIn, subjOut string
}

func newPageNode(t *testing.T) *pageNode {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	n, err := server.Open(ctx, cfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := demo.Load(ctx, n.Registry, n.Auth, nil); err != nil {
		t.Fatal(err)
	}
	lamDong := &auth.Principal{Kind: auth.KindClient, ID: "qlvb-lamdong", Agency: "000.00.00.H36", Subtree: true}
	dakLak := &auth.Principal{Kind: auth.KindClient, ID: "qlvb-daklak", Agency: "000.00.00.H16", Subtree: true}
	pn := &pageNode{n: n, subjectIn: "Về việc kiểm tra công tác văn thư năm 2026", subjOut: "Báo cáo kết quả chuyển đổi số quý I"}
	send := func(as *auth.Principal, id, from, to, subject string) string {
		t.Helper()
		pkg := axistest.Document(axistest.Doc{DocumentID: id, From: from, To: []string{to}, Subject: subject, Attachment: []byte("%PDF-1.7 " + subject)})
		rc, err := n.Axis.Send(ctx, as, bytes.NewReader(pkg))
		if err != nil {
			t.Fatal(err)
		}
		return rc.ID
	}
	pn.toLamDong = send(dakLak, "000.00.02.H16,2026/03/02,45/SNV-VP", "000.00.02.H16", "000.00.02.H36", pn.subjectIn)
	pn.fromLD = send(lamDong, "000.00.02.H36,2026/03/03,12/SNV-VP", "000.00.02.H36", "000.00.02.H16", pn.subjOut)
	for _, st := range []struct {
		as        *auth.Principal
		from, doc string
	}{{lamDong, "000.00.02.H36", "000.00.02.H16,2026/03/02,45/SNV-VP"}, {dakLak, "000.00.02.H16", "000.00.02.H36,2026/03/03,12/SNV-VP"}} {
		if _, err := n.Axis.SendStatus(ctx, st.as, bytes.NewReader(axistest.Status(st.from, st.doc, "03", "Đã vào sổ văn bản đến"))); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Axis.Ack(ctx, lamDong, pn.toLamDong, "000.00.02.H36", axis.TransportDone); err != nil {
		t.Fatal(err)
	}
	return pn
}

// login creates an officer with grants and returns its session cookie.
func (pn *pageNode) login(t *testing.T, login string, grants ...auth.Grant) *http.Cookie {
	t.Helper()
	ctx := context.Background()
	if _, err := pn.n.Auth.CreateUser(ctx, auth.System, auth.NewUser{Login: login, FullName: login, Password: "page-test-password", Grants: grants}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := pn.n.Auth.Login(ctx, login, "page-test-password")
	if err != nil {
		t.Fatal(err)
	}
	return &http.Cookie{Name: auth.SessionCookie, Value: tok}
}

// get fetches a page through the node's real handler.
func (pn *pageNode) get(t *testing.T, path string, cookies ...*http.Cookie) (int, string) {
	t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	pn.n.Handler.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

func mustContain(t *testing.T, what, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s does not contain %q", what, w)
		}
	}
}

func TestMailboxPage(t *testing.T) {
	pn := newPageNode(t)
	clerk := pn.login(t, "vanthu.snv.lamdong", auth.Grant{Role: auth.Clerk, Agency: "000.00.02.H36"})
	viewer := pn.login(t, "theodoi.vpcp2", auth.Grant{Role: auth.Viewer, Agency: "000.00.00.G22"})

	code, body := pn.get(t, "/axis", clerk)
	if code != 200 {
		t.Fatalf("/axis: %d %s", code, body)
	}
	mustContain(t, "the clerk's mailbox", html.UnescapeString(body),
		pn.subjectIn, "Sở Nội vụ tỉnh Đắk Lắk", "15/UBND-VP", "Đã xác nhận nhận xong", // inbox: from, acknowledged done
		pn.subjOut, "Đã tiếp nhận", "st-03", // outbox: the status 03 its recipient sent, as a badge
		`href="/axis/edocs/`+pn.toLamDong+`"`, `<a href="/axis" aria-current="page">`)
	// The mailbox of an agency the clerk holds no role over is refused.
	if code, _ := pn.get(t, "/axis?agency=000.00.02.H16", clerk); code != http.StatusForbidden {
		t.Errorf("another agency's mailbox: %d, want 403", code)
	}
	// A viewer of the Government Office sees its own agency, not Lâm Đồng's documents, and is refused
	// Lâm Đồng's mailbox.
	code, body = pn.get(t, "/axis", viewer)
	if code != 200 || strings.Contains(html.UnescapeString(body), pn.subjectIn) || !strings.Contains(body, "000.00.00.G22") {
		t.Errorf("viewer's mailbox: %d, shows Lâm Đồng's document or not its own agency", code)
	}
	if code, _ := pn.get(t, "/axis?agency=000.00.02.H36", viewer); code != http.StatusForbidden {
		t.Errorf("viewer of another province: %d, want 403", code)
	}
	// English pages show the English status name.
	_, body = pn.get(t, "/axis", clerk, &http.Cookie{Name: "lang", Value: "en"})
	mustContain(t, "the English mailbox", body, "Accepted/registered", "Inbox (received)")
	// Anonymous visitors are sent to log in, and the navigation shows the axis as coming.
	if code, _ := pn.get(t, "/axis"); code != http.StatusSeeOther {
		t.Errorf("anonymous /axis: %d, want 303", code)
	}
	_, body = pn.get(t, "/")
	if strings.Contains(body, `href="/axis"`) {
		t.Error("the anonymous home page links the axis")
	}
}

func TestMailboxPaging(t *testing.T) {
	pn := newPageNode(t)
	clerk := pn.login(t, "vanthu.h16", auth.Grant{Role: auth.Clerk, Agency: "000.00.02.H16"})
	dakLak := &auth.Principal{Kind: auth.KindClient, ID: "qlvb-daklak", Agency: "000.00.00.H16", Subtree: true}
	for i := range 25 {
		pkg := axistest.Document(axistest.Doc{DocumentID: fmt.Sprintf("000.00.02.H16,2026/03/05,%d/SNV", i), From: "000.00.02.H16",
			To: []string{"000.00.00.H16"}, Subject: fmt.Sprintf("Công văn thứ %02d", i)})
		if _, err := pn.n.Axis.Send(context.Background(), dakLak, bytes.NewReader(pkg)); err != nil {
			t.Fatal(err)
		}
	}
	_, body := pn.get(t, "/axis", clerk)
	// The newest 20 of the 26 sent; the oldest 6 are on the next page.
	mustContain(t, "the first outbox page", body, "Công văn thứ 24", "Công văn thứ 05")
	if strings.Contains(body, "Công văn thứ 04") {
		t.Error("the first page shows the 21st document")
	}
	m := regexp.MustCompile(`href="(/axis\?[^"]*out_before=[^"]*)#outbox"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no link to older sent documents")
	}
	code, body := pn.get(t, html.UnescapeString(m[1]), clerk)
	if code != 200 {
		t.Fatalf("older page: %d", code)
	}
	body = html.UnescapeString(body)
	mustContain(t, "the second outbox page", body, "Công văn thứ 04", "Công văn thứ 00", pn.subjectIn)
	if strings.Contains(body, "Công văn thứ 05") || strings.Contains(body, `#outbox"`) {
		t.Error("the second page repeats the first or links a third")
	}
}

func TestDocumentPage(t *testing.T) {
	pn := newPageNode(t)
	clerk := pn.login(t, "vanthu.snv.lamdong", auth.Grant{Role: auth.Clerk, Agency: "000.00.02.H36"})
	viewer := pn.login(t, "theodoi.vpcp2", auth.Grant{Role: auth.Viewer, Agency: "000.00.00.G22"})
	code, body := pn.get(t, "/axis/edocs/"+pn.toLamDong, clerk)
	if code != 200 {
		t.Fatalf("document page: %d %s", code, body)
	}
	mustContain(t, "the document page", html.UnescapeString(body), pn.subjectIn, "000.00.02.H16,2026/03/02,45/SNV-VP",
		"Công văn", "Nguyễn Văn A", "Không có chữ ký", // header and signature state
		`/api/v1/axis/edocs/`+pn.toLamDong+`/attachments/0`, "van-ban.pdf", // attachment link
		"Diễn biến xử lý", "Gửi lên trục", "Vào hộp thư đến", "Phản hồi trạng thái", "Xác nhận nhận", "Sở Nội vụ tỉnh Lâm Đồng", // timeline
		"Vết chuyển phát") // trace
	// The attachment link works for the session.
	code, att := pn.get(t, "/api/v1/axis/edocs/"+pn.toLamDong+"/attachments/0", clerk)
	if code != 200 || !strings.HasPrefix(att, "%PDF-1.7") {
		t.Errorf("attachment download: %d %q", code, att)
	}
	// Someone who is neither sender nor recipient does not learn the document exists.
	if code, _ := pn.get(t, "/axis/edocs/"+pn.toLamDong, viewer); code != http.StatusNotFound {
		t.Errorf("outsider: %d, want 404", code)
	}
}

func TestStatsPage(t *testing.T) {
	pn := newPageNode(t)
	viewer := pn.login(t, "theodoi.vpcp2", auth.Grant{Role: auth.Viewer, Agency: "000.00.00.G22"})
	code, body := pn.get(t, "/axis/stats", viewer)
	if code != 200 {
		t.Fatalf("stats page: %d %s", code, body)
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="axis-stats-data">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no chart data block")
	}
	var data struct {
		Months    []string
		Provinces []struct {
			Name           string
			Sent, Received []int
		}
		Labels map[string]string
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatalf("chart data is not JSON: %v\n%s", err, m[1])
	}
	if len(data.Months) != 12 || len(data.Provinces) != 2 || data.Labels["sent"] != "Văn bản gửi" {
		t.Errorf("chart data %+v", data)
	}
	var sent, received int
	for _, p := range data.Provinces {
		for i := range p.Sent {
			sent += p.Sent[i]
			received += p.Received[i]
		}
	}
	if sent != 2 || received != 2 {
		t.Errorf("chart data: %d sent, %d received, want 2 and 2", sent, received)
	}
	mustContain(t, "the stats page", body, `src="/static/vendor/echarts.min.js"`, `src="/static/axis-stats.js"`, `id="chart-sent"`,
		`class="chart-data"`, "/api/v1/axis/stats.csv?from=", "ít nhất một tệp đính kèm")
	if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
		t.Error("the stats page has inline script or style, which the CSP blocks")
	}
	// The other pages do not load the chart library.
	if _, body := pn.get(t, "/axis", viewer); strings.Contains(body, "echarts") {
		t.Error("the mailbox loads the chart library")
	}
	if code, _ := pn.get(t, "/axis/stats?from=2026-13", viewer); code != http.StatusBadRequest {
		t.Errorf("bad month: %d, want 400", code)
	}
	// The CSV export: UTF-8 with a byte-order mark.
	code, csv := pn.get(t, "/api/v1/axis/stats.csv", viewer)
	if code != 200 || !strings.HasPrefix(csv, "\uFEFFmonth,agency,") || !strings.Contains(csv, "Sở Nội vụ tỉnh Lâm Đồng") {
		t.Errorf("CSV: %d %q", code, csv)
	}
}

func TestAxisAdminPage(t *testing.T) {
	pn := newPageNode(t)
	ctx := context.Background()
	if _, err := pn.n.Auth.CreateClient(ctx, auth.System, auth.NewClient{Name: "QLVB tỉnh Lâm Đồng", Agency: "000.00.00.H36", Subtree: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := pn.n.Auth.CreateClient(ctx, auth.System, auth.NewClient{Name: "QLVB tỉnh Gia Lai", Agency: "000.00.00.H21"}); err != nil {
		t.Fatal(err)
	}
	lamDong := &auth.Principal{Kind: auth.KindClient, ID: "qlvb-lamdong", Agency: "000.00.00.H36", Subtree: true}
	// A delivery the recipient reports as failed, and a refusal.
	if err := pn.n.Axis.Ack(ctx, &auth.Principal{Kind: auth.KindClient, ID: "x", Agency: "000.00.02.H16"}, pn.fromLD, "", axis.TransportFail); err != nil {
		t.Fatal(err)
	}
	pn.n.Axis.Send(ctx, lamDong, bytes.NewReader(axistest.Document(axistest.Doc{DocumentID: "M1", From: "000.00.02.H36", To: []string{"000.00.02.H16"}, Secret: "Tối mật"})))

	admin := pn.login(t, "quantri.all", auth.Grant{Role: auth.Admin, Agency: auth.Everywhere})
	code, body := pn.get(t, "/axis/admin", admin)
	if code != 200 {
		t.Fatalf("admin page: %d %s", code, body)
	}
	mustContain(t, "the axis admin page", html.UnescapeString(body), "QLVB tỉnh Lâm Đồng", "QLVB tỉnh Gia Lai", // connected systems
		"Đăng ký trên trục theo cấp hành chính", // registration by level
		pn.subjOut, "Nhận lỗi", // the failed delivery
		"secret_document", "Tối mật") // the refusal
	// A provincial administrator sees only the province's systems.
	gialai := pn.login(t, "quantri.gialai2", auth.Grant{Role: auth.Admin, Agency: "000.00.00.H21"})
	_, body = pn.get(t, "/axis/admin", gialai)
	body = html.UnescapeString(body)
	if !strings.Contains(body, "QLVB tỉnh Gia Lai") || strings.Contains(body, "QLVB tỉnh Lâm Đồng") || strings.Contains(body, "secret_document") {
		t.Error("a provincial administrator sees other provinces' systems or refusals")
	}
	clerk := pn.login(t, "vanthu.snv.lamdong", auth.Grant{Role: auth.Clerk, Agency: "000.00.02.H36"})
	if code, _ := pn.get(t, "/axis/admin", clerk); code != http.StatusForbidden {
		t.Errorf("clerk on the admin page: %d, want 403", code)
	}
}

package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/pdf"
)

// TestBrowserOffice runs the document office's main path in Chromium on the demo node: Lâm Đồng's
// clerk drafts a decision with its PDF, the leader approves and signs it, the clerk issues it to
// Đắk Lắk's Department of Home Affairs (number and notation appear), that department's clerk
// registers it from the axis inbox and assigns it to the department's officer, who completes it;
// back at Lâm Đồng the outgoing page shows the recipient's status packet 06 (done).
func TestBrowserOffice(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	dir := t.TempDir()
	base := startNode(t, "--data", dir)
	// The demo has no clerk at the recipient department: add one with the command line.
	const (
		recipient      = "000.00.02.H16"
		recipientClerk = "vanthu.snv.daklak"
		officer        = "chuyenvien.daklak"
	)
	mustCLI(t, "user", "create", "--data", dir, "--login", recipientClerk, "--name", "H' Nguyệt Byă",
		"--grant", "clerk@"+recipient, "--password", demo.Password)
	ctx, cancel := context.WithTimeout(b.ctx, 120*time.Second)
	defer cancel()

	doc := pdf.New(pdf.Meta{Title: "Quyết định phê duyệt kế hoạch chuyển đổi số"})
	doc.Title("QUYẾT ĐỊNH", "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027")
	doc.Paragraph("Phê duyệt kế hoạch chuyển đổi số năm 2027 của tỉnh.")
	body, err := doc.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	pdfPath := filepath.Join(dir, "quyet-dinh.pdf")
	if err := os.WriteFile(pdfPath, body, 0o600); err != nil {
		t.Fatal(err)
	}
	const subject = "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027 (thử trên trình duyệt)"

	login := func(user string) {
		b.do(ctx, "opening /login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("login")))
		b.do(ctx, "filling in the login form", chromedp.SendKeys(chromedp.ID("login"), user), chromedp.SendKeys(chromedp.ID("password"), demo.Password))
		b.navigate(ctx, "logging in as "+user, chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			`document.querySelector("header .who")`)
	}
	logout := func() {
		b.navigate(ctx, "logging out", chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)),
			`!document.querySelector("header .who")`)
	}
	// js runs a script that must return true (setting a field, clicking what a selector cannot name).
	js := func(what, script string) {
		b.do(ctx, what, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](script)(ctx, t)
			return err
		}))
	}
	main := func() string { return b.text(ctx, "main") }
	transition := func(what, to string) {
		b.navigate(ctx, what, chromedp.Click(chromedp.CSS(`form:has(input[name="to"][value="`+to+`"]) button[type="submit"]`)),
			`new URLSearchParams(location.search).get("done")`)
	}

	// The clerk drafts the decision with its PDF.
	login("vanthu.lamdong")
	b.do(ctx, "opening the drafting form", chromedp.Navigate(base+"/office/outgoing/new"), chromedp.WaitVisible(chromedp.ID("subject")))
	js("choosing the agency and the type", `(() => {
		document.getElementById("agency").value = "000.00.00.H36";
		const t = document.getElementById("type");
		const o = [...t.options].find(o => o.textContent.includes("(QĐ)"));
		t.value = o.value;
		return true })()`)
	b.do(ctx, "filling in the draft",
		chromedp.SendKeys(chromedp.ID("subject"), subject),
		chromedp.SendKeys(chromedp.ID("recipients"), recipient),
		chromedp.SetUploadFiles(chromedp.CSS(`input[type="file"][name="main"]`), []string{pdfPath}))
	js("filling in the signer", `(() => {
		for (const [k, v] of [["signer_name", "Phạm Minh Đức"], ["signer_title", "Chủ tịch"], ["signer_competence", "TM. ỦY BAN NHÂN DÂN"]]) {
			const e = document.querySelector("[name=" + k + "]"); if (e) e.value = v;
		}
		return true })()`)
	b.navigate(ctx, "saving the draft", chromedp.Click(chromedp.CSS(`form[action="/office/outgoing/new"] button[type="submit"]`)),
		`/^\/office\/outgoing\/\d+$/.test(location.pathname)`)
	outgoing := strings.TrimPrefix(b.location(ctx), base)
	if i := strings.IndexByte(outgoing, '?'); i >= 0 {
		outgoing = outgoing[:i]
	}
	if text := main(); !strings.Contains(text, subject) || !strings.Contains(text, "quyet-dinh.pdf") || !strings.Contains(text, "Chưa cấp số") {
		t.Fatalf("the new draft's page shows:\n%s", text)
	}
	transition("submitting the draft", "submitted")
	logout()

	// The leader approves and signs.
	login("lanhdao.lamdong")
	b.do(ctx, "opening the draft", chromedp.Navigate(base+outgoing), chromedp.WaitVisible(chromedp.CSS("main")))
	transition("approving", "approved")
	transition("signing", "signed")
	if text := main(); !strings.Contains(text, "Phạm Minh Đức") {
		t.Errorf("after signing the page does not name the signer:\n%s", text)
	}
	logout()

	// The clerk issues it: it gets its number and notation and goes through the axis.
	login("vanthu.lamdong")
	b.do(ctx, "opening the signed document", chromedp.Navigate(base+outgoing), chromedp.WaitVisible(chromedp.CSS("main")))
	transition("issuing", "issued")
	text := main()
	number := regexp.MustCompile(`\b(\d{2,})/QĐ-UBND\b`).FindString(text)
	if number == "" || !strings.Contains(text, "Đã ban hành") || !strings.Contains(text, "Trục liên thông") {
		t.Fatalf("the issued document's page shows no number and notation NN/QĐ-UBND:\n%s", text)
	}
	logout()

	// The recipient's clerk registers it from the axis inbox and assigns it to the officer.
	login(recipientClerk)
	b.do(ctx, "opening the incoming documents", chromedp.Navigate(base+"/office/incoming?agency="+recipient), chromedp.WaitVisible(chromedp.CSS("main")))
	if text := main(); !strings.Contains(text, number) {
		t.Fatalf("the recipient's axis inbox does not list %s:\n%s", number, text)
	}
	b.navigate(ctx, "registering from the axis", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(() => {
			const row = [...document.querySelectorAll("tr")].find(r => r.textContent.includes(`+"`"+number+"`"+`) && r.querySelector("button[value=register]"));
			row.querySelector("button[value=register]").click();
			return true })()`)(ctx, t)
		return err
	}), `/^\/office\/incoming\/\d+$/.test(location.pathname)`)
	incoming := strings.TrimPrefix(b.location(ctx), base)
	if i := strings.IndexByte(incoming, '?'); i >= 0 {
		incoming = incoming[:i]
	}
	if text := main(); !strings.Contains(text, number) || !strings.Contains(text, subject) {
		t.Fatalf("the registered document's page shows:\n%s", text)
	}
	js("opening the assignment form", `(() => { document.querySelectorAll("details").forEach(d => { if (d.querySelector("form[action$='/assign']")) d.open = true }); return true })()`)
	b.do(ctx, "filling in the assignment", chromedp.SendKeys(chromedp.ID("assignee"), officer), chromedp.SendKeys(chromedp.ID("due_days"), "3"))
	b.navigate(ctx, "assigning", chromedp.Click(chromedp.CSS(`form[action$="/assign"] button[type="submit"]`)),
		`new URLSearchParams(location.search).get("done")`)
	if text := main(); !strings.Contains(text, officer) {
		t.Fatalf("after assigning the page does not show the officer:\n%s", text)
	}
	logout()

	// The officer completes it.
	login(officer)
	b.do(ctx, "opening my work", chromedp.Navigate(base+"/office/my-work"), chromedp.WaitVisible(chromedp.CSS("main")))
	if text := main(); !strings.Contains(text, number) && !strings.Contains(text, subject) {
		t.Errorf("the officer's work list does not show the document:\n%s", text)
	}
	b.do(ctx, "opening the document", chromedp.Navigate(base+incoming), chromedp.WaitVisible(chromedp.CSS("main")))
	js("opening the completion form", `(() => { document.querySelectorAll("details").forEach(d => { if (d.querySelector("form[action$='/complete']")) d.open = true }); return true })()`)
	b.do(ctx, "writing the result", chromedp.SendKeys(chromedp.CSS(`form[action$="/complete"] textarea[name="result"]`), "Đã triển khai thực hiện"))
	b.navigate(ctx, "completing", chromedp.Click(chromedp.CSS(`form[action$="/complete"] button`)),
		`new URLSearchParams(location.search).get("done")`)
	if text := main(); !strings.Contains(text, "Đã triển khai thực hiện") {
		t.Fatalf("after completing the page shows:\n%s", text)
	}
	logout()

	// The sender sees the recipient's last status packet: 06, done.
	login("vanthu.lamdong")
	b.do(ctx, "opening the issued document", chromedp.Navigate(base+outgoing), chromedp.WaitVisible(chromedp.CSS("main")))
	row := b.text(ctx, `section[aria-labelledby="rcp-h"] tbody tr`)
	if !strings.Contains(row, recipient) || !strings.Contains(row, "06") {
		t.Errorf("the sender's recipient row shows %q, want %s with status 06", row, recipient)
	}
	// The recall button opens the drafting form filled in from the document, naming it.
	b.navigate(ctx, "choosing to recall the document", chromedp.Click(chromedp.CSS(`#supersede a[href*="business=revoke"]`)),
		`document.querySelector("input[name=relation_business]")`)
	if legend := b.text(ctx, "fieldset.relation legend"); !strings.Contains(legend, number) {
		t.Errorf("the recall form's legend is %q, want it to name %s", legend, number)
	}
	logout()
}

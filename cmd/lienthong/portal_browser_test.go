package main

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/pdf"
)

// TestBrowserPortal runs the portal's main path in Chromium: the demo citizen submits a dossier with
// three uploads, the one-stop officer accepts it, sends it to processing, issues the result and
// returns it, certifies a copy of an original that the public page then declares authentic, and the
// citizen finds the result in the data store and the status by the public lookup.
func TestBrowserPortal(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	base := startNode(t)
	ctx, cancel := context.WithTimeout(b.ctx, 120*time.Second)
	defer cancel()

	dir := t.TempDir()
	result := pdf.New(pdf.Meta{Title: "Giấy chứng nhận đăng ký doanh nghiệp"})
	result.Title("Giấy chứng nhận đăng ký doanh nghiệp", "")
	resultPDF, err := result.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"don.pdf":        []byte("%PDF-1.7\n% đơn đề nghị\n%%EOF\n"),
		"dieu-le.pdf":    []byte("%PDF-1.7\n% điều lệ\n%%EOF\n"),
		"can-cuoc.jpg":   append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 64)...),
		"giay-phep.pdf":  resultPDF, // a real PDF: the node signs it (PAdES) before storing
		"not-a-jpeg.jpg": []byte("GIF89a"),
	}
	path := map[string]string{}
	for name, body := range files {
		path[name] = filepath.Join(dir, name)
		if err := os.WriteFile(path[name], body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
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
	// openDetails opens a <details> by id, as clicking its summary would.
	openDetails := func(id string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(d => { if (d) d.open = true; return true })(document.getElementById("`+id+`"))`)(ctx, t)
			return err
		})
	}
	act := func(what, to string) {
		// Steps that take details sit in a closed <details>: open it as a person would.
		b.do(ctx, "opening the form of "+what, openDetails("act-"+to))
		b.navigate(ctx, what, chromedp.Click(chromedp.CSS(`form:has(input[name="to"][value="`+to+`"]) button[type="submit"]`)),
			`document.querySelector("main")`)
	}
	status := func() string { return b.text(ctx, "main") }

	// The citizen submits: a wrong file first (refused, nothing filed), then the right ones.
	login(demo.Applicants[0].IdentificationNumber)
	const instance = "1.001612.000.00.04.H36"
	b.do(ctx, "opening the submission form", chromedp.Navigate(base+"/dossiers/new?instance="+instance), chromedp.WaitVisible(chromedp.ID("component-0")))
	b.do(ctx, "attaching a GIF named .jpg",
		chromedp.SetUploadFiles(chromedp.ID("component-0"), []string{path["don.pdf"]}),
		chromedp.SetUploadFiles(chromedp.ID("component-1"), []string{path["dieu-le.pdf"]}),
		chromedp.SetUploadFiles(chromedp.ID("component-2"), []string{path["not-a-jpeg.jpg"]}))
	b.navigate(ctx, "submitting with a wrong file", chromedp.Click(chromedp.CSS(`form[action^="/dossiers/new"] button[type="submit"]`)),
		`location.pathname === "/dossiers/new" && document.querySelector("main")`)
	if text := status(); !strings.Contains(text, "not-a-jpeg.jpg") {
		t.Errorf("the refused submission does not name the wrong file:\n%s", text)
	}
	b.do(ctx, "attaching the papers",
		chromedp.SetUploadFiles(chromedp.ID("component-0"), []string{path["don.pdf"]}),
		chromedp.SetUploadFiles(chromedp.ID("component-1"), []string{path["dieu-le.pdf"]}),
		chromedp.SetUploadFiles(chromedp.ID("component-2"), []string{path["can-cuoc.jpg"]}))
	b.navigate(ctx, "submitting", chromedp.Click(chromedp.CSS(`form[action^="/dossiers/new"] button[type="submit"]`)),
		`location.pathname.startsWith("/dossiers/000.00.04.H36-")`)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.fail("reading the location", err)
	}
	code := loc[strings.LastIndex(loc, "/")+1:]
	if i := strings.IndexByte(code, '?'); i >= 0 {
		code = code[:i]
	}
	if text := status(); !strings.Contains(text, "Mới đăng ký") || !strings.Contains(text, "can-cuoc.jpg") {
		t.Errorf("the new dossier's page does not show status 1 and the files:\n%s", text)
	}
	logout()

	// The one-stop officer takes it through the workflow.
	login("motcua.lamdong")
	b.do(ctx, "opening the dossier", chromedp.Navigate(base+"/dossiers/"+code), chromedp.WaitVisible(chromedp.CSS("main")))
	act("accepting", "2")
	if text := status(); !strings.Contains(text, "Được tiếp nhận") {
		t.Fatalf("after accepting the page shows:\n%s", text)
	}
	act("starting processing", "4")
	if text := status(); !strings.Contains(text, "Đang xử lý") {
		t.Fatalf("after starting the page shows:\n%s", text)
	}
	b.do(ctx, "opening the result form", openDetails("act-9"))
	b.do(ctx, "attaching the result", chromedp.SetUploadFiles(chromedp.CSS(`form[action$="/result"] input[type="file"]`), []string{path["giay-phep.pdf"]}))
	b.navigate(ctx, "issuing the result", chromedp.Click(chromedp.CSS(`form[action$="/result"] button[type="submit"]`)),
		`document.querySelector("main")`)
	if text := status(); !strings.Contains(text, "Đã xử lý xong") {
		t.Fatalf("after issuing the result the page shows:\n%s", text)
	}
	act("returning the result", "10")
	if text := status(); !strings.Contains(text, "Đã trả kết quả") {
		t.Fatalf("after returning the page shows:\n%s", text)
	}

	// The officer certifies a copy from a scanned original; the public page says it is authentic.
	var scan bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 60, 80))
	for i := range img.Pix {
		img.Pix[i] = byte(200 + i%50)
	}
	if err := png.Encode(&scan, img); err != nil {
		t.Fatal(err)
	}
	scanPath := filepath.Join(dir, "bang-tot-nghiep.png")
	if err := os.WriteFile(scanPath, scan.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	b.do(ctx, "opening the certification desk", chromedp.Navigate(base+"/certified-copies"), chromedp.WaitVisible(chromedp.ID("applicant_name")))
	b.do(ctx, "filling in the certification",
		chromedp.SendKeys(chromedp.ID("applicant_name"), "Nguyễn Văn An"),
		chromedp.SendKeys(chromedp.ID("applicant_id_number"), demo.Applicants[0].IdentificationNumber),
		chromedp.SendKeys(chromedp.ID("original_description"), "Bằng tốt nghiệp đại học số 0012345"),
		chromedp.SendKeys(chromedp.ID("officer_title"), "Công chức Tư pháp - Hộ tịch"),
		chromedp.SetUploadFiles(chromedp.ID("scan"), []string{scanPath}))
	b.navigate(ctx, "certifying", chromedp.Click(chromedp.CSS(`form[action="/certified-copies"] button[type="submit"]`)),
		`new URLSearchParams(location.search).get("issued")`)
	b.navigate(ctx, "opening the verification page", chromedp.Click(chromedp.CSS(`main a[href^="/verify/"]`)),
		`location.pathname.startsWith("/verify/")`)
	if text := status(); !strings.Contains(text, "BẢN SAO HỢP LỆ") {
		t.Errorf("the verification page of a new copy shows:\n%s", text)
	}
	logout()

	// The citizen finds the result in the data store, and anyone can look the dossier up.
	login(demo.Applicants[0].IdentificationNumber)
	b.do(ctx, "opening the data store", chromedp.Navigate(base+"/my/documents"), chromedp.WaitVisible(chromedp.CSS("main")))
	if text := status(); !strings.Contains(text, "giay-phep.pdf") {
		t.Errorf("the data store does not list the result:\n%s", text)
	}
	logout()
	b.do(ctx, "looking the dossier up", chromedp.Navigate(base+"/lookup?code="+code), chromedp.WaitVisible(chromedp.CSS("main")))
	if text := status(); !strings.Contains(text, "Đã trả kết quả") || strings.Contains(text, "068085012345") {
		t.Errorf("the public lookup shows:\n%s", text)
	}
}

package axis_test

// The axis pages in a real browser: Debian's Chromium through the DevTools protocol (chromedp), on
// a node holding two years of traffic, so that the charts draw under the page's CSP.

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/config"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/server"
	"github.com/lienthong/lienthong/internal/signature/signaturetest"
)

// historyNode opens a demo node whose axis carried documents between three Central Highlands
// provinces and the Government Office from April 2024 to March 2026, growing as the 2020 report describes (Lâm Đồng ×5,
// Đắk Lắk ×2.5, Gia Lai and the Government Office ×2), most of them signed, with statuses and refusals.
func historyNode(t *testing.T) *server.Node {
	t.Helper()
	ctx := context.Background()
	ca, signer := signaturetest.PKI(t, "Văn thư", "Liên Thông")
	dir := t.TempDir()
	trust := filepath.Join(dir, "trust.pem")
	if err := os.WriteFile(trust, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := config.Default()
	cfg.Data = filepath.Join(dir, "data")
	cfg.LogLevel = "error"
	cfg.TrustStore = trust
	n, err := server.Open(ctx, cfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := demo.Load(ctx, n.Registry, n.Auth, nil); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Now()
	n.DB.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	at := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	defer at(time.Now())

	provinces := []struct {
		root          string
		before, after int     // documents a month in the first and the second year
		signed        float64 // share signed
	}{{"H36", 2, 10, 0.95}, {"H16", 4, 10, 0.8}, {"H21", 3, 6, 0.4}, {"G22", 3, 6, 0.6}}
	today := agency.Today()
	members := map[string][]string{}
	for _, a := range n.Registry.Index().All() {
		if a.OnAxis && a.ActiveOn(today) {
			members[a.Identifier().Root()] = append(members[a.Identifier().Root()], a.Code)
		}
	}
	clients := map[string]*auth.Principal{}
	for _, p := range provinces {
		if len(members[p.root]) == 0 {
			t.Fatalf("the demo registry has no agency of %s on the axis", p.root)
		}
		clients[p.root] = &auth.Principal{Kind: auth.KindClient, ID: "qlvb-" + strings.ToLower(p.root), Agency: "000.00.00." + p.root, Subtree: true}
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	pick := func(list []string) string { return list[rnd.IntN(len(list))] }
	seq := 0
	start := time.Date(2024, 4, 1, 0, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	for m := range 24 {
		month := start.AddDate(0, m, 0)
		for _, p := range provinces {
			count := p.before
			if m >= 12 {
				count = p.after
			}
			count += m % 3
			for range count {
				seq++
				from := pick(members[p.root])
				other := provinces[rnd.IntN(len(provinces))].root
				to := []string{pick(members[other])}
				if to[0] == from {
					to[0] = "000.00.00." + other
					if to[0] == from {
						continue
					}
				}
				d := axistest.Doc{DocumentID: fmt.Sprintf("%s,%s,%d/VP", from, month.Format("2006/01/02"), seq), From: from, To: to,
					Subject: fmt.Sprintf("Về việc triển khai nhiệm vụ chuyển đổi số tháng %s (số %d)", month.Format("01/2006"), seq)}
				if rnd.Float64() < 0.9 {
					d.Attachment = []byte("%PDF-1.7 " + d.Subject)
				}
				pkg := axistest.Document(d)
				if rnd.Float64() < p.signed {
					pkg = signaturetest.SignEdXML(t, signer, pkg)
				}
				sent := month.Add(time.Duration(rnd.IntN(27*24)) * time.Hour)
				at(sent)
				rc, err := n.Axis.Send(ctx, clients[p.root], bytes.NewReader(pkg))
				if err != nil {
					t.Fatalf("seeding %s: %v", d.DocumentID, err)
				}
				if rnd.Float64() < 0.75 {
					at(sent.Add(time.Duration(1+rnd.IntN(48)) * time.Hour))
					rcpt := clients[other]
					if _, err := n.Axis.SendStatus(ctx, rcpt, bytes.NewReader(axistest.Status(to[0], d.DocumentID, "03", "Đã vào sổ văn bản đến"))); err != nil {
						t.Fatal(err)
					}
					transport := axis.TransportDone
					if rnd.Float64() < 0.03 {
						transport = axis.TransportFail
					}
					if err := n.Axis.Ack(ctx, rcpt, rc.ID, to[0], transport); err != nil {
						t.Fatal(err)
					}
				}
			}
			if m%4 == 0 {
				at(month.Add(5 * 24 * time.Hour))
				n.Axis.Send(ctx, clients[p.root], bytes.NewReader(axistest.Document(axistest.Doc{DocumentID: "M" + p.root, From: "000.00.00." + p.root,
					To: []string{"000.00.00.H16"}, Secret: "Mật"})))
			}
		}
	}
	at(time.Date(2026, 3, 20, 3, 0, 0, 0, time.UTC))
	n.Axis.Send(ctx, clients["H21"], bytes.NewReader([]byte("không phải XML")))
	return n
}

// TestPagesInBrowser opens the axis pages as the demo administrator in Chromium, checks that every
// chart draws without a console error (a CSP violation would be one) and saves screenshots (kept in
// LIENTHONG_TEST_ARTIFACTS when it is set).
func TestPagesInBrowser(t *testing.T) {
	chromium := os.Getenv("LIENTHONG_CHROMIUM")
	if chromium == "" {
		chromium = "chromium"
	}
	path, err := exec.LookPath(chromium)
	if err != nil {
		if os.Getenv(dbtest.RequireEnv) != "" {
			t.Fatalf("no browser: %v", err)
		}
		t.Skipf("browser tests need chromium: %v", err)
	}
	n := historyNode(t)
	srv := httptest.NewServer(n.Handler)
	defer srv.Close()

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck, chromedp.WindowSize(1280, 1024), chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	tab, cancelTab := chromedp.NewContext(allocCtx)
	defer cancelTab()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	var consoleMu sync.Mutex
	var problems []string
	go func() {
		for m, err := range chromedp.Console(tab) {
			if err != nil {
				return
			}
			if strings.Contains(m.URL, "/favicon.ico") {
				continue // no icon yet: not an axis matter
			}
			if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException || strings.Contains(m.Text, "Content Security Policy") {
				consoleMu.Lock()
				problems = append(problems, m.String()+" ("+m.URL+")")
				consoleMu.Unlock()
			}
		}
	}()
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	defer cancel()
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	shot := func(name string) {
		t.Helper()
		take := chromedp.FullScreenshot(100)
		if name == "admin" { // hundreds of stuck deliveries: the top of the page is what matters
			take = chromedp.CaptureScreenshot()
		}
		png, err := chromedp.Run(ctx, take)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		dir := os.Getenv("LIENTHONG_TEST_ARTIFACTS")
		if dir == "" {
			dir = t.TempDir()
		}
		os.MkdirAll(dir, 0o750)
		p := filepath.Join(dir, "axis-"+name+".png")
		if err := os.WriteFile(p, png, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", p)
	}
	do("logging in", chromedp.Navigate(srv.URL+"/login"), chromedp.WaitVisible(chromedp.ID("login")),
		chromedp.SendKeys(chromedp.ID("login"), "quantri"), chromedp.SendKeys(chromedp.ID("password"), demo.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("header .who")))

	do("opening the statistics", chromedp.Navigate(srv.URL+"/axis/stats?from=2025-04&to=2026-03"), chromedp.WaitVisible(chromedp.CSS("#chart-sent canvas")))
	drawn, err := chromedp.Run(ctx, chromedp.Evaluate[int](`["chart-sent","chart-received","chart-growth","chart-levels","chart-fully","chart-refusals"]
		.filter(id => document.querySelector("#" + id + " canvas")).length`))
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > 1280 {
		t.Errorf("the statistics page is %d pixels wide, wider than the window (%v)", width, err)
	}
	if err != nil || drawn != 6 {
		t.Errorf("%d of 6 charts drawn (%v)", drawn, err)
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".chart-data.visually-hidden").length`))
	if err != nil || hidden != 6 {
		t.Errorf("%d of 6 chart tables moved out of view (%v)", hidden, err)
	}
	shot("stats")
	do("opening one province's statistics in English", chromedp.Navigate(srv.URL+"/lang?set=en&next=%2Faxis%2Fstats%3Ffrom%3D2025-04%26to%3D2026-03%26province%3DH36"),
		chromedp.WaitVisible(chromedp.CSS("#chart-levels canvas")))
	shot("stats-h36-en")
	do("back to Vietnamese", chromedp.Navigate(srv.URL+"/lang?set=vi&next=%2Faxis%3Fagency%3D000.00.00.H36"), chromedp.WaitVisible(chromedp.ID("inbox")))
	shot("mailbox")
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#outbox ~ table a[href^='/axis/edocs/']").getAttribute("href")`))
	if err != nil {
		t.Fatal(err)
	}
	do("opening a document", chromedp.Navigate(srv.URL+href), chromedp.WaitVisible(chromedp.CSS("ol.timeline")))
	shot("document")
	do("opening the administration", chromedp.Navigate(srv.URL+"/axis/admin"), chromedp.WaitVisible(chromedp.CSS("main table")))
	shot("admin")
	consoleMu.Lock()
	defer consoleMu.Unlock()
	for _, p := range problems {
		t.Errorf("browser console: %s", p)
	}
}

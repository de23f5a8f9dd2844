package task_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/task"
	"github.com/lienthong/lienthong/internal/web"
)

// TestFiguresChartInBrowser opens the figures page in Chromium (skipped without it) and checks
// that ECharts drew the per-province chart under a content security policy like the server's.
func TestFiguresChartInBrowser(t *testing.T) {
	name := os.Getenv("LIENTHONG_CHROMIUM")
	if name == "" {
		name = "chromium"
	}
	bin, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(dbtest.RequireEnv) != "" {
			t.Fatalf("no browser: %v", err)
		}
		t.Skipf("needs chromium: %v", err)
	}
	d := dbtest.SQLite(t)
	testFiguresChart(t, d, bin)
}

func testFiguresChart(t *testing.T, d *db.DB, bin string) {
	f := newFixture(t, d)
	ctx := context.Background()
	f.at("2026-03-02")
	for i, lead := range []string{"000.00.00.H36", "000.00.00.H36", "000.00.00.H16", "000.00.00.H16", "000.00.00.H16"} {
		deadline := "2026-03-10"
		if i%2 == 1 {
			deadline = "2026-06-30"
		}
		tk, err := f.svc.Create(ctx, clerkGov, assignment(lead, deadline))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := f.svc.Complete(ctx, officerLD, tk.ID, task.Report{Text: "xong"}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.Accept(ctx, leaderGov, tk.ID, ""); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.at("2026-03-20")
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := task.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	h := &task.Handler{Tasks: f.svc, Pages: pages}
	rr := api.NewRouter(1 << 20)
	rr.Handle(h.PageRoutes()...)
	rr.Mux.Handle("/static/", web.Static())
	var as atomic.Pointer[auth.Principal] // the signed-in caller; the test switches it
	as.Store(withCSRF(viewerGov, "tok"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
		rr.Mux.ServeHTTP(w, r.WithContext(auth.WithPrincipal(r.Context(), as.Load())))
	}))
	defer srv.Close()

	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(bin), chromedp.Headless,
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true), chromedp.NoFirstRun,
		chromedp.WindowSize(1280, 1000), chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	bctx, cancelTab := chromedp.NewContext(actx)
	defer cancelTab()
	if err := chromedp.Do(bctx); err != nil { // starts the browser, without a deadline
		t.Fatal(err)
	}
	ctx2, cancel := context.WithTimeout(bctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx2, chromedp.Navigate(srv.URL+"/tasks/figures"), chromedp.WaitVisible(chromedp.CSS(`#task-chart canvas`))); err != nil {
		t.Fatal(err)
	}
	canvases, err := chromedp.Run(ctx2, chromedp.Evaluate[int](`document.querySelectorAll('#task-chart canvas').length`))
	if err != nil || canvases == 0 {
		t.Fatalf("no chart drawn: %d %v", canvases, err)
	}
	shot, err := chromedp.Run(ctx2, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx2, chromedp.Navigate(srv.URL+"/tasks"), chromedp.WaitVisible(chromedp.CSS(`tr.task-overdue`))); err != nil {
		t.Fatal(err)
	}
	board, err := chromedp.Run(ctx2, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	// The assigner cancels an overdue task through the detail page's form.
	as.Store(withCSRF(leaderGov, "tok-leader"))
	if err := chromedp.Do(ctx2, chromedp.Navigate(srv.URL+"/tasks/3"), chromedp.WaitVisible(chromedp.ID("c-reason"))); err != nil {
		t.Fatal(err)
	}
	detail, err := chromedp.Run(ctx2, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx2, chromedp.SendKeys(chromedp.ID("c-reason"), "Không còn phù hợp"),
		chromedp.Click(chromedp.CSS(`form[action="/tasks/3/cancel"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-status="not_required"]`))); err != nil {
		t.Fatal(err)
	}
	if tk, err := f.svc.Get(ctx, leaderGov, 3); err != nil || tk.Status != task.NotRequired {
		t.Fatalf("after the browser's cancel: %+v %v", tk, err)
	}
	if dir := os.Getenv("LIENTHONG_TEST_ARTIFACTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "task-detail.png"), detail, 0o600)
		_ = os.MkdirAll(dir, 0o750)
		_ = os.WriteFile(filepath.Join(dir, "task-figures.png"), shot, 0o600)
		_ = os.WriteFile(filepath.Join(dir, "task-board.png"), board, 0o600)
	}
}

package main

// A real browser drives the demo: Debian's Chromium through the DevTools protocol (chromedp).

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
)

// chromiumEnv names the variable that points the browser tests at a Chromium or Chrome binary.
const chromiumEnv = "LIENTHONG_CHROMIUM"

// artifactsEnv names a folder that keeps the screenshots after the test; without it they go to
// the test's temporary folder, which is removed when the test ends.
const artifactsEnv = "LIENTHONG_TEST_ARTIFACTS"

// screenshotPath returns where to save a screenshot.
func screenshotPath(t *testing.T, name string) string {
	t.Helper()
	dir := os.Getenv(artifactsEnv)
	if dir == "" {
		return filepath.Join(t.TempDir(), name)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+"-"+name)
}

// chromiumPath finds the browser, or skips the test (fails it when LIENTHONG_TEST_REQUIRE is set).
func chromiumPath(t *testing.T) string {
	t.Helper()
	name := os.Getenv(chromiumEnv)
	if name == "" {
		name = "chromium"
	}
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(dbtest.RequireEnv) != "" {
			t.Fatalf("no browser (%v) but %s requires the browser tests; install chromium or set %s", err, dbtest.RequireEnv, chromiumEnv)
		}
		t.Skipf("browser tests need chromium on PATH or %s: %v", chromiumEnv, err)
	}
	return path
}

// browser is one headless Chromium with one tab.
type browser struct {
	t   *testing.T
	ctx context.Context // the tab; actions run with contexts derived from it
	log *syncBuffer
}

// startBrowser starts a headless Chromium with a fresh profile; cleanup closes it and waits for
// the process to exit before the profile folder is removed.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath(t)
	profile := t.TempDir()
	log := &syncBuffer{}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.WindowSize(1280, 1024),
		chromedp.UserDataDir(profile),
		chromedp.CombinedOutput(log),
	)
	logf := func(format string, args ...any) { fmt.Fprintf(log, format+"\n", args...) }
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(logf), chromedp.WithErrorf(logf))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
		if t.Failed() {
			t.Logf("browser output:\n%s", log.String())
		}
	})
	// The first Run starts the browser and ties it to its context, so it must not have a deadline;
	// the deadline is kept here instead.
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("starting %s: %v", path, err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("%s did not start within 30s", path)
	}
	return &browser{t: t, ctx: ctx, log: log}
}

// do runs the steps and fails the test with what was being done.
func (b *browser) do(ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

// text returns the visible text of the first element the selector finds.
func (b *browser) text(ctx context.Context, sel chromedp.CSS) string {
	b.t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		b.fail("reading the text of "+string(sel), err)
	}
	return strings.TrimSpace(s)
}

// fail ends the test, with a screenshot of the page to look at.
func (b *browser) fail(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	msg := fmt.Sprintf("%s: %v", what, err)
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		msg += "\npage: " + loc
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		p := screenshotPath(b.t, "failure.png")
		if err := os.WriteFile(p, png, 0o600); err == nil {
			msg += "\nscreenshot: " + p
		}
	}
	b.t.Fatal(msg)
}

// navigate runs the step, which must make the browser load a new document (follow a link, submit
// a form), and waits until the new document satisfies the JavaScript condition. Waiting for a new
// document matters: typing into the search box also fires htmx requests that update the old page,
// and an element found on the old page goes stale when the new one loads.
func (b *browser) navigate(ctx context.Context, what string, step chromedp.Action[chromedp.Void], cond string) {
	b.t.Helper()
	b.do(ctx, what, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`window.__ltOldDocument = true`)(ctx, t)
		return err
	}), step)
	check := fmt.Sprintf(`window.__ltOldDocument === undefined && document.readyState === "complete" && !!(%s)`, cond)
	var last error
	for {
		// A navigation can destroy the execution context under an evaluation: that is "not yet".
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](check))
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			b.fail(fmt.Sprintf("%s: waiting for %s (last evaluation error: %v)", what, cond, last), ctx.Err())
		case <-time.After(25 * time.Millisecond): // the polling interval of the condition
		}
	}
}

// sessionCookie returns the browser's lt_session cookie for the node, or nil.
func (b *browser) sessionCookie(ctx context.Context, base string) *network.Cookie {
	b.t.Helper()
	cookies, err := chromedp.Run(ctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
		return res.Cookies, err
	}))
	if err != nil {
		b.fail("reading the cookies", err)
	}
	for _, c := range cookies {
		if c.Name == "lt_session" {
			return c
		}
	}
	return nil
}

// TestBrowser logs in as the demo administrator, searches the registry without diacritics, opens
// an agency, switches the interface to English and logs out, all in a real Chromium.
func TestBrowser(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	base := startNode(t)
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()

	// Log in through the form.
	b.do(ctx, "opening /login", chromedp.Navigate(base+"/login"), chromedp.WaitVisible(chromedp.ID("login")))
	b.do(ctx, "filling in the login form",
		chromedp.SendKeys(chromedp.ID("login"), "quantri"),
		chromedp.SendKeys(chromedp.ID("password"), demo.Password))
	b.navigate(ctx, "logging in", chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		`location.pathname === "/" && document.querySelector("header .who")`)
	if who := b.text(ctx, "header .who"); !strings.Contains(who, "Nguyễn Văn Quản") {
		t.Errorf("after logging in the header shows %q, want the name Nguyễn Văn Quản", who)
	}
	session := b.sessionCookie(ctx, base)
	if session == nil || !session.HTTPOnly {
		t.Fatalf("after logging in the browser has the session cookie %+v, want an HttpOnly lt_session", session)
	}

	// Search the registry without diacritics.
	b.navigate(ctx, "opening the registry", chromedp.Click(chromedp.CSS(`nav.main-nav a[href="/agencies"]`)),
		`location.pathname === "/agencies" && document.querySelector("#q")`)
	b.do(ctx, "typing into the search box", chromedp.SendKeys(chromedp.ID("q"), "lam dong"))
	const name, code = "Ủy ban nhân dân tỉnh Lâm Đồng", "000.00.00.H36"
	link := chromedp.CSS(`#results table a[href="/agencies/` + code + `"]`)
	b.navigate(ctx, "submitting the search", chromedp.SendKeys(chromedp.ID("q"), kb.Enter),
		`new URLSearchParams(location.search).get("q") === "lam dong" && document.querySelector('`+string(link)+`')`)
	if got := b.text(ctx, link); got != name {
		t.Errorf("the result linking to %s reads %q, want %q", code, got, name)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("taking a screenshot", err)
	}
	shot := screenshotPath(t, "search.png")
	if err := os.WriteFile(shot, png, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the search results: %s", shot)

	// Open the agency.
	b.navigate(ctx, "opening "+name, chromedp.Click(link), `location.pathname === "/agencies/`+code+`"`)
	if got := b.text(ctx, "dl.facts dd code"); got != code {
		t.Errorf("the agency page shows the code %q, want %s", got, code)
	}
	if got := b.text(ctx, "main h2"); got != name {
		t.Errorf("the agency page is about %q, want %s", got, name)
	}

	// Switch to English: the same page comes back in English.
	b.navigate(ctx, "switching to English", chromedp.Click(chromedp.CSS(`header form.lang button`)),
		`document.documentElement.lang === "en"`)
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != base+"/agencies/"+code {
		t.Errorf("after switching language the browser is at %q (%v), want the agency page", loc, err)
	}
	if got := b.text(ctx, "main h1"); got != "Agency" {
		t.Errorf("the heading in English is %q, want Agency", got)
	}
	if got := b.text(ctx, "dl.facts dt"); got != "Identifier code" {
		t.Errorf("the first fact in English is %q, want Identifier code", got)
	}

	// Log out: the browser forgets the session and the node ends it.
	b.navigate(ctx, "logging out", chromedp.Click(chromedp.CSS(`header form[action="/logout"] button`)),
		`location.pathname === "/" && !document.querySelector("header .who") && document.querySelector('header a[href="/login"]')`)
	if c := b.sessionCookie(ctx, base); c != nil {
		t.Errorf("after logging out the browser still has the session cookie %+v", c)
	}
	r := get(t, newClient(t), base+"/api/v1/me", "Cookie", "lt_session="+session.Value)
	if r.Status != http.StatusUnauthorized {
		t.Errorf("the session still works after logging out: GET /api/v1/me answers %d", r.Status)
	}
}

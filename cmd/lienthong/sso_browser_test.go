package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/lienthong/lienthong/internal/demo"
)

// TestBrowserSSO logs the demo citizen in through the node's OpenID provider in Chromium: the
// portal's login page sends them to the provider's page, the provider sends them back with a code,
// the portal opens a local session; logging out ends both, so the next login asks for the password
// again instead of passing silently.
func TestBrowserSSO(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	// The issuer is the node's public URL: give it a fixed port rather than :0.
	base := startNode(t, "--addr", freeAddr(t))
	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	citizen := demo.Applicants[0]

	b.do(ctx, "opening /login", chromedp.Navigate(base+"/login?next=/me"), chromedp.WaitVisible(chromedp.CSS(`a[href^="/sso/login"]`)))
	b.navigate(ctx, "choosing the national login", chromedp.Click(chromedp.CSS(`a[href^="/sso/login"]`)),
		`location.pathname === "/oidc/login" && document.querySelector("input[name=password]")`)
	b.do(ctx, "filling in the provider's form", chromedp.SendKeys(chromedp.CSS(`input[name=login]`), citizen.IdentificationNumber),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "wrong password"))
	b.navigate(ctx, "a wrong password", chromedp.Click(chromedp.CSS(`form button[type=submit]`)), `document.querySelector("[role=alert]")`)
	if !strings.HasPrefix(b.location(ctx), base+"/oidc/") {
		t.Fatalf("a wrong password left the provider: %s", b.location(ctx))
	}
	b.do(ctx, "the right password", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[bool](`(document.querySelector("input[name=password]").value = "") === ""`)(ctx, t)
		return err
	}),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demo.Password))
	b.navigate(ctx, "logging in at the provider", chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		`document.querySelector("header .who")`)
	if loc := b.location(ctx); loc != base+"/me" {
		t.Errorf("after the login the citizen is at %s, want %s/me", loc, base)
	}
	if who := b.text(ctx, "header .who"); !strings.Contains(who, citizen.FullName) {
		t.Errorf("header shows %q, want the citizen %q", who, citizen.FullName)
	}

	b.navigate(ctx, "logging out through the provider", chromedp.Navigate(base+"/sso/logout"), `!document.querySelector("header .who")`)
	b.navigate(ctx, "logging in again", chromedp.Navigate(base+"/sso/login"), `document.querySelector("input[name=password]")`)
	if !strings.HasPrefix(b.location(ctx), base+"/oidc/login") {
		t.Errorf("after logout the provider let the citizen in without a password: %s", b.location(ctx))
	}
}

// location returns the page's address.
func (b *browser) location(ctx context.Context) string {
	b.t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`))
	if err != nil {
		b.fail("reading the location", err)
	}
	return s
}

package main

import (
	"context"
	"encoding/json"
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

// TestBrowserSSOTwoNodes: a provincial portal (its own node and database) is a relying party of the
// national node's provider. The citizen logs in at the national node through the provincial portal,
// arrives logged in there, and logging out at the province ends the national session too.
func TestBrowserSSOTwoNodes(t *testing.T) {
	t.Parallel()
	b := startBrowser(t)
	nationalData := t.TempDir()
	national := startNode(t, "--addr", freeAddr(t), "--data", nationalData)
	provinceAddr := freeAddr(t)
	province := "http://" + provinceAddr

	// Register the provincial portal at the national provider with the command line.
	var out, errOut syncBuffer
	err := Run(context.Background(), Runtime{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut, Env: envOf(nil)},
		[]string{"sso", "client", "--data", nationalData, "--id", "lamdong-portal", "--name", "Cổng DVC tỉnh Lâm Đồng",
			"--redirect", province + "/sso/callback", "--logout", province + "/"})
	if err != nil {
		t.Fatalf("lienthong sso client: %v\n%s", err, errOut.String())
	}
	var reg struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal([]byte(out.String()), &reg); err != nil || reg.ClientSecret == "" {
		t.Fatalf("lienthong sso client printed %q: %v", out.String(), err)
	}
	startNode(t, "--addr", provinceAddr, "--sso-issuer", national+"/oidc", "--sso-client-id", reg.ClientID,
		"--sso-client-secret", reg.ClientSecret, "--sso-secret", "provincial node cookie secret")

	ctx, cancel := context.WithTimeout(b.ctx, 90*time.Second)
	defer cancel()
	citizen := demo.Applicants[0]
	b.navigate(ctx, "opening the provincial portal's national login", chromedp.Navigate(province+"/sso/login?next=/me"),
		`document.querySelector("input[name=password]")`)
	if loc := b.location(ctx); !strings.HasPrefix(loc, national+"/oidc/login") {
		t.Fatalf("the provincial portal sent the citizen to %s, want the national provider", loc)
	}
	b.do(ctx, "filling in the national login", chromedp.SendKeys(chromedp.CSS(`input[name=login]`), citizen.IdentificationNumber),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), demo.Password))
	b.navigate(ctx, "logging in at the national node", chromedp.Click(chromedp.CSS(`form button[type=submit]`)),
		`document.querySelector("header .who")`)
	if loc := b.location(ctx); loc != province+"/me" {
		t.Errorf("after the national login the citizen is at %s, want %s/me", loc, province)
	}
	if who := b.text(ctx, "header .who"); !strings.Contains(who, citizen.FullName) {
		t.Errorf("the provincial portal shows %q, want the citizen %q", who, citizen.FullName)
	}

	b.navigate(ctx, "logging out at the province", chromedp.Navigate(province+"/sso/logout"), `!document.querySelector("header .who")`)
	if loc := b.location(ctx); !strings.HasPrefix(loc, province+"/") {
		t.Errorf("after logout the citizen is at %s, want back at the provincial portal", loc)
	}
	b.navigate(ctx, "logging in again", chromedp.Navigate(province+"/sso/login"), `document.querySelector("input[name=password]")`)
	if !strings.HasPrefix(b.location(ctx), national+"/oidc/login") {
		t.Errorf("after logout the national node let the citizen in without a password: %s", b.location(ctx))
	}
}

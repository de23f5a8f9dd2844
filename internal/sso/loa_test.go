package sso_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/pquerna/otp/totp"
	"golang.org/x/oauth2"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/sso"
)

func TestLoA2NeedsTOTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := newNational(t, d)
		prov, err := gooidc.NewProvider(ctx, n.srv.URL+"/oidc")
		if err != nil {
			t.Fatal(err)
		}
		conf := oauth2.Config{ClientID: "h36", ClientSecret: n.secret, Endpoint: prov.Endpoint(), RedirectURL: rpBack, Scopes: []string{"openid"}}
		pkce := oauth2.GenerateVerifier()
		loa2 := conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("acr_values", "LoA2"))
		creds := url.Values{"login": {citizenID}, "password": {password}}

		// Not enrolled: LoA2 cannot be reached, nothing is issued.
		if code, res := authorize(t, browser(t), loa2, creds); code != "" || res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("LoA2 without TOTP: code %q status %d", code, res.StatusCode)
		}
		uri, err := n.p.EnrolTOTP(ctx, n.userID, citizenID)
		if err != nil {
			t.Fatal(err)
		}
		key, _ := url.Parse(uri)
		secret := key.Query().Get("secret")
		if err := n.p.ConfirmTOTP(ctx, n.userID, "000000"); !errs.Is(err, errs.Invalid) {
			t.Fatalf("wrong confirmation code: %v", err)
		}
		now, _ := totp.GenerateCode(secret, time.Now())
		if err := n.p.ConfirmTOTP(ctx, n.userID, now); err != nil {
			t.Fatal(err)
		}
		// Enrolled: the password alone is not enough, even for LoA1.
		loa1 := conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("acr_values", "LoA1"))
		if code, _ := authorize(t, browser(t), loa1, creds); code != "" {
			t.Fatal("an enrolled account logged in without its TOTP code")
		}
		withCode := url.Values{"login": {citizenID}, "password": {password}, "totp": {now}}
		b := browser(t)
		code, res := authorize(t, b, loa2, withCode)
		if code == "" {
			t.Fatalf("LoA2 login failed: %d", res.StatusCode)
		}
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatal(err)
		}
		idt, err := prov.Verifier(&gooidc.Config{ClientID: "h36", SupportedSigningAlgs: []string{"ES256"}}).Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Acr string
			Amr []string
		}
		if err := idt.Claims(&c); err != nil || c.Acr != "LoA2" || len(c.Amr) == 0 {
			t.Fatalf("acr %q amr %v (%v)", c.Acr, c.Amr, err)
		}
	})
}

func TestClientRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := newNational(t, d)
		if _, err := n.p.RegisterClient(ctx, sso.Client{ID: "bad", RedirectURIs: []string{"javascript:alert(1)"}}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad redirect URI: %v", err)
		}
		if _, err := n.p.RegisterClient(ctx, sso.Client{ID: ""}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("empty client: %v", err)
		}
		sec, err := n.p.RegisterClient(ctx, sso.Client{ID: "app", Public: true, RedirectURIs: []string{rpBack}})
		if err != nil || sec != "" {
			t.Fatalf("public client: %q %v", sec, err)
		}
		prov, err := gooidc.NewProvider(ctx, n.srv.URL+"/oidc")
		if err != nil {
			t.Fatal(err)
		}
		conf := oauth2.Config{ClientID: "app", Endpoint: prov.Endpoint(), RedirectURL: rpBack, Scopes: []string{"openid"}}
		// Without PKCE the public client gets an error back, not a code.
		code, res := authorize(t, browser(t), conf.AuthCodeURL("s"), url.Values{"login": {citizenID}, "password": {password}})
		if code != "" || (res.StatusCode == http.StatusFound && res.Header.Get("Location") != "" && !hasError(res)) {
			t.Fatalf("public client without PKCE: code %q status %d %s", code, res.StatusCode, res.Header.Get("Location"))
		}
		pkce := oauth2.GenerateVerifier()
		// prompt=none without a provider session answers login_required to the client.
		_, res = authorize(t, browser(t), conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("prompt", "none")), nil)
		if loc, _ := url.Parse(res.Header.Get("Location")); res.StatusCode != http.StatusFound || loc.Query().Get("error") != "login_required" {
			t.Fatalf("prompt=none: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		code, _ = authorize(t, browser(t), conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce)), url.Values{"login": {citizenID}, "password": {password}})
		if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce)); err != nil {
			t.Fatalf("public client with PKCE: %v", err)
		}
	})
}

func hasError(res *http.Response) bool {
	u, err := url.Parse(res.Header.Get("Location"))
	return err == nil && u.Query().Get("error") != ""
}

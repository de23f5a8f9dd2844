package sso_test

import (
	"context"
	"net/url"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db/dbtest"
)

// BenchmarkCodeLogin measures whole authorization-code logins on loopback with a signed-in
// provider session (no password hashing): authorize → login page (silent) → callback → code →
// token exchange with PKCE and client secret → id_token signature and claims verified.
func BenchmarkCodeLogin(b *testing.B) {
	ctx := context.Background()
	n := newNational(b, dbtest.SQLite(b))
	prov, err := gooidc.NewProvider(ctx, n.srv.URL+"/oidc")
	if err != nil {
		b.Fatal(err)
	}
	conf := oauth2.Config{ClientID: "h36", ClientSecret: n.secret, Endpoint: prov.Endpoint(), RedirectURL: rpBack, Scopes: []string{"openid", "profile", "vn"}}
	verifier := prov.Verifier(&gooidc.Config{ClientID: "h36", SupportedSigningAlgs: []string{"ES256"}})
	br := browser(b)
	pkce := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("s", oauth2.S256ChallengeOption(pkce), gooidc.Nonce("n"))
	if code, _ := authorize(b, br, authURL, url.Values{"login": {citizenID}, "password": {password}}); code == "" {
		b.Fatal("first login failed")
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		code, res := authorize(b, br, authURL, nil)
		if code == "" {
			b.Fatalf("no code: %d", res.StatusCode)
		}
		res.Body.Close()
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := verifier.Verify(ctx, tok.Extra("id_token").(string)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
}

// BenchmarkPasswordVerify is the cost left out above: one argon2id check of an applicant password.
func BenchmarkPasswordVerify(b *testing.B) {
	h, err := auth.HashPassword(password)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		if !auth.CheckPassword(h, password) {
			b.Fatal("password refused")
		}
	}
}

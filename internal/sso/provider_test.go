package sso_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/sso"
)

const (
	citizenID = "068085012345"
	password  = "mật-khẩu-đủ-dài-2026"
	rpBack    = "http://rp.invalid/sso/callback"
	rpLogout  = "http://rp.invalid/"
)

// national is a provider node on loopback with one citizen and one confidential client.
type national struct {
	handler atomic.Pointer[http.Handler] // swapped by restart
	srv     *httptest.Server
	p       *sso.Provider
	auth    *auth.Service
	secret  string
	userID  int64
}

func newNational(t testing.TB, d *db.DB) *national {
	ctx := context.Background()
	as, err := auth.NewService(ctx, d, auth.Options{TokenTTL: time.Minute, SessionTTL: time.Hour, LockoutThreshold: 100, LockoutDuration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	u, err := as.RegisterApplicant(ctx, auth.NewApplicant{Kind: auth.Citizen, IdentificationNumber: citizenID, FullName: "Nguyễn Văn An",
		Email: "an@example.vn", Phone: "0912345678", Address: "12 Trần Phú, Đà Lạt", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	n := &national{auth: as, userID: u.ID}
	n.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*n.handler.Load()).ServeHTTP(w, r) }))
	t.Cleanup(n.srv.Close)
	n.p, err = sso.NewProvider(ctx, d, as, sso.Options{Issuer: n.srv.URL + "/oidc", Secret: "test secret", Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	h := n.p.Handler()
	n.handler.Store(&h)
	n.secret, err = n.p.RegisterClient(ctx, sso.Client{ID: "h36", Name: "Cổng dịch vụ công Lâm Đồng", RedirectURIs: []string{rpBack}, PostLogoutRedirects: []string{rpLogout}})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// restart replaces the provider with a new one on the same database, as a node restart would.
func (n *national) restart(t testing.TB, d *db.DB) {
	p, err := sso.NewProvider(context.Background(), d, n.auth, sso.Options{Issuer: n.srv.URL + "/oidc", Secret: "test secret", Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	n.p = p
	h := p.Handler()
	n.handler.Store(&h)
}

// browser follows redirects until one leaves for the relying party's callback.
func browser(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), "http://rp.invalid") {
			return http.ErrUseLastResponse
		}
		return nil
	}}
}

var idField = regexp.MustCompile(`name="id" value="([^"]+)"`)

// authorize runs the browser through the provider; with form set it fills the login form. It
// returns the code (or "" and the final response).
func authorize(t testing.TB, b *http.Client, authURL string, form url.Values) (string, *http.Response) {
	t.Helper()
	res, err := b.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode == http.StatusOK && form != nil {
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := idField.FindSubmatch(body)
		if m == nil {
			t.Fatalf("no login form: %s", body)
		}
		form.Set("id", string(m[1]))
		res, err = b.PostForm(res.Request.URL.Scheme+"://"+res.Request.URL.Host+"/oidc/login", form)
		if err != nil {
			t.Fatal(err)
		}
	}
	if res.StatusCode != http.StatusFound {
		return "", res
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	return loc.Query().Get("code"), res
}

func TestProviderLoginFlow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		n := newNational(t, d)
		issuer := n.srv.URL + "/oidc"
		prov, err := gooidc.NewProvider(ctx, issuer)
		if err != nil {
			t.Fatalf("discovery: %v", err)
		}
		conf := oauth2.Config{ClientID: "h36", ClientSecret: n.secret, Endpoint: prov.Endpoint(), RedirectURL: rpBack,
			Scopes: []string{gooidc.ScopeOpenID, "profile", "email", "phone", "address", "vn"}}
		verifier := prov.Verifier(&gooidc.Config{ClientID: "h36", SupportedSigningAlgs: []string{"ES256"}})
		b := browser(t)
		pkce := oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("st-1", oauth2.S256ChallengeOption(pkce), gooidc.Nonce("n-1"), oauth2.SetAuthURLParam("acr_values", "LoA1"))

		// A wrong password shows the form again and issues nothing.
		if code, res := authorize(t, b, authURL, url.Values{"login": {citizenID}, "password": {"wrong password"}}); code != "" || res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("wrong password: code %q status %d", code, res.StatusCode)
		}
		code, res := authorize(t, b, authURL, url.Values{"login": {citizenID}, "password": {password}})
		if code == "" {
			body, _ := io.ReadAll(res.Body)
			t.Fatalf("no code: %d %s", res.StatusCode, body)
		}
		tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange: %v", err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := verifier.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("verify id_token: %v", err)
		}
		var claims struct {
			Acr, Nonce, Name string
			SoDinhDanh       string
		}
		if err := idt.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if claims.Acr != "LoA1" || claims.Nonce != "n-1" || idt.Subject == "" || idt.Subject == citizenID {
			t.Fatalf("id_token claims: %+v sub %q", claims, idt.Subject)
		}
		// The same code again is refused.
		if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(pkce)); err == nil {
			t.Fatal("a used code was accepted again")
		}
		ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		var info map[string]any
		if err := ui.Claims(&info); err != nil {
			t.Fatal(err)
		}
		if ui.Subject != idt.Subject || info["SoDinhDanh"] != citizenID || info["HoVaTen"] != "Nguyễn Văn An" || info["name"] != "Nguyễn Văn An" ||
			info["email"] != "an@example.vn" || (info["email_verified"] != nil && info["email_verified"] != false) || info["phone_number"] != "0912345678" || info["DiaChi"] != "12 Trần Phú, Đà Lạt" {
			t.Fatalf("userinfo: %v", info)
		}
		if _, ok := info["MaSoThue"]; ok {
			t.Fatalf("a citizen has no tax code claim: %v", info)
		}

		// Silent login with the provider session; a wrong PKCE verifier is refused.
		code2, _ := authorize(t, b, authURL, nil)
		if code2 == "" {
			t.Fatal("the provider session did not log in silently")
		}
		if _, err := conf.Exchange(ctx, code2, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
			t.Fatal("a wrong PKCE verifier was accepted")
		}

		// Key rotation: tokens signed before and after both verify against the JWKS.
		if _, err := n.p.RotateKey(ctx); err != nil {
			t.Fatal(err)
		}
		code3, _ := authorize(t, b, authURL, nil)
		tok3, err := conf.Exchange(ctx, code3, oauth2.VerifierOption(pkce))
		if err != nil {
			t.Fatalf("exchange after rotation: %v", err)
		}
		raw3, _ := tok3.Extra("id_token").(string)
		fresh := prov.Verifier(&gooidc.Config{ClientID: "h36", SupportedSigningAlgs: []string{"ES256"}})
		for i, r := range []string{raw, raw3} {
			if _, err := fresh.Verify(ctx, r); err != nil {
				t.Fatalf("token %d after rotation: %v", i, err)
			}
		}
		if kid(t, raw) == kid(t, raw3) {
			t.Fatal("the rotated key did not sign the new token")
		}

		// Refresh token (offline_access) renews the access token.
		offline := conf
		offline.Scopes = append([]string{"offline_access"}, conf.Scopes...)
		code4, _ := authorize(t, b, offline.AuthCodeURL("st-4", oauth2.S256ChallengeOption(pkce), oauth2.SetAuthURLParam("prompt", "consent")), nil)
		tok4, err := offline.Exchange(ctx, code4, oauth2.VerifierOption(pkce))
		if err != nil || tok4.RefreshToken == "" {
			t.Fatalf("offline exchange: %v (refresh %q)", err, tok4.RefreshToken)
		}
		tok4.Expiry = time.Now().Add(-time.Minute)
		renewed, err := offline.TokenSource(ctx, tok4).Token()
		if err != nil || renewed.AccessToken == tok4.AccessToken {
			t.Fatalf("refresh: %v", err)
		}

		// A restart (a new provider on the same database) keeps the provider session and the refresh
		// token: the next login is silent and the refresh token renews once more; the rotated-out one
		// stays refused.
		n.restart(t, d)
		if code5, _ := authorize(t, b, conf.AuthCodeURL("st-5", oauth2.S256ChallengeOption(pkce)), nil); code5 == "" {
			t.Fatal("after a restart the provider session no longer logs in silently")
		}
		renewed.Expiry = time.Now().Add(-time.Minute)
		if again, err := offline.TokenSource(ctx, renewed).Token(); err != nil || again.AccessToken == renewed.AccessToken {
			t.Fatalf("refresh after a restart: %v", err)
		}
		if _, err := offline.TokenSource(ctx, tok4).Token(); err == nil {
			t.Fatal("a rotated-out refresh token was accepted after a restart")
		}

		// Bad bearer tokens at userinfo answer 401.
		for _, bad := range []string{"garbage", tok.AccessToken + "x"} {
			req, _ := http.NewRequest("GET", prov.UserInfoEndpoint(), nil)
			req.Header.Set("Authorization", "Bearer "+bad)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("userinfo with %q: status %d", bad, res.StatusCode)
			}
		}

		// An unregistered redirect_uri is refused without redirecting there.
		evil := conf
		evil.RedirectURL = "http://rp.invalid/evil"
		if code, res := authorize(t, browser(t), evil.AuthCodeURL("x", oauth2.S256ChallengeOption(pkce)), nil); code != "" || res.StatusCode == http.StatusFound {
			t.Fatalf("unknown redirect_uri: code %q status %d", code, res.StatusCode)
		}

		// RP-initiated logout ends the provider session: the next authorize shows the form again,
		// and the access token no longer works at userinfo.
		var endSession struct {
			URL string `json:"end_session_endpoint"`
		}
		if err := prov.Claims(&endSession); err != nil || endSession.URL == "" {
			t.Fatalf("end_session_endpoint: %v", err)
		}
		lo := endSession.URL + "?" + url.Values{"id_token_hint": {raw3}, "post_logout_redirect_uri": {rpLogout}, "state": {"bye"}}.Encode()
		res, err = b.Get(lo)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), rpLogout) {
			t.Fatalf("end_session: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if code, res := authorize(t, b, authURL, nil); code != "" || res.StatusCode != http.StatusOK {
			t.Fatalf("after logout the provider still logged in silently (status %d)", res.StatusCode)
		}
		if _, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok3)); err == nil {
			t.Fatal("the access token still works after logout")
		}
	})
}

func kid(t testing.TB, jwt string) string {
	t.Helper()
	head, _, _ := strings.Cut(jwt, ".")
	b, err := base64URL(head)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`"kid":"([^"]+)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("no kid in %s", b)
	}
	return string(m[1])
}

package sso

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/lienthong/lienthong/internal/auth"
)

// RPOptions configure a provincial node as a relying party of the national provider.
type RPOptions struct {
	Issuer       string // the national provider, e.g. https://sso.example.vn/oidc
	ClientID     string
	ClientSecret string
	PublicURL    string // this node's public URL; the callback is PublicURL + "/sso/callback"
	// ACR is the level asked for when /sso/login has no ?acr= (default LoA1).
	ACR string
	// Secret seals the short-lived login cookie (state, nonce, PKCE verifier).
	Secret        string
	SecureCookies bool
	SessionTTL    time.Duration // lifetime of the local session cookie, default 8 h
	// OpenSession starts a local applicant session for a user id without a password and returns
	// its cookie token; wire it to internal/auth (see the report: a small export is needed there).
	OpenSession func(ctx context.Context, userID int64) (string, error)
	// HTTPClient reaches the provider (tests, proxies); default http.DefaultClient.
	HTTPClient *http.Client
}

// RP serves GET /sso/login, /sso/callback and /sso/logout at a provincial node.
type RP struct {
	opt  RPOptions
	auth *auth.Service

	mu       sync.Mutex
	provider *gooidc.Provider
}

const (
	rpFlowCookie = "lt_sso_flow"
	rpHintCookie = "lt_sso_idt" // the id_token, kept for id_token_hint at logout
)

// NewRP builds the relying-party handlers; discovery happens on first use, so the provider may
// start later than this node.
func NewRP(as *auth.Service, opt RPOptions) (*RP, error) {
	if opt.Issuer == "" || opt.ClientID == "" || opt.PublicURL == "" || opt.Secret == "" || opt.OpenSession == nil {
		return nil, errors.New("sso: the relying party needs issuer, client id, public URL, secret and OpenSession")
	}
	if opt.ACR == "" {
		opt.ACR = LoA1
	}
	if opt.SessionTTL <= 0 {
		opt.SessionTTL = 8 * time.Hour
	}
	opt.PublicURL = strings.TrimRight(opt.PublicURL, "/")
	return &RP{opt: opt, auth: as}, nil
}

// Handler serves the three /sso/ routes.
func (rp *RP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /sso/login", rp.login)
	mux.HandleFunc("GET /sso/callback", rp.callback)
	mux.HandleFunc("GET /sso/logout", rp.logout)
	return mux
}

func (rp *RP) ctx(ctx context.Context) context.Context {
	if rp.opt.HTTPClient != nil {
		return gooidc.ClientContext(ctx, rp.opt.HTTPClient)
	}
	return ctx
}

func (rp *RP) discover(ctx context.Context) (*gooidc.Provider, oauth2.Config, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.provider == nil {
		p, err := gooidc.NewProvider(rp.ctx(ctx), rp.opt.Issuer)
		if err != nil {
			return nil, oauth2.Config{}, err
		}
		rp.provider = p
	}
	return rp.provider, oauth2.Config{ClientID: rp.opt.ClientID, ClientSecret: rp.opt.ClientSecret, Endpoint: rp.provider.Endpoint(),
		RedirectURL: rp.opt.PublicURL + "/sso/callback", Scopes: []string{gooidc.ScopeOpenID, "profile", "email", "phone", "address", ScopeVN}}, nil
}

// seal and unseal protect the flow cookie: fields joined by "|" and an HMAC.
func (rp *RP) seal(fields ...string) string {
	v := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(fields, "|")))
	m := hmac.New(sha256.New, []byte(rp.opt.Secret))
	m.Write([]byte(v))
	return v + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (rp *RP) unseal(s string) ([]string, bool) {
	v, sig, ok := strings.Cut(s, ".")
	m := hmac.New(sha256.New, []byte(rp.opt.Secret))
	m.Write([]byte(v))
	want := base64.RawURLEncoding.EncodeToString(m.Sum(nil))
	if !ok || !hmac.Equal([]byte(sig), []byte(want)) {
		return nil, false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return nil, false
	}
	return strings.Split(string(b), "|"), true
}

func (rp *RP) login(w http.ResponseWriter, r *http.Request) {
	_, conf, err := rp.discover(r.Context())
	if err != nil {
		http.Error(w, "the national sign-on service cannot be reached", http.StatusBadGateway)
		return
	}
	acr := rp.opt.ACR
	if q := r.URL.Query().Get("acr"); q == LoA1 || q == LoA2 {
		acr = q
	}
	state, nonce, verifier := randomID(18), randomID(18), oauth2.GenerateVerifier()
	next := localPath(r.URL.Query().Get("next"))
	http.SetCookie(w, &http.Cookie{Name: rpFlowCookie, Value: rp.seal(state, nonce, verifier, next, acr), Path: "/sso/", HttpOnly: true,
		Secure: rp.opt.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
	http.Redirect(w, r, conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), gooidc.Nonce(nonce),
		oauth2.SetAuthURLParam("acr_values", acr)), http.StatusFound)
}

// nationalClaims are the userinfo claims the local account is made from (vn-standards §3.2).
type nationalClaims struct {
	HoVaTen, SoDinhDanh, MaSoThue, TenDoanhNghiep, ThuDienTu, SoDienThoai, DiaChi string
}

func (rp *RP) callback(w http.ResponseWriter, r *http.Request) {
	ctx := rp.ctx(r.Context())
	c, err := r.Cookie(rpFlowCookie)
	var flow []string
	ok := err == nil
	if ok {
		flow, ok = rp.unseal(c.Value)
	}
	if !ok || len(flow) != 5 || r.URL.Query().Get("state") != flow[0] {
		http.Error(w, "this sign-in has expired or was not started here; please try again", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: rpFlowCookie, Value: "", Path: "/sso/", MaxAge: -1})
	if e := r.URL.Query().Get("error"); e != "" {
		http.Error(w, "the national sign-on refused: "+e, http.StatusUnauthorized)
		return
	}
	prov, conf, err := rp.discover(ctx)
	if err != nil {
		http.Error(w, "the national sign-on service cannot be reached", http.StatusBadGateway)
		return
	}
	tok, err := conf.Exchange(ctx, r.URL.Query().Get("code"), oauth2.VerifierOption(flow[2]))
	if err != nil {
		http.Error(w, "the sign-in code was refused", http.StatusUnauthorized)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := prov.Verifier(&gooidc.Config{ClientID: rp.opt.ClientID, SupportedSigningAlgs: []string{"ES256", "RS256"}}).Verify(ctx, raw)
	var acr struct{ Acr string }
	if err == nil {
		err = idt.Claims(&acr)
	}
	if err != nil || idt.Nonce != flow[1] || (flow[4] == LoA2 && acr.Acr != LoA2) {
		http.Error(w, "the identity token is not valid for this sign-in", http.StatusUnauthorized)
		return
	}
	ui, err := prov.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	var nc nationalClaims
	if err == nil {
		err = ui.Claims(&nc)
	}
	if err != nil || ui.Subject != idt.Subject {
		http.Error(w, "the national sign-on did not return the account's details", http.StatusBadGateway)
		return
	}
	userID, err := rp.localAccount(r.Context(), nc)
	if err != nil {
		http.Error(w, "no local account could be made: "+err.Error(), http.StatusUnprocessableEntity)
		return
	}
	token, err := rp.opt.OpenSession(r.Context(), userID)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	maxAge := int(rp.opt.SessionTTL.Seconds())
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: token, Path: "/", HttpOnly: true, Secure: rp.opt.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
	http.SetCookie(w, &http.Cookie{Name: rpHintCookie, Value: raw, Path: "/sso/", HttpOnly: true, Secure: rp.opt.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
	http.Redirect(w, r, flow[3], http.StatusSeeOther)
}

// localAccount finds the applicant by its login (SoDinhDanh for a citizen, MaSoThue for a
// business) or registers it with an unusable random password (it signs in through SSO).
func (rp *RP) localAccount(ctx context.Context, nc nationalClaims) (int64, error) {
	na := auth.NewApplicant{Kind: auth.Citizen, IdentificationNumber: nc.SoDinhDanh, FullName: nc.HoVaTen, Email: nc.ThuDienTu,
		Phone: nc.SoDienThoai, Address: nc.DiaChi, Password: randomID(24)}
	login := nc.SoDinhDanh
	if nc.MaSoThue != "" {
		na.Kind, na.TaxCode, na.BusinessName, login = auth.Business, nc.MaSoThue, nc.TenDoanhNghiep, nc.MaSoThue
	}
	if login == "" {
		return 0, errors.New("the national account has neither SoDinhDanh nor MaSoThue")
	}
	if u, err := rp.auth.User(ctx, login); err == nil {
		if a, err := rp.auth.Applicant(ctx, u.ID); err != nil || a.Kind != na.Kind {
			return 0, errors.New("the login belongs to another kind of account")
		}
		return u.ID, nil
	}
	u, err := rp.auth.RegisterApplicant(ctx, na)
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

// logout ends the local session, then sends the browser to the provider's end_session endpoint
// so the national session ends too.
func (rp *RP) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(auth.SessionCookie); err == nil && c.Value != "" {
		_ = rp.auth.Logout(r.Context(), c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: rp.opt.SecureCookies, MaxAge: -1})
	hint := ""
	if c, err := r.Cookie(rpHintCookie); err == nil {
		hint = c.Value
	}
	http.SetCookie(w, &http.Cookie{Name: rpHintCookie, Value: "", Path: "/sso/", MaxAge: -1})
	prov, _, err := rp.discover(r.Context())
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err != nil || prov.Claims(&meta) != nil || meta.EndSession == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	q := url.Values{"post_logout_redirect_uri": {rp.opt.PublicURL + "/"}, "client_id": {rp.opt.ClientID}}
	if hint != "" {
		q.Set("id_token_hint", hint)
	}
	http.Redirect(w, r, meta.EndSession+"?"+q.Encode(), http.StatusSeeOther)
}

// localPath keeps redirects after login on this site.
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" {
		return "/"
	}
	return next
}

// Package sso is single sign-on with OpenID Connect. The national node is the provider (issuer
// = public URL + "/oidc"), with the applicant accounts of internal/auth as its users, LoA1
// (password) and LoA2 (password + TOTP) levels, and the national portal's claims (vn-standards
// §3.2); provincial nodes are relying parties (rp.go).
package sso

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
)

// Options configure the provider.
type Options struct {
	// Issuer is the node's public URL + "/oidc", e.g. https://sso.dichvucong.example/oidc.
	Issuer string
	// Secret derives the key that seals opaque access tokens (any long random string, stable
	// across restarts).
	Secret         string
	AccessTokenTTL time.Duration // default 1 h
	RefreshTTL     time.Duration // default 30 days
	SessionTTL     time.Duration // provider session (silent login), default 8 h
	KeyLifetime    time.Duration // a signing key verifies for this long, default 30 days
	// Insecure allows an http issuer (tests, local demo).
	Insecure bool
	// SecureCookies marks the session cookie Secure.
	SecureCookies bool
}

// Provider is the OpenID provider of the national node.
type Provider struct {
	db    *db.DB
	auth  *auth.Service
	opt   Options
	op    *op.Provider
	mem   *memory
	path  string // the issuer's path, e.g. "/oidc"
	login http.Handler

	keysMu sync.Mutex
	keys   []*signingKey
	keysAt time.Time
}

// The levels of assurance asked with acr_values and reported in the acr claim.
const (
	LoA1 = "LoA1" // password
	LoA2 = "LoA2" // password and TOTP
)

// NewProvider builds the provider; mount Handler() at Path() (the issuer's path, "/oidc").
func NewProvider(ctx context.Context, d *db.DB, as *auth.Service, opt Options) (*Provider, error) {
	if opt.Issuer == "" || opt.Secret == "" {
		return nil, errors.New("sso: the provider needs an issuer and a secret")
	}
	opt.Issuer = strings.TrimRight(opt.Issuer, "/")
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&opt.AccessTokenTTL, time.Hour)
	def(&opt.RefreshTTL, 30*24*time.Hour)
	def(&opt.SessionTTL, 8*time.Hour)
	def(&opt.KeyLifetime, 30*24*time.Hour)
	p := &Provider{db: d, auth: as, opt: opt, mem: newMemory()}
	if i := strings.Index(strings.TrimPrefix(strings.TrimPrefix(opt.Issuer, "https://"), "http://"), "/"); i >= 0 {
		rest := strings.TrimPrefix(strings.TrimPrefix(opt.Issuer, "https://"), "http://")
		p.path = rest[i:]
	}
	cfg := &op.Config{
		CryptoKey:             sha256.Sum256([]byte("lienthong-sso:" + opt.Secret)),
		CodeMethodS256:        true,
		AuthMethodPost:        true,
		GrantTypeRefreshToken: true,
		SupportedScopes:       []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopePhone, oidc.ScopeAddress, oidc.ScopeOfflineAccess, ScopeVN},
		SupportedClaims: []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "acr", "amr", "name", "email", "email_verified",
			"phone_number", "phone_number_verified", "address", "HoVaTen", "SoDinhDanh", "MaSoThue", "MaSoDoanhNghiep", "TenDoanhNghiep",
			"ThuDienTu", "SoDienThoai", "DiaChi"},
	}
	var opts []op.Option
	if opt.Insecure {
		opts = append(opts, op.WithAllowInsecure())
	}
	o, err := op.NewOpenIDProvider(opt.Issuer, cfg, &storage{p}, opts...)
	if err != nil {
		return nil, err
	}
	p.op = o
	if _, err := p.currentKeys(ctx); err != nil {
		return nil, err
	}
	return p, nil
}

// Path is where Handler must be mounted: the issuer's path ("/oidc").
func (p *Provider) Path() string { return p.path }

// Handler serves discovery, JWKS, authorize, token, userinfo, end_session, revocation and the
// login page, all under Path().
func (p *Provider) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+p.path+"/login", p.pageLogin)
	mux.HandleFunc("POST "+p.path+"/login", p.pageLoginPost)
	mux.Handle(p.path+"/", http.StripPrefix(p.path, p.op))
	return mux
}

// Run drops expired requests, tokens and sessions until ctx ends (for Node.Start).
func (p *Provider) Run(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			p.mem.sweep(p.db.Now(), 10*time.Minute)
			if err := p.sweepState(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("sso: sweeping expired sessions and refresh tokens", "err", err)
			}
		}
	}
}

// opClient adapts Client to zitadel's op.Client.
type opClient struct {
	*Client
	loginURL string
}

func (c opClient) GetID() string                    { return c.ID }
func (c opClient) RedirectURIs() []string           { return c.Client.RedirectURIs }
func (c opClient) PostLogoutRedirectURIs() []string { return c.PostLogoutRedirects }
func (c opClient) ApplicationType() op.ApplicationType {
	return op.ApplicationTypeWeb
}
func (c opClient) AuthMethod() oidc.AuthMethod {
	if c.Public {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (c opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c opClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
}
func (c opClient) LoginURL(id string) string            { return c.loginURL + "?id=" + id }
func (c opClient) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c opClient) IDTokenLifetime() time.Duration       { return time.Hour }
func (c opClient) DevMode() bool                        { return false }
func (c opClient) IsScopeAllowed(scope string) bool     { return scope == ScopeVN }
func (c opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c opClient) ClockSkew() time.Duration             { return 0 }
func (c opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// storage implements op.Storage over the provider.
type storage struct{ p *Provider }

func (s *storage) Health(ctx context.Context) error { return s.p.db.Ping(ctx) }

func (s *storage) CreateAuthRequest(ctx context.Context, r *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	c, err := s.p.loadClient(ctx, r.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithDescription("unknown client")
	}
	if c.Public && (r.CodeChallenge == "" || r.CodeChallengeMethod != oidc.CodeChallengeMethodS256) {
		return nil, oidc.ErrInvalidRequest().WithDescription("public clients must use PKCE with S256")
	}
	if r.CodeChallenge != "" && r.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	a := &authRequest{id: randomID(18), req: r, createdAt: s.p.db.Now()}
	s.p.mem.mu.Lock()
	s.p.mem.requests[a.id] = a
	s.p.mem.mu.Unlock()
	return a, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.p.mem.mu.Lock()
	defer s.p.mem.mu.Unlock()
	a, ok := s.p.mem.requests[id]
	if !ok {
		return nil, errors.New("authorization request not found")
	}
	return a, nil
}

func (s *storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	s.p.mem.mu.Lock()
	defer s.p.mem.mu.Unlock()
	id, ok := s.p.mem.codes[code]
	if !ok {
		return nil, errors.New("code not found or already used")
	}
	// A code is good for one exchange: forget it now, whatever the outcome.
	delete(s.p.mem.codes, code)
	a, ok := s.p.mem.requests[id]
	if !ok {
		return nil, errors.New("code not found or already used")
	}
	return a, nil
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.p.mem.mu.Lock()
	defer s.p.mem.mu.Unlock()
	a, ok := s.p.mem.requests[id]
	if !ok {
		return errors.New("authorization request not found")
	}
	a.code = code
	s.p.mem.codes[code] = id
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.p.mem.mu.Lock()
	defer s.p.mem.mu.Unlock()
	if a, ok := s.p.mem.requests[id]; ok {
		delete(s.p.mem.codes, a.code)
		delete(s.p.mem.requests, id)
	}
	return nil
}

// tokenOf describes any of the requests op passes to the token methods.
func (s *storage) tokenOf(r op.TokenRequest) *token {
	t := &token{id: randomID(18), subject: r.GetSubject(), audience: r.GetAudience(), expires: s.p.db.Now().Add(s.p.opt.AccessTokenTTL)}
	switch v := r.(type) {
	case *authRequest:
		t.clientID, t.scopes, t.amr, t.authTime, t.userID = v.GetClientID(), v.GetScopes(), v.amr, v.authTime, v.userID
	case refreshRequest:
		t.clientID, t.scopes, t.amr, t.authTime, t.userID = v.clientID, v.scopes, v.amr, v.authTime, v.userID
	}
	return t
}

func (s *storage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	t := s.tokenOf(r)
	s.p.mem.mu.Lock()
	s.p.mem.tokens[t.id] = t
	s.p.mem.mu.Unlock()
	return t.id, t.expires, nil
}

func (s *storage) CreateAccessAndRefreshTokens(ctx context.Context, r op.TokenRequest, current string) (string, string, time.Time, error) {
	t := s.tokenOf(r)
	rt := *t
	rt.id = randomID(32)
	rt.expires = s.p.db.Now().Add(s.p.opt.RefreshTTL)
	t.refreshID = rt.id
	// The refresh token is stored before it is handed out; rotating removes the current one in the
	// same transaction, so an old refresh token is good once, across restarts and instances.
	if err := s.p.saveState(ctx, stateRefresh, rt.id, rt.subject, rt.clientID, recordOfToken(&rt), rt.expires, current); err != nil {
		if errors.Is(err, errStateGone) {
			return "", "", time.Time{}, oidc.ErrInvalidGrant()
		}
		return "", "", time.Time{}, err
	}
	s.p.mem.mu.Lock()
	defer s.p.mem.mu.Unlock()
	delete(s.p.mem.refresh, current)
	s.p.mem.tokens[t.id] = t
	s.p.mem.refresh[rt.id] = &rt
	return t.id, rt.id, t.expires, nil
}

// refreshToken finds a refresh token in the cache or the table.
func (s *storage) refreshToken(ctx context.Context, id string) (*token, bool) {
	s.p.mem.mu.Lock()
	t, ok := s.p.mem.refresh[id]
	s.p.mem.mu.Unlock()
	if ok {
		return t, !s.p.db.Now().After(t.expires)
	}
	var rec tokenRecord
	if found, err := s.p.loadState(ctx, stateRefresh, id, &rec); err != nil || !found {
		return nil, false
	}
	t = rec.token()
	s.p.mem.mu.Lock()
	s.p.mem.refresh[id] = t
	s.p.mem.mu.Unlock()
	return t, true
}

func (s *storage) TokenRequestByRefreshToken(ctx context.Context, rt string) (op.RefreshTokenRequest, error) {
	t, ok := s.refreshToken(ctx, rt)
	if !ok {
		return nil, op.ErrInvalidRefreshToken
	}
	return refreshRequest{t}, nil
}

func (s *storage) TerminateSession(ctx context.Context, subject, clientID string) error {
	if err := s.p.dropSessions(ctx, subject); err != nil {
		return err
	}
	s.p.mem.mu.Lock()
	defer s.p.mem.mu.Unlock()
	for id, ses := range s.p.mem.sessions {
		if ses.subject == subject {
			delete(s.p.mem.sessions, id)
		}
	}
	for id, t := range s.p.mem.tokens {
		if t.subject == subject && t.clientID == clientID {
			delete(s.p.mem.tokens, id)
		}
	}
	return nil
}

func (s *storage) RevokeToken(ctx context.Context, tok, subject, clientID string) *oidc.Error {
	if t, ok := s.refreshToken(ctx, tok); ok {
		if t.clientID != clientID {
			return oidc.ErrInvalidClient()
		}
		if err := s.p.dropState(ctx, stateRefresh, tok); err != nil {
			return oidc.ErrServerError().WithParent(err)
		}
		s.p.mem.mu.Lock()
		delete(s.p.mem.refresh, tok)
		s.p.mem.mu.Unlock()
		return nil
	}
	s.p.mem.mu.Lock()
	defer s.p.mem.mu.Unlock()
	if t, ok := s.p.mem.tokens[tok]; ok && t.clientID == clientID {
		delete(s.p.mem.tokens, tok)
	}
	return nil
}

func (s *storage) GetRefreshTokenInfo(ctx context.Context, clientID, tok string) (string, string, error) {
	t, ok := s.refreshToken(ctx, tok)
	if !ok {
		return "", "", op.ErrInvalidRefreshToken
	}
	return t.subject, t.id, nil
}

func (s *storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	keys, err := s.p.currentKeys(ctx)
	if err != nil {
		return nil, err
	}
	return keys[0], nil
}

func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

func (s *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	keys, err := s.p.currentKeys(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, len(keys))
	for i, k := range keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

func (s *storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.p.loadClient(ctx, id)
	if err != nil {
		if db.IsNoRows(err) {
			return nil, errors.New("unknown client")
		}
		return nil, oidc.ErrServerError()
	}
	return opClient{Client: c, loginURL: s.p.opt.Issuer + "/login"}, nil
}

func (s *storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	c, err := s.p.loadClient(ctx, id)
	if err != nil || c.Public || !constantEqual(c.secretHash, hashSecret(secret)) {
		return errors.New("wrong client id or secret")
	}
	return nil
}

func (s *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the id_token's claims.
func (s *storage) SetUserinfoFromRequest(ctx context.Context, ui *oidc.UserInfo, r op.IDTokenRequest, scopes []string) error {
	return s.p.fillUserinfo(ctx, ui, r.GetSubject(), scopes)
}

func (s *storage) SetUserinfoFromToken(ctx context.Context, ui *oidc.UserInfo, tokenID, subject, origin string) error {
	s.p.mem.mu.Lock()
	t, ok := s.p.mem.tokens[tokenID]
	s.p.mem.mu.Unlock()
	if !ok || t.subject != subject || s.p.db.Now().After(t.expires) {
		return errors.New("access token invalid or expired")
	}
	return s.p.fillUserinfo(ctx, ui, subject, t.scopes)
}

func (s *storage) SetIntrospectionFromToken(ctx context.Context, ir *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	s.p.mem.mu.Lock()
	t, ok := s.p.mem.tokens[tokenID]
	s.p.mem.mu.Unlock()
	if !ok || s.p.db.Now().After(t.expires) || !slices.Contains(t.audience, clientID) {
		return errors.New("token not active")
	}
	ir.Active, ir.Subject, ir.ClientID, ir.Scope = true, subject, t.clientID, t.scopes
	return nil
}

func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("JWT profile grants are not supported")
}

func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("JWT profile grants are not supported")
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

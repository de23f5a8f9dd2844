package sso

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// Client is a relying party registered with the provider (a provincial node or another portal).
type Client struct {
	ID                  string   `json:"client_id"`
	Name                string   `json:"name"`
	Public              bool     `json:"public"` // no secret: PKCE S256 is required
	RedirectURIs        []string `json:"redirect_uris"`
	PostLogoutRedirects []string `json:"post_logout_redirect_uris"`
	secretHash          string
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// RegisterClient stores a relying party and returns its secret (shown once; only its hash is
// kept). A public client gets no secret. Registering an existing client id again replaces its
// URIs and secret, so the call is safe to repeat.
func (p *Provider) RegisterClient(ctx context.Context, c Client) (secret string, err error) {
	var fields []errs.FieldError
	if c.ID == "" || len(c.ID) > 100 {
		fields = append(fields, errs.FieldError{Field: "client_id", Message: "give a client id of at most 100 characters"})
	}
	if len(c.RedirectURIs) == 0 {
		fields = append(fields, errs.FieldError{Field: "redirect_uris", Message: "give at least one redirect URI"})
	}
	for _, u := range append(append([]string{}, c.RedirectURIs...), c.PostLogoutRedirects...) {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") || strings.ContainsAny(u, "\n#") {
			fields = append(fields, errs.FieldError{Field: "redirect_uris", Message: "each URI must be an absolute http(s) URI without fragment: " + u})
		}
	}
	if len(fields) > 0 {
		return "", errs.New(errs.Invalid, "the client is not valid").WithFields(fields...)
	}
	hash := ""
	if !c.Public {
		secret = randomID(32)
		hash = hashSecret(secret)
	}
	err = p.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM sso_clients WHERE client_id = ?", c.ID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO sso_clients (client_id, name, secret_hash, redirect_uris, post_logout_uris, created_at) VALUES (?, ?, ?, ?, ?, ?)",
			c.ID, c.Name, hash, strings.Join(c.RedirectURIs, "\n"), strings.Join(c.PostLogoutRedirects, "\n"), tx.Now)
		return err
	})
	return secret, err
}

func (p *Provider) loadClient(ctx context.Context, id string) (*Client, error) {
	c := &Client{ID: id}
	var redirects, logouts string
	err := p.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT name, secret_hash, redirect_uris, post_logout_uris FROM sso_clients WHERE client_id = ?", id).
			Scan(&c.Name, &c.secretHash, &redirects, &logouts)
	})
	if err != nil {
		return nil, err
	}
	c.Public = c.secretHash == ""
	c.RedirectURIs = splitLines(redirects)
	c.PostLogoutRedirects = splitLines(logouts)
	return c, nil
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// signingKey is one ES256 key of the provider.
type signingKey struct {
	id      string
	priv    *ecdsa.PrivateKey
	created time.Time
	expires time.Time
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k *signingKey) Algorithm() jose.SignatureAlgorithm          { return jose.ES256 }
func (k *signingKey) Key() any                                    { return k.priv }
func (k *signingKey) ID() string                                  { return k.id }
func (k *signingKey) Use() string                                 { return "sig" }

// publicKey is what the JWKS shows of a signing key.
type publicKey struct{ *signingKey }

func (k publicKey) Key() any { return &k.priv.PublicKey }

// RotateKey adds a new signing key, used for every token from now on. Older keys stay in the
// JWKS until they expire (keyLifetime after their creation), so tokens they signed keep verifying.
func (p *Provider) RotateKey(ctx context.Context) (string, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", err
	}
	id := randomID(12)
	err = p.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "INSERT INTO sso_keys (key_id, algorithm, private_der, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
			id, "ES256", base64.StdEncoding.EncodeToString(der), tx.Now, tx.Now.Add(p.opt.KeyLifetime))
		return err
	})
	if err != nil {
		return "", err
	}
	p.keysMu.Lock()
	p.keys = nil // reload
	p.keysMu.Unlock()
	return id, nil
}

// currentKeys returns the unexpired keys, newest first, creating the first key when there is none.
func (p *Provider) currentKeys(ctx context.Context) ([]*signingKey, error) {
	p.keysMu.Lock()
	keys, loaded := p.keys, p.keysAt
	p.keysMu.Unlock()
	now := p.db.Now()
	if keys != nil && now.Sub(loaded) < time.Minute && now.Before(keys[0].expires) {
		return keys, nil
	}
	var out []*signingKey
	err := p.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT key_id, private_der, created_at, expires_at FROM sso_keys WHERE expires_at > ? ORDER BY created_at DESC, key_id", now.UTC())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k := &signingKey{}
			var enc string
			if err := rows.Scan(&k.id, &enc, &k.created, &k.expires); err != nil {
				return err
			}
			der, err := base64.StdEncoding.DecodeString(enc)
			if err != nil {
				return err
			}
			priv, err := x509.ParsePKCS8PrivateKey(der)
			if err != nil {
				return err
			}
			ec, ok := priv.(*ecdsa.PrivateKey)
			if !ok {
				continue
			}
			k.priv = ec
			out = append(out, k)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	// Rotate automatically a day before the newest key expires, so that a key never signs a
	// token that would outlive it.
	if len(out) == 0 || out[0].expires.Sub(now) < min(24*time.Hour, p.opt.KeyLifetime/2) {
		if _, err := p.RotateKey(ctx); err != nil {
			return nil, err
		}
		return p.currentKeys(ctx)
	}
	p.keysMu.Lock()
	p.keys, p.keysAt = out, now
	p.keysMu.Unlock()
	return out, nil
}

// authRequest is one authorization in progress, then (with a code) one waiting for its exchange.
type authRequest struct {
	id        string
	req       *oidc.AuthRequest
	subject   string
	userID    int64
	acr       string
	amr       []string
	authTime  time.Time
	done      bool
	code      string
	createdAt time.Time
}

func (a *authRequest) GetID() string                      { return a.id }
func (a *authRequest) GetACR() string                     { return a.acr }
func (a *authRequest) GetAMR() []string                   { return a.amr }
func (a *authRequest) GetAudience() []string              { return []string{a.req.ClientID} }
func (a *authRequest) GetAuthTime() time.Time             { return a.authTime }
func (a *authRequest) GetClientID() string                { return a.req.ClientID }
func (a *authRequest) GetNonce() string                   { return a.req.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.req.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.req.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.req.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.req.Scopes }
func (a *authRequest) GetState() string                   { return a.req.State }
func (a *authRequest) GetSubject() string                 { return a.subject }
func (a *authRequest) Done() bool                         { return a.done }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.req.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.req.CodeChallenge, Method: a.req.CodeChallengeMethod}
}

// token is an issued access token (and, for a refresh token, what it may renew).
type token struct {
	id        string
	clientID  string
	subject   string
	userID    int64
	scopes    []string
	audience  []string
	amr       []string
	authTime  time.Time
	expires   time.Time
	refreshID string
}

// refreshRequest is what a refresh token renews.
type refreshRequest struct{ *token }

func (r refreshRequest) GetAMR() []string            { return r.amr }
func (r refreshRequest) GetAudience() []string       { return r.audience }
func (r refreshRequest) GetAuthTime() time.Time      { return r.authTime }
func (r refreshRequest) GetClientID() string         { return r.clientID }
func (r refreshRequest) GetScopes() []string         { return r.scopes }
func (r refreshRequest) GetSubject() string          { return r.subject }
func (r refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// session is a signed-in applicant at the provider (the cookie that allows silent logins).
type session struct {
	userID   int64
	subject  string
	acr      string
	amr      []string
	authTime time.Time
	expires  time.Time
}

// memory holds the short-lived state of the provider: authorization requests live minutes,
// access tokens an hour. It is per process (see the report: move to the database for several
// national-node instances).
type memory struct {
	mu       sync.Mutex
	requests map[string]*authRequest
	codes    map[string]string // code → request id
	tokens   map[string]*token
	refresh  map[string]*token
	sessions map[string]*session
}

func newMemory() *memory {
	return &memory{requests: map[string]*authRequest{}, codes: map[string]string{}, tokens: map[string]*token{},
		refresh: map[string]*token{}, sessions: map[string]*session{}}
}

// sweep drops expired entries; called from the provider's background loop.
func (m *memory) sweep(now time.Time, requestTTL time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for id, r := range m.requests {
		if now.Sub(r.createdAt) > requestTTL {
			delete(m.requests, id)
			delete(m.codes, r.code)
		}
	}
	for id, t := range m.tokens {
		if now.After(t.expires) {
			delete(m.tokens, id)
		}
	}
	for id, s := range m.sessions {
		if now.After(s.expires) {
			delete(m.sessions, id)
		}
	}
}

func constantEqual(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

var _ op.Key = publicKey{}

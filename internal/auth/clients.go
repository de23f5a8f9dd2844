package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// Client is a machine client: the software of one agency (a document-management system, a
// provincial portal) that calls the API with OAuth2 client credentials.
type Client struct {
	ID        string    `json:"client_id"`
	Name      string    `json:"name"`
	Agency    string    `json:"agency"`
	Subtree   bool      `json:"subtree"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

// Credentials are shown once, when a client is created or its secret rotated.
type Credentials struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// NewClient is the input to CreateClient.
type NewClient struct {
	Name    string `json:"name"`
	Agency  string `json:"agency"`
	Subtree bool   `json:"subtree"`
}

// CreateClient registers a machine client for an agency and returns its credentials. The secret is
// stored only as a SHA-256 hash: it has 256 bits of entropy, so a slow hash adds nothing.
func (s *Service) CreateClient(ctx context.Context, by *Principal, nc NewClient) (Credentials, error) {
	nc.Name = strings.TrimSpace(nc.Name)
	if nc.Name == "" {
		return Credentials{}, errs.Reasonf(errs.Invalid, "missing_field", "name is required")
	}
	if s.opt.AgencyExists != nil && !s.opt.AgencyExists(ctx, nc.Agency) {
		return Credentials{}, errs.Reasonf(errs.Invalid, "unknown_agency", "agency %q is not in the registry", nc.Agency)
	}
	if !by.Can(Admin, nc.Agency) {
		return Credentials{}, errs.Reasonf(errs.Forbidden, "missing_role", "%s is not an administrator of %s", by.Actor(), nc.Agency)
	}
	cr := Credentials{ClientID: "lt_" + randomToken(12), ClientSecret: randomToken(32)}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO clients (id, secret_hash, name, agency_code, subtree, created_at, secret_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, cr.ClientID, hashToken(cr.ClientSecret), nc.Name, nc.Agency, nc.Subtree, tx.Now, tx.Now); err != nil {
			return err
		}
		return audit.Append(ctx, tx, by.Actor(), "client.create", "client:"+cr.ClientID, nc)
	})
	if err != nil {
		return Credentials{}, fmt.Errorf("auth.CreateClient: %w", err)
	}
	return cr, nil
}

// RotateSecret issues a new secret for a client; the old one stops working at once.
func (s *Service) RotateSecret(ctx context.Context, by *Principal, clientID string) (Credentials, error) {
	cr := Credentials{ClientID: clientID, ClientSecret: randomToken(32)}
	err := s.db.Tx(ctx, func(tx *db.Tx) error {
		var agency string
		err := tx.QueryRow(ctx, "SELECT agency_code FROM clients WHERE id = ?", clientID).Scan(&agency)
		if db.IsNoRows(err) {
			return errs.Reasonf(errs.NotFound, "unknown_client", "no client %q", clientID)
		}
		if err != nil {
			return err
		}
		if !by.Can(Admin, agency) {
			return errs.Reasonf(errs.Forbidden, "missing_role", "%s is not an administrator of %s", by.Actor(), agency)
		}
		if _, err := tx.Exec(ctx, "UPDATE clients SET secret_hash = ?, secret_at = ? WHERE id = ?", hashToken(cr.ClientSecret), tx.Now, clientID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, by.Actor(), "client.rotate", "client:"+clientID, nil)
	})
	return cr, err
}

// Clients lists the machine clients.
func (s *Service) Clients(ctx context.Context) ([]Client, error) {
	var out []Client
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT id, name, agency_code, subtree, disabled, created_at FROM clients ORDER BY agency_code, name")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Client
			if err := rows.Scan(&c.ID, &c.Name, &c.Agency, &c.Subtree, &c.Disabled, &c.CreatedAt); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// Token is an issued bearer token.
type Token struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
}

// tokenClaims is what a bearer token carries. Tokens are signed rather than stored so that checking
// one costs no database read; their short life bounds the damage of a leaked one.
type tokenClaims struct {
	Client  string `json:"c"`
	Name    string `json:"n"`
	Agency  string `json:"a"`
	Subtree bool   `json:"s,omitempty"`
	Expires int64  `json:"e"`
}

// IssueToken checks client credentials (OAuth2 client credentials grant) and returns a bearer token.
func (s *Service) IssueToken(ctx context.Context, clientID, secret string) (Token, error) {
	var c Client
	var hash string
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT id, name, agency_code, subtree, disabled, secret_hash FROM clients WHERE id = ?", clientID).
			Scan(&c.ID, &c.Name, &c.Agency, &c.Subtree, &c.Disabled, &hash)
	})
	if db.IsNoRows(err) {
		hash = strings.Repeat("0", 64)
	} else if err != nil {
		return Token{}, err
	}
	if subtle.ConstantTimeCompare([]byte(hashToken(secret)), []byte(hash)) != 1 || c.Disabled {
		_ = s.db.Tx(ctx, func(tx *db.Tx) error {
			return audit.Append(ctx, tx, "anonymous", "token.refused", "client:"+clientID, nil)
		})
		return Token{}, errs.Reasonf(errs.Unauthorized, "invalid_client", "unknown client or wrong secret")
	}
	claims := tokenClaims{Client: c.ID, Name: c.Name, Agency: c.Agency, Subtree: c.Subtree, Expires: s.db.Now().Add(s.opt.TokenTTL).Unix()}
	return Token{AccessToken: s.sign(claims), TokenType: "Bearer", ExpiresIn: int(s.opt.TokenTTL.Seconds())}, nil
}

func (s *Service) sign(c tokenClaims) string {
	body, _ := json.Marshal(c)
	payload := base64.RawURLEncoding.EncodeToString(body)
	mac := hmac.New(sha256.New, s.tokenKey)
	mac.Write([]byte(payload))
	return "lt1." + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// TokenPrincipal checks a bearer token's signature and expiry and returns its client.
func (s *Service) TokenPrincipal(token string) (*Principal, error) {
	bad := errs.Reasonf(errs.Unauthorized, "invalid_token", "the bearer token is malformed or forged")
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != "lt1" {
		return nil, bad
	}
	mac := hmac.New(sha256.New, s.tokenKey)
	mac.Write([]byte(parts[1]))
	want := mac.Sum(nil)
	got, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil || !hmac.Equal(got, want) {
		return nil, bad
	}
	body, err := base64.RawURLEncoding.Strict().DecodeString(parts[1])
	if err != nil {
		return nil, bad
	}
	var c tokenClaims
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, bad
	}
	if s.db.Now().Unix() >= c.Expires {
		return nil, errs.Reasonf(errs.Unauthorized, "expired_token", "the bearer token has expired: request a new one at /oauth/token")
	}
	return &Principal{Kind: KindClient, ID: c.Client, Name: c.Name, Agency: c.Agency, Subtree: c.Subtree}, nil
}

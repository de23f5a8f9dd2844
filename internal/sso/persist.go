package sso

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/lienthong/lienthong/internal/db"
)

// The memory map is a cache in front of table sso_state for the two kinds of state that outlive a
// login flow: provider sessions and refresh tokens. Writes go to the table first; a lookup that
// misses the map reads the table (after a restart, or when another instance made the entry).

const (
	stateSession = "session"
	stateRefresh = "refresh"
)

// tokenRecord and sessionRecord are the stored forms of token and session.
type tokenRecord struct {
	ID        string    `json:"id"`
	ClientID  string    `json:"client_id"`
	Subject   string    `json:"subject"`
	UserID    int64     `json:"user_id"`
	Scopes    []string  `json:"scopes"`
	Audience  []string  `json:"audience"`
	AMR       []string  `json:"amr"`
	AuthTime  time.Time `json:"auth_time"`
	Expires   time.Time `json:"expires"`
	RefreshID string    `json:"refresh_id,omitempty"`
}

type sessionRecord struct {
	UserID   int64     `json:"user_id"`
	Subject  string    `json:"subject"`
	ACR      string    `json:"acr"`
	AMR      []string  `json:"amr"`
	AuthTime time.Time `json:"auth_time"`
	Expires  time.Time `json:"expires"`
}

func recordOfToken(t *token) tokenRecord {
	return tokenRecord{t.id, t.clientID, t.subject, t.userID, t.scopes, t.audience, t.amr, t.authTime, t.expires, t.refreshID}
}

func (r tokenRecord) token() *token {
	return &token{id: r.ID, clientID: r.ClientID, subject: r.Subject, userID: r.UserID, scopes: r.Scopes, audience: r.Audience,
		amr: r.AMR, authTime: r.AuthTime, expires: r.Expires, refreshID: r.RefreshID}
}

func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// saveState stores an entry; replace, when set, is an entry of the same kind removed in the same
// transaction (a rotated refresh token), which must still exist.
func (p *Provider) saveState(ctx context.Context, kind, id, subject, clientID string, v any, expires time.Time, replace string) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return p.db.Tx(ctx, func(tx *db.Tx) error {
		if replace != "" {
			res, err := tx.Exec(ctx, `DELETE FROM sso_state WHERE kind = ? AND id_hash = ?`, kind, hashID(replace))
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errStateGone
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO sso_state (kind, id_hash, subject, client_id, data, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			kind, hashID(id), subject, clientID, string(data), expires.UTC())
		return err
	})
}

var errStateGone = errors.New("sso: the entry was used or revoked")

// loadState reads an unexpired entry into dst; false when there is none.
func (p *Provider) loadState(ctx context.Context, kind, id string, dst any) (bool, error) {
	var data string
	err := p.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT data FROM sso_state WHERE kind = ? AND id_hash = ? AND expires_at > ?`,
			kind, hashID(id), p.db.Now().UTC()).Scan(&data)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, json.Unmarshal([]byte(data), dst)
}

func (p *Provider) dropState(ctx context.Context, kind, id string) error {
	return p.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sso_state WHERE kind = ? AND id_hash = ?`, kind, hashID(id))
		return err
	})
}

// dropSessions ends every provider session of a subject (logout ends them all).
func (p *Provider) dropSessions(ctx context.Context, subject string) error {
	return p.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sso_state WHERE kind = ? AND subject = ?`, stateSession, subject)
		return err
	})
}

// sweepState deletes expired entries.
func (p *Provider) sweepState(ctx context.Context) error {
	return p.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sso_state WHERE expires_at <= ?`, p.db.Now().UTC())
		return err
	})
}

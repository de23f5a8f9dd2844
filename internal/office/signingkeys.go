package office

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// A leader signs with a personal certificate (Decree 30/2020 Điều 12); the agency's signature
// follows at issue. The private key never enters the database: a KeyStore the server passes in
// keeps it, and the table office_signing_keys holds the certificate, the image and its revocation.

// KeyStore keeps leaders' private keys (PEM) by login.
type KeyStore interface {
	Put(ctx context.Context, login string, keyPEM []byte) error
	Get(ctx context.Context, login string) ([]byte, error)
}

// FileKeys keeps each key in its own 0600 file under Dir (created 0700), named by a hash of the
// login so that no login can name a path.
type FileKeys struct{ Dir string }

func (f FileKeys) path(login string) string {
	h := sha256.Sum256([]byte(login))
	return filepath.Join(f.Dir, hex.EncodeToString(h[:16])+".key.pem")
}

// Put writes the key atomically (temporary file, then rename).
func (f FileKeys) Put(_ context.Context, login string, keyPEM []byte) error {
	if err := os.MkdirAll(f.Dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(f.Dir, ".key-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(keyPEM); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), f.path(login))
}

// Get reads the key of login.
func (f FileKeys) Get(_ context.Context, login string) ([]byte, error) {
	b, err := os.ReadFile(f.path(login))
	if errors.Is(err, os.ErrNotExist) {
		return nil, errs.Reasonf(errs.NotFound, "no_signing_key", "no personal signing key is stored for %s", login)
	}
	return b, err
}

// PersonalKey is a leader's registered certificate as the pages and the API show it.
type PersonalKey struct {
	Login         string     `json:"login"`
	Agency        string     `json:"agency"`
	Subject       string     `json:"subject"`
	Serial        string     `json:"serial"`
	NotBefore     time.Time  `json:"not_before"`
	NotAfter      time.Time  `json:"not_after"`
	HasImage      bool       `json:"has_image"`
	RegisteredAt  time.Time  `json:"registered_at"`
	RegisteredBy  string     `json:"registered_by"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RevokedBy     string     `json:"revoked_by,omitempty"`
	RevokedReason string     `json:"revoked_reason,omitempty"`

	certPEM []byte
	image   []byte
}

// KeyRegistration is what a leader uploads: certificate (with any intermediates) and key in PEM,
// and the picture of the handwritten signature (PNG).
type KeyRegistration struct {
	Login   string // empty: the caller
	Agency  string
	CertPEM []byte
	KeyPEM  []byte
	Image   []byte
}

// mayManageKey: the leader himself, for an agency he leads, or an admin of the agency.
func mayManageKey(by *auth.Principal, login, agency string) bool {
	if by == nil || by.Kind == auth.KindClient {
		return false
	}
	return by.Can(auth.Admin, agency) || (by.ID == login && by.Can(auth.Leader, agency))
}

var pngMagic = []byte("\x89PNG\r\n\x1a\n")

// RegisterSigningKey stores a leader's personal certificate and key, replacing any earlier one. It
// refuses a key that does not match the certificate, a certificate not valid now and an image
// that is not a PNG.
func (s *Service) RegisterSigningKey(ctx context.Context, by *auth.Principal, r KeyRegistration) (*PersonalKey, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	if r.Login == "" {
		r.Login = by.ID
	}
	if !s.reg.Exists(ctx, r.Agency) {
		return nil, errs.New(errs.Invalid, "check the fields").WithFields(errs.FieldError{Field: "agency", Message: "unknown agency"})
	}
	if !mayManageKey(by, r.Login, r.Agency) {
		return nil, notYourAgency(by, r.Agency, "register signing keys")
	}
	if s.opt.Keys == nil {
		return nil, errs.Reasonf(errs.Unavailable, "no_key_store", "this node keeps no personal signing keys")
	}
	pair, err := tls.X509KeyPair(r.CertPEM, r.KeyPEM)
	if err != nil {
		return nil, errs.Reasonf(errs.Invalid, "key_mismatch", "the certificate and key do not form a pair: %v", err)
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, errs.Reasonf(errs.Invalid, "bad_certificate", "%v", err)
	}
	if len(r.Image) > 0 && !bytes.HasPrefix(r.Image, pngMagic) {
		return nil, errs.New(errs.Invalid, "check the fields").WithFields(errs.FieldError{Field: "image", Message: "the signature image must be a PNG"})
	}
	if len(r.Image) > 512<<10 {
		return nil, errs.New(errs.Invalid, "check the fields").WithFields(errs.FieldError{Field: "image", Message: "the signature image must be at most 512 KB"})
	}
	now := s.db.Now()
	if err := certUsable(cert.NotBefore, cert.NotAfter, nil, now); err != nil {
		return nil, err
	}
	if err := s.opt.Keys.Put(ctx, r.Login, r.KeyPEM); err != nil {
		return nil, fmt.Errorf("office.RegisterSigningKey: storing the key: %w", err)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM office_signing_keys WHERE login = ?", r.Login); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO office_signing_keys (login, agency_code, subject, serial, not_before, not_after, cert_pem,
			image_png, registered_at, registered_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.Login, r.Agency, cert.Subject.CommonName, cert.SerialNumber.Text(16), cert.NotBefore.UTC(), cert.NotAfter.UTC(),
			string(r.CertPEM), base64.StdEncoding.EncodeToString(r.Image), tx.Now, by.Actor())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("office.RegisterSigningKey: %w", err)
	}
	return s.SigningKey(ctx, by, r.Login)
}

// RevokeSigningKey marks a leader's certificate revoked: signing with it is refused from then on.
func (s *Service) RevokeSigningKey(ctx context.Context, by *auth.Principal, login, reason string) (*PersonalKey, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	k, err := s.signingKey(ctx, login)
	if err != nil {
		return nil, err
	}
	if !mayManageKey(by, login, k.Agency) {
		return nil, notYourAgency(by, k.Agency, "revoke signing keys")
	}
	if k.RevokedAt != nil {
		return k, nil // idempotent
	}
	reason, fe := clean("reason", reason, 500, true)
	if fe != nil {
		return nil, errs.New(errs.Invalid, "check the fields").WithFields(*fe)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE office_signing_keys SET revoked_at = ?, revoked_by = ?, revoked_reason = ? WHERE login = ? AND revoked_at IS NULL",
			tx.Now, by.Actor(), reason, login)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("office.RevokeSigningKey: %w", err)
	}
	return s.signingKey(ctx, login)
}

// SigningKey returns login's registered certificate, for him, his agency's admins and leaders.
func (s *Service) SigningKey(ctx context.Context, by *auth.Principal, login string) (*PersonalKey, error) {
	if err := needLogin(by); err != nil {
		return nil, err
	}
	k, err := s.signingKey(ctx, login)
	if err != nil {
		return nil, err
	}
	if by.ID != login && !mayView(by, k.Agency) {
		return nil, notYourAgency(by, k.Agency, "see signing keys")
	}
	return k, nil
}

func (s *Service) signingKey(ctx context.Context, login string) (*PersonalKey, error) {
	var k PersonalKey
	var cert, img string
	var revoked sql.NullTime
	err := s.db.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, `SELECT login, agency_code, subject, serial, not_before, not_after, cert_pem, image_png,
		registered_at, registered_by, revoked_at, revoked_by, revoked_reason FROM office_signing_keys WHERE login = ?`, login).
			Scan(&k.Login, &k.Agency, &k.Subject, &k.Serial, &k.NotBefore, &k.NotAfter, &cert, &img, &k.RegisteredAt, &k.RegisteredBy,
				&revoked, &k.RevokedBy, &k.RevokedReason)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Reasonf(errs.NotFound, "no_signing_key", "%s has no registered personal signing key", login)
	}
	if err != nil {
		return nil, err
	}
	k.RevokedAt = timePtr(revoked)
	k.certPEM = []byte(cert)
	if k.image, err = base64.StdEncoding.DecodeString(img); err != nil {
		return nil, err
	}
	k.HasImage = len(k.image) > 0
	return &k, nil
}

// certUsable refuses a certificate that is revoked, expired or not yet valid at now.
func certUsable(notBefore, notAfter time.Time, revokedAt *time.Time, now time.Time) error {
	switch {
	case revokedAt != nil:
		return errs.Reasonf(errs.Conflict, "certificate_revoked", "the personal signing certificate was revoked on %s: register a new one", revokedAt.In(ictZone).Format("02/01/2006"))
	case now.After(notAfter):
		return errs.Reasonf(errs.Conflict, "certificate_expired", "the personal signing certificate expired on %s: register a new one", notAfter.In(ictZone).Format("02/01/2006"))
	case now.Before(notBefore):
		return errs.Reasonf(errs.Conflict, "certificate_not_yet_valid", "the personal signing certificate is valid only from %s", notBefore.In(ictZone).Format("02/01/2006"))
	}
	return nil
}

// personalSigner finds the signer's registered key for the sign step: nil when he has none (the
// agency's key then signs), an error when it is revoked or expired at now.
func (s *Service) personalSigner(ctx context.Context, login string, now time.Time) (*PersonalSigner, error) {
	if s.opt.Keys == nil {
		return nil, nil
	}
	k, err := s.signingKey(ctx, login)
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := certUsable(k.NotBefore, k.NotAfter, k.RevokedAt, now); err != nil {
		return nil, err
	}
	key, err := s.opt.Keys.Get(ctx, login)
	if err != nil {
		return nil, err
	}
	return &PersonalSigner{CertPEM: k.certPEM, KeyPEM: key, Image: k.image}, nil
}

// PersonalSigner is the leader's own key, certificate and signature image handed to the signing
// hook; the hook builds the visible signature from it.
type PersonalSigner struct {
	CertPEM []byte
	KeyPEM  []byte
	Image   []byte
}

var ictZone = vn.ICT

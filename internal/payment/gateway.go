package payment

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/errs"
)

// Notification is a gateway's server-to-server report on one payment. ID is the gateway's own
// notification id: a repeat of the same id is recognised and applied once.
type Notification struct {
	Gateway   string `json:"gateway"`
	ID        string `json:"notification_id"`
	PaymentID string `json:"payment_id"`
	Amount    int64  `json:"amount"`
	Currency  string `json:"currency"`
	Outcome   string `json:"outcome"` // "success" or "failed"
	TxnRef    string `json:"txn_ref"`
	Signature string `json:"signature"`
}

// canonical is the signed text: every field except the signature, in a fixed order.
func (n Notification) canonical() string {
	return strings.Join([]string{n.Gateway, n.ID, n.PaymentID, strconv.FormatInt(n.Amount, 10),
		n.Currency, n.Outcome, n.TxnRef}, "|")
}

// Gateway is one payment gateway's signed protocol. Sign is what the gateway (or the simulator) does;
// Verify is what the platform does on every notification.
type Gateway interface {
	Name() string
	Sign(n Notification) (string, error)
	Verify(n Notification) error
}

// HMACGateway is a bank-style gateway: a shared secret, HMAC-SHA512 in hex.
type HMACGateway struct {
	ID     string
	Secret []byte
}

func (g HMACGateway) Name() string { return g.ID }

func (g HMACGateway) Sign(n Notification) (string, error) {
	m := hmac.New(sha512.New, g.Secret)
	m.Write([]byte(n.canonical()))
	return hex.EncodeToString(m.Sum(nil)), nil
}

func (g HMACGateway) Verify(n Notification) error {
	want, _ := g.Sign(n)
	got, err := hex.DecodeString(n.Signature)
	w, _ := hex.DecodeString(want)
	if err != nil || !hmac.Equal(got, w) {
		return errs.Reasonf(errs.Unauthorized, "bad_signature", "notification signature does not verify")
	}
	return nil
}

// RSAGateway is an intermediary-style gateway: the intermediary signs with its private key
// (RSA PKCS#1 v1.5, SHA-256, base64); the platform holds only the public key.
type RSAGateway struct {
	ID      string
	Private *rsa.PrivateKey // only the simulator has it
	Public  *rsa.PublicKey
}

func (g RSAGateway) Name() string { return g.ID }

func (g RSAGateway) Sign(n Notification) (string, error) {
	if g.Private == nil {
		return "", errs.New(errs.Internal, "no private key for gateway %s", g.ID)
	}
	h := sha256.Sum256([]byte(n.canonical()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, g.Private, crypto.SHA256, h[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

func (g RSAGateway) Verify(n Notification) error {
	sig, err := base64.StdEncoding.DecodeString(n.Signature)
	h := sha256.Sum256([]byte(n.canonical()))
	if err != nil || g.Public == nil || rsa.VerifyPKCS1v15(g.Public, crypto.SHA256, h[:], sig) != nil {
		return errs.Reasonf(errs.Unauthorized, "bad_signature", "notification signature does not verify")
	}
	return nil
}

// ParseRSAPublicKey reads an intermediary's RSA public key from PEM (PUBLIC KEY, RSA PUBLIC KEY or a
// CERTIFICATE).
func ParseRSAPublicKey(pemData []byte) (*rsa.PublicKey, error) {
	blk, _ := pem.Decode(pemData)
	if blk == nil {
		return nil, errors.New("payment: no PEM block in the gateway key")
	}
	var key any
	var err error
	switch blk.Type {
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(blk.Bytes)
	case "CERTIFICATE":
		var c *x509.Certificate
		if c, err = x509.ParseCertificate(blk.Bytes); err == nil {
			key = c.PublicKey
		}
	default:
		key, err = x509.ParsePKIXPublicKey(blk.Bytes)
	}
	if err != nil {
		return nil, fmt.Errorf("payment: gateway key: %w", err)
	}
	pub, ok := key.(*rsa.PublicKey)
	if !ok {
		return nil, errors.New("payment: the gateway key is not an RSA public key")
	}
	return pub, nil
}

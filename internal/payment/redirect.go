package payment

import (
	"context"
	"crypto/hmac"
	"crypto/sha512"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"

	"github.com/lienthong/lienthong/internal/errs"
)

// RequestSigner is a gateway whose protocol also signs the payer's redirect (a bank-style gateway
// with a shared secret). An intermediary whose key the platform only verifies does not sign it.
type RequestSigner interface {
	SignRequest(canonical string) string
}

// SignRequest signs the redirect's canonical text with the shared secret (HMAC-SHA512, hex).
func (g HMACGateway) SignRequest(canonical string) string {
	m := hmac.New(sha512.New, g.Secret)
	m.Write([]byte(canonical))
	return hex.EncodeToString(m.Sum(nil))
}

// RequestCanonical is the signed text of a redirect: gateway|payment|amount|currency|return.
func RequestCanonical(gateway, paymentID string, amount int64, currency, returnURL string) string {
	return strings.Join([]string{gateway, paymentID, strconv.FormatInt(amount, 10), currency, returnURL}, "|")
}

// VerifyRequest checks a redirect's signature (the simulator does this on GET /pay).
func VerifyRequest(g RequestSigner, gateway, paymentID string, amount int64, currency, returnURL, sig string) bool {
	want, _ := hex.DecodeString(g.SignRequest(RequestCanonical(gateway, paymentID, amount, currency, returnURL)))
	got, err := hex.DecodeString(sig)
	return err == nil && hmac.Equal(want, got)
}

// PayURL builds the address the payer is sent to: the gateway's pay page with the payment id,
// amount, currency and return URL, signed when the gateway's protocol signs requests. An
// unconfigured pay page is an error the caller shows (the payment stays created).
func (s *Service) PayURL(p Payment, returnURL string) (string, error) {
	base := s.payURLs[p.Gateway]
	if base == "" {
		return "", errs.Reasonf(errs.Unavailable, "no_pay_url", "gateway %s has no pay page configured", p.Gateway)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", errs.Wrap(errs.Internal, err, "gateway %s pay page", p.Gateway)
	}
	q := u.Query()
	q.Set("gateway", p.Gateway)
	q.Set("payment", p.ID)
	q.Set("amount", strconv.FormatInt(p.Amount, 10))
	q.Set("currency", p.Currency)
	q.Set("return", returnURL)
	if rs, ok := s.gateways[p.Gateway].(RequestSigner); ok {
		q.Set("sig", rs.SignRequest(RequestCanonical(p.Gateway, p.ID, p.Amount, p.Currency, returnURL)))
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Redirect gives the payment its pay page address and records that the payer is being sent there
// (a payment already past created keeps its state: this is a repeat of the same click).
func (s *Service) Redirect(ctx context.Context, p Payment, returnURL string) (Payment, error) {
	u, err := s.PayURL(p, returnURL)
	if err != nil {
		return p, err
	}
	p.RedirectURL = u
	if p.Status == Created {
		if err := s.MarkRedirected(ctx, p.ID); err != nil {
			return p, err
		}
		p.Status = Redirected
	}
	return p, nil
}

package payment

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"sort"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
)

// GatewayInfo is what the administrators' page shows of a configured gateway: never a secret, only
// a fingerprint to compare with what the bank was given.
type GatewayInfo struct {
	ID           string
	Protocol     string // hmac-sha512 | rsa-sha256
	Fingerprint  string // first 16 hex digits of the SHA-256 of the shared secret or of the public key
	PayURL       string
	StatementURL string
}

// GatewaysView is the view of the gateway configuration page.
type GatewaysView struct{ Gateways []GatewayInfo }

// GatewayInfos describes the configured gateways, sorted by id.
func (s *Service) GatewayInfos() []GatewayInfo {
	var out []GatewayInfo
	for id, g := range s.gateways {
		info := GatewayInfo{ID: id, PayURL: s.payURLs[id], StatementURL: s.stmtURLs[id]}
		var key []byte
		switch g := g.(type) {
		case HMACGateway:
			info.Protocol, key = "hmac-sha512", g.Secret
		case RSAGateway:
			info.Protocol = "rsa-sha256"
			if g.Public != nil {
				key, _ = x509.MarshalPKIXPublicKey(g.Public)
			}
		}
		sum := sha256.Sum256(key)
		info.Fingerprint = hex.EncodeToString(sum[:8])
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// pageGateways shows the gateway configuration to the administrators of the whole platform. Keys are
// configured on the node (flags or environment), so that a secret never passes through a web form.
func (h *Handler) pageGateways(w http.ResponseWriter, r *http.Request) error {
	if !auth.FromContext(r.Context()).Can(auth.Admin, auth.Everywhere) {
		return errs.New(errs.Forbidden, "the gateway configuration is for the platform's administrators")
	}
	return h.Pages.Render(w, r, http.StatusOK, "payment_gateways", "payment.gateways.title", GatewaysView{Gateways: h.Payments.GatewayInfos()})
}

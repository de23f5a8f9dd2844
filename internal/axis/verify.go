package axis

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/lienthong/lienthong/internal/signature"
)

// SignatureReport is what the axis keeps of a verification, for the document page and the API.
type SignatureReport struct {
	Algorithm string               `json:"algorithm,omitempty"`
	Digest    string               `json:"digest,omitempty"`
	Signer    signature.CertInfo   `json:"signer"`
	Chain     []signature.CertInfo `json:"chain,omitempty"`
	Trusted   bool                 `json:"trusted"`
	Weak      bool                 `json:"weak"`
	Problems  []string             `json:"problems,omitempty"`
}

// SignatureVerifier verifies packages' XML signatures against the trust store (nil: no trusted
// roots, so every valid signature is "untrusted"). States: valid (intact, trusted), weak (intact,
// trusted, SHA-1 or a short key), untrusted (intact, unknown or expired certificate), invalid
// (altered, or a signature that cannot be checked), unsigned (no real signature: the SDK's
// placeholder element counts as none).
func SignatureVerifier(trust *signature.TrustStore) Verifier {
	if trust == nil {
		trust = signature.NewTrustStore()
	}
	return func(ctx context.Context, r io.Reader) SignatureResult {
		rep, err := signature.Verify(r, trust, signature.VerifyOptions{})
		if err != nil {
			code := signature.ErrorCode(err)
			if code == "no_signature" {
				return SignatureResult{State: "unsigned", Problem: err.Error()}
			}
			res := SignatureResult{State: "invalid", Problem: err.Error()}
			if rep != nil {
				res.Signer = signerName(rep.Signer)
			}
			return res
		}
		res := SignatureResult{Signer: signerName(rep.Signer), Report: SignatureReport{Algorithm: rep.Algorithm, Digest: rep.DigestAlgorithm,
			Signer: rep.Signer, Chain: rep.Chain, Trusted: rep.Trusted, Weak: rep.Weak, Problems: rep.Problems}}
		switch {
		case !rep.Valid:
			res.State = "invalid"
		case !rep.Trusted:
			res.State = "untrusted"
		case rep.Weak:
			res.State = "weak"
		default:
			res.State = "valid"
		}
		if len(rep.Problems) > 0 {
			res.Problem = strings.Join(rep.Problems, "; ")
		}
		return res
	}
}

func signerName(c signature.CertInfo) string {
	if c.CommonName == "" {
		return c.Subject
	}
	if c.Organization != "" {
		return fmt.Sprintf("%s (%s)", c.CommonName, c.Organization)
	}
	return c.CommonName
}

package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"
)

// VerifyOptions tunes Verify.
type VerifyOptions struct {
	// At is the time at which the certificates must be valid: the signing time when it is known
	// (for an archived package), now when zero.
	At time.Time
	// MaxSignatureSize bounds the Signature element; 0 means 1 MB.
	MaxSignatureSize int
	// MaxPrefix bounds the bytes before the Signature that Verify keeps to replay once it knows the
	// canonicalization (see the package documentation); 0 means 4 MB. Past it Verify still works,
	// except for an InclusiveNamespaces PrefixList.
	MaxPrefix int
}

func (o VerifyOptions) withDefaults() VerifyOptions {
	if o.At.IsZero() {
		o.At = time.Now()
	}
	if o.MaxSignatureSize <= 0 {
		o.MaxSignatureSize = 1 << 20
	}
	if o.MaxPrefix <= 0 {
		o.MaxPrefix = 4 << 20
	}
	return o
}

// Report is the outcome of Verify.
type Report struct {
	// Valid is true when the document digest and SignatureValue verify with the certificate's key:
	// the document is as the holder of that key signed it. Whether that holder is trusted is Trusted.
	Valid bool
	// Signer describes the signing certificate.
	Signer CertInfo
	// Chain is the verified chain from the signer to a trusted root when Trusted, else the
	// certificates of KeyInfo, signer first.
	Chain []CertInfo
	// Algorithm is the signature method's short name ("rsa-sha256", "ecdsa-sha256", "rsa-sha1"…).
	Algorithm string
	// DigestAlgorithm is the digest method's short name ("sha256"…).
	DigestAlgorithm string
	// Canonicalization is the URI of the canonicalization applied to the document.
	Canonicalization string
	// Weak is true when SHA-1 is used anywhere or the RSA key is shorter than 2048 bits: accepted,
	// but the caller should not accept new documents signed this way.
	Weak bool
	// Trusted is true when the signer's chain verifies against the TrustStore's roots at At, with the
	// intermediates from KeyInfo.
	Trusted bool
	// At is the time the certificates were checked at.
	At time.Time
	// NotBefore and NotAfter are the signer certificate's validity period.
	NotBefore, NotAfter time.Time
	// Problems lists what the caller's policy must judge, each "code: message" with a Problem… code:
	// untrusted, expired_certificate, weak_algorithm, key_usage.
	Problems []string
	// Certificate is the signer's certificate.
	Certificate *x509.Certificate
}

// HasProblem reports whether Problems holds one with the code.
func (r *Report) HasProblem(code string) bool {
	for _, p := range r.Problems {
		if len(p) > len(code) && p[:len(code)] == code && p[len(code)] == ':' {
			return true
		}
	}
	return false
}

func (r *Report) problem(code, format string, args ...any) {
	r.Problems = append(r.Problems, code+": "+fmt.Sprintf(format, args...))
}

// foundSig is the Signature element found in the document, with its context.
type foundSig struct {
	raw []byte
	ns  []binding
	xml []attr
}

// Verify checks the enveloped XML-DSig signature of the document read from src in one streaming pass.
//
// It returns an *Error for a document it cannot check (no_signature, bad_signature_xml,
// unsupported_algorithm, unsupported_reference, malformed_xml…) and, with a Report whose Valid is
// false, for a signature that does not verify (digest_mismatch, bad_signature_value). An untrusted or
// expired certificate is not an error: it is a Report problem with Trusted false. trust may be nil.
func Verify(src io.Reader, trust *TrustStore, opts VerifyOptions) (*Report, error) {
	opts = opts.withDefaults()
	sc := newScanner(src)
	sc.startCapture(0)
	d := newDocDigest(opts.MaxPrefix)
	var (
		sig        *foundSig
		si         *sigInfo
		skip       = -1
		otherSigIn string
	)
	for {
		k, err := sc.next()
		if err != nil {
			return nil, err
		}
		if k == tokEOF {
			break
		}
		if skip >= 0 {
			if k == tokEnd && sc.depth() < skip {
				skip = -1
				sig.raw = sc.captureTo(false)
				sc.capBuf = nil // sig.raw owns it now
				if si, err = parseSignature(sig.raw, sig.ns, sig.xml); err != nil {
					return nil, err
				}
				if err := d.choose(si); err != nil {
					return nil, err
				}
			}
			continue
		}
		if k == tokStart && string(sc.local) == "Signature" {
			if !sc.isElement(nsDSig, "Signature") {
				otherSigIn = string(sc.uri)
			} else {
				if sig != nil {
					return nil, badXML("the document has more than one XML-DSig Signature; only one enveloped signature is supported")
				}
				own := sc.ownBindings()
				sig = &foundSig{
					ns:  cloneBindings(sc.ns[:len(sc.ns)-len(own)]),
					xml: cloneAttrs(sc.xmlAttrsInScope(nil, false)),
				}
				if !d.hashing {
					d.prefix = sc.captureTo(true)
					sc.capBuf = nil // d.prefix owns it now
				}
				sc.startCapture(opts.MaxSignatureSize)
				skip = sc.depth()
				continue
			}
		}
		if sig == nil && !d.hashing && (sc.capturedLen() > d.maxPrefix || d.kept() > 2*d.maxPrefix) {
			sc.captureTo(true) // stop keeping the raw prefix
			sc.capBuf = nil
			if err := d.speculate(); err != nil {
				return nil, err
			}
		}
		d.feed(k, sc)
	}
	if si == nil {
		if otherSigIn != "" {
			return nil, errorf(CodeNoSignature, "the document has a Signature element in namespace %q but none in the XML-DSig namespace %s (an unsigned placeholder?)", otherSigIn, nsDSig)
		}
		return nil, errorf(CodeNoSignature, "the document has no XML-DSig Signature element")
	}
	digest, err := d.sum()
	if err != nil {
		return nil, err
	}
	return check(si, sig, digest, trust, opts)
}

// check verifies SignatureValue and the digest, then judges the certificates.
func check(si *sigInfo, sig *foundSig, digest []byte, trust *TrustStore, opts VerifyOptions) (*Report, error) {
	sm := signatureMethods[si.sigMethod]
	dm := digestMethods[si.digestMethod]
	r := &Report{
		Algorithm:        sm.name,
		DigestAlgorithm:  dm.name,
		Canonicalization: si.refC14N,
		At:               opts.At,
	}
	certs := make([]*x509.Certificate, 0, len(si.certs))
	for i, der := range si.certs {
		c, err := parseCertificate(der)
		if err != nil {
			return nil, errorf(CodeBadCertificate, "X509Certificate %d cannot be parsed: %v", i+1, err)
		}
		certs = append(certs, c)
	}
	leaf, rest := pickLeaf(certs)
	r.Certificate, r.Signer = leaf, certInfo(leaf)
	r.NotBefore, r.NotAfter = leaf.NotBefore, leaf.NotAfter

	h := sm.hash.New()
	if err := canonSignedInfo(h, sig.raw, sig.ns, sig.xml, si.c14n, si.c14nPrefixes); err != nil {
		return nil, err
	}
	if err := verifyValue(leaf, sm, h.Sum(nil), si.sigValue); err != nil {
		return r, err
	}
	if !hmac.Equal(digest, si.digestValue) {
		return r, errorf(CodeDigestMismatch, "the document's %s digest does not match DigestValue: the document was changed after it was signed", dm.name)
	}
	r.Valid = true

	if sm.hash == crypto.SHA1 || dm.hash == crypto.SHA1 {
		r.Weak = true
		r.problem(ProblemWeakAlgorithm, "the signature uses SHA-1 (%s, %s)", sm.name, dm.name)
	}
	if k, ok := leaf.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
		r.Weak = true
		r.problem(ProblemWeakAlgorithm, "the RSA key has %d bits", k.N.BitLen())
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		r.problem(ProblemKeyUsage, "the signer's certificate allows neither digitalSignature nor nonRepudiation")
	}
	judgeChain(r, leaf, rest, certs, trust, opts.At)
	return r, nil
}

// pickLeaf returns the certificate that issued none of the others (KeyInfo usually lists the signer
// first, but XML-DSig does not require it), and the others.
func pickLeaf(certs []*x509.Certificate) (*x509.Certificate, []*x509.Certificate) {
	leaf := 0
outer:
	for i, c := range certs {
		for j, o := range certs {
			if i != j && bytes.Equal(o.RawIssuer, c.RawSubject) && !bytes.Equal(o.RawSubject, o.RawIssuer) {
				continue outer
			}
		}
		leaf = i
		break
	}
	rest := make([]*x509.Certificate, 0, len(certs)-1)
	for i, c := range certs {
		if i != leaf {
			rest = append(rest, c)
		}
	}
	return certs[leaf], rest
}

// verifyValue checks a SignatureValue over the SignedInfo hash.
func verifyValue(cert *x509.Certificate, sm sigAlg, sum, value []byte) error {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if sm.ecdsa {
			break
		}
		if err := rsa.VerifyPKCS1v15(k, sm.hash, sum, value); err != nil {
			return errorf(CodeBadSignatureValue, "SignatureValue does not verify with the certificate's RSA key: SignedInfo was changed or another key signed")
		}
		return nil
	case *ecdsa.PublicKey:
		if !sm.ecdsa {
			break
		}
		// XML-DSig encodes ECDSA signatures as r||s, each the size of the curve order, not as DER.
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(value) != 2*size {
			return errorf(CodeBadSignatureValue, "an ECDSA SignatureValue for this curve has %d bytes; this one has %d", 2*size, len(value))
		}
		rr, ss := new(big.Int).SetBytes(value[:size]), new(big.Int).SetBytes(value[size:])
		if !ecdsa.Verify(k, sum, rr, ss) {
			return errorf(CodeBadSignatureValue, "SignatureValue does not verify with the certificate's ECDSA key: SignedInfo was changed or another key signed")
		}
		return nil
	default:
		return errorf(CodeUnsupportedAlgorithm, "the certificate's %T key is not supported", cert.PublicKey)
	}
	return errorf(CodeBadSignatureValue, "SignatureMethod %s does not fit the certificate's %T key", sm.name, cert.PublicKey)
}

// judgeChain sets Trusted and Chain and records certificate problems.
func judgeChain(r *Report, leaf *x509.Certificate, rest, all []*x509.Certificate, trust *TrustStore, at time.Time) {
	for _, c := range all {
		r.Chain = append(r.Chain, certInfo(c))
	}
	leafExpired := at.Before(leaf.NotBefore) || at.After(leaf.NotAfter)
	if leafExpired {
		r.problem(ProblemExpiredCertificate, "the signer's certificate is valid from %s to %s, not at %s",
			leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339), at.UTC().Format(time.RFC3339))
	}
	if trust == nil || trust.Len() == 0 {
		r.problem(ProblemUntrusted, "no trust store to check the chain against")
		return
	}
	// Chains are cached by certificate (the validity at the signing time is still checked each time).
	chain, err := trust.VerifyChain(leaf, rest, at)
	if err != nil {
		var ci x509.CertificateInvalidError
		if errors.As(err, &ci) && ci.Reason == x509.Expired {
			if !leafExpired {
				r.problem(ProblemExpiredCertificate, "a certificate of the chain is not valid at %s: %v", at.UTC().Format(time.RFC3339), err)
			}
			return
		}
		r.problem(ProblemUntrusted, "the certificate chain does not lead to a trusted root: %v", err)
		return
	}
	r.Trusted = true
	r.Chain = r.Chain[:0]
	for _, c := range chain {
		r.Chain = append(r.Chain, certInfo(c))
	}
}

func cloneBindings(bs []binding) []binding {
	out := make([]binding, len(bs))
	for i, b := range bs {
		out[i] = binding{prefix: bytes.Clone(b.prefix), uri: bytes.Clone(b.uri)}
	}
	return out
}

func cloneAttrs(as []attr) []attr {
	out := make([]attr, len(as))
	for i, a := range as {
		out[i] = attr{prefix: bytes.Clone(a.prefix), local: bytes.Clone(a.local), value: bytes.Clone(a.value), uri: bytes.Clone(a.uri)}
	}
	return out
}

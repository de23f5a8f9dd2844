package signature

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"
)

// EdXMLNamespace is the namespace of QCVN 102:2016 edXML packages.
const EdXMLNamespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

// Signer is a private key with its certificate chain, signer first. Key is a crypto.Signer so that a
// key in a PKCS#11 token can stand in for one loaded from a file; it must be an RSA or ECDSA key.
type Signer struct {
	Key   crypto.Signer
	Chain []*x509.Certificate
}

// SignOptions tunes SignEnveloped.
type SignOptions struct {
	// ParentNamespace and ParentLocal name the element whose last child the Signature becomes, the
	// first such element in document order; an empty ParentLocal means the document element.
	// EdXMLSignOptions names edXML:edXMLHeader.
	ParentNamespace string
	ParentLocal     string
	// Canonicalization is C14N10 or ExcC14N (the default), used for SignedInfo and as the
	// Reference's transform after enveloped-signature.
	Canonicalization string
	// InclusivePrefixes is the InclusiveNamespaces PrefixList of the Reference's exclusive
	// canonicalization.
	InclusivePrefixes []string
	// Digest is the hash for DigestMethod and SignatureMethod: crypto.SHA256 (the default),
	// crypto.SHA384 or crypto.SHA512. SHA-1 is refused.
	Digest crypto.Hash
	// Rand is the randomness for ECDSA; nil means crypto/rand.
	Rand io.Reader
}

// EdXMLSignOptions returns the options for an edXML package: the Signature goes at the end of
// edXML:edXMLHeader, where QCVN 102:2016 puts it.
func EdXMLSignOptions() SignOptions {
	return SignOptions{ParentNamespace: EdXMLNamespace, ParentLocal: "edXMLHeader"}
}

// SignEnveloped writes to dst the document that src opens, with an enveloped XML-DSig signature
// inserted as the last child of the element opts names. src is called twice — once to digest the
// canonical document, once to copy it — and must return the same bytes both times; the copy is byte
// for byte except for the inserted Signature. Neither pass holds the document in memory.
//
// On error dst may hold a partial document, which the caller must discard.
func SignEnveloped(dst io.Writer, src func() (io.ReadCloser, error), signer Signer, opts SignOptions) error {
	if opts.Digest == 0 {
		opts.Digest = crypto.SHA256
	}
	if opts.Canonicalization == "" {
		opts.Canonicalization = ExcC14N
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	method := withoutComments(opts.Canonicalization)
	if method != C14N10 && method != ExcC14N {
		return errorf(CodeUnsupportedAlgorithm, "canonicalization %s is not supported for signing", opts.Canonicalization)
	}
	if digestURI(opts.Digest) == "" || opts.Digest == crypto.SHA1 {
		return errorf(CodeUnsupportedAlgorithm, "digest %v is not supported for signing (use SHA-256, SHA-384 or SHA-512)", opts.Digest)
	}
	for _, p := range opts.InclusivePrefixes {
		if p != "#default" && (p == "" || scanName([]byte(p), 0) != len(p) || strings.Contains(p, ":")) {
			return errorf(CodeUnsupportedAlgorithm, "InclusivePrefixes entry %q is not a prefix", p)
		}
	}
	isECDSA, err := signer.check()
	if err != nil {
		return err
	}

	digest, ctx, err := signPass(src, nil, method, opts, nil)
	if err != nil {
		return err
	}
	sigXML, err := buildSignature(digest, ctx, isECDSA, signer, method, opts)
	if err != nil {
		return err
	}
	again, _, err := signPass(src, dst, method, opts, sigXML)
	if err != nil {
		return err
	}
	if !bytes.Equal(digest, again) {
		return errorf(CodeSourceChanged, "the document changed between the two passes; the output is not validly signed")
	}
	return nil
}

// check validates the signer and reports whether its key is ECDSA.
func (s Signer) check() (bool, error) {
	if s.Key == nil || len(s.Chain) == 0 || s.Chain[0] == nil {
		return false, errorf(CodeBadKey, "the signer needs a key and a certificate")
	}
	pub := s.Key.Public()
	k, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !k.Equal(s.Chain[0].PublicKey) {
		return false, errorf(CodeBadKey, "the signer's key does not match its certificate %q", s.Chain[0].Subject.CommonName)
	}
	switch pub.(type) {
	case *rsa.PublicKey:
		return false, nil
	case *ecdsa.PublicKey:
		return true, nil
	}
	return false, errorf(CodeUnsupportedAlgorithm, "%T keys are not supported; use RSA or ECDSA", pub)
}

// signPass reads the document once, digesting its canonical form. With dst it also copies the
// document to dst, inserting insert at the end of the parent element. It returns the digest and the
// parent's context (namespaces and xml:* attributes in scope), which SignedInfo inherits.
func signPass(src func() (io.ReadCloser, error), dst io.Writer, method string, opts SignOptions, insert []byte) ([]byte, *foundSig, error) {
	rc, err := src()
	if err != nil {
		return nil, nil, fmt.Errorf("signature.SignEnveloped: opening the document: %w", err)
	}
	defer rc.Close()
	h := opts.Digest.New()
	c, err := newCanon(h, method, opts.InclusivePrefixes)
	if err != nil {
		return nil, nil, err
	}
	sc := newScanner(rc)
	var bw *bufio.Writer
	if dst != nil {
		bw = bufio.NewWriterSize(dst, 64<<10)
		sc.tee = bw
	}
	var (
		ctx       *foundSig
		parent    = -1
		inserted  bool
		wantLocal = opts.ParentLocal
	)
	for {
		k, err := sc.next()
		if err != nil {
			return nil, nil, err
		}
		if k == tokEOF {
			break
		}
		if k == tokStart {
			if sc.isElement(nsDSig, "Signature") {
				return nil, nil, errorf(CodeAlreadySigned, "the document already has an XML-DSig Signature")
			}
			if ctx == nil && (wantLocal == "" || sc.isElement(opts.ParentNamespace, wantLocal)) {
				parent = sc.depth()
				ctx = &foundSig{ns: cloneBindings(sc.ns), xml: cloneAttrs(sc.xmlAttrsInScope(nil, true))}
				if insert != nil && sc.selfClosing {
					// <P …/> becomes <P …>Signature</P>.
					p := sc.pending()
					bw.Write(p[:len(p)-2])
					bw.WriteByte('>')
					bw.Write(insert)
					bw.WriteString("</")
					bw.Write(sc.qname)
					bw.WriteByte('>')
					sc.discardPending()
					inserted = true
				}
			}
		}
		if k == tokEnd && insert != nil && !inserted && sc.depth() == parent-1 {
			// The end tag's bytes are not written yet: the Signature goes just before them.
			bw.Write(insert)
			inserted = true
		}
		c.token(k, sc)
	}
	if ctx == nil {
		if wantLocal == "" {
			wantLocal = "(document element)"
		}
		return nil, nil, errorf(CodeNoInsertionPoint, "the document has no element {%s}%s to put the Signature in", opts.ParentNamespace, wantLocal)
	}
	if err := c.flush(); err != nil {
		return nil, nil, err
	}
	if bw != nil {
		if err := bw.Flush(); err != nil {
			return nil, nil, fmt.Errorf("signature.SignEnveloped: writing the signed document: %w", err)
		}
	}
	return h.Sum(nil), ctx, nil
}

// buildSignature returns the Signature element over digest, signed with signer.
func buildSignature(digest []byte, ctx *foundSig, isECDSA bool, signer Signer, method string, opts SignOptions) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`<Signature xmlns="` + nsDSig + `">` + "\n<SignedInfo>\n")
	b.WriteString(`<CanonicalizationMethod Algorithm="` + method + `"/>` + "\n")
	b.WriteString(`<SignatureMethod Algorithm="` + signatureURI(opts.Digest, isECDSA) + `"/>` + "\n")
	b.WriteString(`<Reference URI="">` + "\n<Transforms>\n")
	b.WriteString(`<Transform Algorithm="` + transformEnveloped + `"/>` + "\n")
	if len(opts.InclusivePrefixes) > 0 {
		b.WriteString(`<Transform Algorithm="` + method + `"><InclusiveNamespaces xmlns="` + ExcC14N +
			`" PrefixList="` + strings.Join(opts.InclusivePrefixes, " ") + `"/></Transform>` + "\n")
	} else {
		b.WriteString(`<Transform Algorithm="` + method + `"/>` + "\n")
	}
	b.WriteString("</Transforms>\n")
	b.WriteString(`<DigestMethod Algorithm="` + digestURI(opts.Digest) + `"/>` + "\n")
	b.WriteString("<DigestValue>" + base64.StdEncoding.EncodeToString(digest) + "</DigestValue>\n")
	b.WriteString("</Reference>\n</SignedInfo>")
	head := b.Len()
	b.WriteString("</Signature>")

	h := opts.Digest.New()
	if err := canonSignedInfo(h, b.Bytes(), ctx.ns, ctx.xml, method, nil); err != nil {
		return nil, err
	}
	value, err := signer.Key.Sign(opts.Rand, h.Sum(nil), opts.Digest)
	if err != nil {
		return nil, fmt.Errorf("signature.SignEnveloped: signing: %w", err)
	}
	if isECDSA {
		if value, err = ecdsaRawSignature(value, signer.Key.Public().(*ecdsa.PublicKey)); err != nil {
			return nil, err
		}
	}
	b.Truncate(head)
	b.WriteString("\n<SignatureValue>" + base64.StdEncoding.EncodeToString(value) + "</SignatureValue>\n")
	b.WriteString("<KeyInfo>\n<X509Data>\n")
	for _, c := range signer.Chain {
		b.WriteString("<X509Certificate>" + base64.StdEncoding.EncodeToString(c.Raw) + "</X509Certificate>\n")
	}
	b.WriteString("</X509Data>\n</KeyInfo>\n</Signature>")
	return b.Bytes(), nil
}

// ecdsaRawSignature converts the ASN.1 DER signature a crypto.Signer returns into XML-DSig's r||s.
func ecdsaRawSignature(der []byte, pub *ecdsa.PublicKey) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("signature.SignEnveloped: the ECDSA signer returned a malformed signature")
	}
	size := (pub.Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	sig.R.FillBytes(out[:size])
	sig.S.FillBytes(out[size:])
	return out, nil
}

// LoadPEM reads a signer from a PEM certificate file (the signer's certificate, optionally followed by
// its intermediates) and an unencrypted PEM private-key file (PKCS#8, PKCS#1 or SEC 1).
func LoadPEM(certFile, keyFile string) (Signer, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return Signer{}, fmt.Errorf("signature.LoadPEM: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return Signer{}, fmt.Errorf("signature.LoadPEM: %w", err)
	}
	return ParsePEM(certPEM, keyPEM)
}

package signature

import (
	"crypto"
	_ "crypto/sha1" // registers crypto.SHA1 for legacy signatures
	_ "crypto/sha256"
	_ "crypto/sha512"
	"encoding/base64"
	"io"
	"strings"
)

// XML-DSig namespaces and algorithm URIs.
const (
	nsDSig             = "http://www.w3.org/2000/09/xmldsig#"
	nsDSigMore         = "http://www.w3.org/2001/04/xmldsig-more#"
	nsXMLEnc           = "http://www.w3.org/2001/04/xmlenc#"
	transformEnveloped = nsDSig + "enveloped-signature"
)

// hashAlg is a DigestMethod.
type hashAlg struct {
	name string
	hash crypto.Hash
}

var digestMethods = map[string]hashAlg{
	nsDSig + "sha1":       {"sha1", crypto.SHA1},
	nsXMLEnc + "sha256":   {"sha256", crypto.SHA256},
	nsDSigMore + "sha384": {"sha384", crypto.SHA384},
	nsXMLEnc + "sha512":   {"sha512", crypto.SHA512},
}

// sigAlg is a SignatureMethod.
type sigAlg struct {
	name  string
	hash  crypto.Hash
	ecdsa bool
}

var signatureMethods = map[string]sigAlg{
	nsDSig + "rsa-sha1":         {"rsa-sha1", crypto.SHA1, false},
	nsDSigMore + "rsa-sha256":   {"rsa-sha256", crypto.SHA256, false},
	nsDSigMore + "rsa-sha384":   {"rsa-sha384", crypto.SHA384, false},
	nsDSigMore + "rsa-sha512":   {"rsa-sha512", crypto.SHA512, false},
	nsDSigMore + "ecdsa-sha1":   {"ecdsa-sha1", crypto.SHA1, true},
	nsDSigMore + "ecdsa-sha256": {"ecdsa-sha256", crypto.SHA256, true},
	nsDSigMore + "ecdsa-sha384": {"ecdsa-sha384", crypto.SHA384, true},
	nsDSigMore + "ecdsa-sha512": {"ecdsa-sha512", crypto.SHA512, true},
}

// digestURI and signatureURI return the URIs for a hash, the inverse of the tables above.
func digestURI(h crypto.Hash) string {
	for uri, a := range digestMethods {
		if a.hash == h {
			return uri
		}
	}
	return ""
}

func signatureURI(h crypto.Hash, ecdsa bool) string {
	for uri, a := range signatureMethods {
		if a.hash == h && a.ecdsa == ecdsa {
			return uri
		}
	}
	return ""
}

// withoutComments maps a canonicalization method to its variant without comments: a Reference with
// URI="" selects the document without its comments whatever the transform says.
func withoutComments(method string) string {
	switch method {
	case C14N10Comments:
		return C14N10
	case ExcC14NComments:
		return ExcC14N
	}
	return method
}

// sigInfo is what Verify needs from a Signature element.
type sigInfo struct {
	c14n         string // CanonicalizationMethod of SignedInfo
	c14nPrefixes []string
	sigMethod    string
	refC14N      string // canonicalization of the document (after enveloped-signature)
	refPrefixes  []string
	digestMethod string
	digestValue  []byte
	sigValue     []byte
	certs        [][]byte
}

// xnode is an element of the (small) Signature subtree.
type xnode struct {
	space, local string
	attrs        map[string]string // attributes without a namespace
	text         []byte
	kids         []*xnode
}

// parseFragment builds the tree of the element in raw, whose context is ns and xml.
func parseFragment(raw []byte, ns []binding, xml []attr) (*xnode, error) {
	sc := newFragmentScanner(raw, ns, xml)
	var stack []*xnode
	var root *xnode
	for {
		k, err := sc.next()
		if err != nil {
			return nil, err
		}
		switch k {
		case tokEOF:
			return root, nil
		case tokStart:
			n := &xnode{space: string(sc.uri), local: string(sc.local)}
			for _, a := range sc.attrs {
				if len(a.uri) == 0 {
					if n.attrs == nil {
						n.attrs = map[string]string{}
					}
					n.attrs[string(a.local)] = string(a.value)
				}
			}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
		case tokEnd:
			stack = stack[:len(stack)-1]
		case tokText:
			if len(stack) > 0 {
				n := stack[len(stack)-1]
				n.text = append(n.text, sc.text...)
			}
		}
	}
}

func badXML(format string, args ...any) error { return errorf(CodeBadSignatureXML, format, args...) }

// children returns n's child elements after checking they are all XML-DSig elements and n has no text
// between them.
func (n *xnode) children() ([]*xnode, error) {
	if !isAllSpace(n.text) && len(n.kids) > 0 {
		return nil, badXML("%s has text mixed with elements", n.local)
	}
	for _, k := range n.kids {
		if k.space != nsDSig {
			return nil, badXML("%s has a child {%s}%s that XML-DSig does not define here", n.local, k.space, k.local)
		}
	}
	return n.kids, nil
}

// expect checks that kids starts with the named elements, optional ones marked with a trailing '?',
// and returns them (nil for an absent optional one) and the rest.
func expect(parent string, kids []*xnode, names ...string) ([]*xnode, []*xnode, error) {
	out := make([]*xnode, len(names))
	for i, name := range names {
		opt := strings.HasSuffix(name, "?")
		name = strings.TrimSuffix(name, "?")
		if len(kids) > 0 && kids[0].local == name {
			out[i], kids = kids[0], kids[1:]
			continue
		}
		if !opt {
			if len(kids) > 0 {
				return nil, nil, badXML("%s has %s where %s is expected", parent, kids[0].local, name)
			}
			return nil, nil, badXML("%s has no %s", parent, name)
		}
	}
	return out, kids, nil
}

// algorithm returns the Algorithm attribute of n.
func (n *xnode) algorithm() (string, error) {
	a, ok := n.attrs["Algorithm"]
	if !ok || a == "" {
		return "", badXML("%s has no Algorithm", n.local)
	}
	return a, nil
}

// prefixList returns the PrefixList of an InclusiveNamespaces child of a canonicalization method.
func (n *xnode) prefixList(method string) ([]string, error) {
	var list []string
	for _, k := range n.kids {
		if k.space != ExcC14N || k.local != "InclusiveNamespaces" || withoutComments(method) != ExcC14N {
			return nil, errorf(CodeUnsupportedAlgorithm, "%s %s has an unsupported parameter {%s}%s", n.local, method, k.space, k.local)
		}
		list = append(list, splitPrefixList(k.attrs["PrefixList"])...)
	}
	return list, nil
}

func decodeBase64(n *xnode) ([]byte, error) {
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, string(n.text))
	b, err := base64.StdEncoding.DecodeString(clean)
	if err != nil || len(b) == 0 {
		return nil, badXML("%s is not base64", n.local)
	}
	return b, nil
}

// parseSignature reads and checks the Signature element in raw.
func parseSignature(raw []byte, ns []binding, xml []attr) (*sigInfo, error) {
	root, err := parseFragment(raw, ns, xml)
	if err != nil {
		return nil, err
	}
	kids, err := root.children()
	if err != nil {
		return nil, err
	}
	top, _, err := expect("Signature", kids, "SignedInfo", "SignatureValue", "KeyInfo?")
	if err != nil {
		return nil, err
	}
	si := &sigInfo{}
	if si.sigValue, err = decodeBase64(top[1]); err != nil {
		return nil, err
	}
	if err := si.signedInfo(top[0]); err != nil {
		return nil, err
	}
	if top[2] != nil {
		for _, x := range top[2].kids {
			if x.space != nsDSig || x.local != "X509Data" {
				continue // KeyName, KeyValue…: the certificate is what identifies the signer
			}
			for _, c := range x.kids {
				if c.space == nsDSig && c.local == "X509Certificate" {
					der, err := decodeBase64(c)
					if err != nil {
						return nil, err
					}
					si.certs = append(si.certs, der)
				}
			}
		}
	}
	if len(si.certs) == 0 {
		return nil, badXML("KeyInfo carries no X509Data/X509Certificate; only signatures that carry their certificate are supported")
	}
	return si, nil
}

func (si *sigInfo) signedInfo(n *xnode) error {
	kids, err := n.children()
	if err != nil {
		return err
	}
	head, refs, err := expect("SignedInfo", kids, "CanonicalizationMethod", "SignatureMethod")
	if err != nil {
		return err
	}
	if si.c14n, err = head[0].algorithm(); err != nil {
		return err
	}
	if withoutComments(si.c14n) != C14N10 && withoutComments(si.c14n) != ExcC14N {
		return errorf(CodeUnsupportedAlgorithm, "CanonicalizationMethod %s is not supported", si.c14n)
	}
	if si.c14nPrefixes, err = head[0].prefixList(si.c14n); err != nil {
		return err
	}
	if si.sigMethod, err = head[1].algorithm(); err != nil {
		return err
	}
	if _, ok := signatureMethods[si.sigMethod]; !ok || len(head[1].kids) > 0 {
		return errorf(CodeUnsupportedAlgorithm, "SignatureMethod %s is not supported", si.sigMethod)
	}
	if len(refs) != 1 || refs[0].local != "Reference" {
		if len(refs) > 1 && refs[0].local == "Reference" {
			return errorf(CodeUnsupportedReference, "SignedInfo has %d References; only one Reference with URI=\"\" is supported", len(refs))
		}
		return badXML("SignedInfo must end with one Reference")
	}
	return si.reference(refs[0])
}

func (si *sigInfo) reference(ref *xnode) error {
	uri, ok := ref.attrs["URI"]
	switch {
	case !ok:
		return errorf(CodeUnsupportedReference, "Reference has no URI; only URI=\"\" (the whole document) is supported")
	case uri != "":
		return errorf(CodeUnsupportedReference, "Reference URI=%q is not supported; only URI=\"\" (the whole document) is", uri)
	}
	kids, err := ref.children()
	if err != nil {
		return err
	}
	parts, rest, err := expect("Reference", kids, "Transforms?", "DigestMethod", "DigestValue")
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return badXML("Reference has an unexpected %s", rest[0].local)
	}
	var algs []string
	if parts[0] != nil {
		ts, err := parts[0].children()
		if err != nil {
			return err
		}
		for i, t := range ts {
			if t.local != "Transform" {
				return badXML("Transforms has a %s", t.local)
			}
			a, err := t.algorithm()
			if err != nil {
				return err
			}
			algs = append(algs, a)
			if i == 1 {
				if si.refPrefixes, err = t.prefixList(a); err != nil {
					return err
				}
			} else if len(t.kids) > 0 {
				return errorf(CodeUnsupportedAlgorithm, "Transform %s has parameters this package does not support", a)
			}
		}
	}
	switch {
	case len(algs) == 1 && algs[0] == transformEnveloped:
		si.refC14N = C14N10 // the node-set is turned into octets with Canonical XML 1.0
	case len(algs) == 2 && algs[0] == transformEnveloped &&
		(withoutComments(algs[1]) == C14N10 || withoutComments(algs[1]) == ExcC14N):
		si.refC14N = withoutComments(algs[1])
	default:
		return errorf(CodeUnsupportedAlgorithm, "Reference transforms [%s] are not supported; only enveloped-signature followed by an optional Canonical XML 1.0 or Exclusive XML Canonicalization 1.0 is", strings.Join(algs, ", "))
	}
	if si.digestMethod, err = parts[1].algorithm(); err != nil {
		return err
	}
	dm, ok := digestMethods[si.digestMethod]
	if !ok {
		return errorf(CodeUnsupportedAlgorithm, "DigestMethod %s is not supported", si.digestMethod)
	}
	if si.digestValue, err = decodeBase64(parts[2]); err != nil {
		return err
	}
	if len(si.digestValue) != dm.hash.Size() {
		return badXML("DigestValue has %d bytes; %s digests have %d", len(si.digestValue), dm.name, dm.hash.Size())
	}
	return nil
}

// canonSignedInfo writes the canonical form of the SignedInfo child of the Signature element in raw,
// whose context (namespaces and xml:* attributes in scope) is ns and xml.
func canonSignedInfo(w io.Writer, raw []byte, ns []binding, xml []attr, method string, prefixes []string) error {
	c, err := newCanon(w, method, prefixes)
	if err != nil {
		return err
	}
	sc := newFragmentScanner(raw, ns, xml)
	inside := false
	for {
		k, err := sc.next()
		if err != nil {
			return err
		}
		if k == tokEOF {
			break
		}
		if !inside {
			if k == tokStart && sc.depth() == 2 && sc.isElement(nsDSig, "SignedInfo") {
				inside = true
				c.inheritXML = sc.xmlAttrsInScope(nil, false)
				c.token(k, sc)
			}
			continue
		}
		c.token(k, sc)
		if k == tokEnd && sc.depth() < 2 {
			break
		}
	}
	return c.flush()
}

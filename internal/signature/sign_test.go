package signature

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"io"
	"strings"
	"testing"
)

func bytesSource(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

func mustSign(t testing.TB, doc []byte, s Signer, opts SignOptions) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := SignEnveloped(&out, bytesSource(doc), s, opts); err != nil {
		t.Fatalf("SignEnveloped: %v", err)
	}
	return out.Bytes()
}

func mustVerify(t testing.TB, doc []byte, ts *TrustStore, opts VerifyOptions) *Report {
	t.Helper()
	r, err := Verify(bytes.NewReader(doc), ts, opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return r
}

func TestSignVerifyRoundTrip(t *testing.T) {
	p := getPKI(t)
	ts, _ := trustRoot(t, p)
	doc := readTestdata(t, "unsigned.edxml")
	for _, signer := range []struct {
		name string
		s    Signer
		alg  string
	}{{"rsa", p.rsa, "rsa-sha256"}, {"ecdsa", p.ecdsa, "ecdsa-sha256"}} {
		for _, method := range []string{ExcC14N, C14N10} {
			t.Run(signer.name+"/"+method, func(t *testing.T) {
				opts := EdXMLSignOptions()
				opts.Canonicalization = method
				signed := mustSign(t, doc, signer.s, opts)
				if !bytes.Contains(signed, []byte("</Signature></edXML:edXMLHeader>")) {
					t.Error("the Signature is not the last child of edXML:edXMLHeader")
				}
				// Outside the inserted element the output is the input, byte for byte.
				i, j := bytes.Index(signed, []byte("<Signature ")), bytes.Index(signed, []byte("</Signature>"))+len("</Signature>")
				if got := append(bytes.Clone(signed[:i]), signed[j:]...); !bytes.Equal(got, doc) {
					t.Error("SignEnveloped changed the document outside the Signature")
				}
				r := mustVerify(t, signed, ts, VerifyOptions{})
				if !r.Valid || !r.Trusted || r.Weak || len(r.Problems) > 0 {
					t.Errorf("report %+v", r)
				}
				if r.Algorithm != signer.alg || r.DigestAlgorithm != "sha256" || r.Canonicalization != method {
					t.Errorf("algorithms %s %s %s", r.Algorithm, r.DigestAlgorithm, r.Canonicalization)
				}
				if r.Signer.CommonName != signer.s.Chain[0].Subject.CommonName || r.Signer.Organization != "Liên Thông Test" ||
					r.Signer.SerialNumber == "" || !strings.Contains(r.Signer.Issuer, "Test Root CA") || len(r.Chain) != 2 {
					t.Errorf("signer %+v chain %d", r.Signer, len(r.Chain))
				}
			})
		}
	}
}

// TestSignatureDoesNotChangeDigest checks the enveloped transform: the canonical document with the
// Signature left out is the canonical unsigned document, so the digest is unchanged by signing.
func TestSignatureDoesNotChangeDigest(t *testing.T) {
	p := getPKI(t)
	for _, name := range []string{"unsigned.edxml", "c14n/ns_prefix.xml", "c14n/attrs.xml", "c14n/text.xml"} {
		doc := readTestdata(t, name)
		for _, method := range []string{ExcC14N, C14N10} {
			signed := mustSign(t, doc, p.ecdsa, SignOptions{Canonicalization: method})
			before := canonString(t, doc, CanonOptions{Method: method})
			after := canonString(t, signed, CanonOptions{Method: method, Enveloped: true})
			if before != after {
				t.Errorf("%s %s: canonical form changed by signing\n-%q\n+%q", name, method, before, after)
			}
			sum := sha256.Sum256([]byte(before))
			si, err := parseSignature(extractSignature(t, signed), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(si.digestValue, sum[:]) {
				t.Errorf("%s %s: DigestValue is not the digest of the canonical unsigned document", name, method)
			}
		}
	}
}

// extractSignature returns the Signature element SignEnveloped inserted (it declares its namespace).
func extractSignature(t testing.TB, signed []byte) []byte {
	t.Helper()
	i, j := bytes.Index(signed, []byte("<Signature ")), bytes.Index(signed, []byte("</Signature>"))
	if i < 0 || j < 0 {
		t.Fatal("no Signature in the output")
	}
	return signed[i : j+len("</Signature>")]
}

func TestSignInsertionPoints(t *testing.T) {
	p := getPKI(t)
	ts, _ := trustRoot(t, p)
	for _, tc := range []struct {
		name, in, want string
		opts           SignOptions
	}{
		{"document element", `<a><b/></a>`, `<a><b/><Signature `, SignOptions{}},
		{"self-closing parent", `<a><b x="1" /></a>`, `<a><b x="1" ><Signature `, SignOptions{ParentLocal: "b"}},
		{"BOM and declaration kept", "\xEF\xBB\xBF<?xml version=\"1.0\"?>\r\n<a>\r\n</a>", "\xEF\xBB\xBF<?xml version=\"1.0\"?>\r\n<a>\r\n<Signature ", SignOptions{}},
		{"self-closing root", `<?xml version="1.0"?><a/>`, `<?xml version="1.0"?><a><Signature `, SignOptions{}},
		{"namespaced parent", `<r xmlns:h="urn:h"><h:x/><h:x>t</h:x></r>`, `<r xmlns:h="urn:h"><h:x><Signature `, SignOptions{ParentNamespace: "urn:h", ParentLocal: "x"}},
		{"inherits xml:lang and namespaces", `<r xmlns="urn:r" xmlns:z="urn:z" xml:lang="vi"><p xml:space="preserve">t</p></r>`, `<p xml:space="preserve">t<Signature `, SignOptions{ParentNamespace: "urn:r", ParentLocal: "p", Canonicalization: C14N10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed := mustSign(t, []byte(tc.in), p.rsa, tc.opts)
			if !strings.Contains(string(signed), tc.want) {
				t.Errorf("output %s\nwant it to contain %s", signed, tc.want)
			}
			if r := mustVerify(t, signed, ts, VerifyOptions{}); !r.Valid || !r.Trusted {
				t.Errorf("report %+v", r)
			}
		})
	}
}

func TestSignRefuses(t *testing.T) {
	p := getPKI(t)
	doc := readTestdata(t, "unsigned.edxml")
	signed := mustSign(t, doc, p.rsa, EdXMLSignOptions())
	changing := 0
	for _, tc := range []struct {
		name   string
		src    func() (io.ReadCloser, error)
		signer Signer
		opts   SignOptions
		code   string
	}{
		{"no insertion point", bytesSource(doc), p.rsa, SignOptions{ParentLocal: "Nowhere"}, CodeNoInsertionPoint},
		{"already signed", bytesSource(signed), p.rsa, EdXMLSignOptions(), CodeAlreadySigned},
		{"key does not match", bytesSource(doc), Signer{Key: p.rsa.Key, Chain: p.ecdsa.Chain}, SignOptions{}, CodeBadKey},
		{"no certificate", bytesSource(doc), Signer{Key: p.rsa.Key}, SignOptions{}, CodeBadKey},
		{"sha1", bytesSource(doc), p.rsa, SignOptions{Digest: crypto.SHA1}, CodeUnsupportedAlgorithm},
		{"bad prefix", bytesSource(doc), p.rsa, SignOptions{InclusivePrefixes: []string{"a:b"}}, CodeUnsupportedAlgorithm},
		{"doctype", bytesSource([]byte(`<!DOCTYPE a><a/>`)), p.rsa, SignOptions{}, CodeDTDForbidden},
		{"source changed", func() (io.ReadCloser, error) {
			changing++
			return io.NopCloser(strings.NewReader(strings.Repeat("<a>x</a>", 1)[:3] + strings.Repeat("y", changing) + "</a>")), nil
		}, p.rsa, SignOptions{}, CodeSourceChanged},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := SignEnveloped(io.Discard, tc.src, tc.signer, tc.opts)
			if ErrorCode(err) != tc.code {
				t.Errorf("error %v, want code %s", err, tc.code)
			}
		})
	}
}

func TestLoadPEM(t *testing.T) {
	p := getPKI(t)
	dir := t.TempDir()
	for _, s := range []Signer{p.rsa, p.ecdsa, p.viaIntermediate} {
		certFile, keyFile := writeSigner(t, dir, "s", s)
		got, err := LoadPEM(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		if !got.Chain[0].Equal(s.Chain[0]) || len(got.Chain) != len(s.Chain) {
			t.Errorf("chain %v", got.Chain)
		}
	}
	// A chain file with the intermediate first still yields the signer first.
	reordered := certPEM(p.viaIntermediate.Chain[1], p.viaIntermediate.Chain[0])
	_, keyFile := writeSigner(t, dir, "r", p.viaIntermediate)
	keyPEM := readFileT(t, keyFile)
	got, err := ParsePEM(reordered, keyPEM)
	if err != nil || !got.Chain[0].Equal(p.viaIntermediate.Chain[0]) {
		t.Errorf("ParsePEM reordered: %v", err)
	}
	if _, err := ParsePEM(certPEM(p.rsa.Chain[0]), keyPEM); ErrorCode(err) != CodeBadKey {
		t.Errorf("mismatched key: %v", err)
	}
	ts := NewTrustStore()
	if err := ts.AddPEM([]byte("not pem")); err == nil {
		t.Error("AddPEM accepted garbage")
	}
}

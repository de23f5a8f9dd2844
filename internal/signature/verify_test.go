package signature

import (
	"bytes"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// TestVerifyCertificates covers (e): a certificate from an unknown CA verifies but is not trusted; an
// expired one is reported; the time of the check is an option.
func TestVerifyCertificates(t *testing.T) {
	p := getPKI(t)
	ts, _ := trustRoot(t, p)
	doc := readTestdata(t, "unsigned.edxml")
	for _, tc := range []struct {
		name    string
		signer  Signer
		trust   *TrustStore
		at      time.Time
		trusted bool
		problem string
		chain   int
	}{
		{"unknown CA", p.alien, ts, time.Time{}, false, ProblemUntrusted, 1},
		{"expired", p.expired, ts, time.Time{}, false, ProblemExpiredCertificate, 1},
		{"expired, checked at signing time", p.expired, ts, time.Now().Add(-36 * time.Hour), false, ProblemExpiredCertificate, 1},
		{"intermediate in KeyInfo", p.viaIntermediate, ts, time.Time{}, true, "", 3},
		{"no trust store", p.rsa, nil, time.Time{}, false, ProblemUntrusted, 1},
		{"before validity", p.rsa, ts, time.Now().Add(-48 * time.Hour), false, ProblemExpiredCertificate, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed := mustSign(t, doc, tc.signer, EdXMLSignOptions())
			r := mustVerify(t, signed, tc.trust, VerifyOptions{At: tc.at})
			if !r.Valid || r.Trusted != tc.trusted || len(r.Chain) != tc.chain {
				t.Errorf("Valid %v Trusted %v chain %d, problems %q", r.Valid, r.Trusted, len(r.Chain), r.Problems)
			}
			if tc.problem != "" && !r.HasProblem(tc.problem) || tc.problem == "" && len(r.Problems) > 0 {
				t.Errorf("problems %q, want %q", r.Problems, tc.problem)
			}
		})
	}
	// The root's validity window covers 36 hours ago only for the expired leaf's issuer test above;
	// a leaf checked inside its own window and the root's is trusted.
	signed := mustSign(t, doc, p.rsa, EdXMLSignOptions())
	if r := mustVerify(t, signed, ts, VerifyOptions{At: time.Now().Add(-30 * time.Minute)}); !r.Trusted {
		t.Errorf("problems %q", r.Problems)
	}
}

func TestVerifyRefuses(t *testing.T) {
	p := getPKI(t)
	doc := readTestdata(t, "unsigned.edxml")
	signed := string(mustSign(t, doc, p.rsa, EdXMLSignOptions()))
	sig := string(extractSignature(t, []byte(signed)))
	replace := func(old, new string) string {
		if !strings.Contains(signed, old) {
			t.Fatalf("no %q in the signed document", old)
		}
		return strings.Replace(signed, old, new, 1)
	}
	between := func(open, close string) string {
		i := strings.Index(signed, open) + len(open)
		return signed[i : i+strings.Index(signed[i:], close)]
	}
	digest, value, cert := between("<DigestValue>", "<"), between("<SignatureValue>", "<"), between("<X509Certificate>", "<")
	for _, tc := range []struct{ name, doc, code string }{
		{"unsigned", string(doc), CodeNoSignature},
		{"placeholder in the edXML namespace", string(readTestdata(t, "edxml_two_attachments.edxml")), CodeNoSignature},
		{"two signatures", replace("</edXML:edXMLBody>", sig+"</edXML:edXMLBody>"), CodeBadSignatureXML},
		{"reference by id", replace(`<Reference URI="">`, `<Reference URI="#header">`), CodeUnsupportedReference},
		{"reference without URI", replace(`<Reference URI="">`, `<Reference>`), CodeUnsupportedReference},
		{"two references", replace(`</Reference>`, `</Reference><Reference URI=""><DigestMethod Algorithm="`+nsXMLEnc+`sha256"/><DigestValue>`+digest+`</DigestValue></Reference>`), CodeUnsupportedReference},
		{"xpath transform", replace(transformEnveloped, "http://www.w3.org/TR/1999/REC-xpath-19991116"), CodeUnsupportedAlgorithm},
		{"no enveloped transform", replace(`<Transform Algorithm="`+transformEnveloped+`"/>`, ""), CodeUnsupportedAlgorithm},
		{"unknown digest", replace(nsXMLEnc+"sha256", nsXMLEnc+"ripemd160"), CodeUnsupportedAlgorithm},
		{"unknown signature method", replace(nsDSigMore+"rsa-sha256", nsDSigMore+"rsa-md5"), CodeUnsupportedAlgorithm},
		{"c14n 1.1", replace(`<CanonicalizationMethod Algorithm="`+ExcC14N+`"/>`, `<CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11"/>`), CodeUnsupportedAlgorithm},
		{"changed DigestValue", replace(digest, flipFirstLetter(digest)), CodeBadSignatureValue},
		{"changed SignatureValue", replace(value, flipFirstLetter(value)), CodeBadSignatureValue},
		{"changed SignedInfo whitespace", replace("<SignedInfo>\n", "<SignedInfo>\n "), CodeBadSignatureValue},
		{"ECDSA method with an RSA key", replace(nsDSigMore+"rsa-sha256", nsDSigMore+"ecdsa-sha256"), CodeBadSignatureValue},
		{"not a certificate", replace(cert, "AAAA"+cert[4:]), CodeBadCertificate},
		{"no KeyInfo", replace(signed[strings.Index(signed, "<KeyInfo>"):strings.Index(signed, "</KeyInfo>")+len("</KeyInfo>")], ""), CodeBadSignatureXML},
		{"bad base64", replace(value, "!!"+value[2:]), CodeBadSignatureXML},
		{"SignatureValue missing", replace("<SignatureValue>"+value+"</SignatureValue>", ""), CodeBadSignatureXML},
		{"foreign element in SignedInfo", replace("</SignedInfo>", `<x:y xmlns:x="urn:x"/></SignedInfo>`), CodeBadSignatureXML},
		{"malformed document", replace("</edXML:edXMLBody>", "</edXML:edXMLBodyy>"), CodeMalformedXML},
		{"doctype", "<!DOCTYPE edXML>" + signed, CodeDTDForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Verify(strings.NewReader(tc.doc), nil, VerifyOptions{})
			if ErrorCode(err) != tc.code {
				t.Errorf("error %v, want code %s", err, tc.code)
			}
		})
	}
}

func flipFirstLetter(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			b[i] ^= 0x20
			break
		}
	}
	return string(b)
}

// TestVerifyLateSignature forces the speculative digest (the Signature after MaxPrefix bytes) and
// checks chunk boundaries do not matter.
func TestVerifyLateSignature(t *testing.T) {
	p := getPKI(t)
	ts, _ := trustRoot(t, p)
	doc := readTestdata(t, "unsigned.edxml")
	for _, method := range []string{C14N10, ExcC14N} {
		for _, opts := range []SignOptions{{Canonicalization: method}, {ParentNamespace: EdXMLNamespace, ParentLocal: "edXMLHeader", Canonicalization: method}} {
			signed := mustSign(t, doc, p.ecdsa, opts)
			for _, max := range []int{0, 1, 100, 3000} {
				r, err := Verify(iotest.OneByteReader(bytes.NewReader(signed)), ts, VerifyOptions{MaxPrefix: max})
				if err != nil || !r.Valid || !r.Trusted {
					t.Errorf("%s under %s, MaxPrefix %d: %v", method, opts.ParentLocal, max, err)
				}
			}
		}
	}
	opts := SignOptions{InclusivePrefixes: []string{"edXML"}}
	signed := mustSign(t, doc, p.ecdsa, opts)
	if r := mustVerify(t, signed, ts, VerifyOptions{}); !r.Valid {
		t.Errorf("PrefixList: %+v", r)
	}
	if _, err := Verify(bytes.NewReader(signed), ts, VerifyOptions{MaxPrefix: 100}); ErrorCode(err) != CodeUnsupportedAlgorithm {
		t.Errorf("PrefixList after MaxPrefix: %v, want unsupported_algorithm", err)
	}
}

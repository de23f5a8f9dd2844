package signature

import (
	"bytes"
	"crypto"
	"fmt"
	"path/filepath"
	"testing"
)

// xmlsecTemplate returns the unsigned edXML sample with an empty Signature for xmlsec1 to fill in at
// the end of edXML:edXMLHeader. prefix is the XML-DSig prefix ("" for a default namespace).
func xmlsecTemplate(t testing.TB, sigMethod, c14n, digest, prefix string) []byte {
	t.Helper()
	q := func(local string) string {
		if prefix == "" {
			return local
		}
		return prefix + ":" + local
	}
	decl := `xmlns="` + nsDSig + `"`
	if prefix != "" {
		decl = `xmlns:` + prefix + `="` + nsDSig + `"`
	}
	tmpl := fmt.Sprintf(`<%[1]s %[2]s>
        <%[3]s>
          <%[4]s Algorithm="%[5]s"/>
          <%[6]s Algorithm="%[7]s"/>
          <%[8]s URI="">
            <%[9]s><%[10]s Algorithm="%[11]s"/><%[10]s Algorithm="%[5]s"/></%[9]s>
            <%[12]s Algorithm="%[13]s"/>
            <%[14]s/>
          </%[8]s>
        </%[3]s>
        <%[15]s/>
        <%[16]s><%[17]s/></%[16]s>
      </%[1]s>
    `, q("Signature"), decl, q("SignedInfo"), q("CanonicalizationMethod"), c14n, q("SignatureMethod"), sigMethod,
		q("Reference"), q("Transforms"), q("Transform"), transformEnveloped, q("DigestMethod"), digest,
		q("DigestValue"), q("SignatureValue"), q("KeyInfo"), q("X509Data"))
	doc := readTestdata(t, "unsigned.edxml")
	return bytes.Replace(doc, []byte("</edXML:edXMLHeader>"), []byte(tmpl+"</edXML:edXMLHeader>"), 1)
}

// xmlsecSign signs a template with xmlsec1 and returns the signed document.
func xmlsecSign(t testing.TB, xmlsec, dir string, tmpl []byte, s Signer) []byte {
	t.Helper()
	certFile, keyFile := writeSigner(t, dir, "signer", s)
	in := writeTemp(t, dir, "template.xml", tmpl)
	out := filepath.Join(dir, "signed.xml")
	run(t, xmlsec, "--sign", "--privkey-pem", keyFile+","+certFile, "--output", out, in)
	return readFileT(t, out)
}

// xmlsecVerify reports whether xmlsec1 accepts the signature of doc with caFile as trust anchor.
func xmlsecVerify(t testing.TB, xmlsec, dir string, doc []byte, caFile string) (bool, string) {
	t.Helper()
	in := writeTemp(t, dir, "to-verify.xml", doc)
	out, err := runErr(xmlsec, "--verify", "--trusted-pem", caFile, in)
	return err == nil, string(out)
}

// TestXmlsecSignsWeVerify: (a) packages signed by xmlsec1 are accepted by Verify with Trusted true;
// (d) a legacy rsa-sha1 one is accepted and flagged Weak.
func TestXmlsecSignsWeVerify(t *testing.T) {
	xmlsec := tool(t, "xmlsec1")
	p := getPKI(t)
	ts, _ := trustRoot(t, p)
	for _, tc := range []struct {
		name              string
		signer            Signer
		method, c14n, dig string
		prefix            string
		weak              bool
	}{
		{"rsa-sha256 c14n", p.rsa, nsDSigMore + "rsa-sha256", C14N10, nsXMLEnc + "sha256", "", false},
		{"rsa-sha256 exc-c14n ds prefix", p.rsa, nsDSigMore + "rsa-sha256", ExcC14N, nsXMLEnc + "sha256", "ds", false},
		{"ecdsa-sha256 exc-c14n", p.ecdsa, nsDSigMore + "ecdsa-sha256", ExcC14N, nsXMLEnc + "sha256", "", false},
		{"ecdsa-sha256 c14n ds prefix", p.ecdsa, nsDSigMore + "ecdsa-sha256", C14N10, nsXMLEnc + "sha256", "ds", false},
		{"rsa-sha512 c14n with comments", p.rsa, nsDSigMore + "rsa-sha512", C14N10Comments, nsXMLEnc + "sha512", "", false},
		{"legacy rsa-sha1", p.sha1Signer, nsDSig + "rsa-sha1", C14N10, nsDSig + "sha1", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed := xmlsecSign(t, xmlsec, t.TempDir(), xmlsecTemplate(t, tc.method, tc.c14n, tc.dig, tc.prefix), tc.signer)
			r, err := Verify(bytes.NewReader(signed), ts, VerifyOptions{})
			if err != nil {
				t.Fatalf("Verify: %v\n%s", err, signed)
			}
			if !r.Valid || !r.Trusted || r.Weak != tc.weak {
				t.Errorf("Valid %v Trusted %v Weak %v, problems %q", r.Valid, r.Trusted, r.Weak, r.Problems)
			}
			if tc.weak && !r.HasProblem(ProblemWeakAlgorithm) {
				t.Errorf("no weak_algorithm problem: %q", r.Problems)
			}
			// (c) one changed byte in the subject or in an attachment's base64.
			for _, change := range tamperings {
				bad := change.apply(t, signed)
				if _, err := Verify(bytes.NewReader(bad), ts, VerifyOptions{}); ErrorCode(err) != CodeDigestMismatch {
					t.Errorf("%s: Verify error %v, want digest_mismatch", change.name, err)
				}
			}
		})
	}
}

// TestWeSignXmlsecVerifies: (b) packages we sign are accepted by xmlsec1, RSA and ECDSA, both
// canonicalizations; (c) xmlsec1 refuses them after one byte changes.
func TestWeSignXmlsecVerifies(t *testing.T) {
	xmlsec := tool(t, "xmlsec1")
	p := getPKI(t)
	_, caFile := trustRoot(t, p)
	docs := map[string][]byte{"edxml": readTestdata(t, "unsigned.edxml")}
	for _, name := range []string{"ns_default.xml", "ns_prefix.xml", "attrs.xml", "text.xml", "comments_pi.xml"} {
		docs[name] = readTestdata(t, "c14n/"+name)
	}
	for _, signer := range []struct {
		name string
		s    Signer
	}{{"rsa", p.rsa}, {"ecdsa", p.ecdsa}, {"intermediate", p.viaIntermediate}} {
		for _, method := range []string{C14N10, ExcC14N} {
			for name, doc := range docs {
				t.Run(signer.name+"/"+method+"/"+name, func(t *testing.T) {
					opts := SignOptions{Canonicalization: method}
					if name == "edxml" {
						opts = EdXMLSignOptions()
						opts.Canonicalization = method
					}
					signed := mustSign(t, doc, signer.s, opts)
					dir := t.TempDir()
					if ok, out := xmlsecVerify(t, xmlsec, dir, signed, caFile); !ok {
						t.Fatalf("xmlsec1 refused our signature:\n%s\n%s", out, signed)
					}
					if name != "edxml" {
						return
					}
					for _, change := range tamperings {
						bad := change.apply(t, signed)
						if ok, _ := xmlsecVerify(t, xmlsec, dir, bad, caFile); ok {
							t.Errorf("%s: xmlsec1 accepted a changed document", change.name)
						}
						if _, err := Verify(bytes.NewReader(bad), nil, VerifyOptions{}); ErrorCode(err) != CodeDigestMismatch {
							t.Errorf("%s: Verify error %v, want digest_mismatch", change.name, err)
						}
					}
				})
			}
		}
	}
	t.Run("sha512 with PrefixList", func(t *testing.T) {
		opts := EdXMLSignOptions()
		opts.Digest, opts.InclusivePrefixes = crypto.SHA512, []string{"edXML", "#default"}
		signed := mustSign(t, docs["edxml"], p.rsa, opts)
		if ok, out := xmlsecVerify(t, xmlsec, t.TempDir(), signed, caFile); !ok {
			t.Fatalf("xmlsec1 refused our signature:\n%s", out)
		}
	})
}

// tamperings are one-byte changes to a signed edXML sample.
var tamperings = []struct {
	name  string
	apply func(testing.TB, []byte) []byte
}{
	{"subject", func(t testing.TB, b []byte) []byte { return changeAfter(t, b, "<edXML:Subject>") }},
	{"attachment base64", func(t testing.TB, b []byte) []byte { return changeAfter(t, b, `QCVN_102_2016">UEsDBBQ`) }},
}

// changeAfter flips the letter case of the first letter after the first marker.
func changeAfter(t testing.TB, b []byte, marker string) []byte {
	t.Helper()
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		t.Fatalf("no %q in the document", marker)
	}
	out := bytes.Clone(b)
	for j := i + len(marker); j < len(out); j++ {
		if c := out[j]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			out[j] ^= 0x20
			return out
		}
	}
	t.Fatalf("nothing to change after %q", marker)
	return nil
}

// TestXmlsecRefusesUntrusted checks that the trust anchor given to xmlsec1 matters, so that its
// acceptance above means our chain (and intermediates in KeyInfo) is right.
func TestXmlsecRefusesUntrusted(t *testing.T) {
	xmlsec := tool(t, "xmlsec1")
	p := getPKI(t)
	_, caFile := trustRoot(t, p)
	signed := mustSign(t, readTestdata(t, "unsigned.edxml"), p.alien, EdXMLSignOptions())
	if ok, _ := xmlsecVerify(t, xmlsec, t.TempDir(), signed, caFile); ok {
		t.Error("xmlsec1 accepted a signer from an unknown CA")
	}
}

// TestXmlsecInheritedContext checks the subtle part of canonicalizing SignedInfo, a document subset:
// with Canonical XML 1.0 it inherits every namespace in scope and the xml:* attributes of its
// ancestors. Both directions are checked on a Signature placed under such ancestors.
func TestXmlsecInheritedContext(t *testing.T) {
	xmlsec := tool(t, "xmlsec1")
	p := getPKI(t)
	ts, caFile := trustRoot(t, p)
	doc := []byte(`<r xmlns="urn:r" xmlns:z="urn:z" xml:lang="vi" xml:space="default"><z:p xml:space="preserve" xmlns:y="urn:y">t</z:p><q/></r>`)
	for _, method := range []string{C14N10, ExcC14N} {
		signed := mustSign(t, doc, p.ecdsa, SignOptions{ParentNamespace: "urn:z", ParentLocal: "p", Canonicalization: method})
		if ok, out := xmlsecVerify(t, xmlsec, t.TempDir(), signed, caFile); !ok {
			t.Errorf("%s: xmlsec1 refused our signature:\n%s\n%s", method, out, signed)
		}
		tmpl := fmt.Sprintf(`<Signature xmlns="%s"><SignedInfo><CanonicalizationMethod Algorithm="%s"/>`+
			`<SignatureMethod Algorithm="%secdsa-sha256"/><Reference URI=""><Transforms><Transform Algorithm="%s"/></Transforms>`+
			`<DigestMethod Algorithm="%ssha256"/><DigestValue/></Reference></SignedInfo><SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>`,
			nsDSig, method, nsDSigMore, transformEnveloped, nsXMLEnc)
		in := bytes.Replace(doc, []byte("t</z:p>"), []byte("t"+tmpl+"</z:p>"), 1)
		theirs := xmlsecSign(t, xmlsec, t.TempDir(), in, p.ecdsa)
		if r, err := Verify(bytes.NewReader(theirs), ts, VerifyOptions{}); err != nil || !r.Valid || !r.Trusted {
			t.Errorf("%s: Verify of xmlsec1's signature: %v\n%s", method, err, theirs)
		}
	}
}

package signature

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// benchPackage returns the unsigned edXML sample grown to about 10 KB with more recipients.
func benchPackage(tb testing.TB) []byte {
	doc := string(readTestdata(tb, "unsigned.edxml"))
	to := "        <edXML:To>\n          <edXML:OrganId>000.00.00.H21</edXML:OrganId>\n          <edXML:OrganName>Ủy ban nhân dân tỉnh Gia Lai</edXML:OrganName>\n        </edXML:To>\n"
	for len(doc) < 10<<10 {
		doc = strings.Replace(doc, "        <edXML:DocumentId>", to+"        <edXML:DocumentId>", 1)
	}
	return []byte(doc)
}

func benchmarkVerify(b *testing.B, s Signer, withTrust bool) {
	p := getPKI(b)
	var ts *TrustStore
	if withTrust {
		ts = NewTrustStore()
		ts.AddCert(p.root)
	}
	signed := mustSign(b, benchPackage(b), s, EdXMLSignOptions())
	b.SetBytes(int64(len(signed)))
	b.ReportAllocs()
	r := bytes.NewReader(signed)
	for b.Loop() {
		r.Reset(signed)
		rep, err := Verify(r, ts, VerifyOptions{})
		if err != nil || !rep.Valid {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify10KB(b *testing.B) {
	p := getPKI(b)
	b.Run("RSA2048", func(b *testing.B) { benchmarkVerify(b, p.rsa, true) })
	b.Run("ECDSAP256", func(b *testing.B) { benchmarkVerify(b, p.ecdsa, true) })
	// Without a trust store the chain is not built: what is left is the document pass, SignedInfo
	// and the signature check.
	b.Run("RSA2048/NoChain", func(b *testing.B) { benchmarkVerify(b, p.rsa, false) })
	b.Run("ECDSAP256/NoChain", func(b *testing.B) { benchmarkVerify(b, p.ecdsa, false) })
}

func BenchmarkSign10KB(b *testing.B) {
	p := getPKI(b)
	doc := benchPackage(b)
	for _, s := range []struct {
		name string
		s    Signer
	}{{"RSA2048", p.rsa}, {"ECDSAP256", p.ecdsa}} {
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if err := SignEnveloped(io.Discard, bytesSource(doc), s.s, EdXMLSignOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCanonicalize measures the canonicalizer alone on the 10 KB package and on a large
// attachment.
func BenchmarkCanonicalize(b *testing.B) {
	doc := benchPackage(b)
	b.Run("10KB", func(b *testing.B) {
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		r := bytes.NewReader(doc)
		for b.Loop() {
			r.Reset(doc)
			if err := Canonicalize(io.Discard, r, CanonOptions{Method: ExcC14N}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("8MBAttachment", func(b *testing.B) {
		src := bigPackage(b, 8<<20)
		b.SetBytes(8 << 20)
		for b.Loop() {
			rc, _ := src()
			if err := Canonicalize(io.Discard, rc, CanonOptions{Method: ExcC14N}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

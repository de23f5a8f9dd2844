package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/digitorus/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// This file signs and verifies PDF documents with PAdES baseline signatures (chữ ký số trên văn
// bản PDF): a CMS (CAdES) detached signature over the file minus the signature's own Contents,
// written as an incremental update with SubFilter ETSI.CAdES.detached.
//
// github.com/digitorus/pdfsign/sign writes the incremental update (signature dictionary, AcroForm
// field, catalogue, cross-reference table or stream), which is the delicate part. It writes the
// SubFilter adbe.pkcs7.detached, a CMS with a signing-time attribute (which PAdES baseline
// forbids: the time goes in the dictionary's M entry) and text strings that break on some UTF-16
// bytes (ĩ is U+0129, whose low byte is ")"). So SignPDF lets it lay the file out around
// same-length placeholders — with a stand-in key and certificate, so the real key (perhaps in a
// token) signs only once — then rewrites the placeholders in place and writes its own CMS into
// Contents.

// Codes of PDF signing and verification errors (an *Error).
const (
	// CodeNotPDF: the bytes are not a PDF document (no %PDF- header, or a structure the signer
	// cannot read).
	CodeNotPDF = "not_pdf"
	// CodeSignatureTooLarge: the CMS signature does not fit the space reserved for it.
	CodeSignatureTooLarge = "signature_too_large"
)

// Codes of PDFReport and PDFSignature problems, each "code: message".
const (
	// ProblemNoSignature: the PDF has no signature.
	ProblemNoSignature = "no_signature"
	// ProblemAltered: the signed bytes changed after signing (the message digest does not match,
	// or the byte range no longer frames the signature).
	ProblemAltered = "altered"
	// ProblemBadSignature: the CMS signature does not parse or does not verify with the
	// certificate's key.
	ProblemBadSignature = "bad_signature"
	// ProblemNotWholeFile: bytes follow the signed range and no later signature covers them: the
	// file was changed (an incremental update, or anything appended) after signing.
	ProblemNotWholeFile = "not_whole_file"
)

// SubFilterCAdES is the SubFilter of PAdES baseline signatures.
const SubFilterCAdES = "ETSI.CAdES.detached"

// ict is Vietnam's time zone (UTC+7, no daylight saving), in which signing times are written.
var ict = time.FixedZone("ICT", 7*3600)

// PDFSignOptions describes a PAdES signature. The texts go into the signature dictionary, where
// PDF readers show them.
type PDFSignOptions struct {
	// Name is the signer's name; empty means the certificate's common name.
	Name string
	// Reason ("Chứng thực bản sao điện tử từ bản chính"), Location ("UBND xã …, tỉnh …") and
	// ContactInfo are optional.
	Reason      string
	Location    string
	ContactInfo string
	// Time is the signing time written in the M entry, in UTC+7 (D:20260115093000+07'00'); zero
	// means now. Without a time-stamp authority it is the signer's claim.
	Time time.Time
	// Rand is the randomness for ECDSA; nil means crypto/rand.
	Rand io.Reader
	// Approval makes an approval signature, which later signatures may follow (a leader signs,
	// then the agency signs at issue). The default is a certification signature that permits no
	// further change.
	Approval bool
	// Appearance, when set, makes the signature visible.
	Appearance *Appearance
}

// Appearance is the picture of a visible signature and where it goes.
type Appearance struct {
	// Image is a PNG or JPEG picture drawn over the whole rectangle.
	Image []byte
	// Page is the 1-based page; 0 means the last page.
	Page int
	// Place returns the rectangle [x0 y0 x1 y1] in points (origin at the lower left of the page)
	// for a page of the given size.
	Place func(pageWidth, pageHeight float64) [4]float64
}

// SignPDF returns src with a PAdES baseline signature (B-B level: SubFilter ETSI.CAdES.detached,
// an ESS signing-certificate-v2 attribute, SHA-256) appended as an incremental update: the bytes of
// src are unchanged at the start of the result. The signature is invisible and certifies the
// document (DocMDP: no changes permitted).
func SignPDF(src []byte, s Signer, opts PDFSignOptions) (out []byte, err error) {
	isECDSA, err := s.check()
	if err != nil {
		return nil, err
	}
	if !hasPDFHeader(src) {
		return nil, errorf(CodeNotPDF, "the file is not a PDF document (no %%PDF- header)")
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	if opts.Name == "" {
		opts.Name = s.Chain[0].Subject.CommonName
	}
	if opts.Rand == nil {
		opts.Rand = rand.Reader
	}
	defer func() {
		// The PDF reader panics on some malformed files; a bad upload must not take the node down.
		if r := recover(); r != nil {
			out, err = nil, errorf(CodeNotPDF, "the PDF structure cannot be read: %v", r)
		}
	}()
	rdr, err := pdf.NewReader(bytes.NewReader(src), int64(len(src)))
	if err != nil {
		return nil, errorf(CodeNotPDF, "the PDF structure cannot be read: %v", err)
	}

	texts := []struct{ key, value string }{
		{"Name", opts.Name}, {"Location", opts.Location}, {"Reason", opts.Reason}, {"ContactInfo", opts.ContactInfo},
	}
	fill := make([]string, len(texts))
	for i, t := range texts {
		if t.value != "" {
			// pdfsign writes an ASCII value as "(value)"; ours is "<FEFF…>", two bytes longer than
			// the filler.
			fill[i] = strings.Repeat(string("NLRC"[i]), len(pdfTextString(t.value))-2)
		}
	}
	data := sign.SignData{
		Signature: sign.SignDataSignature{
			CertType:   sign.CertificationSignature,
			DocMDPPerm: sign.DoNotAllowAnyChangesPerms,
			Info: sign.SignDataSignatureInfo{
				Name: fill[0], Location: fill[1], Reason: fill[2], ContactInfo: fill[3],
				Date: opts.Time.In(ict),
			},
		},
		Signer:          standIn{pub: s.Key.Public()},
		DigestAlgorithm: crypto.SHA256,
		Certificate:     sizingCertificate(s),
	}
	if opts.Approval {
		data.Signature.CertType, data.Signature.DocMDPPerm = sign.ApprovalSignature, 0
	}
	if a := opts.Appearance; a != nil {
		if data.Appearance, err = appearance(rdr, a); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	err = sign.Sign(bytes.NewReader(src), &buf, rdr, int64(len(src)), data)
	if err != nil {
		return nil, fmt.Errorf("signature.SignPDF: %w", err)
	}
	out = buf.Bytes()

	br, ok := lastByteRange(out)
	if !ok {
		return nil, fmt.Errorf("signature.SignPDF: the signed file has no byte range")
	}
	dict, end := sigDictBounds(out, br)
	before, after := out[dict:br.gapStart()], out[br.gapEnd():end]
	if !replaceOnce(before, []byte("/SubFilter /adbe.pkcs7.detached"), []byte("/SubFilter /"+SubFilterCAdES)) {
		return nil, fmt.Errorf("signature.SignPDF: no SubFilter in the signature dictionary")
	}
	for i, t := range texts {
		if t.value != "" && !replaceOnce(after, []byte("/"+t.key+" ("+fill[i]+")"), []byte("/"+t.key+" "+pdfTextString(t.value))) {
			return nil, fmt.Errorf("signature.SignPDF: no %s in the signature dictionary", t.key)
		}
	}

	h := sha256.New()
	h.Write(out[:br.gapStart()])
	h.Write(out[br.gapEnd():br.end()])
	cms, err := buildCMS(h.Sum(nil), s, isECDSA, opts.Rand)
	if err != nil {
		return nil, err
	}
	gap := out[br.gapStart()+1 : br.gapEnd()-1]
	if hex.EncodedLen(len(cms)) > len(gap) {
		return nil, errorf(CodeSignatureTooLarge, "the signature (%d bytes) does not fit the %d bytes reserved", len(cms), len(gap)/2)
	}
	for i := range gap {
		gap[i] = '0'
	}
	hex.Encode(gap, cms)
	return out, nil
}

// appearance turns a into pdfsign's visible-signature settings for the document rdr reads.
func appearance(rdr *pdf.Reader, a *Appearance) (sign.Appearance, error) {
	pages := rdr.NumPage()
	page := a.Page
	if page == 0 {
		page = pages
	}
	if page < 1 || page > pages {
		return sign.Appearance{}, errorf(CodeNotPDF, "the signature goes on page %d, but the document has %d", page, pages)
	}
	if a.Place == nil || len(a.Image) == 0 {
		return sign.Appearance{}, fmt.Errorf("signature.SignPDF: a visible signature needs an image and a place")
	}
	w, h := 595.28, 841.89 // A4, when the page does not say
	if box := mediaBox(rdr.Page(page)); box.Len() == 4 {
		w, h = box.Index(2).Float64()-box.Index(0).Float64(), box.Index(3).Float64()-box.Index(1).Float64()
	}
	r := a.Place(w, h)
	return sign.Appearance{Visible: true, Page: uint32(page), LowerLeftX: r[0], LowerLeftY: r[1], UpperRightX: r[2], UpperRightY: r[3], Image: a.Image}, nil
}

// mediaBox returns the page's MediaBox, which may be inherited from its parents.
func mediaBox(p pdf.Page) pdf.Value {
	for v := p.V; !v.IsNull(); v = v.Key("Parent") {
		if b := v.Key("MediaBox"); !b.IsNull() {
			return b
		}
	}
	return pdf.Value{}
}

// standIn is the key pdfsign signs its throw-away CMS with: it has the real public key, so the
// algorithm identifiers match, and returns an empty signature.
type standIn struct{ pub crypto.PublicKey }

func (k standIn) Public() crypto.PublicKey { return k.pub }

func (k standIn) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) { return nil, nil }

// sizingCertificate stands for the signer's certificate in pdfsign, which reserves room for the CMS
// from the certificate's size and puts its bytes, unparsed, in the throw-away CMS. Its "bytes" are
// the whole chain followed by room for what our CMS has and pdfsign's does not: the signature (the
// stand-in's is empty) and the issuer and serial number in the signing-certificate attribute.
// (pdfsign's own way of growing the room, a retry, fails on a slice bound.)
func sizingCertificate(s Signer) *x509.Certificate {
	leaf := s.Chain[0]
	sig := 0
	switch pub := s.Key.Public().(type) {
	case *rsa.PublicKey:
		sig = pub.Size()
	case *ecdsa.PublicKey:
		sig = 2*((pub.Curve.Params().BitSize+7)/8+3) + 3
	}
	var raw []byte
	for _, c := range s.Chain {
		raw = append(raw, c.Raw...)
	}
	raw = append(raw, make([]byte, sig+len(leaf.RawIssuer)+len(leaf.SerialNumber.Bytes())+64)...)
	return &x509.Certificate{Raw: raw, RawIssuer: leaf.RawIssuer, SerialNumber: leaf.SerialNumber, SignatureAlgorithm: leaf.SignatureAlgorithm}
}

func hasPDFHeader(b []byte) bool {
	return bytes.Contains(b[:min(len(b), 1024)], []byte("%PDF-"))
}

func replaceOnce(b, old, new []byte) bool {
	i := bytes.Index(b, old)
	if i < 0 || len(old) != len(new) {
		return false
	}
	copy(b[i:], new)
	return true
}

// pdfTextString encodes s as a PDF text string: UTF-16BE with a byte-order mark, in hexadecimal,
// so no byte needs escaping.
func pdfTextString(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

var (
	oidData                 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidSHA256               = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidAttrContentType      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningCertV2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidRSAEncryption        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidECDSAWithSHA256      = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	directoryNameTag        = cbasn1.Tag(4).Constructed().ContextSpecific()
	implicitCertificatesTag = cbasn1.Tag(0).Constructed().ContextSpecific()
)

// buildCMS returns a DER CMS SignedData (RFC 5652) without content, signed by s over the signed
// attributes contentType, messageDigest and ESS signingCertificateV2 (RFC 5035), as CAdES-B-B
// and PAdES baseline ask: no signing-time attribute.
func buildCMS(digest []byte, s Signer, isECDSA bool, random io.Reader) ([]byte, error) {
	leaf := s.Chain[0]
	certHash := sha256.Sum256(leaf.Raw)
	attrs := [][]byte{
		attribute(oidAttrContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) }),
		attribute(oidAttrMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(digest) }),
		attribute(oidAttrSigningCertV2, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2, hashAlgorithm SHA-256 by default
						b.AddASN1OctetString(certHash[:])
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerSerial
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // GeneralNames
								b.AddASN1(directoryNameTag, func(b *cryptobyte.Builder) { b.AddBytes(leaf.RawIssuer) })
							})
							b.AddASN1BigInt(leaf.SerialNumber)
						})
					})
				})
			})
		}),
	}
	// DER sorts the elements of a SET OF by their encodings.
	slices.SortFunc(attrs, bytes.Compare)
	var set cryptobyte.Builder
	set.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range attrs {
			b.AddBytes(a)
		}
	})
	signedAttrs, err := set.Bytes()
	if err != nil {
		return nil, fmt.Errorf("signature.SignPDF: encoding the signed attributes: %w", err)
	}
	sum := sha256.Sum256(signedAttrs)
	sig, err := s.Key.Sign(random, sum[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("signature.SignPDF: signing: %w", err)
	}

	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignedData
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { algorithm(b, oidSHA256, false) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidData) })
				b.AddASN1(implicitCertificatesTag, func(b *cryptobyte.Builder) {
					for _, c := range s.Chain {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SignerInfo
						b.AddASN1Int64(1)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // IssuerAndSerialNumber
							b.AddBytes(leaf.RawIssuer)
							b.AddASN1BigInt(leaf.SerialNumber)
						})
						algorithm(b, oidSHA256, false)
						// [0] IMPLICIT SignedAttributes: the SET's contents under another tag.
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							var inner cryptobyte.String
							in := cryptobyte.String(signedAttrs)
							in.ReadASN1(&inner, cbasn1.SET)
							b.AddBytes(inner)
						})
						if isECDSA {
							algorithm(b, oidECDSAWithSHA256, false)
						} else {
							algorithm(b, oidRSAEncryption, true)
						}
						b.AddASN1OctetString(sig)
					})
				})
			})
		})
	})
	der, err := b.Bytes()
	if err != nil {
		return nil, fmt.Errorf("signature.SignPDF: encoding the CMS: %w", err)
	}
	return der, nil
}

func attribute(oid asn1.ObjectIdentifier, value func(*cryptobyte.Builder)) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, value)
	})
	return b.BytesOrPanic()
}

func algorithm(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, null bool) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if null {
			b.AddASN1NULL()
		}
	})
}

// byteRange is a signature's /ByteRange [a b c d]: the signed bytes are [a, a+b) and [c, c+d); the
// gap between holds the Contents hex string, brackets included.
type byteRange struct {
	pos        int // offset of "/ByteRange" in the file
	a, b, c, d int64
}

func (r byteRange) gapStart() int { return int(r.a + r.b) }
func (r byteRange) gapEnd() int   { return int(r.c) }
func (r byteRange) end() int      { return int(r.c + r.d) }

// byteRanges finds every /ByteRange array of four integers in the file. A signature's ByteRange
// must frame its Contents in the file's bytes, so a signature dictionary cannot hide in a
// compressed object stream and a scan of the raw bytes finds them all.
func byteRanges(b []byte) []byteRange {
	var out []byteRange
	key := []byte("/ByteRange")
	for off := 0; ; {
		i := bytes.Index(b[off:], key)
		if i < 0 {
			return out
		}
		pos := off + i
		off = pos + len(key)
		p := off
		skipSpace := func() {
			for p < len(b) && isPDFSpace(b[p]) {
				p++
			}
		}
		skipSpace()
		if p >= len(b) || b[p] != '[' {
			continue
		}
		p++
		var v [4]int64
		ok := true
		for k := range v {
			skipSpace()
			q := p
			for q < len(b) && b[q] >= '0' && b[q] <= '9' {
				q++
			}
			n, err := strconv.ParseInt(string(b[p:q]), 10, 64)
			if q == p || err != nil {
				ok = false
				break
			}
			v[k], p = n, q
		}
		skipSpace()
		if ok && p < len(b) && b[p] == ']' {
			out = append(out, byteRange{pos: pos, a: v[0], b: v[1], c: v[2], d: v[3]})
		}
	}
}

func lastByteRange(b []byte) (byteRange, bool) {
	rs := byteRanges(b)
	if len(rs) == 0 {
		return byteRange{}, false
	}
	return rs[len(rs)-1], true
}

func isPDFSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

// sigDictBounds returns where the object holding the signature dictionary starts and ends: from
// its "obj" keyword to its "endobj", or the ByteRange's surroundings when those are missing.
func sigDictBounds(b []byte, r byteRange) (start, end int) {
	start = bytes.LastIndex(b[:r.pos], []byte("obj"))
	if start < 0 {
		start = max(0, r.pos-4096)
	}
	from := min(max(r.gapEnd(), r.pos), len(b))
	end = bytes.Index(b[from:], []byte("endobj"))
	if end < 0 {
		end = min(len(b), from+4096)
	} else {
		end += from
	}
	return start, end
}

// PDFReport is the result of VerifyPDF.
type PDFReport struct {
	// OK is true when the document has at least one signature and no problem at all: every
	// signature verifies, chains to a trusted root, and the last covers the whole file.
	OK bool
	// Signatures are in file order (the order they were applied).
	Signatures []PDFSignature
	// Problems are the document's own ("no_signature: …"); each signature has its own too.
	Problems []string
}

// PDFSignature is one signature of a PDF.
type PDFSignature struct {
	// Signer describes the signing certificate (zero when the CMS cannot be read).
	Signer CertInfo
	// Chain is the verified chain to a trusted root when Trusted, else the CMS's certificates.
	Chain []CertInfo
	// SubFilter is "ETSI.CAdES.detached" for PAdES, "adbe.pkcs7.detached" for older signatures.
	SubFilter string
	// Name, Reason, Location and ContactInfo are the signature dictionary's texts.
	Name, Reason, Location, ContactInfo string
	// SigningTime is the dictionary's M entry in UTC+7 (zero when absent): the signer's claim.
	SigningTime time.Time
	// ByteRange is the signed ranges [start length start length].
	ByteRange [4]int64
	// CoversWholeFile is true when the signed range ends at the end of the file.
	CoversWholeFile bool
	// Valid is true when the message digest matches the signed bytes and the CMS signature
	// verifies with the signer's certificate.
	Valid bool
	// Trusted is true when the signer's certificate chains to a root of the TrustStore at
	// CheckedAt.
	Trusted bool
	// CheckedAt is the time the chain was checked at: the signing time when the signer's
	// certificate was valid then, otherwise now.
	CheckedAt time.Time
	// Problems lists "code: message" with a Problem… code: altered, bad_signature, untrusted,
	// expired_certificate, not_whole_file.
	Problems []string
	// Certificate is the signer's certificate.
	Certificate *x509.Certificate `json:"-"`
}

// HasProblem reports whether the document or any signature has a problem with the code.
func (r *PDFReport) HasProblem(code string) bool {
	if hasProblem(r.Problems, code) {
		return true
	}
	for _, s := range r.Signatures {
		if hasProblem(s.Problems, code) {
			return true
		}
	}
	return false
}

// HasProblem reports whether the signature has a problem with the code.
func (s *PDFSignature) HasProblem(code string) bool { return hasProblem(s.Problems, code) }

func hasProblem(ps []string, code string) bool {
	for _, p := range ps {
		if strings.HasPrefix(p, code+":") {
			return true
		}
	}
	return false
}

func (s *PDFSignature) problem(code, format string, args ...any) {
	s.Problems = append(s.Problems, code+": "+fmt.Sprintf(format, args...))
}

// VerifyPDF checks every signature of a PDF: that its byte range frames its Contents, that the
// CMS message digest matches the signed bytes and the CMS signature verifies, that the signer's
// chain leads to a root of trust, and whether anything was added after the last signature. It
// fails only when src is not a PDF; what it finds is in the report's problems. A nil trust makes
// every signature untrusted.
func VerifyPDF(src []byte, trust *TrustStore) (*PDFReport, error) {
	if !hasPDFHeader(src) {
		return nil, errorf(CodeNotPDF, "the file is not a PDF document (no %%PDF- header)")
	}
	r := &PDFReport{}
	ranges := byteRanges(src)
	if len(ranges) == 0 {
		r.Problems = append(r.Problems, ProblemNoSignature+": the PDF has no signature")
		return r, nil
	}
	for _, br := range ranges {
		r.Signatures = append(r.Signatures, verifyPDFSignature(src, br, trust))
	}
	// An earlier signature that does not reach the end is fine when a later, sound signature does:
	// the later signer signed over everything added since.
	covered := false
	for i := len(r.Signatures) - 1; i >= 0; i-- {
		s := &r.Signatures[i]
		if !s.CoversWholeFile && !covered {
			s.problem(ProblemNotWholeFile, "%d bytes follow the signed range: the file was changed after it was signed",
				int64(len(src))-s.ByteRange[2]-s.ByteRange[3])
		}
		if s.CoversWholeFile && s.Valid {
			covered = true
		}
	}
	r.OK = true
	for _, s := range r.Signatures {
		if len(s.Problems) > 0 {
			r.OK = false
		}
	}
	return r, nil
}

func verifyPDFSignature(src []byte, br byteRange, trust *TrustStore) PDFSignature {
	s := PDFSignature{ByteRange: [4]int64{br.a, br.b, br.c, br.d}}
	size := int64(len(src))
	if br.a != 0 || br.b <= 0 || br.c < br.a+br.b+2 || br.d < 0 || br.c+br.d > size ||
		src[br.gapStart()] != '<' || src[br.gapEnd()-1] != '>' {
		s.problem(ProblemAltered, "the byte range %v does not frame the signature in this file", s.ByteRange)
		return s
	}
	s.CoversWholeFile = br.end() == len(src)
	start, end := sigDictBounds(src, br)
	dict := slices.Concat(src[start:br.gapStart()], src[br.gapEnd():end])
	s.SubFilter = pdfName(dict, "SubFilter")
	s.Name = pdfDictText(dict, "Name")
	s.Reason = pdfDictText(dict, "Reason")
	s.Location = pdfDictText(dict, "Location")
	s.ContactInfo = pdfDictText(dict, "ContactInfo")
	if m, ok := pdfDictString(dict, "M"); ok {
		if t, err := parsePDFDate(string(m)); err == nil {
			s.SigningTime = t.In(ict)
		}
	}

	der, err := hex.DecodeString(string(stripHexSpace(src[br.gapStart()+1 : br.gapEnd()-1])))
	if err != nil {
		s.problem(ProblemBadSignature, "the signature's Contents is not a hexadecimal string")
		return s
	}
	p7, err := parseCMS(der)
	if err != nil {
		s.problem(ProblemBadSignature, "the CMS signature cannot be read: %v", err)
		return s
	}
	leaf := p7.GetOnlySigner()
	if leaf == nil {
		s.problem(ProblemBadSignature, "the CMS signature does not have exactly one signer with its certificate")
		return s
	}
	s.Certificate = leaf
	s.Signer = certInfo(leaf)
	for _, c := range p7.Certificates {
		s.Chain = append(s.Chain, certInfo(c))
	}

	p7.Content = slices.Concat(src[:br.gapStart()], src[br.gapEnd():br.end()])
	if err := p7.Verify(); err != nil {
		var mismatch *pkcs7.MessageDigestMismatchError
		if errors.As(err, &mismatch) {
			s.problem(ProblemAltered, "the signed bytes changed after signing (the message digest does not match)")
		} else {
			s.problem(ProblemBadSignature, "the CMS signature does not verify: %v", err)
		}
	} else {
		s.Valid = true
	}

	s.CheckedAt = time.Now().In(ict)
	if !s.SigningTime.IsZero() && !s.SigningTime.Before(leaf.NotBefore) && !s.SigningTime.After(leaf.NotAfter) {
		s.CheckedAt = s.SigningTime
	}
	if trust == nil || trust.Len() == 0 {
		s.problem(ProblemUntrusted, "no trusted root is configured")
		return s
	}
	inter := x509.NewCertPool()
	for _, c := range p7.Certificates {
		if c != leaf {
			inter.AddCert(c)
		}
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         trust.pool,
		Intermediates: inter,
		CurrentTime:   s.CheckedAt,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		var ci x509.CertificateInvalidError
		if errors.As(err, &ci) && ci.Reason == x509.Expired {
			s.problem(ProblemExpiredCertificate, "a certificate of the chain is not valid at %s: %v", s.CheckedAt.Format(time.RFC3339), err)
		} else {
			s.problem(ProblemUntrusted, "the certificate chain does not lead to a trusted root: %v", err)
		}
		return s
	}
	s.Trusted = true
	s.Chain = s.Chain[:0]
	for _, c := range chains[0] {
		s.Chain = append(s.Chain, certInfo(c))
	}
	return s
}

// parseCMS parses a CMS ContentInfo, cutting the zero padding after a definite-length encoding.
func parseCMS(der []byte) (p7 *pkcs7.PKCS7, err error) {
	defer func() {
		if r := recover(); r != nil {
			p7, err = nil, fmt.Errorf("malformed CMS: %v", r)
		}
	}()
	in := cryptobyte.String(der)
	var elem cryptobyte.String
	if in.ReadASN1Element(&elem, cbasn1.SEQUENCE) {
		der = elem
	}
	p7, err = pkcs7.Parse(der)
	if err == nil && len(p7.Signers) == 0 {
		err = errors.New("no signer")
	}
	return p7, err
}

func stripHexSpace(b []byte) []byte {
	if !slices.ContainsFunc(b, isPDFSpace) {
		return b
	}
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if !isPDFSpace(c) {
			out = append(out, c)
		}
	}
	return out
}

// pdfName returns the name value of /key in dict ("" when absent).
func pdfName(dict []byte, key string) string {
	k := []byte("/" + key)
	for off := 0; ; {
		i := bytes.Index(dict[off:], k)
		if i < 0 {
			return ""
		}
		p := off + i + len(k)
		off = p
		for p < len(dict) && isPDFSpace(dict[p]) {
			p++
		}
		if p < len(dict) && dict[p] == '/' {
			q := p + 1
			for q < len(dict) && !isPDFSpace(dict[q]) && !bytes.ContainsRune([]byte("/<>[]()"), rune(dict[q])) {
				q++
			}
			return string(dict[p+1 : q])
		}
	}
}

// pdfDictText returns the text string value of /key in dict, decoded to UTF-8.
func pdfDictText(dict []byte, key string) string {
	b, ok := pdfDictString(dict, key)
	if !ok {
		return ""
	}
	return decodePDFText(b)
}

// pdfDictString returns the raw bytes of the first string value (literal or hexadecimal) of /key.
// Keys whose value is not a string (a name, a dictionary) are skipped.
func pdfDictString(dict []byte, key string) ([]byte, bool) {
	k := []byte("/" + key)
	for off := 0; ; {
		i := bytes.Index(dict[off:], k)
		if i < 0 {
			return nil, false
		}
		p := off + i + len(k)
		off = p
		if p < len(dict) && !isPDFSpace(dict[p]) && dict[p] != '(' && dict[p] != '<' {
			continue // a longer key, such as /Name2
		}
		for p < len(dict) && isPDFSpace(dict[p]) {
			p++
		}
		if p >= len(dict) {
			return nil, false
		}
		switch {
		case dict[p] == '(':
			return literalString(dict[p+1:]), true
		case dict[p] == '<' && (p+1 >= len(dict) || dict[p+1] != '<'):
			q := bytes.IndexByte(dict[p:], '>')
			if q < 0 {
				return nil, false
			}
			h := stripHexSpace(dict[p+1 : p+q])
			if len(h)%2 == 1 {
				h = append(slices.Clone(h), '0')
			}
			out, err := hex.DecodeString(string(h))
			return out, err == nil
		}
	}
}

// literalString decodes a PDF literal string whose opening parenthesis precedes b.
func literalString(b []byte) []byte {
	var out []byte
	depth := 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch c {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return out
			}
			depth--
		case '\\':
			i++
			if i >= len(b) {
				return out
			}
			switch e := b[i]; e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r', '\n':
				if e == '\r' && i+1 < len(b) && b[i+1] == '\n' {
					i++
				}
				continue
			default:
				if e >= '0' && e <= '7' {
					v, n := 0, 0
					for n < 3 && i < len(b) && b[i] >= '0' && b[i] <= '7' {
						v = v*8 + int(b[i]-'0')
						i++
						n++
					}
					i--
					c = byte(v)
				} else {
					c = e
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// decodePDFText decodes a PDF text string: UTF-16BE after a byte-order mark, UTF-8 after its
// mark, otherwise PDFDocEncoding, read as Latin-1 (they agree on the printable characters).
func decodePDFText(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		b = b[2:]
		u := make([]uint16, len(b)/2)
		for i := range u {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		return string(utf16.Decode(u))
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return string(b[3:])
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// parsePDFDate parses a PDF date, D:YYYYMMDDHHmmSSOHH'mm', where everything after the year is
// optional.
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	digits := func(from, n, def int) int {
		if len(s) < from+n {
			return def
		}
		v, err := strconv.Atoi(s[from : from+n])
		if err != nil {
			return def
		}
		return v
	}
	if len(s) < 4 {
		return time.Time{}, fmt.Errorf("bad PDF date %q", s)
	}
	year := digits(0, 4, -1)
	if year < 0 {
		return time.Time{}, fmt.Errorf("bad PDF date %q", s)
	}
	loc := time.UTC
	i := 4
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		rest := strings.NewReplacer("'", "").Replace(s[i+1:])
		h, _ := strconv.Atoi(rest[:min(2, len(rest))])
		m := 0
		if len(rest) >= 4 {
			m, _ = strconv.Atoi(rest[2:4])
		}
		off := h*3600 + m*60
		if s[i] == '-' {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	return time.Date(year, time.Month(digits(4, 2, 1)), digits(6, 2, 1), digits(8, 2, 0), digits(10, 2, 0), digits(12, 2, 0), 0, loc), nil
}

// Files EnsureLocalSigner keeps in its folder.
const (
	LocalSignerCertFile = "signer-cert.pem"
	LocalSignerKeyFile  = "signer-key.pem"
)

// EnsureLocalSigner returns the signer kept in dir, creating it on the first call: an ECDSA P-256
// key (LocalSignerKeyFile, PEM PKCS#8, mode 0600) and a self-signed certificate for it valid ten
// years (LocalSignerCertFile), with commonName and organization as subject and an organizational
// unit saying it is a demo key.
//
// It is a DEMO AND TEST KEY for a node whose agency has no certificate from a licensed signature
// service provider (the national root CA chain): documents it signs verify as unaltered, but the
// signer is nobody's legal identity and no one trusts the certificate unless they add it to their
// trust store by hand. Configure a real PEM or PKCS#11 key for production.
//
// A folder holding only one of the two files is an error, never overwritten: the key may be the
// only copy of one that signed documents.
func EnsureLocalSigner(dir, commonName, organization string) (Signer, error) {
	certPath := filepath.Join(dir, LocalSignerCertFile)
	keyPath := filepath.Join(dir, LocalSignerKeyFile)
	certOK, keyOK := fileExists(certPath), fileExists(keyPath)
	switch {
	case certOK && keyOK:
		return LoadPEM(certPath, keyPath)
	case certOK || keyOK:
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner(%s): only one of %s and %s exists; restore the other or remove both", dir, LocalSignerCertFile, LocalSignerKeyFile)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{
			CommonName:         commonName,
			Organization:       []string{organization},
			OrganizationalUnit: []string{"Khóa thử nghiệm, không có giá trị pháp lý (demo key, no legal value)"},
			Country:            []string{"VN"},
		},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true, // its own root, so a trust store can hold it
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	// Both files are written whole under temporary names first. The key is published with a hard
	// link, which fails if another process got there first; the loser then loads the winner's pair.
	keyTmp, err := writeTempFile(dir, LocalSignerKeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		return Signer{}, err
	}
	defer os.Remove(keyTmp)
	certTmp, err := writeTempFile(dir, LocalSignerCertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	if err != nil {
		return Signer{}, err
	}
	defer os.Remove(certTmp)
	if err := os.Link(keyTmp, keyPath); err != nil {
		if !errors.Is(err, os.ErrExist) {
			return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
		}
		for range 50 { // the winner renames its certificate right after linking its key
			if fileExists(certPath) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		return LoadPEM(certPath, keyPath)
	}
	if err := os.Rename(certTmp, certPath); err != nil {
		return Signer{}, fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	return LoadPEM(certPath, keyPath)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// writeTempFile writes b to a new 0600 file in dir, synced to disk, and returns its path.
func writeTempFile(dir, name string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("signature.EnsureLocalSigner: %w", err)
	}
	return f.Name(), nil
}

package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/lienthong/lienthong/internal/vn"
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
				Date: opts.Time.In(vn.ICT),
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

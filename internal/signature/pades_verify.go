package signature

// This file holds PDF signature verification: every signature's byte range, CMS, certificate chain and coverage.

import (
	"bytes"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/digitorus/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/lienthong/lienthong/internal/vn"
)

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
			s.SigningTime = t.In(vn.ICT)
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

	s.CheckedAt = time.Now().In(vn.ICT)
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

package signature

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/vn"
)

// testPDF returns a small PDF made the way the application makes them.
func testPDF(t testing.TB) []byte {
	t.Helper()
	d := pdf.New(pdf.Meta{Title: "Bản sao", Author: "UBND xã Đăk Ơ", Created: time.Date(2026, 1, 15, 9, 0, 0, 0, pdf.ICT)})
	d.Motto("UBND huyện Bù Gia Mập", "UBND xã Đăk Ơ", "Đăk Ơ", time.Date(2026, 1, 15, 9, 0, 0, 0, pdf.ICT))
	d.Title("Chứng thực bản sao điện tử", "")
	d.Paragraph("Chứng thực bản sao điện tử này đúng với bản chính. Người ký: Nguyễn Thị Hĩ.")
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// largePDF returns a PDF of about size bytes: a page with an incompressible image.
func largePDF(t testing.TB, size int) []byte {
	t.Helper()
	side := 16
	for side*side*3 < size {
		side += 16
	}
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(r.Uint32())
	}
	for y := range side {
		img.Set(0, y, color.RGBA{A: 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	d := pdf.New(pdf.Meta{Title: "Large"})
	if err := d.Image("scan", &buf, "png"); err != nil {
		t.Fatal(err)
	}
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var padesTime = time.Date(2026, 1, 15, 9, 30, 0, 0, vn.ICT)

func mustSignPDF(t testing.TB, src []byte, s Signer) []byte {
	t.Helper()
	out, err := SignPDF(src, s, PDFSignOptions{
		Reason:      "Chứng thực bản sao điện tử từ bản chính (ĩ ũ Đ)",
		Location:    "UBND xã Đăk Ơ, tỉnh Bình Phước",
		ContactInfo: "vanthu@dako.binhphuoc.gov.vn",
		Time:        padesTime,
	})
	if err != nil {
		t.Fatalf("SignPDF: %v", err)
	}
	if !bytes.HasPrefix(out, src) {
		t.Fatal("the signed PDF does not start with the original bytes (not an incremental update)")
	}
	return out
}

func pdfsig(t *testing.T, b []byte) (string, error) {
	t.Helper()
	path := writeTemp(t, t.TempDir(), "signed.pdf", b)
	out, err := runErr(tool(t, "pdfsig"), path)
	return string(out), err
}

func TestSignPDFVerifies(t *testing.T) {
	p := getPKI(t)
	trust, _ := trustRoot(t, p)
	for _, tc := range []struct {
		name   string
		signer Signer
	}{
		{"rsa", p.rsa},
		{"ecdsa", p.ecdsa},
		{"intermediate", p.viaIntermediate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			signed := mustSignPDF(t, testPDF(t), tc.signer)
			r, err := VerifyPDF(signed, trust)
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK || len(r.Signatures) != 1 {
				t.Fatalf("VerifyPDF: %+v", r)
			}
			s := r.Signatures[0]
			got := []any{s.Valid, s.Trusted, s.CoversWholeFile, s.SubFilter, s.Name, s.Reason, s.Location, s.ContactInfo,
				s.SigningTime.Format(time.RFC3339), s.Signer.CommonName, len(s.Problems)}
			want := []any{true, true, true, "ETSI.CAdES.detached", tc.signer.Chain[0].Subject.CommonName,
				"Chứng thực bản sao điện tử từ bản chính (ĩ ũ Đ)", "UBND xã Đăk Ơ, tỉnh Bình Phước", "vanthu@dako.binhphuoc.gov.vn",
				"2026-01-15T09:30:00+07:00", tc.signer.Chain[0].Subject.CommonName, 0}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("signature (-want +got):\n%s", d)
			}
			if tc.name == "intermediate" && len(s.Chain) != 3 {
				t.Errorf("chain has %d certificates, want 3", len(s.Chain))
			}

			out, err := pdfsig(t, signed)
			if err != nil || !strings.Contains(out, "Signature is Valid.") {
				t.Fatalf("pdfsig: %v\n%s", err, out)
			}
			for _, w := range []string{"ETSI.CAdES.detached", "Signed Ranges: [0 - ", "Total document signed", "Signing Time:"} {
				if !strings.Contains(out, w) {
					t.Errorf("pdfsig output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestVerifyPDFProblems(t *testing.T) {
	p := getPKI(t)
	trust, _ := trustRoot(t, p)
	src := testPDF(t)
	signed := mustSignPDF(t, src, p.ecdsa)

	flipped := bytes.Clone(signed)
	flipped[len(src)/2] ^= 0x01 // inside the page content, in the first signed range
	appended := append(bytes.Clone(signed), []byte("\n% appended after signing\n")...)

	for _, tc := range []struct {
		name        string
		doc         []byte
		trust       *TrustStore
		want        string
		pdfsigValid bool
	}{
		{"flipped byte", flipped, trust, ProblemAltered, false},
		{"untrusted CA", mustSignPDF(t, src, p.alien), trust, ProblemUntrusted, true},
		{"empty trust store", signed, NewTrustStore(), ProblemUntrusted, true},
		{"bytes appended", appended, trust, ProblemNotWholeFile, true},
		{"unsigned", src, trust, ProblemNoSignature, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := VerifyPDF(tc.doc, tc.trust)
			if err != nil {
				t.Fatal(err)
			}
			if r.OK || !r.HasProblem(tc.want) {
				t.Fatalf("VerifyPDF: want problem %q, got OK=%v %+v", tc.want, r.OK, r)
			}
			if tc.want == ProblemNoSignature {
				return
			}
			out, _ := pdfsig(t, tc.doc)
			if got := strings.Contains(out, "Signature is Valid."); got != tc.pdfsigValid {
				t.Errorf("pdfsig valid = %v, want %v:\n%s", got, tc.pdfsigValid, out)
			}
			if tc.want == ProblemNotWholeFile && strings.Contains(out, "Total document signed") {
				t.Errorf("pdfsig says the whole document is signed:\n%s", out)
			}
		})
	}
}

func TestPDFNotAPDF(t *testing.T) {
	p := getPKI(t)
	for _, b := range [][]byte{nil, []byte("hello, world"), []byte("<?xml version=\"1.0\"?><a/>")} {
		if _, err := SignPDF(b, p.ecdsa, PDFSignOptions{}); ErrorCode(err) != CodeNotPDF {
			t.Errorf("SignPDF(%q) = %v, want code %s", b, err, CodeNotPDF)
		}
		if _, err := VerifyPDF(b, nil); ErrorCode(err) != CodeNotPDF {
			t.Errorf("VerifyPDF(%q) = %v, want code %s", b, err, CodeNotPDF)
		}
	}
	// A header and nothing a PDF reader can use.
	if _, err := SignPDF([]byte("%PDF-1.7\ngarbage\n%%EOF\n"), p.ecdsa, PDFSignOptions{}); ErrorCode(err) != CodeNotPDF {
		t.Errorf("SignPDF(broken PDF) = %v, want code %s", err, CodeNotPDF)
	}
	if _, err := SignPDF(testPDF(t), Signer{Key: p.rsa.Key, Chain: p.ecdsa.Chain}, PDFSignOptions{}); ErrorCode(err) != CodeBadKey {
		t.Errorf("SignPDF(mismatched key) = %v, want code %s", err, CodeBadKey)
	}
}

func TestEnsureLocalSigner(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys", "000.00.31.H36")
	s1, err := EnsureLocalSigner(dir, "UBND xã Đăk Ơ", "UBND tỉnh Bình Phước")
	if err != nil {
		t.Fatal(err)
	}
	s2, err := EnsureLocalSigner(dir, "ignored the second time", "ignored")
	if err != nil {
		t.Fatal(err)
	}
	if !s1.Chain[0].Equal(s2.Chain[0]) || !s2.Key.Public().(*ecdsa.PublicKey).Equal(s1.Key.Public()) {
		t.Fatal("the second call did not load the signer the first created")
	}
	c := s2.Chain[0]
	if c.Subject.CommonName != "UBND xã Đăk Ơ" || c.Subject.Organization[0] != "UBND tỉnh Bình Phước" || !strings.Contains(strings.Join(c.Subject.OrganizationalUnit, " "), "demo") {
		t.Errorf("subject = %s", c.Subject)
	}
	fi, err := os.Stat(filepath.Join(dir, LocalSignerKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode = %v, want 0600", fi.Mode().Perm())
	}
	// The certificate is its own root: trusting it makes its signatures trusted.
	trust := NewTrustStore()
	trust.AddCert(c)
	r, err := VerifyPDF(mustSignPDF(t, testPDF(t), s2), trust)
	if err != nil || !r.OK {
		t.Fatalf("VerifyPDF: %v %+v", err, r)
	}
	// A half-written pair is refused rather than overwritten.
	if err := os.Remove(filepath.Join(dir, LocalSignerCertFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := EnsureLocalSigner(dir, "x", "y"); err == nil {
		t.Fatal("EnsureLocalSigner accepted a key without its certificate")
	}
}

var largePDFCache []byte

func benchPDF(b *testing.B) []byte {
	if largePDFCache == nil {
		largePDFCache = largePDF(b, 1<<20)
	}
	return largePDFCache
}

func BenchmarkSignPDF1MB(b *testing.B) {
	p := getPKI(b)
	src := benchPDF(b)
	for _, s := range []struct {
		name   string
		signer Signer
	}{{"ecdsa", p.ecdsa}, {"rsa", p.rsa}} {
		if _, ok := s.signer.Key.Public().(*rsa.PublicKey); ok && testing.Short() {
			continue
		}
		b.Run(s.name, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for b.Loop() {
				if _, err := SignPDF(src, s.signer, PDFSignOptions{Reason: "Chứng thực", Time: padesTime}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyPDF1MB(b *testing.B) {
	p := getPKI(b)
	trust, _ := trustRoot(b, p)
	signed := mustSignPDF(b, benchPDF(b), p.ecdsa)
	b.SetBytes(int64(len(signed)))
	for b.Loop() {
		r, err := VerifyPDF(signed, trust)
		if err != nil || !r.OK {
			b.Fatal(err, r)
		}
	}
}

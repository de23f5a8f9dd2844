package office

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
)

// pdfText extracts a PDF's text with poppler's pdftotext, page by page (form feeds between pages).
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext (poppler-utils) is not installed")
	}
	f := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-layout", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestRegisterPDF: the outgoing register of 120 documents has the title block, every entry and the
// column headings on every page; the incoming register prints with its own columns; a caller from
// elsewhere gets nothing.
func TestRegisterPDF(t *testing.T) {
	s := registerService(t, 120)
	ctx := context.Background()
	clerk := &auth.Principal{Kind: auth.KindUser, ID: "vanthu.ld", Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H36"}}}
	var b bytes.Buffer
	if err := s.WriteOutgoingPDF(ctx, clerk, RegisterQuery{Agency: "000.00.00.H36", From: "2026-01-01", To: "2026-12-31"}, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	text := pdfText(t, b.Bytes())
	for _, want := range []string{"SỔ ĐĂNG KÝ VĂN BẢN ĐI", "Năm 2026", "Từ ngày 01/01/2026 đến ngày 31/12/2026", "01/QĐ-UBND", "120/QĐ-UBND", "Trần Văn Bình"} {
		if !strings.Contains(strings.ToUpper(text), strings.ToUpper(want)) && !strings.Contains(text, want) {
			t.Errorf("the register lacks %q", want)
		}
	}
	pages := strings.Split(strings.TrimRight(text, "\f\n"), "\f")
	if len(pages) < 2 {
		t.Fatalf("120 entries on %d page(s)", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, "Người ký") {
			t.Errorf("page %d has no column headings", i+1)
		}
	}

	b.Reset()
	if err := s.WriteIncomingPDF(ctx, clerk, RegisterQuery{Agency: "000.00.00.H36"}, &b); err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, b.Bytes()); !strings.Contains(text, "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN") || !strings.Contains(text, "Ký nhận") {
		t.Errorf("incoming register:\n%s", text)
	}
	other := &auth.Principal{Kind: auth.KindUser, ID: "vanthu.dl", Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H16"}}}
	b.Reset()
	if err := s.WriteOutgoingPDF(ctx, other, RegisterQuery{Agency: "000.00.00.H36"}, &b); !errs.Is(err, errs.Forbidden) || b.Len() != 0 {
		t.Fatalf("another province's clerk: %v, %d bytes", err, b.Len())
	}
}

// BenchmarkOutgoingRegisterPDF prints a 1,000-entry outgoing register.
func BenchmarkOutgoingRegisterPDF(b *testing.B) {
	s := registerService(b, 1000)
	clerk := &auth.Principal{Kind: auth.KindUser, ID: "vanthu.ld", Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H36"}}}
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := s.WriteOutgoingPDF(context.Background(), clerk, RegisterQuery{Agency: "000.00.00.H36"}, &buf); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size)/1024, "pdf-KB")
}

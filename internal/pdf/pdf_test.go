package pdf_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/pdf"
)

// pdftotext extracts a PDF's text with poppler, skipping when it is absent (failing in CI).
func pdftotext(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("LIENTHONG_TEST_REQUIRE") != "" {
			t.Fatal("pdftotext (poppler-utils) is required")
		}
		t.Skip("pdftotext not installed")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

func TestVietnameseText(t *testing.T) {
	d := pdf.New(pdf.Meta{Title: "Giấy tiếp nhận", Author: "UBND tỉnh Lâm Đồng", Created: time.Date(2026, 11, 26, 9, 0, 0, 0, pdf.ICT)})
	d.FormNumber("Mẫu số 01")
	d.Motto("Ủy ban nhân dân tỉnh Lâm Đồng", "Sở Công Thương", "Lâm Đồng", time.Date(2026, 2, 5, 10, 0, 0, 0, pdf.ICT))
	d.Title("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "Mã hồ sơ: 000.00.04.H36-261123-0001")
	d.Field("Họ và tên", "Nguyễn Thị Hường")
	d.Paragraph("Địa chỉ: buôn Ako Dhông, phường Tân Lợi, tỉnh Đắk Lắk.")
	d.Signature(pdf.SignatureBlock{Title: "Người nộp hồ sơ", Note: "(Ký, ghi rõ họ tên)"}, pdf.SignatureBlock{Title: "Người tiếp nhận", Name: "Trần Thị Mai"})
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:10])
	}
	text := pdftotext(t, b)
	for _, want := range []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "SỞ CÔNG THƯƠNG",
		"Lâm Đồng, ngày 05 tháng 02 năm 2026", "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "Nguyễn Thị Hường", "Đắk Lắk",
		"Mẫu số 01", "Trang 1/1", "Trần Thị Mai"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text has no %q:\n%s", want, text)
		}
	}
}

func TestTableRepeatsHeader(t *testing.T) {
	d := pdf.New(pdf.Meta{Title: "Sổ theo dõi"})
	var rows [][]string
	for i := 1; i <= 120; i++ {
		rows = append(rows, []string{fmt.Sprint(i), fmt.Sprintf("000.00.04.H36-261123-%04d", i), "Nguyễn Văn An"})
	}
	d.Table([]pdf.Column{{Heading: "STT", Width: 1}, {Heading: "Mã hồ sơ", Width: 4}, {Heading: "Chủ hồ sơ", Width: 4}}, rows)
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	text := pdftotext(t, b)
	pages := strings.Count(text, "\f")
	if pages < 3 {
		t.Fatalf("%d pages, want at least 3", pages)
	}
	if n := strings.Count(text, "Mã hồ sơ"); n != pages {
		t.Errorf("the heading row appears %d times on %d pages", n, pages)
	}
	if !strings.Contains(text, "000.00.04.H36-261123-0120") {
		t.Error("the last row is missing")
	}
}

func BenchmarkSlip(b *testing.B) {
	for i := 0; i < b.N; i++ {
		d := pdf.New(pdf.Meta{Title: "Giấy tiếp nhận"})
		d.Motto("Ủy ban nhân dân tỉnh Lâm Đồng", "Sở Công Thương", "Lâm Đồng", time.Now())
		d.Title("Giấy tiếp nhận hồ sơ và hẹn trả kết quả", "")
		for j := 0; j < 8; j++ {
			d.Field("Họ và tên", "Nguyễn Thị Hường")
		}
		if _, err := d.Bytes(); err != nil {
			b.Fatal(err)
		}
	}
}

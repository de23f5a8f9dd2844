package pdf

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestQR(t *testing.T) {
	d := New(Meta{Title: "QR"})
	d.Paragraph("Trang có mã QR")
	if err := d.QR("https://dichvucong.lamdong.gov.vn/verify/ABCDEFGHJKLM", 30, "Kiểm tra bản sao tại:", "https://dichvucong.lamdong.gov.vn/verify/ABCDEFGHJKLM"); err != nil {
		t.Fatal(err)
	}
	d.Paragraph("Sau mã QR")
	b, err := d.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("LIENTHONG_TEST_REQUIRE") != "" {
			t.Fatal(err)
		}
		t.Skip("pdftotext not installed")
	}
	path := filepath.Join(t.TempDir(), "qr.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	for _, w := range []string{"Kiểm tra bản sao tại:", "verify/ABCDEFGHJKLM", "Sau mã QR"} {
		if !strings.Contains(string(out), w) {
			t.Errorf("text lacks %q:\n%s", w, out)
		}
	}
}

package dossier_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv(dbtest.RequireEnv) != "" {
			t.Fatal("pdftotext (poppler-utils) is required")
		}
		t.Skip("pdftotext not installed")
	}
	f := filepath.Join(t.TempDir(), "slip.pdf")
	os.WriteFile(f, b, 0o600)
	out, err := exec.Command("pdftotext", f, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v %s", err, out)
	}
	// Line breaks inside cells split words; compare on single spaces.
	return strings.Join(strings.Fields(string(out)), " ")
}

func TestSlips(t *testing.T) {
	f := newFixture(t, dbtest.SQLite(t), dossier.Options{})
	ctx := context.Background()
	forms := dossier.NewForms(f.svc)
	d := submit(t, f, citizen)
	if _, err := forms.Render(dossier.FormReceipt, d); !errs.Is(err, errs.Conflict) {
		t.Errorf("receipt before acceptance: %v", err)
	}
	if _, err := forms.Render("nonsense", d); !errs.Is(err, errs.NotFound) {
		t.Errorf("unknown slip: %v", err)
	}
	steps := []dossier.Change{
		{To: vn.DossierAccepted},
		{To: vn.DossierInProgress},
		{To: vn.DossierMoreDocumentsRequested, Reason: "Bản vẽ chưa có chữ ký", Items: []string{"Bản vẽ mặt bằng có chữ ký"}},
	}
	for _, c := range steps {
		if _, err := f.svc.Transition(ctx, officer, d.Code, c); err != nil {
			t.Fatal(err)
		}
	}
	*f.clock = monday.AddDate(0, 0, 3).Add(9 * time.Hour) // Thursday 18:00, after the appointment
	d, err := f.svc.Reschedule(ctx, officer, d.Code, 2, "Chờ ý kiến của Sở Xây dựng")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		kind dossier.FormKind
		want []string
	}{
		{dossier.FormReceipt, []string{"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", d.Code, "Nguyễn Văn An", "3 ngày làm việc",
			"17 giờ 00 phút, ngày 30 tháng 11 năm 2026", "SỞ KẾ HOẠCH VÀ ĐẦU TƯ", "ỦY BAN NHÂN DÂN TỈNH LÂM", "Lâm Đồng, ngày 23 tháng 11 năm 2026", "Trần Thị Mai"}},
		{dossier.FormSupplement, []string{"PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Bản vẽ mặt bằng có chữ ký", "Bản vẽ chưa có chữ ký"}},
		{dossier.FormApology, []string{"PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Chờ ý kiến của Sở Xây dựng", "17 giờ 00 phút, ngày 30 tháng 11 năm 2026"}},
		{dossier.FormControl, []string{"PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Tiếp nhận", "Yêu cầu bổ sung", "Hẹn lại ngày trả"}},
	}
	for _, c := range cases {
		b, err := forms.Render(c.kind, d)
		if err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		text := pdfText(t, b)
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s has no %q:\n%s", c.kind, w, text)
			}
		}
	}
	if _, err := forms.Render(dossier.FormRefusal, d); !errs.Is(err, errs.Conflict) {
		t.Errorf("refusal slip of a dossier not refused: %v", err)
	}
	book, err := forms.Book(ctx, officer, "000.00.00.H36", monday.AddDate(0, 0, -1), monday.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if text := pdfText(t, book); !strings.Contains(text, d.Code) || !strings.Contains(text, "SỔ THEO DÕI HỒ SƠ") {
		t.Errorf("book:\n%s", text)
	}
	if _, err := forms.Book(ctx, outsider, "000.00.00.H36", monday, monday.AddDate(0, 0, 1)); !errs.Is(err, errs.Forbidden) {
		t.Errorf("another province's book: %v", err)
	}
}

package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/vn"
)

// Applicants are the demo citizen and business accounts (password Password); they log in with
// the identification number or the tax code.
var Applicants = []auth.NewApplicant{
	{Kind: auth.Citizen, IdentificationNumber: "068085012345", FullName: "Nguyễn Văn An", DateOfBirth: "1985-04-12",
		Email: "nguyenvanan@example.com", Phone: "0912345678", Address: "12 Trần Phú, phường Xuân Hương - Đà Lạt, tỉnh Lâm Đồng"},
	{Kind: auth.Business, IdentificationNumber: "068190004321", FullName: "Trần Thị Bình", BusinessName: "Công ty TNHH Cà phê Đà Lạt",
		TaxCode: "5800123456", Email: "lienhe@caphedalat.example.com", Phone: "0987654321", Address: "5 Nguyễn Văn Cừ, Đà Lạt, tỉnh Lâm Đồng"},
}

// LoadApplicants creates the demo applicants that do not exist yet.
func LoadApplicants(ctx context.Context, as *auth.Service) error {
	for _, a := range Applicants {
		a.Password = Password
		if _, err := as.RegisterApplicant(ctx, a); err != nil && !errs.Is(err, errs.Conflict) {
			return fmt.Errorf("demo: applicant %s: %w", a.FullName, err)
		}
	}
	return nil
}

// LoadDossiers fills the one-stop workflow once: dossiers of the last two months in Lâm Đồng,
// Đắk Lắk and Gia Lai in every state (new, in progress, overdue, waiting for documents, refused,
// settled on time and late, returned with a result and rated), made through the real service.
// It moves the database clock back to when each step happened, so it must run before the node
// serves requests.
func LoadDossiers(ctx context.Context, d *db.DB, svc *dossier.Service, as *auth.Service) error {
	var n int
	if err := d.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM dossiers").Scan(&n)
	}); err != nil || n > 0 {
		return err
	}
	realNow := d.Now
	defer func() { d.Now = realNow }()
	now := realNow()
	cal := svc.Calendar()
	// at is a working day k working days ago, at hh:mm in Vietnam.
	at := func(k int, hh, mm int) time.Time {
		day := cal.AddWorkingDays(now, -k).In(cal.Location())
		return time.Date(day.Year(), day.Month(), day.Day(), hh, mm, 0, 0, cal.Location())
	}
	set := func(t time.Time) { d.Now = func() time.Time { return t } }

	citizenUser, err := as.User(ctx, Applicants[0].IdentificationNumber)
	if err != nil {
		return fmt.Errorf("demo: dossiers need the demo applicants: %w", err)
	}
	citizen := &auth.Principal{Kind: auth.KindUser, ID: citizenUser.Login, Name: citizenUser.FullName, UserID: citizenUser.ID, ApplicantKind: auth.Citizen}
	applicant := dossier.Applicant{Kind: dossier.Citizen, Name: Applicants[0].FullName, ID: Applicants[0].IdentificationNumber,
		Email: Applicants[0].Email, Phone: Applicants[0].Phone, Address: Applicants[0].Address}
	officers := map[string]*auth.Principal{}
	officer := func(province string) *auth.Principal {
		if p, ok := officers[province]; ok {
			return p
		}
		names := map[string][2]string{"H36": {"motcua.lamdong", "Trần Thị Mai"}, "H16": {"motcua.daklak", "H'Hen Niê"}, "H21": {"motcua.gialai", "Rơ Mah Thuận"}}
		p := &auth.Principal{Kind: auth.KindUser, ID: names[province][0], Name: names[province][1],
			Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00." + province}}}
		officers[province] = p
		return p
	}
	papers := map[string][]byte{} // rendered once: the same papers serve every demo dossier
	paper := func(title string) dossier.Upload {
		if papers[title] == nil {
			doc := pdf.New(pdf.Meta{Title: title})
			doc.Title(title, "Tài liệu mẫu / demo document")
			doc.Paragraph("Người nộp: " + applicant.Name)
			papers[title], _ = doc.Bytes()
		}
		return dossier.Upload{Name: title + ".pdf", Body: bytes.NewReader(papers[title])}
	}
	// Online dossiers of Nguyễn Văn An for 1.001612 (3 working days) at Lâm Đồng's department.
	online := func(k int) (*dossier.Dossier, error) {
		set(at(k, 8, 30))
		files := []dossier.Upload{paper("Giấy đề nghị đăng ký doanh nghiệp"), paper("Điều lệ công ty"), paper("Bản sao căn cước")}
		for i := range files {
			files[i].Component = i
		}
		return svc.Submit(ctx, citizen, dossier.Submission{Instance: "1.001612.000.00.04.H36", Applicant: applicant,
			Subject: "Đăng ký thành lập Công ty TNHH Nông sản Lang Biang", Files: files})
	}
	step := func(k, hh int, by *auth.Principal, code string, c dossier.Change) error {
		set(at(k, hh, 0))
		_, err := svc.Transition(ctx, by, code, c)
		return err
	}
	ld := officer("H36")

	// 1. Settled on time, result returned and rated: the result is in An's data store.
	a, err := online(12)
	if err != nil {
		return fmt.Errorf("demo: dossier: %w", err)
	}
	if err := step(12, 9, ld, a.Code, dossier.Change{To: vn.DossierAccepted}); err != nil {
		return err
	}
	if err := step(12, 10, ld, a.Code, dossier.Change{To: vn.DossierInProgress, Department: "000.00.04.H36", Assignee: "Phạm Văn Hùng"}); err != nil {
		return err
	}
	set(at(10, 15, 0))
	result := pdf.New(pdf.Meta{Title: "Giấy chứng nhận đăng ký doanh nghiệp"})
	result.Motto("Ủy ban nhân dân tỉnh Lâm Đồng", "Sở Kế hoạch và Đầu tư", "Lâm Đồng", at(10, 15, 0))
	result.Title("Giấy chứng nhận đăng ký doanh nghiệp", "Công ty trách nhiệm hữu hạn một thành viên")
	result.Field("Tên công ty", "Công ty TNHH Nông sản Lang Biang")
	result.Field("Mã số doanh nghiệp", "5801234567")
	result.Field("Người đại diện theo pháp luật", applicant.Name)
	rb, _ := result.Bytes()
	if _, err := svc.Process(ctx, ld, a.Code, "", []dossier.Result{{Name: "giay-chung-nhan-dang-ky-doanh-nghiep.pdf", Body: rb}}); err != nil {
		return err
	}
	if err := step(9, 9, ld, a.Code, dossier.Change{To: vn.DossierReturned}); err != nil {
		return err
	}
	set(at(9, 10, 0))
	if _, err := svc.Rate(ctx, citizen, a.Code, 5, "Nhanh, đúng hẹn."); err != nil {
		return err
	}

	// 2. In progress and overdue: accepted 6 working days ago.
	b, err := online(6)
	if err != nil {
		return err
	}
	if err := step(6, 9, ld, b.Code, dossier.Change{To: vn.DossierAccepted}); err != nil {
		return err
	}
	if err := step(5, 9, ld, b.Code, dossier.Change{To: vn.DossierInProgress, Department: "000.00.04.H36", Assignee: "Phạm Văn Hùng"}); err != nil {
		return err
	}
	// 3. Waiting for more documents.
	c, err := online(2)
	if err != nil {
		return err
	}
	if err := step(2, 9, ld, c.Code, dossier.Change{To: vn.DossierMoreDocumentsRequested, Reason: "Điều lệ công ty chưa có chữ ký của chủ sở hữu",
		Items: []string{"Điều lệ công ty có chữ ký của chủ sở hữu"}}); err != nil {
		return err
	}
	// 4. New this morning, waiting at the counter.
	if _, err := online(0); err != nil {
		return err
	}

	// Counter dossiers at the three provinces over the last two months, for the figures: most
	// settled on time, some late, a few refused, some still running.
	counter := []struct{ instance, province string }{
		{"2.000815.000.00.05.H36", "H36"}, {"2.000528.000.00.05.H36", "H36"}, {"1.001612.000.00.04.H36", "H36"},
		{"2.000815.000.00.05.H16", "H16"}, {"1.001612.000.00.04.H16", "H16"}, {"2.000815.000.00.05.H21", "H21"},
	}
	people := []string{"Lê Thị Hoa", "Y Nguyên Byă", "Rơ Châm Hiếu", "Phạm Quốc Việt", "Hoàng Thị Lan", "Nguyễn Đức Tài", "Ksor H'Bia", "Đặng Minh Khôi"}
	for i := 0; i < 36; i++ {
		ci := counter[i%len(counter)]
		by := officer(ci.province)
		k := 44 - i
		set(at(k, 9+i%6, 15))
		x, err := svc.Submit(ctx, by, dossier.Submission{Instance: ci.instance, Applicant: dossier.Applicant{Name: people[i%len(people)]}, AcceptNow: true})
		if err != nil {
			return fmt.Errorf("demo: counter dossier: %w", err)
		}
		switch {
		case i%9 == 4: // refused after checking
			if err := step(k, 16, by, x.Code, dossier.Change{To: vn.DossierStopped, Reason: "Hồ sơ không thuộc thẩm quyền giải quyết"}); err != nil {
				return err
			}
		case k < 3: // still running
		default:
			late := i%5 == 0
			done := k - x.ProcessingDays + 1
			if late {
				done = k - x.ProcessingDays - 2
			}
			done = max(done, 0)
			if err := step(done, 16, by, x.Code, dossier.Change{To: vn.DossierProcessed}); err != nil {
				return fmt.Errorf("demo: process %s: %w", x.Code, err)
			}
			if err := step(max(done-1, 0), 10, by, x.Code, dossier.Change{To: vn.DossierReturned}); err != nil {
				return err
			}
		}
	}
	return nil
}

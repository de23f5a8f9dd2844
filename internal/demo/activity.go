package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/feedback"
	"github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/vn"
)

// ActivityServices are the real services the activity generator goes through (the demo does not
// import the server; the caller passes what it built).
type ActivityServices struct {
	DB       *db.DB
	Auth     *auth.Service
	Axis     *axis.Service
	Dossiers *dossier.Service
	Feedback *feedback.Service
}

// profile is how one province behaves in the demo, after the 2020 report: Lâm Đồng far ahead on
// the axis (×5 on last year) and online services, Đắk Lắk ×2.5 with overdue feedback, Gia Lai ×2
// and behind on online services (its dossiers all come to the counter) and on time.
type profile struct {
	province          string // level-1 part, H36
	docsNow, docsLast int    // axis documents a month this year and last year
	counter, online   int    // dossiers a month
	lateEvery         int    // every n-th counter dossier is settled late (0: never)
	overdueFeedback   int
}

var profiles = []profile{
	{province: "H36", docsNow: 10, docsLast: 2, counter: 3, online: 3, lateEvery: 8},
	{province: "H16", docsNow: 5, docsLast: 2, counter: 3, online: 1, lateEvery: 5, overdueFeedback: 3},
	{province: "H21", docsNow: 4, docsLast: 2, counter: 3, online: 0, lateEvery: 3},
}

// activityMark is the document number suffix of the generated axis documents: finding one means
// the activity is already there.
const activityMark = "/HĐ-MINHHOA"

// LoadActivity generates months of activity (at most 24) for the demo provinces through the real
// services: axis documents (this year's months and, for growth, last year's), counter and online
// dossiers settled on time or late (the last 12 months), and feedback left unanswered past its
// deadline. The database clock is moved back to each event and restored; run it before serving.
// Kon Tum and Đắk Nông were merged away on 2025-07-01 in the registry, so they cannot send today:
// the generator leaves them out. Running it again does nothing.
func LoadActivity(ctx context.Context, s ActivityServices, months int) error {
	months = min(max(months, 1), 24)
	var n int
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		return tx.QueryRow(ctx, "SELECT COUNT(*) FROM axis_documents WHERE document_id LIKE ?", "%"+activityMark).Scan(&n)
	}); err != nil || n > 0 {
		return err
	}
	realNow := s.DB.Now
	defer func() { s.DB.Now = realNow }()
	now := realNow()
	set := func(t time.Time) { s.DB.Now = func() time.Time { return t } }
	cal := s.Dossiers.Calendar()
	loc := cal.Location()
	// day is a working day of month m back (0 = this month), at hh, never after now.
	day := func(m, d, hh int) time.Time {
		first := time.Date(now.In(loc).Year(), now.In(loc).Month(), 1, hh, 0, 0, 0, loc).AddDate(0, -m, 0)
		t := cal.AddWorkingDays(first.AddDate(0, 0, -1), 1+d%20)
		t = time.Date(t.Year(), t.Month(), t.Day(), hh, (d*7)%60, 0, 0, loc)
		if t.After(now) {
			t = now.Add(-time.Duration(d+1) * time.Minute)
		}
		return t
	}

	system := &auth.Principal{Kind: auth.KindClient, ID: "demo", Name: "demo", Agency: auth.Everywhere, Subtree: true}
	seq := 0
	send := func(at time.Time, from, to, subject string) error {
		seq++
		set(at)
		id := fmt.Sprintf("%s,%s,%d%s", from, at.In(loc).Format("2006/01/02"), seq, activityMark)
		pkg := axistest.Document(axistest.Doc{DocumentID: id, From: from, To: []string{to}, Subject: subject})
		if _, err := s.Axis.Send(ctx, system, bytes.NewReader(pkg)); err != nil {
			return fmt.Errorf("demo: activity send %s: %w", id, err)
		}
		return nil
	}
	for _, p := range profiles {
		root, office := "000.00.00."+p.province, "000.00.01."+p.province
		for m := 0; m < months; m++ {
			k := p.docsNow
			if m >= 12 {
				k = p.docsLast
			}
			for i := 0; i < k; i++ {
				// Alternately sent and received, so that each document counts once for the province
				// and the growth is exactly docsNow/docsLast.
				from, to := office, "000.00.00.G22"
				subject := "Báo cáo định kỳ tình hình thực hiện nhiệm vụ"
				if i%2 == 1 {
					from, to, subject = "000.00.00.G22", root, "Thông báo ý kiến chỉ đạo của Thủ tướng Chính phủ"
				}
				if err := send(day(m, i, 8+i%8), from, to, subject); err != nil {
					return err
				}
			}
		}
	}
	if err := loadActivityDossiers(ctx, s, min(months, 12), now, day, set); err != nil {
		return err
	}
	// Feedback received two months ago and never answered: overdue now.
	for _, p := range profiles {
		for i := 0; i < p.overdueFeedback; i++ {
			set(day(2, i, 9))
			if _, err := s.Feedback.Submit(ctx, nil, feedback.Submission{Kind: feedback.Feedback, Agency: "000.00.05." + p.province,
				Subject: fmt.Sprintf("Phản ánh về thời gian chứng thực bản sao (%d)", i+1),
				Content: "Người dân phải chờ lâu khi chứng thực bản sao tại bộ phận một cửa.",
				Sender:  feedback.Sender{Name: "Nguyễn Thị Thu", Phone: "0905 123 456"}}); err != nil {
				return fmt.Errorf("demo: activity feedback: %w", err)
			}
		}
	}
	return nil
}

func loadActivityDossiers(ctx context.Context, s ActivityServices, months int, now time.Time, day func(m, d, hh int) time.Time, set func(time.Time)) error {
	svc := s.Dossiers
	cal := svc.Calendar()
	citizenUser, err := s.Auth.User(ctx, Applicants[0].IdentificationNumber)
	if err != nil {
		return fmt.Errorf("demo: activity needs the demo applicants: %w", err)
	}
	citizen := &auth.Principal{Kind: auth.KindUser, ID: citizenUser.Login, Name: citizenUser.FullName, UserID: citizenUser.ID, ApplicantKind: auth.Citizen}
	applicant := dossier.Applicant{Kind: dossier.Citizen, Name: Applicants[0].FullName, ID: Applicants[0].IdentificationNumber,
		Email: Applicants[0].Email, Phone: Applicants[0].Phone, Address: Applicants[0].Address}
	doc := pdf.New(pdf.Meta{Title: "Tài liệu minh họa"})
	doc.Title("Tài liệu minh họa", "Demo document")
	paper, _ := doc.Bytes()
	people := []string{"Lê Thị Hoa", "Y Nguyên Byă", "Rơ Châm Hiếu", "Phạm Quốc Việt", "Hoàng Thị Lan", "Ksor H'Bia"}
	// settle processes a dossier on time (the working day before its deadline) or late (three
	// working days after), unless that would be in the future.
	settle := func(by *auth.Principal, d *dossier.Dossier, late bool) error {
		if d.DueAt == nil {
			return nil
		}
		at := cal.AddWorkingDays(*d.DueAt, -1)
		if late {
			at = cal.AddWorkingDays(*d.DueAt, 3)
		}
		if d.AcceptedAt != nil && at.Before(*d.AcceptedAt) {
			at = d.AcceptedAt.Add(2 * time.Hour)
		}
		if at.After(now) {
			return nil // still running
		}
		set(at)
		_, err := svc.Transition(ctx, by, d.Code, dossier.Change{To: vn.DossierProcessed})
		return err
	}
	for _, p := range profiles {
		by := &auth.Principal{Kind: auth.KindUser, ID: "motcua." + p.province, Name: "Cán bộ một cửa",
			Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00." + p.province}}}
		n := 0
		for m := months - 1; m >= 0; m-- {
			for i := 0; i < p.counter; i++ {
				n++
				set(day(m, 3+i*5, 9))
				x, err := svc.Submit(ctx, by, dossier.Submission{Instance: "2.000815.000.00.05." + p.province,
					Applicant: dossier.Applicant{Name: people[n%len(people)]}, AcceptNow: true})
				if err != nil {
					return fmt.Errorf("demo: activity counter dossier: %w", err)
				}
				if err := settle(by, x, p.lateEvery > 0 && n%p.lateEvery == 0); err != nil {
					return fmt.Errorf("demo: activity settle %s: %w", x.Code, err)
				}
			}
			for i := 0; i < p.online; i++ {
				set(day(m, 2+i*6, 8))
				files := []dossier.Upload{{Name: "don-de-nghi.pdf", Body: bytes.NewReader(paper), Component: 0},
					{Name: "dieu-le.pdf", Body: bytes.NewReader(paper), Component: 1},
					{Name: "can-cuoc.pdf", Body: bytes.NewReader(paper), Component: 2}}
				x, err := svc.Submit(ctx, citizen, dossier.Submission{Instance: "1.001612.000.00.04." + p.province, Applicant: applicant,
					Subject: "Đăng ký thành lập hộ kinh doanh", Files: files})
				if err != nil {
					return fmt.Errorf("demo: activity online dossier: %w", err)
				}
				set(day(m, 2+i*6, 10))
				if x, err = svc.Transition(ctx, by, x.Code, dossier.Change{To: vn.DossierAccepted}); err != nil {
					return fmt.Errorf("demo: activity accept %s: %w", x.Code, err)
				}
				if err := settle(by, x, false); err != nil {
					return fmt.Errorf("demo: activity settle %s: %w", x.Code, err)
				}
			}
		}
	}
	return nil
}

package task_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/task"
)

var (
	ict = time.FixedZone("ICT", 7*3600)

	clerkGov  = &auth.Principal{Kind: auth.KindUser, ID: "vanthu.vpcp", Name: "Văn Thư VPCP", UserID: 1, Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.G22"}}}
	leaderGov = &auth.Principal{Kind: auth.KindUser, ID: "lanhdao.vpcp", Name: "Lãnh Đạo VPCP", UserID: 2, Grants: []auth.Grant{{Role: auth.Leader, Agency: "000.00.00.G22"}}}
	officerLD = &auth.Principal{Kind: auth.KindUser, ID: "cv.ld", Name: "Trần Thị Mai", UserID: 3, Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}}
	officerDL = &auth.Principal{Kind: auth.KindUser, ID: "cv.dl", Name: "Y Bhim Niê", UserID: 4, Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H16"}}}
	leaderLD  = &auth.Principal{Kind: auth.KindUser, ID: "ld.ld", Name: "Lãnh Đạo LĐ", UserID: 5, Grants: []auth.Grant{{Role: auth.Leader, Agency: "000.00.00.H36"}}}
	viewerGov = &auth.Principal{Kind: auth.KindUser, ID: "xem.vpcp", Name: "Xem", UserID: 6, Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.G22"}}}
	clientLD  = &auth.Principal{Kind: auth.KindClient, ID: "qlvb-ld", Name: "QLVB Lâm Đồng", Agency: "000.00.00.H36"}
)

type fixture struct {
	svc   *task.Service
	db    *db.DB
	clock *time.Time
}

func (f fixture) at(day string) {
	t, err := time.ParseInLocation(time.DateOnly, day, ict)
	if err != nil {
		panic(err)
	}
	*f.clock = t.Add(10 * time.Hour)
}

func newFixture(t testing.TB, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	clock := time.Date(2026, 3, 2, 10, 0, 0, 0, ict)
	reg, err := agency.NewRegistry(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := agency.ParseCSV(bytes.NewReader(demo.AgenciesCSV()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Import(ctx, auth.System, rows); err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	svc := task.New(d, cal, reg, task.Options{Now: func() time.Time { return clock }})
	return fixture{svc: svc, db: d, clock: &clock}
}

func assignment(lead, deadline string) task.Assignment {
	return task.Assignment{DirectiveKind: "TB", DirectiveNumber: "45/TB-VPCP", DirectiveDate: "2026-03-01",
		Content: "Rà soát, đơn giản hóa thủ tục hành chính lĩnh vực đất đai", Lead: lead,
		Coordinators: []string{"000.00.00.H16"}, Authority: "TTG", Deadline: deadline, Product: "Báo cáo Thủ tướng"}
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("error = %v (%s), want %s", err, errs.CodeOf(err), code)
	}
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestLifecycleAndDerivedStatus(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.at("2026-03-02")
		tk, err := f.svc.Create(ctx, clerkGov, assignment("000.00.00.H36", "2026-03-31"))
		if err != nil {
			t.Fatal(err)
		}
		if tk.Status != task.InProgress || tk.Assigner != task.GovernmentOffice || tk.Province != "000.00.00.H36" || len(tk.Coordinators) != 1 {
			t.Fatalf("created %+v", tk)
		}
		f.at("2026-04-01")
		if got, _ := f.svc.Get(ctx, viewerGov, tk.ID); got.Status != task.Overdue {
			t.Fatalf("status on 04-01 = %s, want overdue", got.Status)
		}
		// Not the lead: Đắk Lắk coordinates only.
		_, err = f.svc.Complete(ctx, officerDL, tk.ID, task.Report{Text: "Đã xong"})
		wantCode(t, err, errs.Forbidden)
		// Extension asked and approved: back within deadline.
		if _, err := f.svc.RequestExtension(ctx, officerLD, tk.ID, "2026-03-20", "lý do"); errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("earlier extension: %v", err)
		}
		if _, err := f.svc.RequestExtension(ctx, officerLD, tk.ID, "2026-04-30", "Chờ ý kiến các bộ"); err != nil {
			t.Fatal(err)
		}
		_, err = f.svc.DecideExtension(ctx, officerLD, tk.ID, true, "")
		wantCode(t, err, errs.Forbidden)
		got, err := f.svc.DecideExtension(ctx, leaderGov, tk.ID, true, "Đồng ý")
		if err != nil {
			t.Fatal(err)
		}
		if got.Deadline != "2026-04-30" || got.Status != task.InProgress {
			t.Fatalf("after extension %+v", got)
		}
		if _, err := f.svc.Progress(ctx, clientLD, tk.ID, task.Report{Text: "Đã họp các sở", Documents: []string{"blob:1"}}); err != nil {
			t.Fatal(err)
		}
		f.at("2026-04-29")
		if _, err := f.svc.Complete(ctx, officerLD, tk.ID, task.Report{Text: "Hoàn thành", AxisDoc: "77"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Return(ctx, clerkGov, tk.ID, "Thiếu phụ lục"); err != nil {
			t.Fatal(err)
		}
		f.at("2026-05-04")
		if _, err := f.svc.Complete(ctx, officerLD, tk.ID, task.Report{Text: "Bổ sung phụ lục"}); err != nil {
			t.Fatal(err)
		}
		got, err = f.svc.Accept(ctx, leaderGov, tk.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != task.Late || got.CompletedOn != "2026-05-04" {
			t.Fatalf("accepted %+v", got)
		}
		h, err := f.svc.History(ctx, viewerGov, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range h {
			kinds = append(kinds, e.Kind)
		}
		want := "[assigned extension_requested extension_approved progress completion_reported returned completion_reported accepted]"
		if fmt.Sprint(kinds) != want {
			t.Fatalf("history %v", kinds)
		}
		// Regular task and cancellation.
		reg := assignment("000.00.00.H16", "")
		reg.ReportPeriod = "quarter"
		reg.Coordinators = nil
		r, err := f.svc.Create(ctx, clerkGov, reg)
		if err != nil {
			t.Fatal(err)
		}
		f.at("2030-01-01")
		if got, _ := f.svc.Get(ctx, viewerGov, r.ID); got.Status != task.InProgress {
			t.Fatalf("regular task status %s", got.Status)
		}
		if got, err := f.svc.Cancel(ctx, clerkGov, r.ID, "Không còn phù hợp"); err != nil || got.Status != task.NotRequired {
			t.Fatalf("cancel: %v %+v", err, got)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		a := assignment("000.00.00.H36", "2026-02-01") // before assignment day 2026-03-02
		_, err := f.svc.Create(ctx, clerkGov, a)
		wantCode(t, err, errs.Invalid)
		a = assignment("000.00.00.Z99", "2026-04-01")
		_, err = f.svc.Create(ctx, clerkGov, a)
		wantCode(t, err, errs.Invalid)
		a = assignment("000.00.00.H36", "2026-04-01")
		a.Coordinators = []string{"000.00.00.Q99"}
		_, err = f.svc.Create(ctx, clerkGov, a)
		wantCode(t, err, errs.Invalid)
		// A province officer may not assign in the Prime Minister's name.
		_, err = f.svc.Create(ctx, officerLD, assignment("000.00.00.H36", "2026-04-01"))
		wantCode(t, err, errs.Forbidden)
		// All or nothing: one bad row of three.
		_, err = f.svc.CreateMany(ctx, clerkGov, []task.Assignment{assignment("000.00.00.H36", "2026-04-01"),
			assignment("000.00.00.H36", "2026-01-01"), assignment("000.00.00.H16", "2026-04-01")})
		wantCode(t, err, errs.Invalid)
		if fe := errs.As(err).Fields; len(fe) != 1 || fe[0].Field != "row 2: deadline" {
			t.Fatalf("fields %+v", fe)
		}
		for _, tb := range []string{"tasks", "task_events", "task_coordinators", "task_count_assigned", "task_count_open"} {
			if n := count(t, d, tb); n != 0 {
				t.Fatalf("%s has %d rows after bad input", tb, n)
			}
		}
		// Completion by a non-lead changes nothing.
		tk, err := f.svc.Create(ctx, leaderLD, task.Assignment{DirectiveKind: "CV", DirectiveNumber: "12/UBND", Content: "Việc tỉnh giao",
			Lead: "000.00.05.H36", Authority: "UBND", Deadline: "2026-03-10"})
		if err != nil {
			t.Fatal(err)
		}
		if tk.Assigner != "000.00.00.H36" {
			t.Fatalf("provincial task assigner %s", tk.Assigner)
		}
		_, err = f.svc.Complete(ctx, officerDL, tk.ID, task.Report{Text: "x"})
		wantCode(t, err, errs.NotFound) // Đắk Lắk cannot even see it
		got, _ := f.svc.Get(ctx, leaderLD, tk.ID)
		if got.State != "open" || got.Version != 1 {
			t.Fatalf("changed by bad completion: %+v", got)
		}
		// Idempotent conclusions.
		c := []task.Conclusion{{DirectiveNumber: "Họp 12", Content: "Kết luận 1", Lead: "000.00.00.H16", Authority: "CP",
			Deadline: "2026-06-30", Source: "meeting:12/item:1"}}
		a1, err := f.svc.CreateFromConclusions(ctx, clerkGov, c)
		if err != nil {
			t.Fatal(err)
		}
		a2, err := f.svc.CreateFromConclusions(ctx, clerkGov, c)
		if err != nil || a1[0].ID != a2[0].ID || a2[0].Source != "meeting:12/item:1" {
			t.Fatalf("repeat conclusions: %v %+v %+v", err, a1[0], a2)
		}
	})
}

func TestAggregatesEqualScan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		rnd := rand.New(rand.NewSource(7))
		leads := []string{"000.00.00.H36", "000.00.05.H36", "000.00.00.H16"}
		auths := []string{"CP", "TTG", "PTTG"}
		var ids []int64
		day := time.Date(2026, 1, 5, 0, 0, 0, 0, ict)
		for i := 0; i < 120; i++ {
			day = day.AddDate(0, 0, rnd.Intn(3))
			f.at(day.Format(time.DateOnly))
			switch op := rnd.Intn(7); {
			case op < 3 || len(ids) == 0:
				a := assignment(leads[rnd.Intn(3)], day.AddDate(0, 0, 5+rnd.Intn(30)).Format(time.DateOnly))
				a.Authority = auths[rnd.Intn(3)]
				if rnd.Intn(5) == 0 {
					a.Deadline, a.ReportPeriod = "", "month"
				}
				tk, err := f.svc.Create(ctx, clerkGov, a)
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, tk.ID)
			default:
				id := ids[rnd.Intn(len(ids))]
				tk, err := f.svc.Get(ctx, clerkGov, id)
				if err != nil {
					t.Fatal(err)
				}
				lead := &auth.Principal{Kind: auth.KindClient, ID: "c", Agency: tk.Lead}
				// Errors from operations in the wrong state are expected; the aggregates must hold anyway.
				switch op {
				case 3:
					_, _ = f.svc.Complete(ctx, lead, id, task.Report{Text: "xong"})
				case 4:
					_, _ = f.svc.Accept(ctx, leaderGov, id, "")
				case 5:
					if _, err := f.svc.RequestExtension(ctx, lead, id, day.AddDate(0, 1, 0).Format(time.DateOnly), "lý do"); err == nil {
						_, _ = f.svc.DecideExtension(ctx, leaderGov, id, rnd.Intn(2) == 0, "quyết định")
					}
				case 6:
					if rnd.Intn(3) == 0 {
						_, _ = f.svc.Cancel(ctx, clerkGov, id, "thôi")
					} else {
						_, _ = f.svc.Return(ctx, clerkGov, id, "trả lại")
					}
				}
			}
		}
		f.at(day.AddDate(0, 0, 10).Format(time.DateOnly))
		for _, per := range []task.Period{{}, {From: "2026-02", To: "2026-03"}} {
			agg, err := f.svc.Figures(ctx, viewerGov, per)
			if err != nil {
				t.Fatal(err)
			}
			scan, err := f.svc.ScanFigures(ctx, per)
			if err != nil {
				t.Fatal(err)
			}
			if len(agg.Cells) != len(scan.Cells) || len(agg.Cells) == 0 {
				t.Fatalf("cells %d vs scan %d", len(agg.Cells), len(scan.Cells))
			}
			var done, over int
			for k, c := range agg.Cells {
				s := scan.Cells[k]
				if s == nil || c.Assigned != s.Assigned || c.OnTime != s.OnTime || c.Late != s.Late || c.InProgress != s.InProgress || c.Overdue != s.Overdue {
					t.Fatalf("%v: aggregate %+v, scan %+v", k, c, s)
				}
				done += c.OnTime + c.Late
				over += c.Overdue
			}
			if per.From == "" && (done == 0 || over == 0) {
				t.Fatalf("random run too tame: done %d overdue %d", done, over)
			}
		}
		rows, err := f.svc.ProvinceFigures(ctx, task.Period{})
		if err != nil || len(rows) != 2 {
			t.Fatalf("province figures %v %+v", err, rows)
		}
	})
}

func TestListAndReminders(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		f.at("2026-03-02") // Monday
		near, err := f.svc.Create(ctx, clerkGov, assignment("000.00.00.H36", "2026-03-04"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, clerkGov, assignment("000.00.00.H36", "2026-05-04")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Create(ctx, clerkGov, assignment("000.00.00.H16", "2026-03-03")); err != nil {
			t.Fatal(err)
		}
		for i, want := range []int{2, 0} { // second run records nothing new
			n, err := f.svc.RemindOnce(ctx)
			if err != nil || n != want {
				t.Fatalf("run %d: %d reminders, %v; want %d", i, n, err, want)
			}
		}
		rs, err := f.svc.Reminders(ctx, officerLD, "000.00.00.H36")
		if err != nil || len(rs) != 1 || rs[0].TaskID != near.ID {
			t.Fatalf("reminders %v %+v", err, rs)
		}
		if _, err := f.svc.Reminders(ctx, officerDL, "000.00.00.H36"); errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("other province's reminders: %v", err)
		}
		f.at("2026-03-05")
		over, err := f.svc.List(ctx, viewerGov, task.Query{Status: task.Overdue})
		if err != nil || len(over) != 2 {
			t.Fatalf("overdue list %v %d", err, len(over))
		}
		mine, err := f.svc.List(ctx, officerLD, task.Query{})
		if err != nil || len(mine) != 2 { // H36 leads two; the H16 task is not its business
			t.Fatalf("officer list %v %d", err, len(mine))
		}
		dl, err := f.svc.List(ctx, officerDL, task.Query{Agency: "000.00.00.H16", Status: task.Overdue})
		if err != nil || len(dl) != 1 {
			t.Fatalf("Đắk Lắk overdue %v %d", err, len(dl))
		}
	})
}

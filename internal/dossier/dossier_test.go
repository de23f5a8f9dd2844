package dossier_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/vn"
)

// The instance used by most tests: 1.001612 at Lâm Đồng's Department of Planning and Investment, 3
// working days, three required papers (pdf/docx, pdf/docx, pdf/jpg).
const (
	instance = "1.001612.000.00.04.H36"
	agencyLD = "000.00.04.H36"
)

var (
	ict = time.FixedZone("ICT", 7*3600)
	// Monday 2026-11-23 09:00 in Vietnam.
	monday = time.Date(2026, 11, 23, 9, 0, 0, 0, ict)

	officer   = &auth.Principal{Kind: auth.KindUser, ID: "motcua.ld", Name: "Trần Thị Mai", UserID: 1, Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}}
	outsider  = &auth.Principal{Kind: auth.KindUser, ID: "motcua.dl", Name: "Officer of Đắk Lắk", UserID: 2, Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H27"}}}
	citizen   = &auth.Principal{Kind: auth.KindUser, ID: "an.nv", Name: "Nguyễn Văn An", UserID: 100}
	stranger  = &auth.Principal{Kind: auth.KindUser, ID: "binh", Name: "Lê Bình", UserID: 101}
	applicant = dossier.Applicant{Kind: dossier.Citizen, Name: "Nguyễn Văn An", ID: "068090001234", Email: "an@example.vn", Phone: "0912345678"}
)

type fixture struct {
	svc   *dossier.Service
	db    *db.DB
	clock *time.Time
}

func newFixture(t *testing.T, d *db.DB, opt dossier.Options) fixture {
	t.Helper()
	ctx := context.Background()
	clock := monday
	d.Now = func() time.Time { return clock }
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
	cat, err := catalog.New(ctx, d, reg.Exists)
	if err != nil {
		t.Fatal(err)
	}
	if err := demo.LoadProcedures(ctx, cat); err != nil {
		t.Fatal(err)
	}
	store, err := blob.NewLocal(t.TempDir(), blob.LocalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.New()
	if err != nil {
		t.Fatal(err)
	}
	svc := dossier.New(d, store, cat, reg, cal, opt)
	t.Cleanup(svc.Close)
	return fixture{svc: svc, db: d, clock: &clock}
}

func pdfFile(name string) dossier.Upload {
	return dossier.Upload{Name: name, Body: strings.NewReader("%PDF-1.7\n" + strings.Repeat("x", 1000) + "\n%%EOF\n")}
}

func jpgFile(name string) dossier.Upload {
	return dossier.Upload{Name: name, Body: bytes.NewReader(append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 500)...))}
}

// onlineFiles covers the three required papers of the test instance.
func onlineFiles() []dossier.Upload {
	a, b, c := pdfFile("don.pdf"), pdfFile("phuong-an.pdf"), jpgFile("giay-phep.jpg")
	a.Component, b.Component, c.Component = 0, 1, 2
	return []dossier.Upload{a, b, c}
}

func submit(t *testing.T, f fixture, by *auth.Principal) *dossier.Dossier {
	t.Helper()
	d, err := f.svc.Submit(context.Background(), by, dossier.Submission{Instance: instance, Applicant: applicant,
		Subject: "Cấp giấy chứng nhận", Files: onlineFiles()})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return d
}

func count(t *testing.T, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n)
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSubmitAndProcess(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, dossier.Options{})
		ctx := context.Background()
		got := submit(t, f, citizen)
		if want := "000.00.04.H36-261123-0001"; got.Code != want {
			t.Fatalf("code %s, want %s", got.Code, want)
		}
		if got.Status != vn.DossierSubmitted || got.Channel != dossier.Online || len(got.Files) != 3 || got.DueAt != nil {
			t.Fatalf("after submit: status %d channel %s files %d due %v", got.Status, got.Channel, len(got.Files), got.DueAt)
		}
		if got.Files[2].ContentType != "image/jpeg" || got.Files[0].Component == "" {
			t.Errorf("files: %+v", got.Files)
		}
		second := submit(t, f, citizen)
		if second.Code != "000.00.04.H36-261123-0002" {
			t.Errorf("second code %s", second.Code)
		}

		// Accepted on Monday 09:00 with 3 working days: due Thursday 17:00.
		acc, err := f.svc.Transition(ctx, officer, got.Code, dossier.Change{To: vn.DossierAccepted})
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 11, 26, 17, 0, 0, 0, ict); acc.DueAt == nil || !acc.DueAt.Equal(want) {
			t.Fatalf("due %v, want %v", acc.DueAt, want)
		}
		if _, err := f.svc.Transition(ctx, officer, got.Code, dossier.Change{To: vn.DossierInProgress, Department: "000.00.01.H36", Assignee: "chuyenvien.a"}); err != nil {
			t.Fatal(err)
		}
		// More documents during processing: the dossier goes back to 4 when they arrive, and the
		// appointment restarts from that day (Wednesday 10:00 + 3 days = Monday 17:00).
		if _, err := f.svc.Transition(ctx, officer, got.Code, dossier.Change{To: vn.DossierMoreDocumentsRequested, Reason: "Thiếu bản vẽ", Items: []string{"Bản vẽ mặt bằng"}}); err != nil {
			t.Fatal(err)
		}
		*f.clock = time.Date(2026, 11, 25, 10, 0, 0, 0, ict)
		if _, err := f.svc.Transition(ctx, citizen, got.Code, dossier.Change{To: vn.DossierInProgress}); !errs.Is(err, errs.Conflict) {
			t.Errorf("the applicant moved a dossier on without the documents: %v", err)
		}
		up := pdfFile("ban-ve.pdf")
		up.Component = -1
		sup, err := f.svc.Supplement(ctx, citizen, got.Code, "Bổ sung bản vẽ", []dossier.Upload{up})
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 11, 30, 17, 0, 0, 0, ict); sup.Status != vn.DossierInProgress || !sup.DueAt.Equal(want) {
			t.Fatalf("after supplement: status %d due %v, want 4 and %v", sup.Status, sup.DueAt, want)
		}
		done, err := f.svc.Process(ctx, officer, got.Code, "", []dossier.Result{{Name: "giay-chung-nhan.pdf", Body: []byte("%PDF-1.7\nresult\n%%EOF\n")}})
		if err != nil {
			t.Fatal(err)
		}
		if done.Status != vn.DossierProcessed || f.svc.Timeliness(done, f.db.Now()) != dossier.OnTime {
			t.Fatalf("after process: status %d timeliness %s", done.Status, f.svc.Timeliness(done, f.db.Now()))
		}
		if _, err := f.svc.Transition(ctx, officer, got.Code, dossier.Change{To: vn.DossierReturned}); err != nil {
			t.Fatal(err)
		}
		docs, err := f.svc.Documents(ctx, citizen)
		if err != nil || len(docs) != 1 || docs[0].Name != "giay-chung-nhan.pdf" || docs[0].Dossier != got.Code {
			t.Fatalf("data store %+v, %v", docs, err)
		}
		// The result is reused in a later dossier instead of being uploaded again.
		files := onlineFiles()
		files[2] = dossier.Upload{Component: 2, DocumentID: docs[0].ID}
		reused, err := f.svc.Submit(ctx, citizen, dossier.Submission{Instance: instance, Applicant: applicant, Files: files})
		if err != nil {
			t.Fatal(err)
		}
		if reused.Files[2].SHA256 != docs[0].SHA256 {
			t.Errorf("reused file %+v, want the data store's %s", reused.Files[2], docs[0].SHA256)
		}
		if _, err := f.svc.Document(ctx, stranger, docs[0].ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another person read the data store: %v", err)
		}
		if _, err := f.svc.Rate(ctx, citizen, got.Code, 5, "Nhanh"); err != nil {
			t.Fatal(err)
		}

		full, err := f.svc.Get(ctx, citizen, got.Code)
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, e := range full.Events {
			steps = append(steps, fmt.Sprintf("%s %d→%d %s", e.Action, e.From, e.To, e.Actor))
		}
		want := []string{
			"submit 0→1 user:an.nv", "accept 1→2 user:motcua.ld", "start 2→4 user:motcua.ld",
			"request_documents 4→5 user:motcua.ld", "start 5→4 user:an.nv", "process 4→9 user:motcua.ld",
			"return_result 9→10 user:motcua.ld", "rate 10→10 user:an.nv",
		}
		if diff := cmp.Diff(want, steps); diff != "" {
			t.Errorf("timeline (-want +got):\n%s", diff)
		}
		pub, err := f.svc.Public(ctx, got.Code)
		if err != nil {
			t.Fatal(err)
		}
		if pub.Applicant != "N. V. An" || pub.Status != vn.DossierReturned || pub.StatusNameVI != "Đã trả kết quả" {
			t.Errorf("public view %+v", pub)
		}
	})
}

func TestTransitionsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, dossier.Options{})
		ctx := context.Background()
		code := submit(t, f, citizen).Code
		cases := []struct {
			name string
			by   *auth.Principal
			c    dossier.Change
			want errs.Code
		}{
			{"skip to processed", officer, dossier.Change{To: vn.DossierProcessed}, errs.Conflict},
			{"not a status", officer, dossier.Change{To: 11}, errs.Conflict},
			{"refusal without reason", officer, dossier.Change{To: vn.DossierNotAccepted}, errs.Invalid},
			{"applicant accepts", citizen, dossier.Change{To: vn.DossierAccepted}, errs.Conflict},
			{"other province", outsider, dossier.Change{To: vn.DossierAccepted}, errs.Forbidden},
			{"stranger withdraws", stranger, dossier.Change{To: vn.DossierWithdrawn, Reason: "x"}, errs.Forbidden},
			{"stale version", officer, dossier.Change{To: vn.DossierAccepted, Version: 7}, errs.Conflict},
			{"department elsewhere", officer, dossier.Change{To: vn.DossierInProgress, Department: "000.00.01.H27"}, errs.Conflict},
		}
		before := count(t, d, "dossier_events")
		for _, c := range cases {
			if _, err := f.svc.Transition(ctx, c.by, code, c.c); !errs.Is(err, c.want) {
				t.Errorf("%s: got %v, want %s", c.name, err, c.want)
			}
		}
		if _, err := f.svc.Transition(ctx, officer, "000.00.04.H36-261123-001", dossier.Change{To: 2}); !errs.Is(err, errs.Invalid) {
			t.Errorf("malformed code: %v", err)
		}
		if _, err := f.svc.Transition(ctx, officer, "000.00.04.H36-261123-0999", dossier.Change{To: 2}); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown dossier: %v", err)
		}
		if got := count(t, d, "dossier_events"); got != before {
			t.Errorf("refused changes wrote %d events", got-before)
		}
		got, err := f.svc.Get(ctx, officer, code)
		if err != nil || got.Status != vn.DossierSubmitted || got.Version != 1 {
			t.Errorf("dossier changed: %+v %v", got, err)
		}
		// The applicant withdraws with a reason: allowed from 1.
		if _, err := f.svc.Transition(ctx, citizen, code, dossier.Change{To: vn.DossierWithdrawn, Reason: "Nộp nhầm"}); err != nil {
			t.Errorf("withdraw: %v", err)
		}
		if _, err := f.svc.Transition(ctx, officer, code, dossier.Change{To: vn.DossierAccepted}); !errs.Is(err, errs.Conflict) {
			t.Errorf("a withdrawn dossier was accepted: %v", err)
		}
	})
}

func TestSubmitRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, dossier.Options{MaxFileBytes: 4096})
		ctx := context.Background()
		notPDF := dossier.Upload{Component: 0, Name: "don.pdf", Body: strings.NewReader("GIF89a not a pdf")}
		big := dossier.Upload{Component: 0, Name: "don.pdf", Body: strings.NewReader("%PDF-" + strings.Repeat("x", 5000))}
		renamed := dossier.Upload{Component: 2, Name: "anh.png", Body: jpgFile("x.jpg").Body}
		cases := []struct {
			name string
			by   *auth.Principal
			sub  dossier.Submission
			want errs.Code
		}{
			{"anonymous", nil, dossier.Submission{Instance: instance, Applicant: applicant}, errs.Unauthorized},
			{"no procedure", citizen, dossier.Submission{Applicant: applicant}, errs.Invalid},
			{"bad instance code", citizen, dossier.Submission{Instance: "1.001612.H36", Applicant: applicant}, errs.Invalid},
			{"procedure not in catalogue", citizen, dossier.Submission{Instance: "1.999999.000.00.04.H36", Applicant: applicant}, errs.Invalid},
			{"agency without instance", citizen, dossier.Submission{Procedure: "1.001612", Agency: "000.00.01.H36", Applicant: applicant}, errs.Invalid},
			{"no name", citizen, dossier.Submission{Instance: instance, Files: onlineFiles()}, errs.Invalid},
			{"missing papers", citizen, dossier.Submission{Instance: instance, Applicant: applicant}, errs.Invalid},
			{"not a pdf", citizen, dossier.Submission{Instance: instance, Applicant: applicant, Files: []dossier.Upload{notPDF}}, errs.Invalid},
			{"jpeg named png", citizen, dossier.Submission{Instance: instance, Applicant: applicant, Files: []dossier.Upload{renamed}}, errs.Invalid},
			{"too large", citizen, dossier.Submission{Instance: instance, Applicant: applicant, Files: []dossier.Upload{big}}, errs.TooLarge},
			{"officer elsewhere", outsider, dossier.Submission{Instance: instance, Applicant: applicant}, errs.Forbidden},
			{"applicant accepts", citizen, dossier.Submission{Instance: instance, Applicant: applicant, Files: onlineFiles(), AcceptNow: true}, errs.Invalid},
		}
		for _, c := range cases {
			_, err := f.svc.Submit(ctx, c.by, c.sub)
			if !errs.Is(err, c.want) {
				t.Errorf("%s: got %v, want %s", c.name, err, c.want)
			}
		}
		if n := count(t, d, "dossiers") + count(t, d, "dossier_counters"); n != 0 {
			t.Errorf("refused submissions left %d rows", n)
		}
	})
}

func TestCounterAndIdempotency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, dossier.Options{})
		ctx := context.Background()
		// At the counter the papers are shown on paper: no upload is needed, and the officer accepts on the spot.
		sub := dossier.Submission{Instance: instance, Applicant: applicant, AcceptNow: true, IdempotencyKey: "k1"}
		a, err := f.svc.Submit(ctx, officer, sub)
		if err != nil {
			t.Fatal(err)
		}
		if a.Channel != dossier.Counter || a.Status != vn.DossierAccepted || a.DueAt == nil {
			t.Fatalf("counter dossier %+v", a)
		}
		b, err := f.svc.Submit(ctx, officer, sub)
		if err != nil || b.Code != a.Code {
			t.Fatalf("retry gave %v, %v; want %s", b, err, a.Code)
		}
		sub.Subject = "something else"
		if _, err := f.svc.Submit(ctx, officer, sub); !errs.Is(err, errs.Conflict) {
			t.Errorf("same key, other content: %v", err)
		}
		if n := count(t, d, "dossiers"); n != 1 {
			t.Errorf("%d dossiers, want 1", n)
		}
	})
}

// TestCodesGaplessUnderConcurrency submits from 32 goroutines and checks the day's codes run
// 0001…N without a gap or a duplicate.
func TestCodesGaplessUnderConcurrency(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, dossier.Options{})
		ctx := context.Background()
		const workers, each = 32, 5
		var mu sync.Mutex
		seen := map[string]bool{}
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < each; i++ {
					d, err := f.svc.Submit(ctx, citizen, dossier.Submission{Instance: instance, Applicant: applicant, Files: onlineFiles()})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					seen[d.Code] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		for i := 1; i <= workers*each; i++ {
			code := fmt.Sprintf("%s-261123-%04d", agencyLD, i)
			if !seen[code] {
				t.Errorf("missing %s", code)
			}
		}
		if len(seen) != workers*each {
			t.Errorf("%d codes for %d submissions", len(seen), workers*each)
		}
	})
}

func TestDeadlineAcrossUnknownYear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, dossier.Options{})
		ctx := context.Background()
		// 31 December 2026 + 3 working days lands in 2027, whose schedule is not in the data.
		*f.clock = time.Date(2026, 12, 31, 9, 0, 0, 0, ict)
		a, err := f.svc.Submit(ctx, officer, dossier.Submission{Instance: instance, Applicant: applicant, AcceptNow: true})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(a.DeadlineNote, "2027") {
			t.Errorf("deadline note %q does not say 2027 used computed holidays", a.DeadlineNote)
		}
		// 1 January is a holiday, 2–3 a weekend: Mon 4, Tue 5, Wed 6 → Wednesday 17:00.
		if want := time.Date(2027, 1, 6, 17, 0, 0, 0, ict); !a.DueAt.Equal(want) {
			t.Errorf("due %v, want %v", a.DueAt, want)
		}
	})
}

func TestListsAndStats(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, dossier.Options{})
		ctx := context.Background()
		var codes []string
		for i := 0; i < 3; i++ {
			a, err := f.svc.Submit(ctx, officer, dossier.Submission{Instance: instance, Applicant: applicant, AcceptNow: true})
			if err != nil {
				t.Fatal(err)
			}
			codes = append(codes, a.Code)
		}
		if _, err := f.svc.Transition(ctx, officer, codes[0], dossier.Change{To: vn.DossierProcessed}); err != nil {
			t.Fatal(err)
		}
		// Thursday 18:00 in Vietnam (11:00 UTC): an hour past the appointment, the open dossiers
		// are overdue (times are compared in one zone, not as local text).
		*f.clock = time.Date(2026, 11, 26, 18, 0, 0, 0, ict)
		if over, err := f.svc.List(ctx, officer, dossier.Filter{Agency: "000.00.00.H36", Timeliness: dossier.Overdue}); err != nil || len(over) != 2 {
			t.Fatalf("overdue at Thursday 18:00: %d, %v", len(over), err)
		}
		// Friday: the two open dossiers (due Thursday) are overdue.
		*f.clock = time.Date(2026, 11, 27, 9, 0, 0, 0, ict)
		if _, err := f.svc.Transition(ctx, officer, codes[1], dossier.Change{To: vn.DossierProcessed}); err != nil {
			t.Fatal(err)
		}
		over, err := f.svc.List(ctx, officer, dossier.Filter{Agency: "000.00.00.H36", Timeliness: dossier.Overdue})
		if err != nil || len(over) != 1 || over[0].Code != codes[2] {
			t.Fatalf("overdue %v, %v", over, err)
		}
		if _, err := f.svc.List(ctx, outsider, dossier.Filter{Agency: "000.00.00.H36"}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("another province listed: %v", err)
		}
		rows, err := f.svc.Stats(ctx, officer, "000.00.00.H36", monday.AddDate(0, 0, -1), monday.AddDate(0, 0, 7))
		if err != nil {
			t.Fatal(err)
		}
		total := rows[0]
		if total.Received != 3 || total.OnTime != 1 || total.Late != 1 || total.Overdue != 1 || total.OnTimeRate() != 50 {
			t.Errorf("stats %+v", total)
		}
		if len(rows) != 2 || rows[1].Agency != agencyLD || rows[1].AgencyName == "" {
			t.Errorf("per agency %+v", rows)
		}
	})
}

package feedback_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/feedback"
	"github.com/lienthong/lienthong/internal/vn"
)

var (
	officerLD = &auth.Principal{Kind: auth.KindUser, ID: "pakn.ld", Name: "Trần Thị Mai", UserID: 1, Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H36"}}}
	leaderSTP = &auth.Principal{Kind: auth.KindUser, ID: "lanhdao.stp", Name: "Nguyễn Thị Hồng", UserID: 2, Grants: []auth.Grant{{Role: auth.Leader, Agency: "000.00.05.H36"}}}
	officerDL = &auth.Principal{Kind: auth.KindUser, ID: "chuyenvien.daklak", Name: "Y Bhim Niê", UserID: 3, Grants: []auth.Grant{{Role: auth.Officer, Agency: "000.00.00.H16"}}}
	viewerLD  = &auth.Principal{Kind: auth.KindUser, ID: "theodoi.ld", Name: "Theo Dõi", UserID: 4, Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.H36"}}}
	viewerGov = &auth.Principal{Kind: auth.KindUser, ID: "theodoi.vpcp", Name: "Lê Hoàng Anh", UserID: 5, Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.G22"}}}
	clerkLD   = &auth.Principal{Kind: auth.KindUser, ID: "vanthu.ld", Name: "Văn Thư", UserID: 6, Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H36"}}}
	citizen   = &auth.Principal{Kind: auth.KindUser, ID: "068090001234", Name: "Nguyễn Văn An", UserID: 100}
	clientLD  = &auth.Principal{Kind: auth.KindClient, ID: "qlvb-ld", Name: "QLVB Lâm Đồng", Agency: "000.00.00.H36", Subtree: true}
)

type fixture struct {
	svc   *feedback.Service
	db    *db.DB
	clock *time.Time
}

func (f fixture) at(t time.Time) { *f.clock = t }

func newFixture(t testing.TB, d *db.DB, opt feedback.Options) fixture {
	t.Helper()
	ctx := context.Background()
	clock := time.Date(2026, 2, 2, 10, 0, 0, 0, vn.ICT)
	opt.Now = func() time.Time { return clock }
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
	return fixture{svc: feedback.New(d, cal, reg, opt), db: d, clock: &clock}
}

func sub(kind feedback.Kind, agency, subject string) feedback.Submission {
	return feedback.Submission{Kind: kind, Agency: agency, Subject: subject,
		Content: "Nội dung phản ánh về thủ tục chứng thực bản sao.",
		Sender:  feedback.Sender{Name: "Nguyễn Văn An", Email: "an.nguyen@example.vn", Phone: "0912 345 678", Address: "Đà Lạt"}}
}

func mustSubmit(t *testing.T, f fixture, at time.Time, s feedback.Submission) *feedback.Item {
	t.Helper()
	f.at(at)
	it, err := f.svc.Submit(context.Background(), nil, s)
	if err != nil {
		t.Fatalf("Submit(%s): %v", s.Subject, err)
	}
	return it
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

// errInfo is what a test compares of an error.
type errInfo struct {
	Code   errs.Code
	Reason string
	Fields []string
}

func infoOf(err error) errInfo {
	if err == nil {
		return errInfo{}
	}
	e := errs.As(err)
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	return errInfo{Code: e.Code, Reason: e.Reason, Fields: fields}
}

func TestDeadlinesAcrossTet(t *testing.T) {
	// Tết Bính Ngọ: 16–20 February 2026 (the embedded 2026 schedule), between two weekends.
	tests := []struct {
		name     string
		kind     feedback.Kind
		received time.Time
		want     time.Time
		note     bool
	}{
		{"Friday before Tết", feedback.Feedback, time.Date(2026, 2, 13, 10, 0, 0, 0, vn.ICT), time.Date(2026, 3, 6, 17, 0, 0, 0, vn.ICT), false},
		{"Friday before Tết, after office hours", feedback.Feedback, time.Date(2026, 2, 13, 18, 0, 0, 0, vn.ICT), time.Date(2026, 3, 9, 17, 0, 0, 0, vn.ICT), false},
		{"during Tết", feedback.Question, time.Date(2026, 2, 16, 9, 0, 0, 0, vn.ICT), time.Date(2026, 3, 9, 17, 0, 0, 0, vn.ICT), false},
		{"Thursday before Tết", feedback.Feedback, time.Date(2026, 2, 12, 9, 0, 0, 0, vn.ICT), time.Date(2026, 3, 5, 17, 0, 0, 0, vn.ICT), false},
		{"two weeks before Tết", feedback.Feedback, time.Date(2026, 2, 2, 10, 0, 0, 0, vn.ICT), time.Date(2026, 2, 23, 17, 0, 0, 0, vn.ICT), false},
		{"petition with its own 15 days", feedback.Petition, time.Date(2026, 2, 13, 10, 0, 0, 0, vn.ICT), time.Date(2026, 3, 13, 17, 0, 0, 0, vn.ICT), false},
		// 2027 has no published schedule: the computed holidays are used and the item says so.
		{"into 2027", feedback.Feedback, time.Date(2026, 12, 24, 10, 0, 0, 0, vn.ICT), time.Date(2027, 1, 8, 17, 0, 0, 0, vn.ICT), true},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, feedback.Options{Days: map[feedback.Kind]int{feedback.Petition: 15}})
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				it := mustSubmit(t, f, tc.received, sub(tc.kind, "000.00.05.H36", tc.name))
				// Read back from the database, not from what Submit computed.
				got, err := f.svc.Get(context.Background(), it.Code)
				if err != nil {
					t.Fatal(err)
				}
				if !got.DueAt.Equal(tc.want) || !got.ReceivedAt.Equal(tc.received) {
					t.Errorf("received %v, due %v; want received %v, due %v", got.ReceivedAt.In(vn.ICT), got.DueAt.In(vn.ICT), tc.received, tc.want)
				}
				if hasNote := strings.Contains(got.DeadlineNote, "2027"); hasNote != tc.note {
					t.Errorf("deadline note %q: want a note about 2027: %v", got.DeadlineNote, tc.note)
				}
			})
		}
	})
}

func codes(items []*feedback.Item) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Code)
	}
	return out
}

func TestOverdueAndDueSoon(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, feedback.Options{})
		a := mustSubmit(t, f, time.Date(2026, 2, 2, 10, 0, 0, 0, vn.ICT), sub(feedback.Feedback, "000.00.05.H36", "A")) // due Mon 23/2
		b := mustSubmit(t, f, time.Date(2026, 2, 5, 10, 0, 0, 0, vn.ICT), sub(feedback.Petition, "000.00.04.H36", "B")) // due Thu 26/2
		c := mustSubmit(t, f, time.Date(2026, 2, 9, 10, 0, 0, 0, vn.ICT), sub(feedback.Feedback, "000.00.02.H16", "C")) // due Mon 2/3
		e := mustSubmit(t, f, time.Date(2026, 2, 9, 11, 0, 0, 0, vn.ICT), sub(feedback.Question, "000.00.05.H36", "E"))
		mustSubmit(t, f, time.Date(2026, 2, 13, 10, 0, 0, 0, vn.ICT), sub(feedback.Feedback, "000.00.05.H36", "D")) // due Fri 6/3
		f.at(time.Date(2026, 2, 12, 9, 0, 0, 0, vn.ICT))
		if _, err := f.svc.Answer(ctx, leaderSTP, e.Code, feedback.Reply{Text: "Đã trả lời.", Title: "Giám đốc"}); err != nil {
			t.Fatal(err)
		}
		type lists struct{ OverdueLD, SoonLD, OverdueDL, SoonDL []string }
		get := func(t *testing.T) lists {
			t.Helper()
			var l lists
			for _, x := range []struct {
				dst    *[]string
				agency string
				tl     feedback.Timeliness
				by     *auth.Principal
			}{{&l.OverdueLD, "000.00.00.H36", feedback.Overdue, viewerLD}, {&l.SoonLD, "000.00.00.H36", feedback.DueSoon, officerLD},
				{&l.OverdueDL, "000.00.00.H16", feedback.Overdue, officerDL}, {&l.SoonDL, "000.00.02.H16", feedback.DueSoon, officerDL}} {
				items, err := f.svc.List(ctx, x.by, feedback.Filter{Agency: x.agency, Timeliness: x.tl})
				if err != nil {
					t.Fatal(err)
				}
				*x.dst = codes(items)
			}
			return l
		}
		steps := []struct {
			name string
			at   time.Time
			want lists
		}{
			// On a Tết holiday A is due the next working day but one: due soon, not overdue.
			{"Friday of Tết", time.Date(2026, 2, 20, 12, 0, 0, 0, vn.ICT), lists{[]string{}, []string{a.Code}, []string{}, []string{}}},
			{"first Tuesday after Tết", time.Date(2026, 2, 24, 9, 0, 0, 0, vn.ICT), lists{[]string{a.Code}, []string{b.Code}, []string{}, []string{}}},
			{"Friday after Tết", time.Date(2026, 2, 27, 9, 0, 0, 0, vn.ICT), lists{[]string{a.Code, b.Code}, []string{}, []string{}, []string{c.Code}}},
			{"Tuesday 3 March", time.Date(2026, 3, 3, 9, 0, 0, 0, vn.ICT), lists{[]string{a.Code, b.Code}, []string{}, []string{c.Code}, []string{}}},
		}
		for _, st := range steps {
			f.at(st.at)
			if diff := cmp.Diff(st.want, get(t)); diff != "" {
				t.Errorf("%s: lists (-want +got):\n%s", st.name, diff)
			}
		}

		// Statistics per agency and per province at 3 March: A and B overdue in Lâm Đồng, C in Đắk Lắk,
		// D in progress, E answered on time.
		rep, err := f.svc.Stats(ctx, viewerGov, feedback.StatsQuery{})
		if err != nil {
			t.Fatal(err)
		}
		type row struct {
			Code                                                 string
			Received, InProgress, DueSoon, Overdue, OnTime, Late int
		}
		rowsOf := func(in []feedback.StatsRow) []row {
			var out []row
			for _, r := range in {
				out = append(out, row{r.Code, r.Received, r.InProgress, r.DueSoon, r.Overdue, r.OnTime, r.Late})
			}
			return out
		}
		wantProv := []row{{"000.00.00.H36", 4, 1, 0, 2, 1, 0}, {"000.00.00.H16", 1, 0, 0, 1, 0, 0}}
		if diff := cmp.Diff(wantProv, rowsOf(rep.Provinces)); diff != "" {
			t.Errorf("provinces (-want +got):\n%s", diff)
		}
		wantAgencies := []row{{"000.00.05.H36", 3, 1, 0, 1, 1, 0}, {"000.00.02.H16", 1, 0, 0, 1, 0, 0}, {"000.00.04.H36", 1, 0, 0, 1, 0, 0}}
		if diff := cmp.Diff(wantAgencies, rowsOf(rep.Agencies)); diff != "" {
			t.Errorf("agencies (-want +got):\n%s", diff)
		}
		if rep.Provinces[0].Name != "Ủy ban nhân dân tỉnh Lâm Đồng" || rep.Total.Received != 5 || rep.Total.Overdue != 3 {
			t.Errorf("report names or total: %+v / %+v", rep.Provinces[0], rep.Total)
		}

		// A transfer keeps the deadline: A now counts as overdue in Đắk Lắk. Answering it late
		// counts it as late there.
		if _, err := f.svc.Transfer(ctx, officerLD, a.Code, feedback.Transfer{Agency: "000.00.02.H16", Reason: "Thuộc thẩm quyền Sở Nội vụ Đắk Lắk"}); err != nil {
			t.Fatal(err)
		}
		got := get(t)
		if diff := cmp.Diff(lists{[]string{b.Code}, []string{}, []string{a.Code, c.Code}, []string{}}, got); diff != "" {
			t.Errorf("after the transfer (-want +got):\n%s", diff)
		}
		if _, err := f.svc.Answer(ctx, officerDL, a.Code, feedback.Reply{Text: "Sở đã giải quyết."}); err != nil {
			t.Fatal(err)
		}
		rep, err = f.svc.Stats(ctx, officerDL, feedback.StatsQuery{Agency: "000.00.00.H16"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(row{"000.00.00.H16", 2, 0, 0, 1, 0, 1}, rowsOf([]feedback.StatsRow{rep.Total})[0]); diff != "" {
			t.Errorf("Đắk Lắk after the late answer (-want +got):\n%s", diff)
		}
		it, err := f.svc.Detail(ctx, officerDL, a.Code)
		if err != nil {
			t.Fatal(err)
		}
		if it.Timeliness != feedback.Late || it.Transfers != 1 || !it.DueAt.Equal(time.Date(2026, 2, 23, 17, 0, 0, 0, vn.ICT)) {
			t.Errorf("A after transfer and answer: timeliness %s, transfers %d, due %v", it.Timeliness, it.Transfers, it.DueAt.In(vn.ICT))
		}
	})
}

func TestTransferCanRestartDeadline(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d, feedback.Options{RestartDeadlineOnTransfer: true})
		it := mustSubmit(t, f, time.Date(2026, 2, 2, 10, 0, 0, 0, vn.ICT), sub(feedback.Feedback, "000.00.05.H36", "chuyển"))
		f.at(time.Date(2026, 2, 9, 10, 0, 0, 0, vn.ICT))
		got, err := f.svc.Transfer(context.Background(), officerLD, it.Code, feedback.Transfer{Agency: "000.00.02.H16", Reason: "Không thuộc thẩm quyền"})
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(2026, 3, 2, 17, 0, 0, 0, vn.ICT); !got.DueAt.Equal(want) || got.Status != feedback.Transferred {
			t.Errorf("after transfer: due %v, status %s; want due %v, transferred", got.DueAt.In(vn.ICT), got.Status, want)
		}
	})
}

func TestIdempotentSubmit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, feedback.Options{})
		s := sub(feedback.Question, "000.00.05.H36", "Hỏi về lệ phí")
		s.IdempotencyKey = "0b6f-4c1e"
		first, err := f.svc.Submit(ctx, nil, s)
		if err != nil {
			t.Fatal(err)
		}
		// A retry with extra spaces is the same submission once tidied.
		retry := s
		retry.Subject = "  Hỏi   về lệ phí "
		again, err := f.svc.Submit(ctx, nil, retry)
		if err != nil {
			t.Fatal(err)
		}
		if again.Code != first.Code {
			t.Errorf("retry got %s, want %s", again.Code, first.Code)
		}
		before := [2]int{count(t, d, "feedback_items"), count(t, d, "feedback_events")}
		other := s
		other.Content = "Một nội dung khác."
		_, err = f.svc.Submit(ctx, nil, other)
		if diff := cmp.Diff(errInfo{Code: errs.Conflict, Reason: "idempotency_key_reused"}, infoOf(err)); diff != "" {
			t.Errorf("same key, other content (-want +got):\n%s", diff)
		}
		if after := [2]int{count(t, d, "feedback_items"), count(t, d, "feedback_events")}; after != before {
			t.Errorf("rows %v → %v after a refused submission", before, after)
		}
		// Keys belong to their caller: the same key from a signed-in citizen is another submission.
		mine, err := f.svc.Submit(ctx, citizen, s)
		if err != nil || mine.Code == first.Code {
			t.Errorf("citizen's submission with the same key: %v, %v", mine, err)
		}
		// Concurrent retries of one submission store it once.
		s.IdempotencyKey = "concurrent-7"
		var wg sync.WaitGroup
		got := make([]string, 8)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				it, err := f.svc.Submit(ctx, nil, s)
				if err != nil {
					t.Error(err)
					return
				}
				got[i] = it.Code
			}()
		}
		wg.Wait()
		for _, c := range got {
			if c != got[0] {
				t.Fatalf("concurrent retries got different items: %v", got)
			}
		}
		if n := count(t, d, "feedback_items"); n != 3 {
			t.Errorf("%d items stored, want 3", n)
		}
	})
}

func TestBadInputChangesNothing(t *testing.T) {
	long := strings.Repeat("Phản ánh ", 1112) // 9 × 1112 = 10,008 characters
	tests := []struct {
		name string
		edit func(*feedback.Submission)
		want errInfo
	}{
		{"empty content", func(s *feedback.Submission) { s.Content = " \n " }, errInfo{errs.Invalid, "bad_submission", []string{"content"}}},
		{"content over 10,000 characters", func(s *feedback.Submission) { s.Content = long }, errInfo{errs.Invalid, "bad_submission", []string{"content"}}},
		{"bad e-mail", func(s *feedback.Submission) { s.Sender.Email = "an.nguyen@" }, errInfo{errs.Invalid, "bad_submission", []string{"sender.email"}}},
		{"e-mail with a name", func(s *feedback.Submission) { s.Sender.Email = "An <an@example.vn>" }, errInfo{errs.Invalid, "bad_submission", []string{"sender.email"}}},
		{"bad phone", func(s *feedback.Submission) { s.Sender.Phone = "gọi tôi" }, errInfo{errs.Invalid, "bad_submission", []string{"sender.phone"}}},
		{"unknown agency", func(s *feedback.Submission) { s.Agency = "000.00.77.H36" }, errInfo{errs.Invalid, "bad_submission", []string{"agency"}}},
		{"malformed agency", func(s *feedback.Submission) { s.Agency = "H36" }, errInfo{errs.Invalid, "bad_submission", []string{"agency"}}},
		{"malformed dossier code", func(s *feedback.Submission) { s.Dossier = "000.00.05.H36-261340-0001" }, errInfo{errs.Invalid, "bad_submission", []string{"dossier"}}},
		{"malformed procedure code", func(s *feedback.Submission) { s.Procedure = "4.001612" }, errInfo{errs.Invalid, "bad_submission", []string{"procedure"}}},
		{"malformed procedure instance", func(s *feedback.Submission) { s.Procedure = "1.001612.000.00.05" }, errInfo{errs.Invalid, "bad_submission", []string{"procedure"}}},
		{"unknown kind", func(s *feedback.Submission) { s.Kind = "complaint" }, errInfo{errs.Invalid, "bad_submission", []string{"kind"}}},
		{"no subject", func(s *feedback.Submission) { s.Subject = "" }, errInfo{errs.Invalid, "bad_submission", []string{"subject"}}},
		{"bad field code", func(s *feedback.Submission) { s.Field = "giáo dục" }, errInfo{errs.Invalid, "bad_submission", []string{"field"}}},
		{"no way to answer", func(s *feedback.Submission) { s.Sender = feedback.Sender{Name: "Ẩn Danh"} }, errInfo{errs.Invalid, "bad_submission", []string{"sender"}}},
		{"no name", func(s *feedback.Submission) { s.Sender.Name = "  " }, errInfo{errs.Invalid, "bad_submission", []string{"sender.name"}}},
		{"no agency at all", func(s *feedback.Submission) { s.Agency = "" }, errInfo{errs.Invalid, "bad_submission", []string{"agency"}}},
		{"unknown agency of a dossier", func(s *feedback.Submission) { s.Agency, s.Dossier = "", "000.00.77.H36-260202-0001" }, errInfo{errs.Invalid, "bad_submission", []string{"agency"}}},
	}
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, feedback.Options{})
		// The limit counts characters, not bytes: 10,000 Vietnamese characters are accepted.
		ok := sub(feedback.Feedback, "000.00.05.H36", "Giới hạn")
		ok.Content = strings.Repeat("ệ", feedback.MaxContent)
		mustSubmit(t, f, time.Date(2026, 2, 2, 10, 0, 0, 0, vn.ICT), ok)
		// Routing by a procedure instance or a dossier code when no agency is given.
		byInstance := sub(feedback.Question, "", "Theo thủ tục")
		byInstance.Procedure = "2.000815.000.00.05.H36"
		if it := mustSubmit(t, f, time.Date(2026, 2, 2, 10, 0, 0, 0, vn.ICT), byInstance); it.Agency != "000.00.05.H36" {
			t.Errorf("routed by instance to %s", it.Agency)
		}
		byDossier := sub(feedback.Feedback, "", "Theo hồ sơ")
		byDossier.Dossier = "000.00.04.H36-260202-0007"
		if it := mustSubmit(t, f, time.Date(2026, 2, 2, 10, 0, 0, 0, vn.ICT), byDossier); it.Agency != "000.00.04.H36" || it.Dossier != "000.00.04.H36-260202-0007" {
			t.Errorf("routed by dossier to %s (%s)", it.Agency, it.Dossier)
		}

		tables := []string{"feedback_items", "feedback_events", "audit_log"}
		snapshot := func() []int {
			var out []int
			for _, tb := range tables {
				out = append(out, count(t, d, tb))
			}
			return out
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot()
				s := sub(feedback.Feedback, "000.00.05.H36", "Thử")
				tc.edit(&s)
				it, err := f.svc.Submit(ctx, nil, s)
				if diff := cmp.Diff(tc.want, infoOf(err)); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				if it != nil {
					t.Errorf("got an item %s", it.Code)
				}
				if e := errs.As(err); e.Message == "" || len(e.Fields) == 0 || e.Fields[0].Message == "" {
					t.Errorf("the error does not explain itself: %+v", e)
				}
				if diff := cmp.Diff(before, snapshot()); diff != "" {
					t.Errorf("rows changed (-before +after):\n%s", diff)
				}
			})
		}

		// Steps refused: nothing changes either.
		open := mustSubmit(t, f, time.Date(2026, 2, 3, 10, 0, 0, 0, vn.ICT), sub(feedback.Feedback, "000.00.05.H36", "Mở"))
		done := mustSubmit(t, f, time.Date(2026, 2, 3, 10, 0, 0, 0, vn.ICT), sub(feedback.Question, "000.00.05.H36", "Đã trả lời"))
		if _, err := f.svc.Answer(ctx, officerLD, done.Code, feedback.Reply{Text: "Trả lời lần một."}); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name string
			do   func() error
			want errInfo
		}{
			{"answer an answered item", func() error {
				_, err := f.svc.Answer(ctx, officerLD, done.Code, feedback.Reply{Text: "Trả lời lần hai."})
				return err
			}, errInfo{Code: errs.Conflict, Reason: "already_answered"}},
			{"reject an answered item", func() error {
				_, err := f.svc.Reject(ctx, officerLD, done.Code, feedback.Rejection{Reason: "Trùng"})
				return err
			}, errInfo{Code: errs.Conflict, Reason: "already_answered"}},
			{"empty answer", func() error {
				_, err := f.svc.Answer(ctx, officerLD, open.Code, feedback.Reply{Text: " "})
				return err
			}, errInfo{errs.Invalid, "bad_answer", []string{"text"}}},
			{"answer too long", func() error {
				_, err := f.svc.Answer(ctx, officerLD, open.Code, feedback.Reply{Text: long})
				return err
			}, errInfo{errs.Invalid, "bad_answer", []string{"text"}}},
			{"reject without a reason", func() error {
				_, err := f.svc.Reject(ctx, officerLD, open.Code, feedback.Rejection{})
				return err
			}, errInfo{errs.Invalid, "reason_required", []string{"reason"}}},
			{"publish without an answer", func() error {
				_, err := f.svc.Publish(ctx, officerLD, open.Code, feedback.Publication{})
				return err
			}, errInfo{Code: errs.Conflict, Reason: "not_answered"}},
			{"transfer to an unknown agency", func() error {
				_, err := f.svc.Transfer(ctx, officerLD, open.Code, feedback.Transfer{Agency: "000.00.77.H16", Reason: "Sai thẩm quyền"})
				return err
			}, errInfo{errs.Invalid, "bad_transfer", []string{"agency"}}},
			{"transfer to the same agency", func() error {
				_, err := f.svc.Transfer(ctx, officerLD, open.Code, feedback.Transfer{Agency: "000.00.05.H36", Reason: "Sai thẩm quyền"})
				return err
			}, errInfo{errs.Invalid, "bad_transfer", []string{"agency"}}},
			{"transfer without a reason", func() error {
				_, err := f.svc.Transfer(ctx, officerLD, open.Code, feedback.Transfer{Agency: "000.00.02.H16"})
				return err
			}, errInfo{errs.Invalid, "bad_transfer", []string{"reason"}}},
			{"an officer of another agency answers", func() error {
				_, err := f.svc.Answer(ctx, officerDL, open.Code, feedback.Reply{Text: "Không phải việc của tôi."})
				return err
			}, errInfo{Code: errs.Forbidden, Reason: "missing_role"}},
			{"a viewer answers", func() error {
				_, err := f.svc.Answer(ctx, viewerLD, open.Code, feedback.Reply{Text: "Xem thôi."})
				return err
			}, errInfo{Code: errs.Forbidden, Reason: "missing_role"}},
			{"anonymous answers", func() error {
				_, err := f.svc.Answer(ctx, nil, open.Code, feedback.Reply{Text: "Ai đó.", Officer: "Ai đó"})
				return err
			}, errInfo{Code: errs.Unauthorized}},
			{"stale version", func() error {
				_, err := f.svc.Assign(ctx, officerLD, open.Code, feedback.Assignment{Assignee: "Trần Văn Bình", Version: 7})
				return err
			}, errInfo{Code: errs.Conflict, Reason: "stale_item"}},
			{"malformed tracking code", func() error {
				_, err := f.svc.Answer(ctx, officerLD, "PA-123", feedback.Reply{Text: "x"})
				return err
			}, errInfo{Code: errs.Invalid, Reason: "bad_tracking_code"}},
			{"unknown tracking code", func() error {
				_, err := f.svc.Answer(ctx, officerLD, "PA-0000000000", feedback.Reply{Text: "x"})
				return err
			}, errInfo{Code: errs.NotFound, Reason: "no_item"}},
		}
		for _, tc := range steps {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot()
				if diff := cmp.Diff(tc.want, infoOf(tc.do())); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(before, snapshot()); diff != "" {
					t.Errorf("rows changed (-before +after):\n%s", diff)
				}
			})
		}
		it, err := f.svc.Detail(ctx, officerLD, open.Code)
		if err != nil {
			t.Fatal(err)
		}
		if it.Status != feedback.Received || it.Version != 1 || len(it.Events) != 1 {
			t.Errorf("the open item changed: status %s, version %d, %d events", it.Status, it.Version, len(it.Events))
		}
	})
}

func TestAccessRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, feedback.Options{})
		item := mustSubmit(t, f, time.Date(2026, 2, 3, 10, 0, 0, 0, vn.ICT), sub(feedback.Feedback, "000.00.05.H36", "Quyền"))
		type want struct{ Detail, List, Stats, Assign errs.Code }
		const ok = errs.Code("")
		tests := []struct {
			name string
			by   *auth.Principal
			want want
		}{
			{"officer of the province", officerLD, want{ok, ok, ok, ok}},
			{"leader of the department", leaderSTP, want{ok, errs.Forbidden, ok, ok}}, // lists the province: outside its subtree
			{"officer of another province", officerDL, want{errs.Forbidden, errs.Forbidden, ok, errs.Forbidden}},
			{"viewer of the province", viewerLD, want{ok, ok, ok, errs.Forbidden}},
			{"Government Office viewer", viewerGov, want{errs.Forbidden, errs.Forbidden, ok, errs.Forbidden}},
			{"clerk of the province", clerkLD, want{errs.Forbidden, errs.Forbidden, ok, errs.Forbidden}},
			{"citizen", citizen, want{errs.Forbidden, errs.Forbidden, errs.Forbidden, errs.Forbidden}},
			{"connected system of the province", clientLD, want{ok, ok, ok, errs.Forbidden}},
			{"anonymous", nil, want{errs.Unauthorized, errs.Unauthorized, errs.Unauthorized, errs.Unauthorized}},
			{"system administrator", auth.System, want{ok, ok, ok, ok}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var got want
				_, err := f.svc.Detail(ctx, tc.by, item.Code)
				got.Detail = infoOf(err).Code
				_, err = f.svc.List(ctx, tc.by, feedback.Filter{Agency: "000.00.00.H36"})
				got.List = infoOf(err).Code
				_, err = f.svc.Stats(ctx, tc.by, feedback.StatsQuery{Agency: "000.00.00.H36"})
				got.Stats = infoOf(err).Code
				_, err = f.svc.Assign(ctx, tc.by, item.Code, feedback.Assignment{Assignee: "Trần Văn Bình"})
				got.Assign = infoOf(err).Code
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestWorkflowEventsAndPublication(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, feedback.Options{})
		s := sub(feedback.Question, "000.00.02.H16", "Chứng thực bản sao điện tử có cần bản chính?")
		s.Field, s.Procedure = "g03-gd10", "2.000815"
		it := mustSubmit(t, f, time.Date(2026, 2, 3, 10, 0, 0, 0, vn.ICT), s)
		if it.Field != "G03-GD10" || it.Status != feedback.Received || !strings.HasPrefix(it.Code, "HD-") || len(it.Code) != 13 {
			t.Errorf("submitted: %+v", it)
		}
		auditBefore := count(t, d, "audit_log")
		f.at(time.Date(2026, 2, 3, 14, 0, 0, 0, vn.ICT))
		if _, err := f.svc.Assign(ctx, officerDL, it.Code, feedback.Assignment{Assignee: "Y Bhim Niê", Note: "Xử lý gấp"}); err != nil {
			t.Fatal(err)
		}
		f.at(time.Date(2026, 2, 4, 9, 0, 0, 0, vn.ICT))
		if _, err := f.svc.Transfer(ctx, officerDL, it.Code, feedback.Transfer{Agency: "000.00.05.H36", Reason: "Thuộc thẩm quyền Sở Tư pháp Lâm Đồng"}); err != nil {
			t.Fatal(err)
		}
		// The first agency no longer sees it; the new one does.
		if _, err := f.svc.Detail(ctx, officerDL, it.Code); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the first agency after the transfer: %v", err)
		}
		f.at(time.Date(2026, 2, 5, 9, 0, 0, 0, vn.ICT))
		if _, err := f.svc.Answer(ctx, leaderSTP, it.Code, feedback.Reply{Text: "Có.\r\nCần xuất trình bản chính.", Title: "Phó Giám đốc"}); err != nil {
			t.Fatal(err)
		}
		f.at(time.Date(2026, 2, 5, 10, 0, 0, 0, vn.ICT))
		got, err := f.svc.Publish(ctx, leaderSTP, it.Code, feedback.Publication{})
		if err != nil {
			t.Fatal(err)
		}
		type ev struct {
			At             time.Time
			Actor, Action  string
			From, To       feedback.Status
			Agency, Reason string
		}
		var evs []ev
		for _, e := range got.Events {
			evs = append(evs, ev{e.At.In(vn.ICT), e.Actor, e.Action, e.From, e.To, e.Agency, e.Reason})
		}
		want := []ev{
			{time.Date(2026, 2, 3, 10, 0, 0, 0, vn.ICT), "anonymous", "submit", "", feedback.Received, "000.00.02.H16", ""},
			{time.Date(2026, 2, 3, 14, 0, 0, 0, vn.ICT), "user:chuyenvien.daklak", "assign", feedback.Received, feedback.Assigned, "000.00.02.H16", "Xử lý gấp"},
			{time.Date(2026, 2, 4, 9, 0, 0, 0, vn.ICT), "user:chuyenvien.daklak", "transfer", feedback.Assigned, feedback.Transferred, "000.00.05.H36", "Thuộc thẩm quyền Sở Tư pháp Lâm Đồng"},
			{time.Date(2026, 2, 5, 9, 0, 0, 0, vn.ICT), "user:lanhdao.stp", "answer", feedback.Transferred, feedback.Answered, "000.00.05.H36", ""},
			{time.Date(2026, 2, 5, 10, 0, 0, 0, vn.ICT), "user:lanhdao.stp", "publish", feedback.Answered, feedback.Published, "000.00.05.H36", ""},
		}
		if diff := cmp.Diff(want, evs); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
		// Transfer, answer and publish are audited.
		if n := count(t, d, "audit_log") - auditBefore; n != 3 {
			t.Errorf("%d audit entries, want 3", n)
		}
		if got.Answer == nil || got.Answer.Text != "Có.\nCần xuất trình bản chính." || got.Answer.Officer != "Nguyễn Thị Hồng" || got.Timeliness != feedback.OnTime {
			t.Errorf("answer: %+v, timeliness %s", got.Answer, got.Timeliness)
		}

		// The published list finds it without diacritics; the sender is nowhere in public views.
		for _, q := range []string{"chung thuc ban chinh", "CHỨNG THỰC", "xuat trinh", "g03-gd10"} {
			list, err := f.svc.PublishedAnswers(ctx, feedback.PublishedFilter{Query: q})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].Code != it.Code {
				t.Errorf("search %q found %d", q, len(list))
			}
		}
		for _, q := range []string{"nguyen van an", "an.nguyen", "100%"} {
			if list, err := f.svc.PublishedAnswers(ctx, feedback.PublishedFilter{Query: q}); err != nil || len(list) != 0 {
				t.Errorf("search %q: %d found, %v; the sender must not be searchable publicly", q, len(list), err)
			}
		}
		pub, err := f.svc.Get(ctx, strings.ToLower(it.Code))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(pub)
		for _, secret := range []string{"an.nguyen@example.vn", "0912 345 678", "Nguyễn Văn An", "Đà Lạt"} {
			if strings.Contains(string(b), secret) {
				t.Errorf("the public view shows %q: %s", secret, b)
			}
		}
		// Officers find it by the sender's name, without diacritics.
		list, err := f.svc.List(ctx, officerLD, feedback.Filter{Agency: "000.00.00.H36", Query: "nguyen van an"})
		if err != nil || len(list) != 1 {
			t.Errorf("officer search by sender: %d, %v", len(list), err)
		}
	})
}

func TestParseCode(t *testing.T) {
	tests := []struct {
		in, want string
		kind     feedback.Kind
		bad      bool
	}{
		{in: "PA-7KQ2M9XW4T", want: "PA-7KQ2M9XW4T", kind: feedback.Feedback},
		{in: " kn-7kq2m9xw4t ", want: "KN-7KQ2M9XW4T", kind: feedback.Petition},
		{in: "HD-O1IL000000", want: "HD-0111000000", kind: feedback.Question},
		{in: "PA-7KQ2M9XW4", bad: true},
		{in: "XX-7KQ2M9XW4T", bad: true},
		{in: "PA-7KQ2M9XW4U", bad: true},
		{in: "", bad: true},
	}
	for _, tc := range tests {
		got, kind, err := feedback.ParseCode(tc.in)
		if (err != nil) != tc.bad || got != tc.want || kind != tc.kind {
			t.Errorf("ParseCode(%q) = %q, %q, %v", tc.in, got, kind, err)
		}
	}
}

func TestLoadDemo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, feedback.Options{})
		f.at(time.Date(2026, 3, 10, 9, 0, 0, 0, vn.ICT))
		for i := 0; i < 2; i++ { // loading twice is harmless
			if err := feedback.LoadDemo(ctx, f.svc); err != nil {
				t.Fatal(err)
			}
		}
		rep, err := f.svc.Stats(ctx, viewerGov, feedback.StatsQuery{})
		if err != nil {
			t.Fatal(err)
		}
		overdue := map[string]int{}
		for _, p := range rep.Provinces {
			overdue[p.Code] = p.Overdue
		}
		want := map[string]int{"000.00.00.H16": 3, "000.00.00.H17": 3, "000.00.00.H36": 0, "000.00.00.H21": 0, "000.00.00.H48": 0}
		if diff := cmp.Diff(want, overdue); diff != "" {
			t.Errorf("overdue per province (-want +got):\n%s", diff)
		}
		if rep.Total.Received != 13 || rep.Total.DueSoon != 1 || rep.Total.Published != 3 || rep.Total.Rejected != 1 || rep.Total.Late != 2 {
			t.Errorf("demo totals: %+v", rep.Total)
		}
		list, err := f.svc.PublishedAnswers(ctx, feedback.PublishedFilter{Query: "tuyen sinh"})
		if err != nil || len(list) != 1 {
			t.Errorf("published search: %d, %v", len(list), err)
		}
	})
}

func TestSyncRecords(t *testing.T) {
	it := &feedback.Item{Code: "HD-7KQ2M9XW4T", Field: "G03-GD10", Subject: "Hồ sơ tuyển sinh", Content: "Gồm những gì?",
		Agency: "000.00.08.H21", AgencyName: "Sở Giáo dục và Đào tạo tỉnh Gia Lai",
		Answer: &feedback.Answer{Text: "Đơn, học bạ.", Officer: "Nguyễn Văn Sơn", Title: "Trưởng phòng", At: time.Date(2026, 3, 2, 7, 30, 5, 0, time.UTC)}}
	ar, ok := it.AnswerRecord()
	b, _ := json.Marshal(struct {
		Q feedback.QuestionRecord
		A feedback.AnswerRecord
	}{it.QuestionRecord(), ar})
	want := `{"Q":{"HOIDAPID":"HD-7KQ2M9XW4T","MaLinhVuc":"G03-GD10","NOIDUNG":"Hồ sơ tuyển sinh\n\nGồm những gì?","MADONVI":"000.00.08.H21","TENDONVI":"Sở Giáo dục và Đào tạo tỉnh Gia Lai"},` +
		`"A":{"HOIDAPID":"HD-7KQ2M9XW4T","MADONVI":"000.00.08.H21","NGUOITRALOI":"Nguyễn Văn Sơn","CHUCVUNGUOITRALOI":"Trưởng phòng","NGAYTRALOI":"20260302143005","NOIDUNGTRALOI":"Đơn, học bạ."}}`
	if !ok || string(b) != want {
		t.Errorf("records:\n%s\nwant\n%s", b, want)
	}
}

func ExampleParseCode() {
	code, kind, err := feedback.ParseCode("pa-7kq2m9xw4t")
	fmt.Println(code, kind, err)
	// Output: PA-7KQ2M9XW4T feedback <nil>
}

package scorecard_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/errs"
	"github.com/lienthong/lienthong/internal/scorecard"
)

var ict = time.FixedZone("ICT", 7*3600)

var (
	officer   = &auth.Principal{Kind: auth.KindUser, ID: "theodoi", Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.G22"}}}
	client    = &auth.Principal{Kind: auth.KindClient, ID: "c1", Agency: "000.00.00.H36"}
	applicant = &auth.Principal{Kind: auth.KindUser, ID: "dan", ApplicantKind: "citizen"}
)

type fixture struct {
	db  *db.DB
	reg *agency.Registry
	svc *scorecard.Service
	now time.Time
	seq int
}

func newFixture(t testing.TB, d *db.DB, chunk int) *fixture {
	t.Helper()
	ctx := context.Background()
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
	f := &fixture{db: d, reg: reg, now: time.Date(2026, 6, 15, 10, 0, 0, 0, ict)}
	f.svc = scorecard.New(d, reg, scorecard.Options{Chunk: chunk, Now: func() time.Time { return f.now }})
	return f
}

func (f *fixture) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	if err := f.db.Tx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.Exec(context.Background(), q, args...)
		return err
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// axisDoc stores a document from sender to recipients as the axis does (one delivery each).
func (f *fixture) axisDoc(t testing.TB, at time.Time, sender string, recipients ...string) {
	f.seq++
	id := fmt.Sprintf("doc-%d", f.seq)
	f.exec(t, `INSERT INTO axis_documents (id, dedupe_key, kind, document_id, sender_code, client_id, package_sha, package_size, signature_state, received_at)
		VALUES (?, ?, 'edoc', ?, ?, 'c', 'x', 1, 'none', ?)`, id, id, id, sender, at.UTC())
	for _, r := range recipients {
		f.exec(t, `INSERT INTO axis_deliveries (document, recipient_code, created_at, updated_at) VALUES (?, ?, ?, ?)`, id, r, at.UTC(), at.UTC())
	}
}

// dossier submits a dossier at at (event "submit") and, when processed is set, processes it then.
func (f *fixture) dossier(t testing.TB, ag, channel string, at time.Time, due time.Time, processed *time.Time) {
	f.seq++
	code := fmt.Sprintf("D-%d", f.seq)
	f.exec(t, `INSERT INTO dossiers (code, agency_code, procedure_code, instance_code, procedure_name, status, channel, applicant_kind, applicant_name,
		processing_days, submitted_at, due_at, updated_at) VALUES (?, ?, 'p', 'p', 'p', 1, ?, 'citizen', 'A', 5, ?, ?, ?)`, code, ag, channel, at.UTC(), due.UTC(), at.UTC())
	f.exec(t, `INSERT INTO dossier_events (dossier_code, at, actor, action, from_status, to_status, detail) VALUES (?, ?, 'x', 'submit', 0, 1, ?)`, code, at.UTC(), channel)
	f.exec(t, `INSERT INTO dossier_events (dossier_code, at, actor, action, from_status, to_status) VALUES (?, ?, 'x', 'accept', 1, 2)`, code, at.UTC())
	if processed != nil {
		f.exec(t, `INSERT INTO dossier_events (dossier_code, at, actor, action, from_status, to_status) VALUES (?, ?, 'x', 'process', 4, 9)`, code, processed.UTC())
	}
}

// outgoing issues an outgoing document, signed digitally or on paper, and returns its id.
func (f *fixture) outgoing(t testing.TB, ag string, at time.Time, digital bool) int64 {
	f.seq++
	method := "paper"
	if digital {
		method = "digital"
	}
	id := int64(f.seq)
	f.exec(t, `INSERT INTO office_outgoing (id, agency_code, status, doc_type, subject, created_by, created_at, updated_at, signed, signature_method)
		VALUES (?, ?, 'issued', 1, 's', 'x', ?, ?, ?, ?)`, id, ag, at.UTC(), at.UTC(), true, method)
	f.exec(t, `INSERT INTO office_events (owner_kind, owner_id, at, actor, action, from_state, to_state) VALUES ('outgoing', ?, ?, 'x', 'issue', 'signed', 'issued')`, id, at.UTC())
	return id
}

// workFile closes a work file holding the given outgoing documents.
func (f *fixture) workFile(t testing.TB, ag string, at time.Time, docs ...int64) {
	f.seq++
	id := int64(f.seq)
	f.exec(t, `INSERT INTO office_files (id, agency_code, year, number, group_abbr, code, title, status, created_by, created_at, updated_at)
		VALUES (?, ?, 2026, ?, 'g', ?, 't', 'closed', 'x', ?, ?)`, id, ag, fmt.Sprint(id), fmt.Sprintf("F%d", id), at.UTC(), at.UTC())
	for i, d := range docs {
		f.exec(t, `INSERT INTO office_file_items (file_id, position, kind, doc_id, added_at, added_by) VALUES (?, ?, 'outgoing', ?, ?, 'x')`, id, i+1, d, at.UTC())
	}
	f.exec(t, `INSERT INTO office_events (owner_kind, owner_id, at, actor, action, from_state, to_state) VALUES ('file', ?, ?, 'x', 'closed', 'open', 'closed')`, id, at.UTC())
}

func (f *fixture) feedback(t testing.TB, ag, province string, due time.Time, open bool) {
	f.seq++
	isOpen := 0
	status := "answered"
	if open {
		isOpen, status = 1, "received"
	}
	f.exec(t, `INSERT INTO feedback_items (code, kind, status, is_open, subject, content, sender_name, agency_code, agency_key, province_code,
		response_days, received_at, due_at, search_text, sender_search, updated_at)
		VALUES (?, 'feedback', ?, ?, 's', 'c', 'n', ?, ?, ?, 10, ?, ?, '', '', ?)`,
		fmt.Sprintf("PA-%d", f.seq), status, isOpen, ag, ag, province, due.UTC(), due.UTC(), due.UTC())
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 9, 0, 0, 0, ict) }

// load writes the small fixture whose figures the tests check exactly.
func (f *fixture) load(t testing.TB) {
	// Lâm Đồng: 3 documents this year (one to two recipients), 1 last year; Đắk Lắk receives.
	f.axisDoc(t, day(2026, 2, 3), "000.00.01.H36", "000.00.00.H16", "000.00.02.H36")
	f.axisDoc(t, day(2026, 3, 3), "000.00.30.H36", "000.00.00.H36")
	f.axisDoc(t, day(2026, 5, 31).Add(15*time.Hour), "000.00.00.H36", "000.00.00.H16") // 1 June in Vietnam: outside to=2026-05
	f.axisDoc(t, day(2025, 3, 3), "000.00.01.H36", "000.00.00.H16")
	// Dossiers in Lâm Đồng: 3 received (2 online), one on time, one late, one still open.
	p1, p2 := day(2026, 3, 10), day(2026, 4, 20)
	f.dossier(t, "000.00.01.H36", "online", day(2026, 3, 2), day(2026, 3, 12), &p1)
	f.dossier(t, "000.00.01.H36", "online", day(2026, 3, 5), day(2026, 4, 1), &p2)
	f.dossier(t, "000.00.30.H36", "counter", day(2026, 4, 5), day(2026, 4, 30), nil)
	// Office in Đắk Lắk: 3 issued, 2 signed digitally; a province-level file all electronic, one mixed.
	a := f.outgoing(t, "000.00.01.H16", day(2026, 2, 1), true)
	b := f.outgoing(t, "000.00.01.H16", day(2026, 2, 2), true)
	c := f.outgoing(t, "000.00.01.H16", day(2026, 2, 3), false)
	f.workFile(t, "000.00.01.H16", day(2026, 3, 1), a)
	f.workFile(t, "000.00.01.H16", day(2026, 3, 2), b, c)
	// Feedback: two overdue in Đắk Lắk, one open but not yet due, one answered.
	f.feedback(t, "000.00.01.H16", "000.00.00.H16", day(2026, 6, 1), true)
	f.feedback(t, "000.00.02.H16", "000.00.00.H16", day(2026, 6, 2), true)
	f.feedback(t, "000.00.01.H16", "000.00.00.H16", day(2026, 7, 1), true)
	f.feedback(t, "000.00.01.H36", "000.00.00.H36", day(2026, 5, 1), false)
}

func row(t *testing.T, sc *scorecard.Scorecard, code string) scorecard.Row {
	t.Helper()
	for _, r := range sc.Rows {
		if r.Code == code {
			return r
		}
	}
	t.Fatalf("no row %s", code)
	return scorecard.Row{}
}

func period(t *testing.T, from, to string) scorecard.Period {
	t.Helper()
	p, err := scorecard.ParsePeriod(from, to, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func checkValues(t *testing.T, r scorecard.Row, want map[string]float64) {
	t.Helper()
	for k, w := range want {
		if got := r.Values[k]; got != w {
			t.Errorf("%s %s = %v, want %v", r.Code, k, got, w)
		}
	}
}

func TestFigures(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, 2) // tiny chunks: many fold transactions
		f.load(t)
		sc, err := f.svc.Get(ctx, officer, period(t, "2026-01", "2026-05"))
		if err != nil {
			t.Fatal(err)
		}
		ld, dl := row(t, sc, "000.00.00.H36"), row(t, sc, "000.00.00.H16")
		checkValues(t, ld, map[string]float64{
			"axis_sent": 2, "axis_received": 2, "axis_exchanged": 4, "axis_exchanged_last_year": 1, "axis_growth": 4,
			"dossier_received": 3, "dossier_online": 2, "dossier_on_time": 1, "dossier_late": 1, "on_time_rate": 50,
			"online_share": 200.0 / 3, "feedback_overdue": 0,
		})
		checkValues(t, dl, map[string]float64{
			"axis_sent": 0, "axis_received": 1, "axis_exchanged_last_year": 1,
			"office_issued": 3, "office_signed": 2, "signature_rate": 200.0 / 3,
			"office_files_closed": 2, "electronic_rate": 50, "electronic_rate@province": 50, "feedback_overdue": 2,
		})
		if _, ok := dl.Values["electronic_rate@commune"]; ok {
			t.Errorf("a commune rate without commune files: %v", dl.Values)
		}
		// Registry figures come from the effective-dated registry: districts were abolished in 2025.
		if ld.Values["agencies"] == 0 || ld.Values["on_axis@district"] != 0 {
			t.Errorf("registry counts in 2026: %v", ld.Values)
		}
		if _, err := f.reg.SetRegistration(ctx, auth.System, "000.05.30.H36", false); err != nil {
			t.Fatal(err)
		}
		old, err := f.svc.Get(ctx, officer, period(t, "2024-01", "2024-12"))
		if err != nil {
			t.Fatal(err)
		}
		if o := row(t, old, "000.00.00.H36"); o.Values["on_axis@district"] == 0 || o.Values["on_axis@commune"] == 0 ||
			o.Values["agencies_on_axis"] != o.Values["agencies"]-1 || o.Values["on_axis@commune"] != o.Values["agencies@commune"]-1 || o.Values["agencies"] <= ld.Values["agencies"] {
			t.Errorf("registry counts in 2024: %v", o.Values)
		}
		// The June document shows in a period that includes June.
		sc, err = f.svc.Get(ctx, client, period(t, "2026-06", "2026-06"))
		if err != nil {
			t.Fatal(err)
		}
		checkValues(t, row(t, sc, "000.00.00.H36"), map[string]float64{"axis_sent": 1, "axis_exchanged_last_year": 0, "axis_growth": 0, "dossier_received": 0})

		// Drill-down per agency.
		dr, err := f.svc.Province(ctx, officer, "000.00.00.H36", period(t, "2026-01", "2026-05"))
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range dr.Rows {
			if r.Code == "000.00.01.H36" {
				found = true
				checkValues(t, r, map[string]float64{"axis_sent": 1, "dossier_received": 2, "dossier_on_time": 1, "dossier_late": 1, "axis_exchanged_last_year": 1})
			}
			if r.Code == "000.00.30.H36" {
				checkValues(t, r, map[string]float64{"axis_sent": 1, "dossier_received": 1})
			}
		}
		if !found || dr.Province.Code != "000.00.00.H36" {
			t.Errorf("drill-down: %+v", dr.Province)
		}
		if _, err := f.svc.Province(ctx, officer, "000.00.01.H36", period(t, "2026-01", "2026-05")); !errs.Is(err, errs.NotFound) {
			t.Errorf("a department is not a province: %v", err)
		}
	})
}

func TestAccess(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newFixture(t, d, 100)
	p := period(t, "2026-01", "2026-05")
	if _, err := f.svc.Get(context.Background(), nil, p); !errs.Is(err, errs.Unauthorized) {
		t.Errorf("anonymous: %v", err)
	}
	if _, err := f.svc.Get(context.Background(), applicant, p); !errs.Is(err, errs.Forbidden) {
		t.Errorf("applicant: %v", err)
	}
}

// TestIncrementalFold checks that folding as activity arrives, in small chunks, gives the same
// counts as folding everything at once on a fresh copy.
func TestIncrementalFold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, 3)
		for i := 0; i < 4; i++ {
			f.load(t)
			if _, err := f.svc.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
		}
		incremental := dump(t, d)
		// Fresh fold: forget the counts and cursors, then fold with one big chunk.
		f.exec(t, `DELETE FROM scorecard_agency`)
		f.exec(t, `DELETE FROM scorecard_province`)
		f.exec(t, `DELETE FROM scorecard_cursors`)
		fresh := scorecard.New(d, f.reg, scorecard.Options{Chunk: 100000})
		if _, err := fresh.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		again := dump(t, d)
		if len(incremental) == 0 || len(incremental) != len(again) {
			t.Fatalf("incremental %d rows, fresh %d", len(incremental), len(again))
		}
		for k, v := range incremental {
			if again[k] != v {
				t.Errorf("%s: incremental %d, fresh %d", k, v, again[k])
			}
		}
		if incremental["000.00.00.H36|2026-03||dossier_received"] != 8 {
			t.Errorf("four loads of two March dossiers: %d", incremental["000.00.00.H36|2026-03||dossier_received"])
		}
		// A refresh with nothing new changes nothing.
		if n, err := fresh.Refresh(ctx); err != nil || n != 0 {
			t.Errorf("idle refresh: %d %v", n, err)
		}
	})
}

func dump(t *testing.T, d *db.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	err := d.Read(context.Background(), func(tx *db.Tx) error {
		for _, q := range []string{
			`SELECT province_code, month, agency_code, indicator, value FROM scorecard_agency`,
			`SELECT province_code, month, '', indicator, value FROM scorecard_province`,
		} {
			rows, err := tx.Query(context.Background(), q)
			if err != nil {
				return err
			}
			for rows.Next() {
				var p, m, a, i string
				var v int64
				if err := rows.Scan(&p, &m, &a, &i, &v); err != nil {
					rows.Close()
					return err
				}
				out[p+"|"+m+"|"+a+"|"+i] = v
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPeriod(t *testing.T) {
	now := time.Date(2026, 1, 1, 1, 0, 0, 0, time.UTC) // already January 1st in Vietnam... it is 08:00 there
	p, err := scorecard.ParsePeriod("", "", now)
	if err != nil || p.String() != "2026-01…2026-01" {
		t.Errorf("default: %v %v", p, err)
	}
	now = time.Date(2025, 12, 31, 18, 0, 0, 0, time.UTC) // 01:00 on 1 January 2026 in Vietnam
	if p, _ := scorecard.ParsePeriod("", "", now); p.To.String() != "2026-01" {
		t.Errorf("month in Vietnam's zone: %v", p)
	}
	p, err = scorecard.ParsePeriod("2025-11", "2026-02", now)
	if err != nil || p.Months() != 4 || p.LastYear().String() != "2024-11…2025-02" {
		t.Errorf("period: %v %d %v", p, p.Months(), err)
	}
	if !p.Start().Equal(time.Date(2025, 11, 1, 0, 0, 0, 0, ict)) || !p.End().Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, ict)) {
		t.Errorf("bounds %v %v", p.Start(), p.End())
	}
	for _, bad := range [][2]string{{"2026-03", "2026-02"}, {"2026-13", ""}, {"x", "2026-01"}, {"2020-01", "2026-01"}} {
		if _, err := scorecard.ParsePeriod(bad[0], bad[1], now); !errs.Is(err, errs.Invalid) {
			t.Errorf("%v: %v", bad, err)
		}
	}
	if scorecard.Growth(10, 2) != 5 || scorecard.Growth(3, 0) != 0 || scorecard.Percent(1, 4) != 25 || scorecard.Percent(1, 0) != 0 {
		t.Error("arithmetic")
	}
	if m := (scorecard.Month{Year: 2026, Month: 1}).Add(-13); m.String() != "2024-12" {
		t.Errorf("Add: %v", m)
	}
}

type fakeSource struct{ err error }

func (fakeSource) Name() string { return "sync" }
func (fakeSource) Indicators() []scorecard.Indicator {
	return []scorecard.Indicator{{Key: "sync_refused", Group: "sync", Vi: "Hồ sơ bị từ chối", En: "Records refused", Unit: "count"}}
}
func (s fakeSource) Figures(context.Context, scorecard.Period) (map[string]map[string]float64, error) {
	return map[string]map[string]float64{"000.00.00.H16": {"sync_refused": 7}}, s.err
}

func TestSources(t *testing.T) {
	d := dbtest.SQLite(t)
	f := newFixture(t, d, 100)
	f.svc.Register(fakeSource{})
	sc, err := f.svc.Get(context.Background(), officer, period(t, "2026-01", "2026-05"))
	if err != nil {
		t.Fatal(err)
	}
	if row(t, sc, "000.00.00.H16").Values["sync_refused"] != 7 || sc.Indicators[len(sc.Indicators)-1].Source != "sync" {
		t.Errorf("source figures: %v", row(t, sc, "000.00.00.H16").Values)
	}
	f2 := newFixture(t, dbtest.SQLite(t), 100)
	f2.svc.Register(fakeSource{err: fmt.Errorf("national node unreachable")})
	sc, err = f2.svc.Get(context.Background(), officer, period(t, "2026-01", "2026-05"))
	if err != nil || sc.SourceErrors["sync"] == "" || row(t, sc, "000.00.00.H16").Has("sync_refused") {
		t.Errorf("failing source: %v %v", sc.SourceErrors, err)
	}
}

// Rows younger than the settling delay wait for the next fold, so that on PostgreSQL a transaction
// that took a lower id but commits later is not passed over.
func TestSettleDelay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := newFixture(t, d, 100)
		f.svc = scorecard.New(d, f.reg, scorecard.Options{Chunk: 100, Settle: time.Minute, Now: func() time.Time { return f.now }})
		f.dossier(t, "000.00.00.H36", "online", f.now.Add(-10*time.Second), f.now.Add(72*time.Hour), nil)
		count := func() float64 {
			sc, err := f.svc.Get(ctx, officer, period(t, "2026-06", "2026-06"))
			if err != nil {
				t.Fatal(err)
			}
			return row(t, sc, "000.00.00.H36").Values["dossier_received"]
		}
		if n := count(); n != 0 {
			t.Fatalf("a dossier 10 s old was folded with a 1 min settling delay: %v", n)
		}
		f.now = f.now.Add(2 * time.Minute)
		if n := count(); n != 1 {
			t.Fatalf("after the delay: %v received, want 1", n)
		}
	})
}

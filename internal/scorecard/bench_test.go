package scorecard_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/agency/agencytest"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/scorecard"
)

var benchIndicators = []string{"axis_sent", "axis_received", "office_issued", "office_signed", "office_files_closed", "office_files_electronic",
	"dossier_received", "dossier_online", "dossier_on_time", "dossier_late"}

// BenchmarkRead reads the whole scorecard (63 provinces, a 12-month period and the same period
// last year) over aggregates sized like 10,000,000 dossiers and 5,000,000 documents spread over 24
// months: 63 provinces × 40 active agencies × 24 months × 10 indicators in the agency table and the
// province totals beside them. The read touches the aggregates only.
func BenchmarkRead(b *testing.B) {
	ctx := context.Background()
	d := dbtest.SQLite(b)
	reg, err := agency.NewRegistry(ctx, d)
	if err != nil {
		b.Fatal(err)
	}
	rows, err := agency.ParseCSV(strings.NewReader(agencytest.CSV(8, 10)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := reg.Import(ctx, auth.System, rows); err != nil {
		b.Fatal(err)
	}
	start := scorecard.Month{Year: 2025, Month: time.January}
	err = d.Tx(ctx, func(tx *db.Tx) error {
		for p := 1; p <= 63; p++ {
			prov := fmt.Sprintf("000.00.00.H%02d", p)
			for m := 0; m < 24; m++ {
				month := start.Add(m).String()
				for i, ind := range benchIndicators {
					// Per province per month about 7,000 dossiers and 3,300 documents: 10M and 5M in all.
					v := int64(7000 + 100*i)
					if _, err := tx.Exec(ctx, `INSERT INTO scorecard_province (month, province_code, indicator, value) VALUES (?, ?, ?, ?)`, month, prov, ind, v); err != nil {
						return err
					}
					for a := 1; a <= 40; a++ {
						ag := fmt.Sprintf("000.00.%02d.H%02d", a%20+1, p)
						if a > 20 {
							ag = fmt.Sprintf("000.%02d.30.H%02d", a-20, p)
						}
						if _, err := tx.Exec(ctx, `INSERT INTO scorecard_agency (province_code, month, agency_code, indicator, value) VALUES (?, ?, ?, ?, ?)
							ON CONFLICT (province_code, month, agency_code, indicator) DO UPDATE SET value = scorecard_agency.value + excluded.value`, prov, month, ag, ind, v/40); err != nil {
							return err
						}
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 20, 10, 0, 0, 0, ict)
	svc := scorecard.New(d, reg, scorecard.Options{Now: func() time.Time { return now }})
	p, _ := scorecard.ParsePeriod("2026-01", "2026-12", now)
	if _, err := svc.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("all-provinces", func(b *testing.B) {
		for b.Loop() {
			sc, err := svc.Get(ctx, officer, p)
			if err != nil {
				b.Fatal(err)
			}
			if len(sc.Rows) < 63 || sc.Rows[0].Values["dossier_received"] != 12*7600 {
				b.Fatalf("rows %d, %v", len(sc.Rows), sc.Rows[0].Values["dossier_received"])
			}
		}
	})
	b.Run("drill-down", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.Province(ctx, officer, "000.00.00.H36", p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFold measures the refresher: dossier events folded per second (each chunk one
// transaction with its cursor), from a fresh cursor over 20,000 dossiers with three events each.
func BenchmarkFold(b *testing.B) {
	ctx := context.Background()
	d := dbtest.SQLite(b)
	f := newFixture(b, d, 5000)
	const n = 20000
	base := time.Date(2026, 1, 5, 8, 0, 0, 0, ict)
	agencies := []string{"000.00.01.H36", "000.00.02.H16", "000.00.30.H36", "000.00.03.H36"}
	err := d.Tx(ctx, func(tx *db.Tx) error {
		for i := 0; i < n; i++ {
			code := fmt.Sprintf("B-%d", i)
			at := base.Add(time.Duration(i) * 7 * time.Minute).UTC()
			ch := "online"
			if i%3 == 0 {
				ch = "counter"
			}
			if _, err := tx.Exec(ctx, `INSERT INTO dossiers (code, agency_code, procedure_code, instance_code, procedure_name, status, channel, applicant_kind, applicant_name,
				processing_days, submitted_at, due_at, updated_at) VALUES (?, ?, 'p', 'p', 'p', 9, ?, 'citizen', 'A', 5, ?, ?, ?)`,
				code, agencies[i%len(agencies)], ch, at, at.Add(5*24*time.Hour), at); err != nil {
				return err
			}
			for k, ev := range [][3]any{{"submit", 0, 1}, {"accept", 1, 2}, {"process", 4, 9}} {
				if _, err := tx.Exec(ctx, `INSERT INTO dossier_events (dossier_code, at, actor, action, from_status, to_status) VALUES (?, ?, 'x', ?, ?, ?)`,
					code, at.Add(time.Duration(k)*time.Duration(i%9)*24*time.Hour), ev[0], ev[1], ev[2]); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var elapsed time.Duration
	for b.Loop() {
		f.exec(b, `DELETE FROM scorecard_agency`)
		f.exec(b, `DELETE FROM scorecard_province`)
		f.exec(b, `DELETE FROM scorecard_cursors`)
		t0 := time.Now()
		if _, err := f.svc.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(t0)
	}
	b.ReportMetric(float64(3*n)*float64(b.N)/elapsed.Seconds(), "events/s")
}

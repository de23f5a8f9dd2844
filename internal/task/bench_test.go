package task_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/task"
)

// loadSynthetic bulk-inserts n tasks on SQLite in one statement: 189 lead agencies (63 provinces ×
// 3), 4 authorities, assignment days over 900 days, 60% done (some late), 30% open, 10% cancelled.
const loadSynthetic = `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
INSERT INTO tasks (directive_kind, directive_number, content, lead_agency, province_code, authority, assigner_agency,
	assigned_on, deadline, state, completed_on, created_by, created_at)
SELECT 'TB', 'S-' || i, 'Nhiệm vụ tổng hợp ' || i,
	printf('000.00.%02d.H%02d', (i / 63) % 3 * 5, i % 63 + 1), printf('000.00.00.H%02d', i % 63 + 1),
	CASE i % 4 WHEN 0 THEN 'CP' WHEN 1 THEN 'TTG' WHEN 2 THEN 'PTTG' ELSE 'VPCP' END, '000.00.00.G22',
	date('2024-06-01', '+' || (i % 900) || ' days'),
	date('2024-06-01', '+' || (i % 900 + 10 + i % 50) || ' days'),
	CASE WHEN i % 10 < 6 THEN 'done' WHEN i % 10 < 9 THEN 'open' ELSE 'cancelled' END,
	CASE WHEN i % 10 < 6 THEN date('2024-06-01', '+' || (i % 900 + i % 70) || ' days') ELSE '' END,
	'bench', '2026-01-01 00:00:00'
FROM c`

// BenchmarkFigures1M: figures for all agencies over 1,000,000 tasks (LIENTHONG_BENCH_TASKS to
// change). The aggregates are rebuilt from the loaded rows and checked equal to a full scan first.
func BenchmarkFigures1M(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("LIENTHONG_BENCH_TASKS")); err == nil && v > 0 {
		n = v
	}
	d := dbtest.SQLite(b)
	f := newFixture(b, d)
	f.at("2026-11-27")
	ctx := context.Background()
	start := time.Now()
	if err := d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, loadSynthetic, n); return err }); err != nil {
		b.Fatal(err)
	}
	if err := f.svc.Rebuild(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d tasks in %s", n, time.Since(start).Round(time.Millisecond))
	agg, err := f.svc.Figures(ctx, viewerGov, task.Period{})
	if err != nil {
		b.Fatal(err)
	}
	scan, err := f.svc.ScanFigures(ctx, task.Period{})
	if err != nil {
		b.Fatal(err)
	}
	for k, c := range agg.Cells {
		if s := scan.Cells[k]; s == nil || *s != *c {
			b.Fatalf("%v: aggregate %+v, scan %+v", k, c, s)
		}
	}
	if len(agg.Cells) != len(scan.Cells) || agg.Total.Assigned != n {
		b.Fatalf("cells %d/%d, assigned %d", len(agg.Cells), len(scan.Cells), agg.Total.Assigned)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fg, err := f.svc.Figures(ctx, viewerGov, task.Period{From: "2025-01", To: "2025-12"})
		if err != nil {
			b.Fatal(err)
		}
		if len(fg.By("agency", "")) == 0 || len(fg.By("province", "")) != 63 {
			b.Fatal("empty figures")
		}
	}
}

package feedback

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/calendar"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/vn"
)

// anyAgency stands for the registry in the benchmark: every code exists.
type anyAgency struct{}

func (anyAgency) Exists(context.Context, string) bool { return true }
func (anyAgency) Name(string) string                  { return "" }

// benchAgencies returns the agencies of 63 provinces: the People's Committee, 20 departments and
// 10 districts with 5 communes each, 81 per province.
func benchAgencies() [][]string {
	var out [][]string
	for p := 1; p <= 63; p++ {
		l1 := fmt.Sprintf("H%02d", p)
		list := []string{"000.00.00." + l1}
		for d := 1; d <= 20; d++ {
			list = append(list, fmt.Sprintf("000.00.%02d.%s", d, l1))
		}
		for d := 30; d < 40; d++ {
			list = append(list, fmt.Sprintf("000.00.%02d.%s", d, l1))
			for c := 1; c <= 5; c++ {
				list = append(list, fmt.Sprintf("000.%02d.%02d.%s", c, d, l1))
			}
		}
		out = append(out, list)
	}
	return out
}

// fill stores n items received over the 120 days before now: per province, 30% to the People's
// Committee, 50% to the departments, 20% to districts and communes; a quarter still open.
func fill(b *testing.B, d *db.DB, cal *calendar.Calendar, n int, now time.Time) {
	b.Helper()
	ctx := context.Background()
	provinces := benchAgencies()
	const batch = 500
	cols := `(code, kind, status, is_open, subject, content, sender_name, agency_code, agency_key, province_code, response_days,
		received_at, due_at, search_text, sender_search, updated_at)`
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", 16), ", ") + ")"
	for start := 0; start < n; start += 10000 {
		err := d.Tx(ctx, func(tx *db.Tx) error {
			for i := start; i < min(start+10000, n); i += batch {
				var rows []string
				var args []any
				for j := i; j < min(i+batch, n); j++ {
					list := provinces[j%len(provinces)]
					k := j / len(provinces)
					var agency string
					switch r := k % 10; {
					case r < 3:
						agency = list[0]
					case r < 8:
						agency = list[1+(k/10)%20]
					default:
						agency = list[21+(k/10)%60]
					}
					ac, _ := vn.ParseAgencyCode(agency)
					received := now.Add(-time.Duration(j%(120*24)) * time.Hour)
					due := cal.Deadline(received, DefaultDays)
					status, open := Answered, 0
					if j%4 == 0 {
						status, open = Received, 1
					}
					subject := fmt.Sprintf("Phản ánh số %d về thủ tục hành chính", j)
					rows = append(rows, row)
					args = append(args, fmt.Sprintf("PA-%010d", j), string(Feedback), string(status), open, subject, "Nội dung phản ánh.",
						"Người gửi", agency, treeKey(ac), provinceOf(ac), DefaultDays, received.UTC(), due.UTC(), vn.Fold(subject),
						"nguoi gui", now.UTC())
				}
				if _, err := tx.Exec(ctx, "INSERT INTO feedback_items "+cols+" VALUES "+strings.Join(rows, ", "), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOverdueList lists an agency's overdue items (the first 100, by deadline) with 100,000
// items stored: a province's whole subtree and one department.
//
//	go test ./internal/feedback -run '^$' -bench OverdueList -benchtime 200x
func BenchmarkOverdueList(b *testing.B) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	cal, err := calendar.New()
	if err != nil {
		b.Fatal(err)
	}
	by := &auth.Principal{Kind: auth.KindUser, ID: "theodoi", Grants: []auth.Grant{{Role: auth.Viewer, Agency: auth.Everywhere}}}
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var d *db.DB
			if dialect == "sqlite" {
				d = dbtest.SQLite(b)
			} else {
				d = dbtest.Postgres(b)
			}
			fill(b, d, cal, 100000, now)
			if d.Dialect == db.Postgres {
				if err := d.Tx(context.Background(), func(tx *db.Tx) error {
					_, err := tx.Exec(context.Background(), "ANALYZE feedback_items")
					return err
				}); err != nil {
					b.Fatal(err)
				}
			}
			s := New(d, cal, anyAgency{}, Options{Now: func() time.Time { return now }})
			if testing.Verbose() {
				explain(b, d, now)
			}
			for _, agency := range []string{"000.00.00.H16", "000.00.02.H16"} {
				b.Run(agency, func(b *testing.B) {
					var got int
					for b.Loop() {
						items, err := s.List(context.Background(), by, Filter{Agency: agency, Timeliness: Overdue, Limit: 100})
						if err != nil {
							b.Fatal(err)
						}
						got = len(items)
					}
					b.ReportMetric(float64(got), "items/op")
				})
			}
		})
	}
}

// explain logs the query plan of the province's overdue list.
func explain(b *testing.B, d *db.DB, now time.Time) {
	lo, hi, _ := subtreeRange("000.00.00.H16")
	prefix := "EXPLAIN QUERY PLAN "
	if d.Dialect == db.Postgres {
		prefix = "EXPLAIN "
	}
	err := d.Read(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), prefix+"SELECT "+itemColumns+` FROM feedback_items
			WHERE is_open = 1 AND agency_key >= ? AND agency_key < ? AND due_at < ? ORDER BY due_at, code LIMIT 100`, lo, hi, now.UTC())
		if err != nil {
			return err
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return err
			}
			b.Log(vals...)
		}
		return rows.Err()
	})
	if err != nil {
		b.Fatal(err)
	}
}

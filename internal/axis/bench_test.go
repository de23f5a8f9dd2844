package axis_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
)

// BenchmarkInboxFirstPage measures the first page of an agency's inbox with many documents stored
// (LIENTHONG_BENCH_DOCS, default 1,000,000: 90% already acknowledged, spread over 50 recipients),
// and reports the 99th percentile latency.
func BenchmarkInboxFirstPage(b *testing.B) {
	total := 1_000_000
	if s := os.Getenv("LIENTHONG_BENCH_DOCS"); s != "" {
		total, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	d := dbtest.SQLite(b)
	f := setupBench(b, d)
	seed(b, d, total)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		agency := fmt.Sprintf("000.00.%02d.H16", 10+i%50)
		start := time.Now()
		items, err := f.Received(ctx, auth.System, axis.InboxQuery{Agency: agency, Limit: 100})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		if len(items) == 0 {
			b.Fatal("empty inbox")
		}
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(total), "documents")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func setupBench(b *testing.B, d *db.DB) *axis.Service {
	ax := axis.New(d, nil, nil, axis.DefaultOptions())
	b.Cleanup(ax.Close)
	return ax
}

// seed writes documents and deliveries straight into the tables, in large transactions.
func seed(b *testing.B, d *db.DB, total int) {
	b.Helper()
	ctx := context.Background()
	const batch = 20000
	now := time.Now().UTC()
	for start := 0; start < total; start += batch {
		err := d.Tx(ctx, func(tx *db.Tx) error {
			for i := start; i < min(start+batch, total); i++ {
				id := fmt.Sprintf("bench%08d", i)
				if _, err := tx.Exec(ctx, `INSERT INTO axis_documents (id, dedupe_key, kind, document_id, sender_code, client_id, package_sha,
					package_size, subject, signature_state, received_at) VALUES (?, ?, 'document', ?, '000.00.02.H36', 'bench', 'x', 10240, 'Công văn số', 'valid', ?)`,
					id, "doc:"+id, id, now); err != nil {
					return err
				}
				transport := "done"
				if (i/50)%10 == 0 {
					transport = "pending"
				}
				if _, err := tx.Exec(ctx, `INSERT INTO axis_deliveries (document, recipient_code, transport, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
					id, fmt.Sprintf("000.00.%02d.H16", 10+i%50), transport, now, now); err != nil {
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

package jobs

import (
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
)

// BenchmarkSQLiteRoundTrip measures one job's life on SQLite: Enqueue, Claim and Complete, three
// durable (fsynced) transactions.
func BenchmarkSQLiteRoundTrip(b *testing.B) {
	benchRoundTrip(b, NewSQL(dbtest.SQLite(b)))
}

// BenchmarkPostgresRoundTrip is the same on PostgreSQL (skipped without a server).
func BenchmarkPostgresRoundTrip(b *testing.B) {
	benchRoundTrip(b, NewSQL(dbtest.Postgres(b)))
}

// BenchmarkMemoryRoundTrip is the same on the in-process queue, for comparison.
func BenchmarkMemoryRoundTrip(b *testing.B) {
	benchRoundTrip(b, NewMemory())
}

func benchRoundTrip(b *testing.B, q Queue) {
	payload := []byte(`{"document_id":"000.00.00.H41-250301-0001"}`)
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		if err := q.Enqueue(bg, "bench", payload); err != nil {
			b.Fatal(err)
		}
		jobs, err := q.Claim(bg, "bench", "w", 1, time.Minute)
		if err != nil || len(jobs) != 1 {
			b.Fatalf("Claim = %d jobs, %v", len(jobs), err)
		}
		if err := q.Complete(bg, jobs[0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "jobs/s")
}

// BenchmarkSQLiteBatched enqueues 100 jobs in one transaction (as an import would through
// EnqueueTx), claims them in one call and completes each: the throughput a busy runner sees.
func BenchmarkSQLiteBatched(b *testing.B) {
	d := dbtest.SQLite(b)
	q := NewSQL(d)
	payload := []byte(`{"document_id":"000.00.00.H41-250301-0001"}`)
	const batch = 100
	b.ReportAllocs()
	start := time.Now()
	for b.Loop() {
		err := d.Tx(bg, func(tx *db.Tx) error {
			for range batch {
				if err := EnqueueTx(bg, tx, "bench", payload); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		jobs, err := q.Claim(bg, "bench", "w", batch, time.Minute)
		if err != nil || len(jobs) != batch {
			b.Fatalf("Claim = %d jobs, %v", len(jobs), err)
		}
		for _, j := range jobs {
			if err := q.Complete(bg, j); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*batch)/time.Since(start).Seconds(), "jobs/s")
}

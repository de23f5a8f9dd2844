package office_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/office"
)

// BenchmarkIssue measures issuing with 16 concurrent clerks on SQLite: numbering, the audit record
// and the commit, for documents on paper only and for documents sent through the axis (package
// built, accepted and delivered by the axis, outcome recorded). The documents are signed beforehand,
// outside the timer. At the end every number from 1 to b.N must have been taken exactly once.
//
//	go test ./internal/office -run '^$' -bench Issue -benchtime 20000x
func BenchmarkIssue(b *testing.B) {
	for _, kind := range []string{"paper", "electronic"} {
		b.Run(kind, func(b *testing.B) {
			d := dbtest.SQLite(b)
			f := newFixture(b, d, office.Options{})
			ctx := context.Background()
			dr := paperOnly("Văn bản đo tốc độ")
			if kind == "electronic" {
				dr = decision("Văn bản đo tốc độ")
			}
			ids, err := office.SeedSigned(ctx, f.svc, drafterLD, dr, b.N)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			numbers := issueAll(b, f.svc, ids, 16, kind == "electronic")
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "issues/s")
			checkGapless(b, numbers)
			checkStored(b, d, b.N)
		})
	}
}

func issueAll(b *testing.B, svc *office.Service, ids []int64, workers int, electronic bool) []int {
	ctx := context.Background()
	var mu sync.Mutex
	numbers := make([]int, 0, len(ids))
	var wg sync.WaitGroup
	next := make(chan int64, workers)
	var failed error
	var once sync.Once
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				o, err := svc.Issue(ctx, clerkLD, id)
				if err == nil && electronic && o.SendState != office.SendSent {
					err = fmt.Errorf("document %d not sent: %s", id, o.SendError)
				}
				if err != nil {
					once.Do(func() { failed = err })
					continue
				}
				mu.Lock()
				numbers = append(numbers, o.Number)
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		next <- id
	}
	close(next)
	wg.Wait()
	if failed != nil {
		b.Fatal(failed)
	}
	return numbers
}

// checkStored checks in the database that the issued numbers are 1..n, each once.
func checkStored(b *testing.B, d *db.DB, n int) {
	var count, distinct, maxN int
	err := d.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT COUNT(*), COUNT(DISTINCT number), COALESCE(MAX(number), 0) FROM office_outgoing WHERE number IS NOT NULL").
			Scan(&count, &distinct, &maxN)
	})
	if err != nil {
		b.Fatal(err)
	}
	if count != n || distinct != n || maxN != n {
		b.Fatalf("stored numbers: %d rows, %d distinct, max %d; want %d of each", count, distinct, maxN, n)
	}
}

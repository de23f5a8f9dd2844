package db_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

// TestGroupCommit checks that concurrent callers share transactions, that a failing caller is
// rolled back alone, and that every successful caller's row is there afterwards.
func TestGroupCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		g := d.NewGroup(16)
		defer g.Close()
		var wg sync.WaitGroup
		errsByKey := make([]error, 400)
		for i := 0; i < 400; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				errsByKey[i] = g.Do(ctx, func(tx *db.Tx) error {
					if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, 'v')", fmt.Sprintf("k%d", i)); err != nil {
						return err
					}
					if i%7 == 0 { // a second insert of the same key fails: this caller alone rolls back
						_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, 'v')", fmt.Sprintf("k%d", i))
						return err
					}
					return nil
				})
			}(i)
		}
		wg.Wait()
		for i, err := range errsByKey {
			if i%7 == 0 && !errs.Is(err, errs.Conflict) {
				t.Errorf("caller %d: %v, want conflict", i, err)
			}
			if i%7 != 0 && err != nil {
				t.Errorf("caller %d: %v", i, err)
			}
		}
		var n int
		d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM settings WHERE key LIKE 'k%'").Scan(&n)
		})
		if want := 400 - 58; n != want {
			t.Errorf("%d rows committed, want %d", n, want)
		}
	})
}

// BenchmarkGroupCommit compares one durable commit per insert with group commit of concurrent
// inserts of 10 KB rows, on SQLite in the benchmark's temporary folder.
func BenchmarkGroupCommit(b *testing.B) {
	payload := string(make([]byte, 10<<10))
	for _, mode := range []string{"single", "group"} {
		b.Run(mode, func(b *testing.B) {
			d := dbtest.SQLite(b)
			ctx := context.Background()
			g := d.NewGroup(64)
			defer g.Close()
			var n int64
			var mu sync.Mutex
			next := func() int64 { mu.Lock(); defer mu.Unlock(); n++; return n }
			insert := func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", fmt.Sprint(next()), payload)
				return err
			}
			b.SetParallelism(16)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var err error
					if mode == "single" {
						err = d.Tx(ctx, insert)
					} else {
						err = g.Do(ctx, insert)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

package db_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

// TestGroupCommit checks that concurrent callers share transactions, that a failing caller is
// rolled back alone, and that every successful caller's row is there afterwards.
func TestGroupCommit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		g := d.NewGroup(db.GroupOptions{MaxBatch: 16})
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

// TestGroupCommitFailurePath holds the committer on one caller while a batch of others queues up,
// one of which fails after writing: the batch then runs again with savepoints. Every other caller's
// row is committed exactly once, the failing caller's write is gone, and each caller is answered
// only once its row is visible (after the commit).
func TestGroupCommitFailurePath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		g := d.NewGroup(db.GroupOptions{MaxBatch: 16})
		defer g.Close()
		started, release := make(chan struct{}), make(chan struct{})
		blocker := make(chan error, 1)
		go func() {
			blocker <- g.Do(ctx, func(tx *db.Tx) error {
				close(started)
				<-release
				_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES ('f-blocker', 'v')")
				return err
			})
		}()
		<-started
		const n = 8
		var runs [n]atomic.Int32
		results := make([]chan error, n)
		for i := range n {
			results[i] = make(chan error, 1)
			go func() {
				results[i] <- g.Do(ctx, func(tx *db.Tx) error {
					runs[i].Add(1)
					if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, 'v')", fmt.Sprintf("f%d", i)); err != nil {
						return err
					}
					if i == 3 { // writes, then fails: its write must not survive
						return errs.Reasonf(errs.Invalid, "test_failure", "caller %d fails", i)
					}
					return nil
				})
			}()
		}
		time.Sleep(100 * time.Millisecond) // let the callers queue behind the blocker
		close(release)
		if err := <-blocker; err != nil {
			t.Fatalf("blocker: %v", err)
		}
		rerun := false
		for i := range n {
			err := <-results[i]
			if runs[i].Load() > 1 {
				rerun = true
			}
			if i == 3 {
				if errs.As(err).Reason != "test_failure" {
					t.Errorf("caller 3: %v, want its own failure", err)
				}
				continue
			}
			if err != nil {
				t.Errorf("caller %d: %v", i, err)
				continue
			}
			var v string
			if err := d.Read(ctx, func(tx *db.Tx) error {
				return tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", fmt.Sprintf("f%d", i)).Scan(&v)
			}); err != nil {
				t.Errorf("caller %d answered but its row is not committed: %v", i, err)
			}
		}
		var count int
		d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM settings WHERE key LIKE 'f%'").Scan(&count)
		})
		if want := 1 + n - 1; count != want {
			t.Errorf("%d rows committed, want %d", count, want)
		}
		if !rerun {
			t.Errorf("no caller ran twice: the batch with a failing caller was not retried with savepoints (runs %v)", &runs)
		}
	})
}

// TestGroupCommitAllFailing checks a batch in which every caller fails: nothing is committed and
// each caller gets its own error.
func TestGroupCommitAllFailing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		g := d.NewGroup(db.GroupOptions{MaxBatch: 16})
		defer g.Close()
		var wg sync.WaitGroup
		got := make([]error, 20)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got[i] = g.Do(ctx, func(tx *db.Tx) error {
					if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, 'v')", fmt.Sprintf("a%d", i)); err != nil {
						return err
					}
					return errs.Reasonf(errs.Invalid, fmt.Sprintf("fail_%d", i), "caller %d fails", i)
				})
			}()
		}
		wg.Wait()
		for i, err := range got {
			if want := fmt.Sprintf("fail_%d", i); errs.As(err).Reason != want {
				t.Errorf("caller %d: %v, want %s", i, err, want)
			}
		}
		var count int
		d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM settings WHERE key LIKE 'a%'").Scan(&count)
		})
		if count != 0 {
			t.Errorf("%d rows of failing callers committed", count)
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
			g := d.NewGroup(db.GroupOptions{MaxBatch: 64})
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

// TestGroupLinger checks that a lingering group waits only for callers on their way: a caller alone
// commits at once; callers announced as coming end up in one transaction, which commits as soon as
// it holds them all; a caller that gives up on its way keeps nobody waiting for long.
func TestGroupLinger(t *testing.T) {
	d := dbtest.SQLite(t)
	ctx := context.Background()
	var coming atomic.Int64
	g := d.NewGroup(db.GroupOptions{MaxBatch: 16, Linger: time.Hour, Coming: func() int { return int(coming.Load()) }})
	defer g.Close()
	noop := func(tx *db.Tx) error { return nil }
	within := func(what string, f func()) {
		t.Helper()
		done := make(chan struct{})
		go func() { f(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: waited for the hour of linger", what)
		}
	}

	// Alone: nobody else is coming.
	coming.Store(1)
	within("a caller alone", func() {
		if err := g.Do(ctx, noop); err != nil {
			t.Error(err)
		}
	})

	// Four callers announced, arriving one by one: one transaction, committed when the fourth is in.
	coming.Store(4)
	var mu sync.Mutex
	txs := map[*db.Tx]int{}
	var wg sync.WaitGroup
	within("four callers", func() {
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := g.Do(ctx, func(tx *db.Tx) error { mu.Lock(); txs[tx]++; mu.Unlock(); return nil }); err != nil {
					t.Error(err)
				}
			}()
			time.Sleep(time.Duration(i) * 10 * time.Millisecond)
		}
		wg.Wait()
	})
	if len(txs) != 1 {
		t.Errorf("four callers on their way committed in %d transactions, want 1", len(txs))
	}

	// Two announced, one gives up on its way: the other commits without the hour.
	coming.Store(2)
	within("a caller whose companion gave up", func() {
		go func() { time.Sleep(20 * time.Millisecond); coming.Store(1) }()
		if err := g.Do(ctx, noop); err != nil {
			t.Error(err)
		}
	})
}

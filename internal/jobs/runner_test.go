package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// eachRealTimeQueue runs fn on Memory, SQLite and PostgreSQL with the real clock, as runners use it.
func eachRealTimeQueue(t *testing.T, fn func(t *testing.T, q Queue, d *db.DB)) {
	t.Run("memory", func(t *testing.T) { fn(t, NewMemory(), nil) })
	dbtest.Each(t, func(t *testing.T, d *db.DB) { fn(t, NewSQL(d), d) })
}

func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRunnersHandleEveryJobOnce has four runners, as four nodes would, race for 2,000 jobs that
// arrive while they run. Every job must be handled exactly once and none may be left over.
func TestRunnersHandleEveryJobOnce(t *testing.T) {
	eachRealTimeQueue(t, func(t *testing.T, q Queue, d *db.DB) {
		const total = 2000
		var mu sync.Mutex
		byID := map[int64]int{}
		byPayload := map[int]int{}
		var handled atomic.Int64
		handler := func(ctx context.Context, j Job) error {
			n, err := strconv.Atoi(string(j.Payload))
			if err != nil {
				return err
			}
			mu.Lock()
			byID[j.ID]++
			byPayload[n]++
			mu.Unlock()
			handled.Add(1)
			return nil
		}
		var runners []*Runner
		for i := range 4 {
			r := NewRunner(q, "load", handler, RunnerOptions{
				Owner: fmt.Sprintf("node-%d", i), Concurrency: 4, Lease: time.Minute,
				PollInterval: 20 * time.Millisecond, Logger: quiet,
			})
			r.Start(context.Background())
			runners = append(runners, r)
			defer r.Stop()
		}
		// Enqueue in batches while the runners work; SQL batches go through EnqueueTx in one
		// transaction each, as a capability package would.
		for b := 0; b < total; b += 100 {
			if d == nil {
				for i := b; i < b+100; i++ {
					mustEnqueue(t, q, "load", strconv.Itoa(i))
				}
				continue
			}
			err := d.Tx(bg, func(tx *db.Tx) error {
				for i := b; i < b+100; i++ {
					if err := EnqueueTx(bg, tx, "load", []byte(strconv.Itoa(i))); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			q.(Notifier).Wake("load")
		}
		waitFor(t, "all jobs to be handled", time.Minute, func() bool { return handled.Load() >= total })
		for _, r := range runners {
			r.Stop()
		}
		mu.Lock()
		defer mu.Unlock()
		if len(byID) != total || len(byPayload) != total {
			t.Errorf("handled %d distinct IDs and %d distinct payloads, want %d", len(byID), len(byPayload), total)
		}
		for id, n := range byID {
			if n != 1 {
				t.Errorf("job %d handled %d times", id, n)
			}
		}
		if got, want := mustStats(t, q, "load"), (QueueStats{Done: total}); got != want {
			t.Errorf("Stats = %+v, want %+v", got, want)
		}
		var succeeded int64
		var shares []int64
		for _, r := range runners {
			succeeded += r.Stats().Succeeded
			shares = append(shares, r.Stats().Succeeded)
		}
		t.Logf("jobs handled per runner: %v", shares)
		if succeeded != total {
			t.Errorf("runners counted %d successes, want %d", succeeded, total)
		}
	})
}

func TestRunnerWakesOnEnqueue(t *testing.T) {
	eachRealTimeQueue(t, func(t *testing.T, q Queue, _ *db.DB) {
		got := make(chan string, 1)
		r := NewRunner(q, "q", func(ctx context.Context, j Job) error { got <- string(j.Payload); return nil },
			RunnerOptions{PollInterval: time.Hour, Logger: quiet})
		r.Start(context.Background())
		defer r.Stop()
		time.Sleep(50 * time.Millisecond) // let the runner make its first (empty) claim and sleep
		start := time.Now()
		mustEnqueue(t, q, "q", "hello")
		select {
		case p := <-got:
			if p != "hello" {
				t.Errorf("handled %q", p)
			}
			t.Logf("picked up %v after Enqueue", time.Since(start))
		case <-time.After(5 * time.Second):
			t.Fatal("Enqueue did not wake the runner")
		}
	})
}

func TestRunnerRetriesFailures(t *testing.T) {
	eachRealTimeQueue(t, func(t *testing.T, q Queue, d *db.DB) {
		var calls sync.Map // payload → *atomic.Int32
		handler := func(ctx context.Context, j Job) error {
			c, _ := calls.LoadOrStore(string(j.Payload), new(atomic.Int32))
			n := c.(*atomic.Int32).Add(1)
			switch string(j.Payload) {
			case "flaky":
				if n < 3 {
					return fmt.Errorf("attempt %d failed", n)
				}
			case "broken":
				return errors.New("always fails")
			case "panics":
				panic("handler bug")
			}
			return nil
		}
		r := NewRunner(q, "q", handler, RunnerOptions{
			PollInterval: 10 * time.Millisecond, Logger: quiet,
			Backoff: func(int) time.Duration { return 0 },
		})
		mustEnqueue(t, q, "q", "flaky")
		mustEnqueue(t, q, "q", "broken", MaxAttempts(2))
		mustEnqueue(t, q, "q", "panics", MaxAttempts(1))
		r.Start(context.Background())
		defer r.Stop()
		waitFor(t, "jobs to settle", 20*time.Second, func() bool {
			st := mustStats(t, q, "q")
			return st.Done == 1 && st.Dead == 2
		})
		// The queue records a job's end before the runner's worker returns and counts it.
		waitFor(t, "the runner's workers to return", 5*time.Second, func() bool { return r.Stats().Running == 0 })
		count := func(p string) int32 { c, _ := calls.Load(p); return c.(*atomic.Int32).Load() }
		if count("flaky") != 3 || count("broken") != 2 || count("panics") != 1 {
			t.Errorf("calls: flaky %d (want 3), broken %d (want 2), panics %d (want 1)", count("flaky"), count("broken"), count("panics"))
		}
		if st := r.Stats(); st.Succeeded != 1 || st.Failed != 5 || st.Running != 0 {
			t.Errorf("runner stats = %+v", st)
		}
		h := harness{q: q, db: d}
		for id := int64(1); id <= 3; id++ {
			state, msg := h.state(t, id)
			switch id {
			case 2:
				if state != "dead" || msg != "always fails" {
					t.Errorf("broken job: %s %q", state, msg)
				}
			case 3:
				if state != "dead" || !strings.HasPrefix(msg, "panic: handler bug") || !strings.Contains(msg, "runner_test.go") {
					t.Errorf("panicking job: %s %q, want dead with the panic and its stack", state, msg)
				}
			}
		}
	})
}

func TestRunnerStopWaitsAndReleases(t *testing.T) {
	eachRealTimeQueue(t, func(t *testing.T, q Queue, d *db.DB) {
		started := make(chan struct{})
		var finished atomic.Bool
		r := NewRunner(q, "q", func(ctx context.Context, j Job) error {
			close(started)
			<-ctx.Done()
			time.Sleep(50 * time.Millisecond) // cleaning up after cancellation
			finished.Store(true)
			return ctx.Err()
		}, RunnerOptions{Owner: "node-1", PollInterval: 10 * time.Millisecond, Logger: quiet})
		mustEnqueue(t, q, "q", "long")
		r.Start(context.Background())
		<-started
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(r.Stop) // concurrent and repeated Stop calls are fine
		}
		wg.Wait()
		if !finished.Load() {
			t.Fatal("Stop returned before the handler did")
		}
		r.Stop()
		r.Start(context.Background()) // after Stop: does nothing
		// The interrupted job is ready again at once for another node, with the reason recorded.
		jobs := mustClaim(t, q, "q", "node-2", 1, time.Minute)
		if len(jobs) != 1 || jobs[0].Attempts != 2 || !strings.Contains(jobs[0].LastError, "interrupted by shutdown") {
			t.Fatalf("after Stop claimed %+v", jobs)
		}
	})
}

func TestRunnerStopsWithContext(t *testing.T) {
	q := NewMemory()
	ctx, cancel := context.WithCancel(context.Background())
	r := NewRunner(q, "q", func(ctx context.Context, j Job) error { return nil }, RunnerOptions{Logger: quiet})
	r.Start(ctx)
	cancel()
	done := make(chan struct{})
	go func() { r.Stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("runner did not stop after its context ended")
	}
	// Stop without Start returns at once.
	NewRunner(q, "q", nil, RunnerOptions{}).Stop()
}

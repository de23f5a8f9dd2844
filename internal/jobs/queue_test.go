package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

// clock is a settable time source shared by a queue and its test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is one queue implementation under test, with a way to look at a job's stored state.
type harness struct {
	q     Queue
	clock *clock
	db    *db.DB // nil for Memory
}

// state returns a job's state and last error as stored ("done" for a forgotten Memory job).
func (h harness) state(t *testing.T, id int64) (state, lastError string) {
	t.Helper()
	if h.db == nil {
		m := h.q.(*Memory)
		m.mu.Lock()
		defer m.mu.Unlock()
		if mj := m.jobs[id]; mj != nil {
			return mj.state, mj.job.LastError
		}
		return "done", ""
	}
	err := h.db.Read(context.Background(), func(tx *db.Tx) error {
		return tx.QueryRow(context.Background(), "SELECT state, last_error FROM jobs WHERE id = ?", id).Scan(&state, &lastError)
	})
	if err != nil {
		t.Fatalf("state(%d): %v", id, err)
	}
	return state, lastError
}

// eachQueue runs fn on Memory, on SQL over SQLite and on SQL over PostgreSQL, each with a fake
// clock, so the same semantics are checked on every implementation.
func eachQueue(t *testing.T, fn func(t *testing.T, h harness)) {
	t.Run("memory", func(t *testing.T) {
		c := newClock()
		m := NewMemory()
		m.Now = c.Now
		fn(t, harness{q: m, clock: c})
	})
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		d.Now = c.Now
		fn(t, harness{q: NewSQL(d), clock: c, db: d})
	})
}

var bg = context.Background()

func mustEnqueue(t *testing.T, q Queue, queue, payload string, opts ...Option) {
	t.Helper()
	if err := q.Enqueue(bg, queue, []byte(payload), opts...); err != nil {
		t.Fatalf("Enqueue(%s, %q): %v", queue, payload, err)
	}
}

func mustClaim(t *testing.T, q Queue, queue, owner string, n int, lease time.Duration) []Job {
	t.Helper()
	jobs, err := q.Claim(bg, queue, owner, n, lease)
	if err != nil {
		t.Fatalf("Claim(%s, %s, %d): %v", queue, owner, n, err)
	}
	return jobs
}

func payloads(jobs []Job) string {
	var s []string
	for _, j := range jobs {
		s = append(s, string(j.Payload))
	}
	return strings.Join(s, ",")
}

func mustStats(t *testing.T, q Queue, queue string) QueueStats {
	t.Helper()
	st, err := q.Stats(bg)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return st[queue]
}

func TestEnqueueClaimComplete(t *testing.T) {
	eachQueue(t, func(t *testing.T, h harness) {
		now := h.clock.Now()
		for _, p := range []string{`{"n":1}`, `{"n":2}`, `{"n":3}`} {
			mustEnqueue(t, h.q, "axis.send", p)
		}
		mustEnqueue(t, h.q, "other", "x")
		if got, want := mustStats(t, h.q, "axis.send"), (QueueStats{Ready: 3}); got != want {
			t.Errorf("Stats before claim = %+v, want %+v", got, want)
		}
		first := mustClaim(t, h.q, "axis.send", "w1", 2, time.Minute)
		if got := payloads(first); got != `{"n":1},{"n":2}` {
			t.Fatalf("first claim = %s, want jobs 1 and 2 in order", got)
		}
		j := first[0]
		if j.Queue != "axis.send" || j.Attempts != 1 || j.MaxAttempts != DefaultMaxAttempts || j.Owner != "w1" ||
			!j.LeaseUntil.Equal(now.Add(time.Minute)) || !j.CreatedAt.Equal(now) || j.LastError != "" {
			t.Errorf("claimed job = %+v", j)
		}
		second := mustClaim(t, h.q, "axis.send", "w2", 5, time.Minute)
		if got := payloads(second); got != `{"n":3}` {
			t.Fatalf("second claim = %s, want job 3 only", got)
		}
		if more := mustClaim(t, h.q, "axis.send", "w3", 5, time.Minute); len(more) != 0 {
			t.Fatalf("claimed leased jobs again: %s", payloads(more))
		}
		if got, want := mustStats(t, h.q, "axis.send"), (QueueStats{Running: 3}); got != want {
			t.Errorf("Stats while running = %+v, want %+v", got, want)
		}
		for _, j := range append(first, second...) {
			if err := h.q.Complete(bg, j); err != nil {
				t.Fatalf("Complete(%d): %v", j.ID, err)
			}
		}
		if got, want := mustStats(t, h.q, "axis.send"), (QueueStats{Done: 3}); got != want {
			t.Errorf("Stats after completion = %+v, want %+v", got, want)
		}
		if got, want := mustStats(t, h.q, "other"), (QueueStats{Ready: 1}); got != want {
			t.Errorf("other queue = %+v, want %+v", got, want)
		}
		if err := h.q.Complete(bg, j); !errs.Is(err, errs.Conflict) {
			t.Errorf("second Complete = %v, want conflict", err)
		}
		if err := h.q.Complete(bg, Job{ID: 999999, Owner: "w1", Attempts: 1}); !errs.Is(err, errs.NotFound) {
			t.Errorf("Complete(unknown) = %v, want not_found", err)
		}
		if err := h.q.Fail(bg, Job{ID: 999999, Owner: "w1", Attempts: 1}, errors.New("x"), time.Time{}); !errs.Is(err, errs.NotFound) {
			t.Errorf("Fail(unknown) = %v, want not_found", err)
		}
	})
}

func TestDedupeKey(t *testing.T) {
	eachQueue(t, func(t *testing.T, h harness) {
		mustEnqueue(t, h.q, "sync", "first", DedupeKey("000.00.00.H41-250301-0001"))
		mustEnqueue(t, h.q, "sync", "second", DedupeKey("000.00.00.H41-250301-0001"))
		mustEnqueue(t, h.q, "sync", "other key", DedupeKey("000.00.00.H41-250301-0002"))
		mustEnqueue(t, h.q, "sync", "no key")
		mustEnqueue(t, h.q, "sync", "no key")
		mustEnqueue(t, h.q, "mail", "same key, other queue", DedupeKey("000.00.00.H41-250301-0001"))
		jobs := mustClaim(t, h.q, "sync", "w", 10, time.Minute)
		if got := payloads(jobs); got != "first,other key,no key,no key" {
			t.Fatalf("claimed %s", got)
		}
		for _, j := range jobs {
			if err := h.q.Complete(bg, j); err != nil {
				t.Fatal(err)
			}
		}
		// The key stays used after the job is done: a late duplicate must not run the work again.
		mustEnqueue(t, h.q, "sync", "late duplicate", DedupeKey("000.00.00.H41-250301-0001"))
		if jobs := mustClaim(t, h.q, "sync", "w", 10, time.Minute); len(jobs) != 0 {
			t.Errorf("late duplicate was enqueued: %s", payloads(jobs))
		}
		if jobs := mustClaim(t, h.q, "mail", "w", 10, time.Minute); payloads(jobs) != "same key, other queue" {
			t.Errorf("mail queue = %s", payloads(jobs))
		}
	})
}

func TestDelayedJobs(t *testing.T) {
	eachQueue(t, func(t *testing.T, h harness) {
		start := h.clock.Now()
		mustEnqueue(t, h.q, "q", "in an hour", Delay(time.Hour))
		mustEnqueue(t, h.q, "q", "at 8:30", RunAt(start.Add(30*time.Minute)))
		if got, want := mustStats(t, h.q, "q"), (QueueStats{Delayed: 2}); got != want {
			t.Errorf("Stats = %+v, want %+v", got, want)
		}
		if jobs := mustClaim(t, h.q, "q", "w", 10, 24*time.Hour); len(jobs) != 0 {
			t.Fatalf("claimed before run time: %s", payloads(jobs))
		}
		h.clock.Advance(30 * time.Minute)
		if got := payloads(mustClaim(t, h.q, "q", "w", 10, 24*time.Hour)); got != "at 8:30" {
			t.Fatalf("at 8:30 claimed %q", got)
		}
		h.clock.Advance(29 * time.Minute)
		if jobs := mustClaim(t, h.q, "q", "w", 10, 24*time.Hour); len(jobs) != 0 {
			t.Fatalf("claimed a minute early: %s", payloads(jobs))
		}
		h.clock.Advance(time.Minute)
		if got := payloads(mustClaim(t, h.q, "q", "w", 10, 24*time.Hour)); got != "in an hour" {
			t.Fatalf("after an hour claimed %q", got)
		}
	})
}

func TestOldestDueFirst(t *testing.T) {
	eachQueue(t, func(t *testing.T, h harness) {
		start := h.clock.Now()
		mustEnqueue(t, h.q, "q", "c", RunAt(start.Add(-1*time.Minute)))
		mustEnqueue(t, h.q, "q", "a", RunAt(start.Add(-3*time.Minute)))
		mustEnqueue(t, h.q, "q", "b", RunAt(start.Add(-2*time.Minute)))
		if got, want := mustStats(t, h.q, "q"), (QueueStats{Ready: 3, Lag: 3 * time.Minute}); got != want {
			t.Errorf("Stats = %+v, want %+v", got, want)
		}
		if got := payloads(mustClaim(t, h.q, "q", "w", 2, time.Minute)); got != "a,b" {
			t.Errorf("claimed %s, want a,b", got)
		}
	})
}

func TestExpiredLeaseIsReclaimed(t *testing.T) {
	eachQueue(t, func(t *testing.T, h harness) {
		mustEnqueue(t, h.q, "q", "work")
		old := mustClaim(t, h.q, "q", "node-1", 1, time.Minute)[0]
		h.clock.Advance(59 * time.Second)
		if jobs := mustClaim(t, h.q, "q", "node-2", 1, time.Minute); len(jobs) != 0 {
			t.Fatalf("claimed a job whose lease is still valid")
		}
		h.clock.Advance(time.Second) // node-1 died: its lease runs out
		jobs := mustClaim(t, h.q, "q", "node-2", 1, time.Minute)
		if len(jobs) != 1 || jobs[0].ID != old.ID || jobs[0].Attempts != 2 || jobs[0].Owner != "node-2" ||
			!strings.Contains(jobs[0].LastError, "node-1") {
			t.Fatalf("reclaim = %+v, want job %d at attempt 2 noting node-1", jobs, old.ID)
		}
		// node-1 comes back late: its results must not touch node-2's claim.
		if err := h.q.Complete(bg, old); !errs.Is(err, errs.Conflict) {
			t.Errorf("stale Complete = %v, want conflict", err)
		}
		if err := h.q.Fail(bg, old, errors.New("late"), time.Time{}); !errs.Is(err, errs.Conflict) {
			t.Errorf("stale Fail = %v, want conflict", err)
		}
		if err := h.q.Complete(bg, jobs[0]); err != nil {
			t.Errorf("Complete by the new owner: %v", err)
		}

		// A lease that runs out on the last attempt makes the job dead, not runnable forever.
		mustEnqueue(t, h.q, "q", "fragile", MaxAttempts(1))
		j := mustClaim(t, h.q, "q", "node-1", 1, time.Minute)[0]
		h.clock.Advance(2 * time.Minute)
		if jobs := mustClaim(t, h.q, "q", "node-2", 1, time.Minute); len(jobs) != 0 {
			t.Fatalf("claimed a job past its attempts: %+v", jobs)
		}
		if state, msg := h.state(t, j.ID); state != "dead" || !strings.Contains(msg, "node-1") {
			t.Errorf("state = %s %q, want dead noting node-1", state, msg)
		}
	})
}

func TestRetryThenDead(t *testing.T) {
	eachQueue(t, func(t *testing.T, h harness) {
		mustEnqueue(t, h.q, "q", "flaky", MaxAttempts(3))
		j := mustClaim(t, h.q, "q", "w", 1, time.Minute)[0]
		if err := h.q.Fail(bg, j, errors.New("boom 1"), h.clock.Now().Add(30*time.Second)); err != nil {
			t.Fatalf("Fail: %v", err)
		}
		if got, want := mustStats(t, h.q, "q"), (QueueStats{Delayed: 1}); got != want {
			t.Errorf("Stats after failure = %+v, want %+v", got, want)
		}
		if jobs := mustClaim(t, h.q, "q", "w", 1, time.Minute); len(jobs) != 0 {
			t.Fatal("retried before retryAt")
		}
		h.clock.Advance(30 * time.Second)
		j = mustClaim(t, h.q, "q", "w", 1, time.Minute)[0]
		if j.Attempts != 2 || j.LastError != "boom 1" {
			t.Fatalf("second attempt = %+v", j)
		}
		// A zero retryAt means the default exponential backoff: 20 s after the second attempt.
		if err := h.q.Fail(bg, j, errors.New("boom 2"), time.Time{}); err != nil {
			t.Fatal(err)
		}
		h.clock.Advance(Backoff(2) - time.Second)
		if jobs := mustClaim(t, h.q, "q", "w", 1, time.Minute); len(jobs) != 0 {
			t.Fatal("retried before the backoff")
		}
		h.clock.Advance(time.Second)
		j = mustClaim(t, h.q, "q", "w", 1, time.Minute)[0]
		if j.Attempts != 3 || j.LastError != "boom 2" {
			t.Fatalf("third attempt = %+v", j)
		}
		if err := h.q.Fail(bg, j, fmt.Errorf("boom 3: %w", errors.New("remote refused")), time.Time{}); err != nil {
			t.Fatal(err)
		}
		if got, want := mustStats(t, h.q, "q"), (QueueStats{Dead: 1}); got != want {
			t.Errorf("Stats after last attempt = %+v, want %+v", got, want)
		}
		h.clock.Advance(24 * time.Hour)
		if jobs := mustClaim(t, h.q, "q", "w", 1, time.Minute); len(jobs) != 0 {
			t.Fatal("a dead job was claimed")
		}
		if state, msg := h.state(t, j.ID); state != "dead" || msg != "boom 3: remote refused" {
			t.Errorf("state = %s %q, want dead with the last error", state, msg)
		}
	})
}

func TestInvalidInput(t *testing.T) {
	eachQueue(t, func(t *testing.T, h harness) {
		for name, err := range map[string]error{
			"no queue":      h.q.Enqueue(bg, "", []byte("x")),
			"not UTF-8":     h.q.Enqueue(bg, "q", []byte{0xff, 0xfe}),
			"NUL byte":      h.q.Enqueue(bg, "q", []byte("a\x00b")),
			"zero attempts": h.q.Enqueue(bg, "q", []byte("x"), MaxAttempts(0)),
			"no owner":      func() error { _, err := h.q.Claim(bg, "q", "", 1, time.Minute); return err }(),
			"zero count":    func() error { _, err := h.q.Claim(bg, "q", "w", 0, time.Minute); return err }(),
			"zero lease":    func() error { _, err := h.q.Claim(bg, "q", "w", 1, 0); return err }(),
		} {
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if err := h.q.Enqueue(bg, "q", make([]byte, MaxPayload+1)); !errs.Is(err, errs.TooLarge) {
			t.Errorf("huge payload: %v, want too_large", err)
		}
		if st, _ := h.q.Stats(bg); len(st) != 0 {
			t.Errorf("refused enqueues left jobs: %+v", st)
		}
	})
}

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		attempt int
		want    time.Duration
	}{{0, 10 * time.Second}, {1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second},
		{9, 2560 * time.Second}, {10, time.Hour}, {60, time.Hour}} {
		if got := Backoff(c.attempt); got != c.want {
			t.Errorf("Backoff(%d) = %v, want %v", c.attempt, got, c.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	long := strings.Repeat("ệ", 1000) // 3 bytes each: the cut must not split a character
	for in, want := range map[string]string{
		"plain":       "plain",
		"nul\x00byte": "nulbyte",
		"bad\xffutf8": "bad?utf8",
	} {
		if got := errorText(errors.New(in)); got != want {
			t.Errorf("errorText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := errorText(errors.New(long)); len(got) > 2003 || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "ệệ") {
		t.Errorf("long error kept %d bytes", len(got))
	}
}

package jobs

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/lienthong/lienthong/internal/errs"
)

// Memory is an in-process queue with the same semantics as SQL (leases, retries, dead jobs, dedupe
// keys) but no durability: everything is lost when the process ends. Use it for work that can be
// redone from scratch (cache warming, previews) and in tests of code that takes a Queue.
//
// Done jobs are forgotten to bound memory; their dedupe keys are kept, so an idempotent enqueue
// stays idempotent for the life of the process as it does for the life of a done row in SQL.
type Memory struct {
	// Now is the queue's clock; tests may replace it before first use.
	Now func() time.Time
	notifier

	mu      sync.Mutex
	nextID  int64
	jobs    map[int64]*memJob            // ready, running and dead jobs by ID
	pending map[string]map[int64]*memJob // ready and running jobs per queue: what Claim scans
	keys    map[string]map[string]bool   // dedupe keys ever used, per queue
	done    map[string]int64             // completed jobs per queue
}

var (
	_ Queue    = (*Memory)(nil)
	_ Notifier = (*Memory)(nil)
)

type memJob struct {
	job   Job
	state string
	runAt time.Time
}

// NewMemory returns an empty in-process queue.
func NewMemory() *Memory {
	return &Memory{
		Now:     time.Now,
		jobs:    map[int64]*memJob{},
		pending: map[string]map[int64]*memJob{},
		keys:    map[string]map[string]bool{},
		done:    map[string]int64{},
	}
}

// Enqueue adds a job and wakes this process's runners of the queue.
func (m *Memory) Enqueue(ctx context.Context, queue string, payload []byte, opts ...Option) error {
	now := dbTime(m.Now())
	j, err := newJob(now, queue, payload, opts)
	if err != nil {
		return err
	}
	m.mu.Lock()
	if j.dedupeKey != "" {
		if m.keys[queue][j.dedupeKey] {
			m.mu.Unlock()
			return nil
		}
		if m.keys[queue] == nil {
			m.keys[queue] = map[string]bool{}
		}
		m.keys[queue][j.dedupeKey] = true
	}
	m.nextID++
	mj := &memJob{
		job:   Job{ID: m.nextID, Queue: queue, Payload: []byte(j.payload), MaxAttempts: j.maxAttempts, CreatedAt: now},
		state: "ready",
		runAt: j.runAt,
	}
	m.jobs[mj.job.ID] = mj
	if m.pending[queue] == nil {
		m.pending[queue] = map[int64]*memJob{}
	}
	m.pending[queue][mj.job.ID] = mj
	m.mu.Unlock()
	m.Wake(queue)
	return nil
}

// Claim leases up to n due jobs, after releasing those whose lease ran out, as SQL.Claim does.
func (m *Memory) Claim(ctx context.Context, queue, owner string, n int, lease time.Duration) ([]Job, error) {
	if err := checkClaim(queue, owner, n, lease); err != nil {
		return nil, err
	}
	now := dbTime(m.Now())
	until := dbTime(now.Add(lease))
	m.mu.Lock()
	defer m.mu.Unlock()
	var due []*memJob
	for _, mj := range m.pending[queue] {
		if mj.state == "running" && !mj.job.LeaseUntil.After(now) {
			if mj.job.Attempts >= mj.job.MaxAttempts {
				m.bury(mj, "lease of "+mj.job.Owner+" ran out on the last attempt")
				continue
			}
			mj.job.LastError = "lease of " + mj.job.Owner + " ran out"
			mj.release("ready")
		}
		if mj.state == "ready" && !mj.runAt.After(now) {
			due = append(due, mj)
		}
	}
	slices.SortFunc(due, func(a, b *memJob) int {
		return cmp.Or(a.runAt.Compare(b.runAt), cmp.Compare(a.job.ID, b.job.ID))
	})
	out := make([]Job, 0, min(n, len(due)))
	for _, mj := range due[:min(n, len(due))] {
		mj.state = "running"
		mj.job.Attempts++
		mj.job.Owner = owner
		mj.job.LeaseUntil = until
		j := mj.job
		// A copy, so a handler that scribbles on its payload cannot change a later attempt's.
		j.Payload = slices.Clone(mj.job.Payload)
		out = append(out, j)
	}
	return out, nil
}

// Complete marks a claimed job done and forgets it.
func (m *Memory) Complete(ctx context.Context, j Job) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.claimed(j)
	if err != nil {
		return err
	}
	delete(m.jobs, mj.job.ID)
	delete(m.pending[mj.job.Queue], mj.job.ID)
	m.done[mj.job.Queue]++
	return nil
}

// Fail records the error and reschedules the job, or marks it dead after its last attempt.
func (m *Memory) Fail(ctx context.Context, j Job, cause error, retryAt time.Time) error {
	msg := errorText(cause)
	now := dbTime(m.Now())
	m.mu.Lock()
	defer m.mu.Unlock()
	mj, err := m.claimed(j)
	if err != nil {
		return err
	}
	if mj.job.Attempts >= mj.job.MaxAttempts {
		m.bury(mj, msg)
		return nil
	}
	if retryAt.IsZero() {
		retryAt = now.Add(Backoff(mj.job.Attempts))
	}
	mj.job.LastError = msg
	mj.runAt = dbTime(retryAt)
	mj.release("ready")
	return nil
}

// Stats counts jobs per queue and state.
func (m *Memory) Stats(ctx context.Context) (map[string]QueueStats, error) {
	now := dbTime(m.Now())
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]QueueStats{}
	for queue, n := range m.done {
		s := out[queue]
		s.Done = n
		out[queue] = s
	}
	for _, mj := range m.jobs {
		s := out[mj.job.Queue]
		switch {
		case mj.state == "dead":
			s.Dead++
		case mj.state == "running":
			s.Running++
		case mj.runAt.After(now):
			s.Delayed++
		default:
			s.Ready++
			s.Lag = max(s.Lag, now.Sub(mj.runAt))
		}
		out[mj.job.Queue] = s
	}
	return out, nil
}

// claimed returns the job if j is its current claim. Callers hold m.mu.
func (m *Memory) claimed(j Job) (*memJob, error) {
	mj := m.jobs[j.ID]
	if mj == nil {
		if j.ID >= 1 && j.ID <= m.nextID {
			// It existed and is done now: someone else finished it.
			return nil, leaseLost(j.ID)
		}
		return nil, errs.New(errs.NotFound, "no job %d", j.ID)
	}
	if mj.state != "running" || mj.job.Owner != j.Owner || mj.job.Attempts != j.Attempts {
		return nil, leaseLost(j.ID)
	}
	return mj, nil
}

// bury marks a job dead, keeping it (outside the claim scan) for Stats and inspection.
func (m *Memory) bury(mj *memJob, msg string) {
	mj.job.LastError = msg
	mj.release("dead")
	delete(m.pending[mj.job.Queue], mj.job.ID)
}

func (mj *memJob) release(state string) {
	mj.state = state
	mj.job.Owner = ""
	mj.job.LeaseUntil = time.Time{}
}

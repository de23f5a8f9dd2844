package jobs

import (
	"cmp"
	"container/heap"
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

	mu     sync.Mutex
	nextID int64
	jobs   map[int64]*memJob          // ready, running and dead jobs by ID
	queues map[string]*memQueue       // what Claim looks at
	keys   map[string]map[string]bool // dedupe keys ever used, per queue
	done   map[string]int64           // completed jobs per queue
}

// memQueue keeps ready jobs in a heap by run time, so a claim costs O(log n) however long the
// backlog, and running jobs in a set that Claim scans for expired leases (never more than workers).
type memQueue struct {
	ready   readyHeap
	running map[int64]*memJob
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

// readyHeap orders ready jobs oldest due first, ties by ID, as SQL's ORDER BY run_at, id.
type readyHeap []*memJob

func (h readyHeap) Len() int { return len(h) }
func (h readyHeap) Less(i, j int) bool {
	return cmp.Or(h[i].runAt.Compare(h[j].runAt), cmp.Compare(h[i].job.ID, h[j].job.ID)) < 0
}
func (h readyHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *readyHeap) Push(x any)   { *h = append(*h, x.(*memJob)) }
func (h *readyHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return x
}

// NewMemory returns an empty in-process queue.
func NewMemory() *Memory {
	return &Memory{
		Now:    time.Now,
		jobs:   map[int64]*memJob{},
		queues: map[string]*memQueue{},
		keys:   map[string]map[string]bool{},
		done:   map[string]int64{},
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
	heap.Push(&m.queue(queue).ready, mj)
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
	mq := m.queue(queue)
	for _, mj := range mq.running {
		if mj.job.LeaseUntil.After(now) {
			continue
		}
		delete(mq.running, mj.job.ID)
		if mj.job.Attempts >= mj.job.MaxAttempts {
			m.bury(mj, "lease of "+mj.job.Owner+" ran out on the last attempt")
			continue
		}
		mj.job.LastError = "lease of " + mj.job.Owner + " ran out"
		mj.release("ready")
		heap.Push(&mq.ready, mj)
	}
	var out []Job
	for len(out) < n && mq.ready.Len() > 0 && !mq.ready[0].runAt.After(now) {
		mj := heap.Pop(&mq.ready).(*memJob)
		mj.state = "running"
		mj.job.Attempts++
		mj.job.Owner = owner
		mj.job.LeaseUntil = until
		mq.running[mj.job.ID] = mj
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
	delete(m.queues[mj.job.Queue].running, mj.job.ID)
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
	mq := m.queues[mj.job.Queue]
	delete(mq.running, mj.job.ID)
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
	heap.Push(&mq.ready, mj)
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

// queue returns the named queue's structures, creating them. Callers hold m.mu.
func (m *Memory) queue(name string) *memQueue {
	mq := m.queues[name]
	if mq == nil {
		mq = &memQueue{running: map[int64]*memJob{}}
		m.queues[name] = mq
	}
	return mq
}

// bury marks a job dead; it stays in m.jobs, outside the claim structures, for Stats and
// inspection. The caller has already taken it out of the running set.
func (m *Memory) bury(mj *memJob, msg string) {
	mj.job.LastError = msg
	mj.release("dead")
}

func (mj *memJob) release(state string) {
	mj.state = state
	mj.job.Owner = ""
	mj.job.LeaseUntil = time.Time{}
}

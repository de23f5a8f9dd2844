// Package jobs runs Liên Thông's background work (forwarding documents on the axis, syncing dossiers
// to the national portal, sending notifications) through one queue abstraction with two
// implementations: SQL, durable, on SQLite or PostgreSQL, and Memory, in-process, for ephemeral work
// and tests. Both have the same semantics:
//
//   - A job is enqueued into a named queue with an opaque text payload (usually JSON holding IDs, not
//     documents: large content belongs in the blob store). Enqueueing with a dedupe key is idempotent.
//   - Workers claim jobs with a lease. A claimed job that is neither completed nor failed before its
//     lease ends (the node died) becomes claimable again. Delivery is therefore at least once, and
//     handlers must be idempotent; in normal operation each job runs exactly once.
//   - A failed job is retried at a later time until it has used its attempts; then it is dead and
//     keeps its last error for an operator.
//
// Capability packages enqueue with EnqueueTx in the same transaction as their own writes (the outbox
// pattern), so accepted work is never lost and never runs for a change that was rolled back.
// A Runner polls one queue and runs a handler on each job.
package jobs

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lienthong/lienthong/internal/errs"
)

// Job is one unit of background work as a worker sees it after claiming it.
type Job struct {
	ID      int64
	Queue   string
	Payload []byte
	// Attempts counts the claims of this job including the current one, so it is 1 on the first run.
	Attempts    int
	MaxAttempts int
	// LastError is the error recorded by the previous attempt, empty on the first.
	LastError string
	CreatedAt time.Time
	// Owner and LeaseUntil describe the current claim. Complete and Fail check the owner and the
	// attempt number, so a worker whose lease ran out and whose job was claimed again cannot
	// complete or reschedule the new claim.
	Owner      string
	LeaseUntil time.Time
}

// Queue is a job queue. Implementations are safe for concurrent use.
type Queue interface {
	// Enqueue adds a job to the named queue. With a DedupeKey, enqueueing the same key into the
	// same queue again does nothing and returns nil.
	Enqueue(ctx context.Context, queue string, payload []byte, opts ...Option) error
	// Claim leases up to n due jobs of the queue to owner for the lease duration, oldest first.
	Claim(ctx context.Context, queue, owner string, n int, lease time.Duration) ([]Job, error)
	// Complete marks a claimed job done. It returns a Conflict error with reason "lease_lost" when
	// the claim is no longer current, and NotFound for an unknown job.
	Complete(ctx context.Context, j Job) error
	// Fail records err on a claimed job and schedules it for retryAt (zero means now plus Backoff),
	// or marks it dead when it has used all its attempts. It checks the claim as Complete does.
	Fail(ctx context.Context, j Job, err error, retryAt time.Time) error
	// Stats counts jobs per queue and state.
	Stats(ctx context.Context) (map[string]QueueStats, error)
}

// QueueStats are the counters of one queue, for /metrics and the operations page.
type QueueStats struct {
	// Ready counts jobs that are due now; Delayed counts jobs waiting for their run time or retry.
	Ready   int64 `json:"ready"`
	Delayed int64 `json:"delayed"`
	// Running counts claimed jobs, including claims whose lease has run out but that nobody has
	// claimed again yet.
	Running int64 `json:"running"`
	Done    int64 `json:"done"`
	Dead    int64 `json:"dead"`
	// Lag is how long the oldest due job has been waiting: the number to alert on.
	Lag time.Duration `json:"lag"`
}

// Notifier is implemented by queues that can wake the runners of this process as soon as work is
// enqueued, instead of leaving it to their next poll. Other nodes still find the work by polling.
type Notifier interface {
	// Subscribe returns a channel that receives a value after jobs are enqueued into queue, and a
	// function that ends the subscription.
	Subscribe(queue string) (wake <-chan struct{}, cancel func())
	// Wake tells the subscribers of queue that work may be waiting. Enqueue calls it itself;
	// callers of EnqueueTx call it after their transaction commits.
	Wake(queue string)
}

// DefaultMaxAttempts is how many times a job runs before it is dead, unless MaxAttempts says
// otherwise. It matches the column default of the jobs table.
const DefaultMaxAttempts = 10

// MaxPayload bounds a payload. Jobs carry references, not content; a bigger payload is a mistake
// that would slow every claim.
const MaxPayload = 1 << 20

// Backoff is the default delay before retry number attempt+1: 10 s doubled after each attempt, at
// most one hour. With the default 10 attempts a job keeps trying for about an hour and a half,
// long enough to ride out another agency's server restart.
func Backoff(attempt int) time.Duration {
	const base, ceiling = 10 * time.Second, time.Hour
	if attempt < 1 {
		attempt = 1
	}
	if attempt > 20 {
		return ceiling
	}
	return min(base<<(attempt-1), ceiling)
}

// Option adjusts one Enqueue.
type Option func(*options)

type options struct {
	runAt       time.Time
	delay       time.Duration
	maxAttempts int
	dedupeKey   string
}

// RunAt makes the job due at t instead of now.
func RunAt(t time.Time) Option { return func(o *options) { o.runAt = t } }

// Delay makes the job due d after the enqueue (after the transaction's Now for EnqueueTx).
func Delay(d time.Duration) Option { return func(o *options) { o.delay = d } }

// MaxAttempts sets how many times the job runs before it is dead (at least 1).
func MaxAttempts(n int) Option { return func(o *options) { o.maxAttempts = n } }

// DedupeKey makes the enqueue idempotent: a second job with the same key in the same queue is not
// added. Use the natural key of the work (an edXML DocumentId, a dossier code with its status).
// An empty key means no deduplication.
func DedupeKey(key string) Option { return func(o *options) { o.dedupeKey = key } }

// job is a validated enqueue request, with times already resolved against the queue's clock.
type job struct {
	queue       string
	payload     string
	runAt       time.Time
	maxAttempts int
	dedupeKey   string
}

// newJob validates an enqueue and resolves its run time against now.
func newJob(now time.Time, queue string, payload []byte, opts []Option) (job, error) {
	o := options{maxAttempts: DefaultMaxAttempts}
	for _, opt := range opts {
		opt(&o)
	}
	if err := checkQueue(queue); err != nil {
		return job{}, err
	}
	switch {
	case len(payload) > MaxPayload:
		return job{}, errs.Reasonf(errs.TooLarge, "job_payload_too_large", "a job payload is at most %d bytes", MaxPayload)
	case !utf8.Valid(payload) || strings.IndexByte(string(payload), 0) >= 0:
		// The payload column is text on both dialects, and PostgreSQL text cannot hold NUL bytes.
		return job{}, errs.Reasonf(errs.Invalid, "job_payload_not_text", "a job payload must be UTF-8 text such as JSON")
	case o.maxAttempts < 1:
		return job{}, errs.Reasonf(errs.Invalid, "job_max_attempts", "a job needs at least one attempt")
	case len(o.dedupeKey) > 500:
		return job{}, errs.Reasonf(errs.Invalid, "job_dedupe_key", "a dedupe key is at most 500 bytes")
	}
	runAt := now
	if !o.runAt.IsZero() {
		runAt = o.runAt
	}
	runAt = runAt.Add(o.delay)
	return job{
		queue:       queue,
		payload:     string(payload),
		runAt:       dbTime(runAt),
		maxAttempts: o.maxAttempts,
		dedupeKey:   o.dedupeKey,
	}, nil
}

func checkQueue(queue string) error {
	if queue == "" || len(queue) > 100 {
		return errs.Reasonf(errs.Invalid, "job_queue", "a queue name is 1 to 100 bytes")
	}
	return nil
}

func checkClaim(queue, owner string, n int, lease time.Duration) error {
	if err := checkQueue(queue); err != nil {
		return err
	}
	if owner == "" || n < 1 || lease <= 0 {
		return errs.New(errs.Invalid, "a claim needs an owner, a positive count and a positive lease")
	}
	return nil
}

// dbTime normalises a time as the database keeps it: UTC and whole microseconds (PostgreSQL's
// precision), so Memory, SQLite and PostgreSQL compare and return the same values.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// errorText turns a handler error into the text kept in last_error: valid UTF-8, no NUL bytes (which
// PostgreSQL text refuses) and bounded, because a handler may return a whole response body.
func errorText(err error) string {
	if err == nil {
		return "failed"
	}
	s := strings.ToValidUTF8(err.Error(), "?")
	s = strings.ReplaceAll(s, "\x00", "")
	if len(s) > 2000 {
		cut := 2000
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// leaseLost is the error of Complete and Fail when the claim is no longer the current one.
func leaseLost(id int64) error {
	return errs.Reasonf(errs.Conflict, "lease_lost", "job %d is no longer leased to this worker", id)
}

// notifier fans wake-ups out to the runners of this process. Channels have room for one value, so a
// burst of enqueues costs one wake-up and never blocks the enqueuer.
type notifier struct {
	mu   sync.Mutex
	subs map[string]map[chan struct{}]struct{}
}

// Subscribe implements Notifier.
func (n *notifier) Subscribe(queue string) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	if n.subs == nil {
		n.subs = map[string]map[chan struct{}]struct{}{}
	}
	if n.subs[queue] == nil {
		n.subs[queue] = map[chan struct{}]struct{}{}
	}
	n.subs[queue][ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.subs[queue], ch)
		n.mu.Unlock()
	}
}

// Wake implements Notifier.
func (n *notifier) Wake(queue string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs[queue] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Handler does the work of one job. Returning nil completes the job; returning an error fails it,
// to be retried after a backoff or declared dead after its last attempt. The context ends when the
// lease ends or the runner stops; handlers must return promptly then, and be idempotent, because an
// interrupted job runs again.
type Handler func(ctx context.Context, j Job) error

// RunnerOptions tunes a Runner; zero values take the defaults.
type RunnerOptions struct {
	// Owner names this worker in leases (default: host name, process ID and a random suffix). It
	// must differ between runners, or one could complete another's claim.
	Owner string
	// Concurrency is how many handlers run at once (default 4).
	Concurrency int
	// Lease is how long a claimed job stays with this worker (default 5 minutes). The runner does
	// not renew leases: a handler gets a context that ends with its lease, so the lease must be
	// longer than the slowest normal run. A longer lease only delays recovery after a node dies.
	Lease time.Duration
	// PollInterval is how often the runner looks for work enqueued elsewhere or coming due
	// (default 1 s). Work enqueued through the same queue value in this process wakes it at once.
	PollInterval time.Duration
	// Backoff gives the delay before the next attempt after attempt number n failed (default Backoff).
	Backoff func(attempt int) time.Duration
	// Logger receives handler failures; the runner is the edge where they are logged, once
	// (default slog.Default()).
	Logger *slog.Logger
}

// RunnerStats are a runner's counters since it started, for /metrics.
type RunnerStats struct {
	Running   int64 `json:"running"`
	Succeeded int64 `json:"succeeded"`
	Failed    int64 `json:"failed"`
}

// Runner claims jobs of one queue and runs a handler on each, up to Concurrency at a time.
type Runner struct {
	q       Queue
	queue   string
	handler Handler
	opt     RunnerOptions

	startOnce, stopOnce sync.Once
	cancel              context.CancelFunc
	done                chan struct{} // closed when the loop and all handlers have returned

	running, succeeded, failed atomic.Int64
}

// NewRunner returns a runner for queue; call Start to run it and Stop to end it.
func NewRunner(q Queue, queue string, h Handler, opt RunnerOptions) *Runner {
	if opt.Owner == "" {
		opt.Owner = defaultOwner()
	}
	if opt.Concurrency < 1 {
		opt.Concurrency = 4
	}
	if opt.Lease <= 0 {
		opt.Lease = 5 * time.Minute
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = time.Second
	}
	if opt.Backoff == nil {
		opt.Backoff = Backoff
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	return &Runner{q: q, queue: queue, handler: h, opt: opt, done: make(chan struct{})}
}

// Start runs the runner in the background until ctx ends or Stop is called. Calling it again, or
// after Stop, does nothing.
func (r *Runner) Start(ctx context.Context) {
	r.startOnce.Do(func() {
		ctx, r.cancel = context.WithCancel(ctx)
		go r.loop(ctx)
	})
}

// Stop stops claiming, cancels the running handlers' contexts and waits for them to return and
// for their results to be recorded. An interrupted job is made ready again at once for another
// node; the interruption counts as one of its attempts. Stop is safe to call more than once,
// concurrently, or without Start.
func (r *Runner) Stop() {
	r.startOnce.Do(func() { close(r.done) }) // never started: nothing to wait for
	r.stopOnce.Do(func() {
		if r.cancel != nil {
			r.cancel()
		}
	})
	<-r.done
}

// Stats returns the runner's counters.
func (r *Runner) Stats() RunnerStats {
	return RunnerStats{Running: r.running.Load(), Succeeded: r.succeeded.Load(), Failed: r.failed.Load()}
}

func (r *Runner) loop(ctx context.Context) {
	var handlers sync.WaitGroup
	defer close(r.done)
	defer handlers.Wait()

	var wake <-chan struct{}
	if n, ok := r.q.(Notifier); ok {
		ch, unsubscribe := n.Subscribe(r.queue)
		defer unsubscribe()
		wake = ch
	}
	// slots holds one token per running handler, so the runner claims only what it can start.
	slots := make(chan struct{}, r.opt.Concurrency)
	timer := time.NewTimer(r.opt.PollInterval)
	defer timer.Stop()
	errDelay := time.Duration(0)
	for {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		free := 1
	fill:
		for free < r.opt.Concurrency {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break fill
			}
		}
		jobs, err := r.q.Claim(ctx, r.queue, r.opt.Owner, free, r.opt.Lease)
		for range free - len(jobs) {
			<-slots
		}
		for _, j := range jobs {
			r.running.Add(1)
			handlers.Go(func() {
				defer func() { <-slots }()
				r.run(ctx, j)
			})
		}
		wait := r.opt.PollInterval
		switch {
		case err != nil && ctx.Err() == nil:
			// The database is unreachable or failing: log, then back off up to 30 s so an outage
			// does not flood the log.
			errDelay = min(max(2*errDelay, r.opt.PollInterval), 30*time.Second)
			wait = errDelay
			r.opt.Logger.Error("jobs: claim failed", "queue", r.queue, "owner", r.opt.Owner, "err", err, "retry_in", wait)
		case len(jobs) == free:
			// There may be more work: claim again as soon as a slot frees up.
			errDelay = 0
			continue
		default:
			errDelay = 0
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-timer.C:
		}
	}
}

// run runs the handler on one job and records the outcome.
func (r *Runner) run(ctx context.Context, j Job) {
	defer r.running.Add(-1)
	hctx, cancel := context.WithTimeout(ctx, r.opt.Lease)
	err := r.call(hctx, j)
	cancel()
	// Record the outcome even while stopping, or the job would wait for its lease to run out.
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer rcancel()
	log := r.opt.Logger.With("queue", r.queue, "job", j.ID, "attempt", j.Attempts, "owner", r.opt.Owner)
	if err == nil {
		r.succeeded.Add(1)
		if cerr := r.q.Complete(rctx, j); cerr != nil {
			log.Error("jobs: cannot record completion; the job will run again", "err", cerr)
		}
		return
	}
	r.failed.Add(1)
	retryAt := time.Now().Add(r.opt.Backoff(j.Attempts))
	if ctx.Err() != nil {
		// Interrupted by shutdown rather than failed: let another worker take it at once.
		retryAt = time.Now()
		err = fmt.Errorf("interrupted by shutdown: %w", err)
	}
	if j.Attempts >= j.MaxAttempts {
		log.Error("jobs: job failed on its last attempt and is dead", "err", err)
	} else {
		log.Warn("jobs: job failed; will retry", "err", err, "retry_at", retryAt)
	}
	if ferr := r.q.Fail(rctx, j, err, retryAt); ferr != nil {
		log.Error("jobs: cannot record failure; the job will run again when its lease ends", "err", ferr)
	}
}

// call runs the handler, turning a panic into an error so one bad job cannot take the node down.
func (r *Runner) call(ctx context.Context, j Job) (err error) {
	defer func() {
		if p := recover(); p != nil {
			// The stack goes into the error, which is logged once and kept in last_error.
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return r.handler(ctx, j)
}

func defaultOwner() string {
	host, _ := os.Hostname()
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

package db

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Group commits the work of concurrent callers in shared transactions (group commit). A failing
// caller is rolled back alone (the batch is then run again with a savepoint per caller), and every
// caller returns only after the transaction holding its work is durably committed. Under load, one commit
// (one fsync) then acknowledges many requests; alone, a caller waits for nobody.
//
// A group may linger for callers on their way (GroupOptions): fewer, larger commits cost less per
// caller (each commit writes the shared index pages and syncs once), at the price of that much
// latency under load; a caller alone never waits.
type Group struct {
	db       *DB
	maxBatch int
	linger   time.Duration
	coming   func() int
	units    chan *unit
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

type unit struct {
	ctx  context.Context
	fn   func(*Tx) error
	done chan error
}

// ErrGroupClosed is returned by Do after Close.
var ErrGroupClosed = errors.New("db: group committer closed")

// GroupOptions configures a group committer.
type GroupOptions struct {
	// MaxBatch is the most callers one transaction holds.
	MaxBatch int
	// Linger and Coming let a batch wait for callers on their way. Coming returns how many callers
	// are working toward a Do or are in one (for the axis: packages being parsed, verified or
	// committed). While the batch holds fewer than that, it waits for them, up to Linger. Without
	// Coming, or with Linger 0, a batch commits whoever is queued at once.
	Linger time.Duration
	Coming func() int
}

// lingerPoll is how often a lingering batch looks at Coming again: a caller that gave up on its way
// (its package was refused) must not keep the batch waiting for the whole linger time.
const lingerPoll = 100 * time.Microsecond

// NewGroup starts a group committer.
func (d *DB) NewGroup(o GroupOptions) *Group {
	maxBatch := max(o.MaxBatch, 1)
	linger := max(o.Linger, 0)
	if o.Coming == nil {
		linger = 0
	}
	g := &Group{db: d, maxBatch: maxBatch, linger: linger, coming: o.Coming, units: make(chan *unit, maxBatch*4), stop: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	return g
}

// Do runs fn in a shared transaction and returns after that transaction commits (fn's error, or the
// commit's). fn must not keep the Tx or start other transactions. Like a retried transaction, fn may
// run more than once (when another caller of its batch fails): it must set, not accumulate, what it
// hands back to its caller.
func (g *Group) Do(ctx context.Context, fn func(*Tx) error) error {
	u := &unit{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case g.units <- u:
	case <-g.stop:
		return ErrGroupClosed
	case <-ctx.Done():
		return mapError(g.db.Dialect, ctx.Err())
	}
	// Wait for the outcome even if ctx ends: the work may already be committed, and the caller
	// must not report failure for something that happened.
	return <-u.done
}

// Close stops accepting work and waits for the batches in flight.
func (g *Group) Close() {
	g.once.Do(func() { close(g.stop) })
	<-g.done
}

func (g *Group) loop() {
	defer close(g.done)
	for {
		var first *unit
		select {
		case first = <-g.units:
		case <-g.stop:
			// Drain what was queued before the stop.
			for {
				select {
				case u := <-g.units:
					g.run([]*unit{u})
				default:
					return
				}
			}
		}
		batch := []*unit{first}
	fill:
		for len(batch) < g.maxBatch {
			select {
			case u := <-g.units:
				batch = append(batch, u)
			default:
				break fill
			}
		}
		if g.linger > 0 {
			batch = g.wait(batch)
		}
		g.run(batch)
	}
}

// wait adds callers to batch while more are coming, for up to the linger time or until the batch is
// full.
func (g *Group) wait(batch []*unit) []*unit {
	deadline := time.Now().Add(g.linger)
	t := time.NewTimer(lingerPoll)
	defer t.Stop()
	for len(batch) < g.maxBatch && len(batch) < g.coming() {
		left := time.Until(deadline)
		if left <= 0 {
			break
		}
		t.Reset(min(lingerPoll, left))
		select {
		case u := <-g.units:
			batch = append(batch, u)
		case <-t.C:
		}
	}
	return batch
}

// run commits a batch. All callers' work first runs straight in one transaction, with no
// savepoints (each costs statements and, on SQLite, a statement journal). If a caller fails, that
// transaction is rolled back and the batch runs again with a savepoint per caller, so that the
// failing caller is rolled back alone. Every caller is answered only after the transaction that
// holds its work has committed, or with the error that kept it from committing.
func (g *Group) run(batch []*unit) {
	live := batch[:0:0]
	for _, u := range batch {
		if err := u.ctx.Err(); err != nil {
			u.done <- mapError(g.db.Dialect, err) // never ran: nothing to wait for
			continue
		}
		live = append(live, u)
	}
	switch len(live) {
	case 0:
		return
	case 1:
		live[0].done <- g.db.Tx(context.Background(), live[0].fn)
		return
	}
	failed := false
	err := g.db.Tx(context.Background(), func(tx *Tx) error {
		failed = false // db.Tx may retry the whole transaction on PostgreSQL
		for _, u := range live {
			if err := u.fn(tx); err != nil {
				failed = true
				return err
			}
		}
		return nil
	})
	if err == nil || !failed {
		// Committed, or the transaction itself failed (begin or commit): the same answer for all.
		for _, u := range live {
			u.done <- err
		}
		return
	}
	g.runSavepoints(live)
}

// runSavepoints runs the batch again, each caller inside its own savepoint.
func (g *Group) runSavepoints(batch []*unit) {
	results := make([]error, len(batch))
	err := g.db.Tx(context.Background(), func(tx *Tx) error {
		ctx := context.Background()
		for i, u := range batch {
			results[i] = nil
			if err := u.ctx.Err(); err != nil {
				results[i] = mapError(g.db.Dialect, err)
				continue
			}
			if _, err := tx.Exec(ctx, "SAVEPOINT group_unit"); err != nil {
				return err
			}
			if err := u.fn(tx); err != nil {
				results[i] = err
				if _, rerr := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT group_unit"); rerr != nil {
					return rerr
				}
			}
			if _, err := tx.Exec(ctx, "RELEASE SAVEPOINT group_unit"); err != nil {
				return err
			}
		}
		return nil
	})
	for i, u := range batch {
		if err != nil {
			u.done <- err
		} else {
			u.done <- results[i]
		}
	}
}

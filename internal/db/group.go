package db

import (
	"context"
	"errors"
	"sync"
)

// Group commits the work of concurrent callers in shared transactions (group commit). Each caller's
// function runs inside its own savepoint, so a failing caller is rolled back alone, and every caller
// returns only after the transaction holding its work is durably committed. Under load, one commit
// (one fsync) then acknowledges many requests; alone, a caller waits for nobody.
type Group struct {
	db       *DB
	maxBatch int
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

// NewGroup starts a group committer that puts at most maxBatch callers in one transaction.
func (d *DB) NewGroup(maxBatch int) *Group {
	if maxBatch < 1 {
		maxBatch = 1
	}
	g := &Group{db: d, maxBatch: maxBatch, units: make(chan *unit, maxBatch*4), stop: make(chan struct{}), done: make(chan struct{})}
	go g.loop()
	return g
}

// Do runs fn in a shared transaction and returns after that transaction commits (fn's error, or the
// commit's). fn must not keep the Tx or start other transactions.
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
		g.run(batch)
	}
}

func (g *Group) run(batch []*unit) {
	results := make([]error, len(batch))
	err := g.db.Tx(context.Background(), func(tx *Tx) error {
		ctx := context.Background()
		for i, u := range batch {
			if err := u.ctx.Err(); err != nil {
				results[i] = mapError(g.db.Dialect, err)
				continue
			}
			if len(batch) == 1 {
				results[i] = u.fn(tx)
				if results[i] != nil {
					return results[i]
				}
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
		switch {
		case len(batch) == 1:
			u.done <- err
		case err != nil:
			u.done <- err
		default:
			u.done <- results[i]
		}
	}
}

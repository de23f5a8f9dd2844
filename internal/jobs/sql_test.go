package jobs

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

// TestEnqueueTxIsTheOutbox checks that a job enqueued in a transaction exists exactly when the
// transaction commits, and that a duplicate key does not spoil the caller's transaction (on
// PostgreSQL a failed statement would abort it).
func TestEnqueueTxIsTheOutbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		q := NewSQL(d)
		errRollback := errors.New("capability write failed")
		err := d.Tx(bg, func(tx *db.Tx) error {
			if err := EnqueueTx(bg, tx, "axis.send", []byte(`{"doc":"rolled back"}`)); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("Tx = %v", err)
		}
		err = d.Tx(bg, func(tx *db.Tx) error {
			for range 2 {
				if err := EnqueueTx(bg, tx, "axis.send", []byte(`{"doc":"committed"}`), DedupeKey("doc-1")); err != nil {
					return err
				}
			}
			// The caller's own write after the duplicate must still work.
			_, err := tx.Exec(bg, "INSERT INTO settings (key, value) VALUES (?, ?)", "outbox-test", "ok")
			return err
		})
		if err != nil {
			t.Fatalf("Tx with a duplicate enqueue: %v", err)
		}
		jobs := mustClaim(t, q, "axis.send", "w", 10, time.Minute)
		if got := payloads(jobs); got != `{"doc":"committed"}` {
			t.Errorf("claimed %s, want only the committed job, once", got)
		}
	})
}

// TestClaimSkipsLockedRows shows that on PostgreSQL a claim passes over a row another transaction
// holds instead of waiting for it, which is what lets many nodes claim at once.
func TestClaimSkipsLockedRows(t *testing.T) {
	d := dbtest.Postgres(t)
	q := NewSQL(d)
	mustEnqueue(t, q, "q", "held")
	mustEnqueue(t, q, "q", "free")
	locked, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- d.Tx(bg, func(tx *db.Tx) error {
			var id int64
			if err := tx.QueryRow(bg, "SELECT id FROM jobs WHERE payload = 'held' FOR UPDATE").Scan(&id); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	defer cancel()
	jobs, err := q.Claim(ctx, "q", "w", 2, time.Minute)
	close(release)
	if err != nil {
		t.Fatalf("Claim while a row is locked: %v", err)
	}
	if got := payloads(jobs); got != "free" {
		t.Errorf("claimed %q, want only the unlocked job", got)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := payloads(mustClaim(t, q, "q", "w", 2, time.Minute)); got != "held" {
		t.Errorf("after release claimed %q", got)
	}
}

func TestPurge(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := newClock()
		d.Now = c.Now
		q := NewSQL(d)
		mustEnqueue(t, q, "q", "old", DedupeKey("k"))
		mustEnqueue(t, q, "q", "dead", MaxAttempts(1))
		for _, j := range mustClaim(t, q, "q", "w", 2, time.Minute) {
			if string(j.Payload) == "old" {
				if err := q.Complete(bg, j); err != nil {
					t.Fatal(err)
				}
			} else if err := q.Fail(bg, j, errors.New("x"), time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		c.Advance(48 * time.Hour)
		mustEnqueue(t, q, "q", "recent")
		j := mustClaim(t, q, "q", "w", 1, time.Minute)[0]
		if err := q.Complete(bg, j); err != nil {
			t.Fatal(err)
		}
		n, err := q.Purge(bg, c.Now().Add(-24*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("Purge = %d, %v; want 1 (the old done job only)", n, err)
		}
		if got, want := mustStats(t, q, "q"), (QueueStats{Done: 1, Dead: 1}); got != want {
			t.Errorf("Stats after purge = %+v, want %+v", got, want)
		}
		// The purged job's key is free again.
		mustEnqueue(t, q, "q", "old again", DedupeKey("k"))
		if got := payloads(mustClaim(t, q, "q", "w", 5, time.Minute)); got != "old again" {
			t.Errorf("claimed %q", got)
		}
	})
}

func TestCompleteAfterLeaseRanOutButNotReclaimed(t *testing.T) {
	// A slow worker whose lease ran out may still record its result while nobody has claimed the
	// job again: the work is done, and running it twice would be the worse outcome.
	eachQueue(t, func(t *testing.T, h harness) {
		mustEnqueue(t, h.q, "q", "slow")
		j := mustClaim(t, h.q, "q", "w", 1, time.Minute)[0]
		h.clock.Advance(time.Hour)
		if err := h.q.Complete(bg, j); err != nil {
			t.Fatalf("Complete = %v", err)
		}
		if jobs := mustClaim(t, h.q, "q", "w2", 1, time.Minute); len(jobs) != 0 {
			t.Errorf("a completed job was claimed again")
		}
		if err := h.q.Complete(bg, j); !errs.Is(err, errs.Conflict) {
			t.Errorf("repeated Complete = %v, want conflict", err)
		}
	})
}

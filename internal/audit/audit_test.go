package audit_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
)

func appendN(t *testing.T, d *db.DB, n int) {
	t.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		if err := d.Tx(ctx, func(tx *db.Tx) error {
			return audit.Append(ctx, tx, "user:admin", "login", "user:admin", map[string]int{"i": i})
		}); err != nil {
			t.Fatal(err)
		}
	}
}

func exec(t *testing.T, d *db.DB, q string, args ...any) {
	t.Helper()
	ctx := context.Background()
	if err := d.Tx(ctx, func(tx *db.Tx) error { _, err := tx.Exec(ctx, q, args...); return err }); err != nil {
		t.Fatal(err)
	}
}

func verify(t *testing.T, d *db.DB) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestVerifyDetectsTampering(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 5)
		if rep := verify(t, d); !rep.OK() || rep.Rows != 5 {
			t.Fatalf("fresh log: %+v", rep)
		}
		exec(t, d, "UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 3")
		if rep := verify(t, d); rep.OK() || !strings.Contains(rep.Problems[0].Message, "edited") {
			t.Errorf("edited row not detected: %+v", rep)
		}
	})
}

func TestVerifyDetectsDeletion(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 5)
		exec(t, d, "DELETE FROM audit_log WHERE seq = 2")
		if rep := verify(t, d); rep.OK() {
			t.Errorf("deleted middle row not detected")
		}
	})
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		appendN(t, d, 5)
		exec(t, d, "DELETE FROM audit_log WHERE seq = 5")
		if rep := verify(t, d); rep.OK() {
			t.Errorf("deleted last row not detected")
		}
	})
}

func TestConcurrentAppendsKeepTheChain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var wg sync.WaitGroup
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := context.Background()
				for i := 0; i < 10; i++ {
					if err := d.Tx(ctx, func(tx *db.Tx) error {
						return audit.Append(ctx, tx, "client:x", "token", "client:x", nil)
					}); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if rep := verify(t, d); !rep.OK() || rep.Rows != 80 {
			t.Errorf("after concurrent appends: %+v", rep)
		}
	})
}

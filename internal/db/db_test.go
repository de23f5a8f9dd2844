package db_test

import (
	"context"
	"testing"

	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

func TestRebind(t *testing.T) {
	got := db.Rebind(`SELECT a FROM t WHERE b = ? AND c = '?' AND "d?" = ?`)
	want := `SELECT a FROM t WHERE b = $1 AND c = '?' AND "d?" = $2`
	if got != want {
		t.Errorf("Rebind = %q, want %q", got, want)
	}
}

func TestErrorsMapToOneSetOfCodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		put := func(k string) error {
			return d.Tx(ctx, func(tx *db.Tx) error {
				_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", k, "v")
				return err
			})
		}
		if err := put("a"); err != nil {
			t.Fatal(err)
		}
		if err := put("a"); !errs.Is(err, errs.Conflict) {
			t.Errorf("duplicate key: got %v, want conflict", err)
		}
		err := d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "INSERT INTO user_roles (user_id, role, agency_code) VALUES (?, ?, ?)", 999, "admin", "*")
			return err
		})
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("foreign key: got %v, want invalid", err)
		}
		// A failed transaction leaves nothing behind.
		err = d.Tx(ctx, func(tx *db.Tx) error {
			if _, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "b", "v"); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", "a", "v")
			return err
		})
		if !errs.Is(err, errs.Conflict) {
			t.Fatalf("got %v", err)
		}
		var n int
		if err := d.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM settings WHERE key = ?", "b").Scan(&n)
		}); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("rolled-back row is visible")
		}
	})
}

func TestMigrationsAreRecordedAndIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := d.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		applied, err := d.Applied(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := db.Migrations(d.Dialect)
		if len(applied) != len(want) || len(want) == 0 {
			t.Errorf("applied %d migrations, have %d", len(applied), len(want))
		}
	})
}

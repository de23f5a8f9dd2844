// Package dbtest opens real databases for tests: SQLite in a temporary folder always, and a
// throwaway PostgreSQL database when LIENTHONG_TEST_POSTGRES holds a server URL.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/lienthong/lienthong/internal/db"
)

// PostgresEnv names the variable holding a PostgreSQL URL for tests.
const PostgresEnv = "LIENTHONG_TEST_POSTGRES"

// RequireEnv names the variable that turns a missing PostgreSQL into a failure (CI sets it).
const RequireEnv = "LIENTHONG_TEST_REQUIRE"

// SQLite opens a fresh SQLite database in a temporary folder.
func SQLite(tb testing.TB) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), "", tb.TempDir())
	if err != nil {
		tb.Fatalf("dbtest.SQLite: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// PostgresURL creates a throwaway database on the test server and returns its URL, or skips the
// test when no server is configured (and fails instead when LIENTHONG_TEST_REQUIRE is set).
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv(RequireEnv) != "" {
			tb.Fatalf("%s is not set but %s requires PostgreSQL", PostgresEnv, RequireEnv)
		}
		tb.Skipf("PostgreSQL tests need %s", PostgresEnv)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("dbtest: %v", err)
	}
	defer admin.Close()
	var b [6]byte
	rand.Read(b[:])
	name := "lt_test_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("dbtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer a.Close()
		a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("dbtest: bad %s: %v", PostgresEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres opens a fresh PostgreSQL database, or skips as PostgresURL does.
func Postgres(tb testing.TB) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), PostgresURL(tb), "")
	if err != nil {
		tb.Fatalf("dbtest.Postgres: %v", err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// Each runs fn as a subtest on SQLite and on PostgreSQL.
func Each(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t)) })
}

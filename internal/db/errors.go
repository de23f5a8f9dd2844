package db

import (
	"context"
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/lienthong/lienthong/internal/errs"
)

// mapError turns a driver error into an *errs.Error so that callers see the same code on both
// dialects (a unique violation is Conflict on SQLite and on PostgreSQL alike).
func mapError(d Dialect, err error) error {
	if err == nil {
		return nil
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return errs.Wrap(errs.Unavailable, err, "request cancelled or timed out")
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(errs.NotFound, err, "not found")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return errs.Wrap(errs.Conflict, err, "already exists")
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return errs.Wrap(errs.Invalid, err, "refers to something that does not exist")
		case sqlite3.SQLITE_CONSTRAINT_NOTNULL, sqlite3.SQLITE_CONSTRAINT_CHECK:
			return errs.Wrap(errs.Invalid, err, "a required value is missing or out of range")
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT:
			return errs.Wrap(errs.Unavailable, err, "database busy, try again")
		}
		return errs.Wrap(errs.Internal, err, "database error")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return errs.Wrap(errs.Conflict, err, "already exists")
		case "23503":
			return errs.Wrap(errs.Invalid, err, "refers to something that does not exist")
		case "23502", "23514", "22001", "22P02":
			return errs.Wrap(errs.Invalid, err, "a required value is missing or out of range")
		case "40001", "40P01":
			return errs.Wrap(errs.Unavailable, err, "concurrent update, try again")
		case "57P01", "57P02", "57P03", "08000", "08003", "08006":
			return errs.Wrap(errs.Unavailable, err, "database unavailable")
		}
		return errs.Wrap(errs.Internal, err, "database error")
	}
	return errs.Wrap(errs.Internal, err, "database error")
}

// isRetryable reports a PostgreSQL serialization failure or deadlock, which a transaction retry fixes.
func isRetryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// IsNoRows reports whether err means a query found no row.
func IsNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Package db opens Liên Thông's database (SQLite by default, PostgreSQL for scale), runs the embedded
// migrations of its dialect, and gives the capability packages transactions whose errors are already
// mapped to errs codes. SQL is written once with "?" placeholders and rebound for PostgreSQL.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/lienthong/lienthong/internal/errs"
)

// Dialect names the SQL dialect in use.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. On SQLite writes go through one connection (SQLite has one writer anyway,
// and queueing in Go is cheaper than busy-waiting in the driver) while reads use a pool; on
// PostgreSQL both use the same pool.
type DB struct {
	Dialect Dialect
	write   *sql.DB
	read    *sql.DB
	// Now returns the time a transaction carries; tests replace it.
	Now func() time.Time

	rebindMu sync.RWMutex
	rebound  map[string]string
}

// IsPostgresURL reports whether dsn selects PostgreSQL.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn: a postgres:// URL, or else a SQLite file path
// (empty means lienthong.db in dataDir). It runs the migrations before returning.
func Open(ctx context.Context, dsn, dataDir string) (*DB, error) {
	var d *DB
	var err error
	if IsPostgresURL(dsn) {
		d, err = openPostgres(ctx, dsn)
	} else {
		if dsn == "" {
			dsn = filepath.Join(dataDir, "lienthong.db")
		}
		d, err = openSQLite(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	if err := d.Migrate(ctx); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func openSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("db.Open: %w", err)
		}
	}
	// synchronous(FULL): a commit is on disk before it returns, so an acknowledgement after a
	// commit survives power loss. busy_timeout covers other processes (the CLI) touching the file.
	// temp_store(MEMORY) keeps statement journals and temporary tables off the disk.
	base := "file:" + url.PathEscape(path) + "?_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)&_pragma=temp_store(MEMORY)&_time_format=sqlite"
	w, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("db.Open(sqlite): %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("db.Open(sqlite %s): %w", path, err)
	}
	r, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("db.Open(sqlite): %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return &DB{Dialect: SQLite, write: w, read: r, Now: time.Now}, nil
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	p, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("db.Open(postgres): %w", err)
	}
	p.SetMaxOpenConns(32)
	p.SetMaxIdleConns(16)
	p.SetConnMaxIdleTime(5 * time.Minute)
	if err := p.PingContext(ctx); err != nil {
		p.Close()
		return nil, errs.Wrap(errs.Unavailable, err, "cannot reach PostgreSQL")
	}
	return &DB{Dialect: Postgres, write: p, read: p, Now: time.Now}, nil
}

// Close closes the pools.
func (d *DB) Close() error {
	err := d.write.Close()
	if d.read != d.write {
		err = errors.Join(err, d.read.Close())
	}
	return err
}

// Ping checks that the database answers (for /readyz).
func (d *DB) Ping(ctx context.Context) error {
	if err := d.write.PingContext(ctx); err != nil {
		return errs.Wrap(errs.Unavailable, err, "database unreachable")
	}
	return nil
}

// Pools returns the underlying pools for metrics: the writer and the reader (the same on PostgreSQL).
func (d *DB) Pools() (write, read *sql.DB) { return d.write, d.read }

// Tx runs fn in a read-write transaction and commits if fn returns nil. The transaction's Now is
// fixed at its start. On PostgreSQL a serialization failure or deadlock is retried a few times.
func (d *DB) Tx(ctx context.Context, fn func(*Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := d.runTx(ctx, d.write, false, fn)
		if err != nil && attempt < 4 && isRetryable(err) {
			time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
			continue
		}
		return err
	}
}

// Read runs fn in a read-only transaction (a consistent snapshot).
func (d *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	return d.runTx(ctx, d.read, true, fn)
}

func (d *DB) runTx(ctx context.Context, pool *sql.DB, readOnly bool, fn func(*Tx) error) error {
	opts := &sql.TxOptions{}
	if d.Dialect == Postgres {
		opts.ReadOnly = readOnly
	}
	stx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return mapError(d.Dialect, err)
	}
	tx := &Tx{tx: stx, db: d, Now: d.Now().UTC(), readOnly: readOnly}
	if err := fn(tx); err != nil {
		_ = stx.Rollback()
		return err
	}
	if err := stx.Commit(); err != nil {
		return mapError(d.Dialect, err)
	}
	return nil
}

// Tx is a transaction. Its methods take "?" placeholders on both dialects.
type Tx struct {
	tx *sql.Tx
	db *DB
	// Now is the transaction's clock reading, in UTC.
	Now time.Time

	readOnly bool
	stmts    map[string]*sql.Stmt
}

// Dialect returns the transaction's dialect.
func (tx *Tx) Dialect() Dialect { return tx.db.Dialect }

// ForUpdate returns " FOR UPDATE" on PostgreSQL and "" on SQLite, whose single writer already
// serialises writers.
func (tx *Tx) ForUpdate() string {
	if tx.db.Dialect == Postgres {
		return " FOR UPDATE"
	}
	return ""
}

// prepared returns a statement prepared in this transaction, or nil when statements are not
// cached (reads, PostgreSQL, whose driver caches them itself). Preparing costs more than running a
// small INSERT, and a group commit runs the same few statements for every caller of its batch.
// Statements prepared in a transaction are closed with it.
func (tx *Tx) prepared(ctx context.Context, query string) *sql.Stmt {
	if tx.db.Dialect != SQLite || tx.readOnly {
		return nil
	}
	if st, ok := tx.stmts[query]; ok {
		return st
	}
	st, err := tx.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil // let the plain call report the error
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st
}

// Exec executes a statement.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := tx.prepared(ctx, query); st != nil {
		res, err := st.ExecContext(ctx, args...)
		if err != nil {
			return nil, mapError(tx.db.Dialect, err)
		}
		return res, nil
	}
	res, err := tx.tx.ExecContext(ctx, tx.db.rebind(query), args...)
	if err != nil {
		return nil, mapError(tx.db.Dialect, err)
	}
	return res, nil
}

// Query runs a query returning rows.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := tx.tx.QueryContext(ctx, tx.db.rebind(query), args...)
	if err != nil {
		return nil, mapError(tx.db.Dialect, err)
	}
	return rows, nil
}

// QueryRow runs a query returning one row; scan it with db.Scan to get mapped errors.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *Row {
	if st := tx.prepared(ctx, query); st != nil {
		return &Row{row: st.QueryRowContext(ctx, args...), dialect: tx.db.Dialect}
	}
	return &Row{row: tx.tx.QueryRowContext(ctx, tx.db.rebind(query), args...), dialect: tx.db.Dialect}
}

// Row is one result row whose Scan maps errors (sql.ErrNoRows stays detectable with errors.Is).
type Row struct {
	row     *sql.Row
	dialect Dialect
}

// Scan copies the row into dest.
func (r *Row) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if err == nil || errors.Is(err, sql.ErrNoRows) {
		return err
	}
	return mapError(r.dialect, err)
}

// rebind turns "?" placeholders into "$1", "$2"… for PostgreSQL, skipping quoted text. Results are
// cached because the same statements run over and over.
func (d *DB) rebind(q string) string {
	if d.Dialect != Postgres {
		return q
	}
	d.rebindMu.RLock()
	out, ok := d.rebound[q]
	d.rebindMu.RUnlock()
	if ok {
		return out
	}
	out = Rebind(q)
	d.rebindMu.Lock()
	if d.rebound == nil {
		d.rebound = map[string]string{}
	}
	if len(d.rebound) < 10000 {
		d.rebound[q] = out
	}
	d.rebindMu.Unlock()
	return out
}

// Rebind rewrites "?" placeholders as "$n", leaving quoted strings and identifiers alone.
func Rebind(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			b.WriteByte(c)
		case c == '\'' || c == '"':
			quote = c
			b.WriteByte(c)
		case c == '?':
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

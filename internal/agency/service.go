package agency

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// Registry is the agency registry service.
type Registry struct {
	db   *db.DB
	snap atomic.Pointer[Index]
}

// NewRegistry loads the registry into memory.
func NewRegistry(ctx context.Context, d *db.DB) (*Registry, error) {
	r := &Registry{db: d}
	if err := r.Refresh(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// Index returns the current snapshot.
func (r *Registry) Index() *Index { return r.snap.Load() }

// Get returns one agency, or NotFound.
func (r *Registry) Get(code string) (*Agency, error) {
	if a, ok := r.Index().Get(code); ok {
		return a, nil
	}
	return nil, errs.Reasonf(errs.NotFound, "unknown_agency", "no agency with identifier code %q", code)
}

// Exists reports whether code is in the registry (for other services' checks).
func (r *Registry) Exists(_ context.Context, code string) bool {
	_, ok := r.Index().Get(code)
	return ok
}

// Name returns an agency's name, or "" when code is not in the registry.
func (r *Registry) Name(code string) string {
	if a, ok := r.Index().Get(code); ok {
		return a.Name
	}
	return ""
}

// Refresh reloads the snapshot from the database.
func (r *Registry) Refresh(ctx context.Context) error {
	var list []*Agency
	var gen int64
	err := r.db.Read(ctx, func(tx *db.Tx) error {
		var g string
		err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'agency_generation'").Scan(&g)
		if err != nil && !db.IsNoRows(err) {
			return err
		}
		gen, _ = strconv.ParseInt(g, 10, 64)
		rows, err := tx.Query(ctx, `SELECT code, name, abbreviation, kind, level, effective_from, effective_to,
			COALESCE(successor_code, ''), on_axis, address, email, phone, version, updated_at FROM agencies`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			a := &Agency{}
			if err := rows.Scan(&a.Code, &a.Name, &a.Abbreviation, &a.Kind, &a.Level, &a.EffectiveFrom, &a.EffectiveTo,
				&a.Successor, &a.OnAxis, &a.Address, &a.Email, &a.Phone, &a.Version, &a.UpdatedAt); err != nil {
				return err
			}
			if problems := a.normalize(); len(problems) > 0 {
				slog.Warn("agency row fails validation", "code", a.Code, "problems", problems)
			}
			list = append(list, a)
		}
		return rows.Err()
	})
	if err != nil {
		return fmt.Errorf("agency.Refresh: %w", err)
	}
	r.snap.Store(newIndex(list, gen))
	return nil
}

// Watch reloads the snapshot whenever another node changes the registry, checking every interval,
// until ctx ends.
func (r *Registry) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var g string
		err := r.db.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = 'agency_generation'").Scan(&g)
		})
		if err != nil {
			continue
		}
		if n, _ := strconv.ParseInt(g, 10, 64); n != r.Index().generation {
			if err := r.Refresh(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("agency registry refresh failed", "err", err)
			}
		}
	}
}

// Event is one change in an agency's history.
type Event struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Detail string    `json:"detail,omitempty"`
}

// History returns the agency's recorded changes, oldest first.
func (r *Registry) History(ctx context.Context, code string) ([]Event, error) {
	var out []Event
	err := r.db.Read(ctx, func(tx *db.Tx) error {
		rows, err := tx.Query(ctx, "SELECT at, actor, action, detail FROM agency_events WHERE code = ? ORDER BY id", code)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e Event
			if err := rows.Scan(&e.At, &e.Actor, &e.Action, &e.Detail); err != nil {
				return err
			}
			out = append(out, e)
		}
		return rows.Err()
	})
	return out, err
}

type mode int

const (
	modeCreate mode = iota
	modeUpdate
	modeImport
)

// Create adds one agency. by must administer the agency's subtree (or its parent's).
func (r *Registry) Create(ctx context.Context, by *auth.Principal, a Agency) (*Agency, error) {
	if err := r.apply(ctx, by, []*Agency{&a}, modeCreate, "agency.create", false); err != nil {
		return nil, err
	}
	return r.Get(a.Code)
}

// Update replaces one agency's fields. When a.Version is set it must match the stored version, so
// two administrators editing at once do not overwrite each other silently.
func (r *Registry) Update(ctx context.Context, by *auth.Principal, a Agency) (*Agency, error) {
	if err := r.apply(ctx, by, []*Agency{&a}, modeUpdate, "agency.update", false); err != nil {
		return nil, err
	}
	return r.Get(a.Code)
}

// ImportResult says what an import changed.
type ImportResult struct {
	Rows      int `json:"rows"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Import adds or updates every row in one transaction; any invalid row rejects the whole import.
func (r *Registry) Import(ctx context.Context, by *auth.Principal, rows []*Agency) (ImportResult, error) {
	res := ImportResult{Rows: len(rows)}
	ix := r.Index()
	for _, a := range rows {
		old, ok := ix.Get(a.Code)
		switch {
		case !ok:
			res.Created++
		case sameContent(old, a):
			res.Unchanged++
		default:
			res.Updated++
		}
	}
	err := r.apply(ctx, by, rows, modeImport, "agency.import", false)
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

func sameContent(a, b *Agency) bool {
	return a.Name == b.Name && a.Abbreviation == b.Abbreviation && a.Kind == b.Kind && a.Level == b.Level &&
		a.EffectiveFrom == b.EffectiveFrom && a.EffectiveTo == b.EffectiveTo && a.Successor == b.Successor &&
		a.OnAxis == b.OnAxis && a.Address == b.Address && a.Email == b.Email && a.Phone == b.Phone
}

// SetRegistration records whether an agency is registered on the document exchange axis. The
// caller has checked that by may do so (the agency's own connected system, or an administrator).
func (r *Registry) SetRegistration(ctx context.Context, by *auth.Principal, code string, registered bool) (*Agency, error) {
	a, err := r.Get(code)
	if err != nil {
		return nil, err
	}
	c := *a
	c.OnAxis = registered
	if err := r.apply(ctx, by, []*Agency{&c}, modeUpdate, "agency.registration", true); err != nil {
		return nil, err
	}
	return r.Get(code)
}

package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// Catalog is the procedure catalogue service.
type Catalog struct {
	db     *db.DB
	exists func(ctx context.Context, code string) bool
	snap   atomic.Pointer[Index]
}

// New loads the catalogue into memory. exists checks agency identifier codes against the
// registry (agency.Registry.Exists); nil accepts any well-formed code.
func New(ctx context.Context, d *db.DB, exists func(ctx context.Context, code string) bool) (*Catalog, error) {
	c := &Catalog{db: d, exists: exists}
	if err := c.Refresh(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Index returns the current snapshot.
func (c *Catalog) Index() *Index { return c.snap.Load() }

// Get returns one procedure with its instances, or NotFound.
func (c *Catalog) Get(code string) (*Procedure, error) {
	if p, ok := c.Index().Get(code); ok {
		return p, nil
	}
	return nil, errs.Reasonf(errs.NotFound, "unknown_procedure", "no procedure with code %q in the catalogue", code)
}

// Search searches the current snapshot.
func (c *Catalog) Search(q Query) ([]*Procedure, int) { return c.Index().Search(q) }

// Instances returns the procedures an agency carries out.
func (c *Catalog) Instances(agency string) []AgencyInstance { return c.Index().Instances(agency) }

const generationKey = "catalog_generation"

// Refresh reloads the snapshot from the database.
func (c *Catalog) Refresh(ctx context.Context) error {
	var list []*Procedure
	var gen int64
	err := c.db.Read(ctx, func(tx *db.Tx) error {
		var g string
		err := tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", generationKey).Scan(&g)
		if err != nil && !db.IsNoRows(err) {
			return err
		}
		gen, _ = strconv.ParseInt(g, 10, 64)
		byCode := map[string]*Procedure{}
		rows, err := tx.Query(ctx, `SELECT code, name, field_code, field_name, levels, agencies, processing_days, fees,
			components, online_level, result, legal_basis, updated_at FROM procedures`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			p := &Procedure{}
			var levels, agencies, fees, components string
			if err := rows.Scan(&p.Code, &p.Name, &p.Field.Code, &p.Field.Name, &levels, &agencies, &p.ProcessingDays,
				&fees, &components, &p.Online, &p.Result, &p.LegalBasis, &p.UpdatedAt); err != nil {
				return err
			}
			for _, l := range splitList(levels) {
				p.Levels = append(p.Levels, Level(l))
			}
			p.Agencies = splitList(agencies)
			if err := json.Unmarshal([]byte(fees), &p.Fees); err != nil {
				return fmt.Errorf("procedure %s fees: %w", p.Code, err)
			}
			if err := json.Unmarshal([]byte(components), &p.Components); err != nil {
				return fmt.Errorf("procedure %s components: %w", p.Code, err)
			}
			byCode[p.Code] = p
			list = append(list, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		irows, err := tx.Query(ctx, "SELECT code, procedure_code, agency_code, processing_days, fees, online FROM procedure_instances ORDER BY code")
		if err != nil {
			return err
		}
		defer irows.Close()
		for irows.Next() {
			var in Instance
			var pcode string
			var days sql.NullInt64
			var fees sql.NullString
			if err := irows.Scan(&in.Code, &pcode, &in.Agency, &days, &fees, &in.Online); err != nil {
				return err
			}
			if days.Valid {
				d := int(days.Int64)
				in.ProcessingDays = &d
			}
			if fees.Valid {
				in.Fees = []Fee{}
				if err := json.Unmarshal([]byte(fees.String), &in.Fees); err != nil {
					return fmt.Errorf("instance %s fees: %w", in.Code, err)
				}
			}
			if p := byCode[pcode]; p != nil {
				p.Instances = append(p.Instances, in)
			}
		}
		return irows.Err()
	})
	if err != nil {
		return fmt.Errorf("catalog.Refresh: %w", err)
	}
	for _, p := range list {
		if problems := p.normalize(nil); len(problems) > 0 {
			slog.Warn("procedure row fails validation", "code", p.Code, "problems", problems)
		}
	}
	c.snap.Store(newIndex(list, gen))
	return nil
}

// Watch reloads the snapshot whenever another node changes the catalogue, checking every
// interval, until ctx ends.
func (c *Catalog) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var g string
		err := c.db.Read(ctx, func(tx *db.Tx) error {
			return tx.QueryRow(ctx, "SELECT value FROM settings WHERE key = ?", generationKey).Scan(&g)
		})
		if err != nil {
			continue
		}
		if n, _ := strconv.ParseInt(g, 10, 64); n != c.Index().generation {
			if err := c.Refresh(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("procedure catalogue refresh failed", "err", err)
			}
		}
	}
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// ImportResult says what an import changed.
type ImportResult struct {
	Procedures int `json:"procedures"`
	Instances  int `json:"instances"`
	Created    int `json:"created"`
	Updated    int `json:"updated"`
	Unchanged  int `json:"unchanged"`
}

// Validate checks procedures against each other and the agency registry, normalizing them, and
// returns every problem with the row's line (CSV) or index (JSON) in it. Nothing is written.
func (c *Catalog) Validate(ctx context.Context, list []*Procedure) []errs.FieldError {
	var exists AgencyExists
	if c.exists != nil {
		exists = func(code string) bool { return c.exists(ctx, code) }
	}
	return validate(list, exists)
}

func validate(list []*Procedure, exists AgencyExists) []errs.FieldError {
	var out []errs.FieldError
	first := map[string]int{}
	for i, p := range list {
		var problems []errs.FieldError
		problems = append(problems, p.normalize(exists)...)
		if p.Code != "" {
			if j, dup := first[p.Code]; dup {
				where := fmt.Sprintf("at index %d", j)
				if list[j].line > 0 {
					where = fmt.Sprintf("on line %d", list[j].line)
				}
				problems = append(problems, errs.FieldError{Field: "code", Message: fmt.Sprintf("procedure %s already appears %s", p.Code, where)})
			} else {
				first[p.Code] = i
			}
		}
		for _, f := range problems {
			if p.line > 0 {
				f.Line = p.line
				f.Column = columnOf(f.Field)
				if c, ok := p.columns[baseField(f.Field)]; ok {
					f.Column = c
				}
			} else {
				f.Field = fmt.Sprintf("[%d].%s", i, f.Field)
			}
			out = append(out, f)
		}
	}
	return out
}

// Import adds or replaces every procedure (with all its instances) in one transaction; any
// problem rejects the whole import and changes nothing. by must administer every agency.
func (c *Catalog) Import(ctx context.Context, by *auth.Principal, list []*Procedure) (ImportResult, error) {
	if !by.Can(auth.Admin, auth.Everywhere) {
		return ImportResult{}, errs.Reasonf(errs.Forbidden, "missing_role", "%s is not an administrator of the national procedure catalogue", by.Actor())
	}
	if len(list) == 0 {
		return ImportResult{}, errs.Reasonf(errs.Invalid, "empty", "nothing to import")
	}
	if problems := c.Validate(ctx, list); len(problems) > 0 {
		return ImportResult{}, (&errs.Error{Code: errs.Invalid, Reason: "invalid_procedure", Message: summarize(problems)}).WithFields(problems...)
	}
	ix := c.Index()
	res := ImportResult{Procedures: len(list)}
	var changed []*Procedure
	for _, p := range list {
		res.Instances += len(p.Instances)
		old, ok := ix.Get(p.Code)
		switch {
		case !ok:
			res.Created++
			changed = append(changed, p)
		case sameContent(old, p):
			res.Unchanged++
		default:
			res.Updated++
			changed = append(changed, p)
		}
	}
	if len(changed) == 0 {
		return res, nil
	}
	err := c.db.Tx(ctx, func(tx *db.Tx) error {
		for _, p := range changed {
			if err := write(ctx, tx, p); err != nil {
				return fmt.Errorf("%s: %w", p.Code, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('`+generationKey+`', '1')
			ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT)`); err != nil {
			return err
		}
		target := "procedure:" + list[0].Code
		if len(list) > 1 {
			target = fmt.Sprintf("procedures:%d", len(list))
		}
		return audit.Append(ctx, tx, by.Actor(), "catalog.import", target, res)
	})
	if err != nil {
		return ImportResult{}, fmt.Errorf("catalog.Import: %w", err)
	}
	return res, c.Refresh(ctx)
}

// write stores one procedure and replaces its instances.
func write(ctx context.Context, tx *db.Tx, p *Procedure) error {
	levels := make([]string, len(p.Levels))
	for i, l := range p.Levels {
		levels[i] = string(l)
	}
	fees := jsonList(p.Fees)
	components := jsonList(p.Components)
	if _, err := tx.Exec(ctx, `INSERT INTO procedures (code, name, field_code, field_name, levels, agencies, processing_days,
		fees, components, online_level, result, legal_basis, version, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, field_code = excluded.field_code, field_name = excluded.field_name,
		levels = excluded.levels, agencies = excluded.agencies, processing_days = excluded.processing_days, fees = excluded.fees,
		components = excluded.components, online_level = excluded.online_level, result = excluded.result,
		legal_basis = excluded.legal_basis, version = procedures.version + 1, updated_at = excluded.updated_at`,
		p.Code, p.Name, p.Field.Code, p.Field.Name, strings.Join(levels, ","), strings.Join(p.Agencies, ","), p.ProcessingDays,
		fees, components, string(p.Online), p.Result, p.LegalBasis, tx.Now); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM procedure_instances WHERE procedure_code = ?", p.Code); err != nil {
		return err
	}
	for _, in := range p.Instances {
		var days, fees any
		if in.ProcessingDays != nil {
			days = *in.ProcessingDays
		}
		if in.Fees != nil {
			fees = jsonList(in.Fees)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO procedure_instances (code, procedure_code, agency_code, processing_days, fees, online, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, in.Code, p.Code, in.Agency, days, fees, in.Online, tx.Now); err != nil {
			return err
		}
	}
	return nil
}

// jsonList encodes a list as a JSON array, [] for none.
func jsonList[T any](l []T) string {
	if l == nil {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

// sameContent reports whether two procedures say the same, ignoring when they were stored.
func sameContent(a, b *Procedure) bool {
	x, y := *a, *b
	x.UpdatedAt, y.UpdatedAt = time.Time{}, time.Time{}
	norm := func(p *Procedure) {
		if len(p.Fees) == 0 {
			p.Fees = nil
		}
		if len(p.Components) == 0 {
			p.Components = nil
		}
		if len(p.Agencies) == 0 {
			p.Agencies = nil
		}
	}
	norm(&x)
	norm(&y)
	bx, _ := json.Marshal(x)
	by, _ := json.Marshal(y)
	return string(bx) == string(by)
}

func summarize(p []errs.FieldError) string {
	one := func(f errs.FieldError) string {
		if f.Line > 0 {
			return fmt.Sprintf("line %d, column %d (%s): %s", f.Line, f.Column, f.Field, f.Message)
		}
		return f.Field + ": " + f.Message
	}
	if len(p) == 1 {
		return one(p[0]) + "; nothing was changed"
	}
	return fmt.Sprintf("%d problems, nothing was changed; first: %s", len(p), one(p[0]))
}

package agency

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/lienthong/lienthong/internal/audit"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/errs"
)

// validate checks incoming rows against each other and the current snapshot. Problems carry the
// row's line (its index + 2 for CSV files, whose first line is the header) when lines is set.
func validate(ix *Index, rows []*Agency, m mode, lineOf func(i int) int) []errs.FieldError {
	var out []errs.FieldError
	add := func(i int, f errs.FieldError) {
		if lineOf != nil {
			f.Line = lineOf(i)
		}
		if f.Field != "" {
			f.Column = columnOf(f.Field)
		}
		// Rows read from a file know their real line and the file's own column order.
		if rows[i].line > 0 {
			f.Line = rows[i].line
		}
		if c, ok := rows[i].columns[f.Field]; ok {
			f.Column = c
		}
		out = append(out, f)
	}
	incoming := map[string]int{}
	for i, a := range rows {
		for _, p := range a.normalize() {
			add(i, p)
		}
		if a.code.IsZero() {
			continue
		}
		if j, dup := incoming[a.Code]; dup {
			msg := fmt.Sprintf("code %s appears twice", a.Code)
			if lineOf != nil {
				first := lineOf(j)
				if rows[j].line > 0 {
					first = rows[j].line
				}
				msg = fmt.Sprintf("code %s already appears on line %d", a.Code, first)
			}
			add(i, errs.FieldError{Field: "code", Message: msg})
			continue
		}
		incoming[a.Code] = i
		old, exists := ix.Get(a.Code)
		switch m {
		case modeCreate:
			if exists {
				add(i, errs.FieldError{Field: "code", Message: fmt.Sprintf("code %s is already registered (%s)", a.Code, old.Name)})
			}
		case modeUpdate:
			if !exists {
				add(i, errs.FieldError{Field: "code", Message: fmt.Sprintf("no agency with code %s", a.Code)})
			} else if a.Version != 0 && a.Version != old.Version {
				add(i, errs.FieldError{Field: "version", Message: fmt.Sprintf("the agency changed meanwhile (version %d, you sent %d): reload and try again", old.Version, a.Version)})
			}
		}
	}
	known := func(code string) bool {
		if _, ok := incoming[code]; ok {
			return true
		}
		_, ok := ix.Get(code)
		return ok
	}
	successorOf := func(code string) string {
		if i, ok := incoming[code]; ok {
			return rows[i].Successor
		}
		if a, ok := ix.Get(code); ok {
			return a.Successor
		}
		return ""
	}
	for i, a := range rows {
		if a.code.IsZero() {
			continue
		}
		if a.Parent != "" && !known(a.Parent) {
			add(i, errs.FieldError{Field: "code", Message: fmt.Sprintf("the parent %s of %s is not in the registry: add it first", a.Parent, a.Code)})
		}
		if a.Successor == "" {
			continue
		}
		if !known(a.Successor) {
			add(i, errs.FieldError{Field: "successor", Message: fmt.Sprintf("the successor %s is not in the registry", a.Successor)})
			continue
		}
		// Follow the chain; coming back to a.Code is a cycle.
		seen := map[string]bool{a.Code: true}
		for s := a.Successor; s != ""; s = successorOf(s) {
			if seen[s] {
				add(i, errs.FieldError{Field: "successor", Message: fmt.Sprintf("successor links from %s form a cycle through %s", a.Code, s)})
				break
			}
			seen[s] = true
		}
	}
	return out
}

// columnOf gives the CSV column (1-based) of a field, so import errors point at the cell.
func columnOf(field string) int {
	for i, c := range csvColumns {
		if c == field {
			return i + 1
		}
	}
	return 0
}

// apply validates and writes rows. The administrator check is skipped when trusted is set: the
// caller has already decided that by may make this change (an agency's own axis registration).
func (r *Registry) apply(ctx context.Context, by *auth.Principal, rows []*Agency, m mode, action string, trusted bool) error {
	if len(rows) == 0 {
		return errs.Reasonf(errs.Invalid, "empty", "nothing to import")
	}
	ix := r.Index()
	var lineOf func(int) int
	if m == modeImport {
		lineOf = func(i int) int { return i + 2 }
	}
	if problems := validate(ix, rows, m, lineOf); len(problems) > 0 {
		code := errs.Invalid
		if m == modeCreate && len(problems) == 1 && problems[0].Field == "code" && exists(ix, rows[0].Code) {
			code = errs.Conflict
		}
		if m == modeUpdate && len(problems) == 1 && problems[0].Field == "version" {
			code = errs.Conflict
		}
		if m == modeUpdate && len(problems) == 1 && !exists(ix, rows[0].Code) {
			code = errs.NotFound
		}
		return (&errs.Error{Code: code, Reason: "invalid_agency", Message: summarize(problems)}).WithFields(problems...)
	}
	for _, a := range rows {
		if trusted {
			break
		}
		if !by.Can(auth.Admin, a.Code) {
			return errs.Reasonf(errs.Forbidden, "missing_role", "%s is not an administrator of %s", by.Actor(), a.Code)
		}
	}
	err := r.db.Tx(ctx, func(tx *db.Tx) error {
		changed := 0
		for _, a := range rows {
			old, had := ix.Get(a.Code)
			if had && sameContent(old, a) {
				continue
			}
			changed++
			var successor any
			if a.Successor != "" {
				successor = a.Successor
			}
			var parent any
			if a.Parent != "" {
				parent = a.Parent
			}
			if _, err := tx.Exec(ctx, `INSERT INTO agencies (code, parent_code, root, depth, name, name_folded, abbreviation, kind, level,
				effective_from, effective_to, successor_code, on_axis, address, email, phone, version, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, name_folded = excluded.name_folded,
				abbreviation = excluded.abbreviation, kind = excluded.kind, level = excluded.level,
				effective_from = excluded.effective_from, effective_to = excluded.effective_to,
				successor_code = excluded.successor_code, on_axis = excluded.on_axis, address = excluded.address,
				email = excluded.email, phone = excluded.phone, version = agencies.version + 1, updated_at = excluded.updated_at`,
				a.Code, parent, a.code.Root(), a.code.Depth(), a.Name, a.folded, a.Abbreviation, string(a.Kind), string(a.Level),
				a.EffectiveFrom, a.EffectiveTo, successor, a.OnAxis, a.Address, a.Email, a.Phone, tx.Now); err != nil {
				return fmt.Errorf("%s: %w", a.Code, err)
			}
			evAction, detail := "created", ""
			if had {
				evAction = "updated"
				detail = diff(old, a)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO agency_events (code, at, actor, action, detail) VALUES (?, ?, ?, ?, ?)",
				a.Code, tx.Now, by.Actor(), evAction, detail); err != nil {
				return err
			}
		}
		if changed == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ('agency_generation', '1')
			ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(settings.value AS INTEGER) + 1 AS TEXT)`); err != nil {
			return err
		}
		target := "agency:" + rows[0].Code
		if len(rows) > 1 {
			target = fmt.Sprintf("agencies:%d", len(rows))
		}
		return audit.Append(ctx, tx, by.Actor(), action, target, map[string]int{"changed": changed})
	})
	if err != nil {
		return fmt.Errorf("agency.%s: %w", action, err)
	}
	return r.Refresh(ctx)
}

func exists(ix *Index, code string) bool { _, ok := ix.Get(code); return ok }

func summarize(p []errs.FieldError) string {
	if len(p) == 1 {
		if p[0].Line > 0 {
			return fmt.Sprintf("line %d, %s: %s", p[0].Line, p[0].Field, p[0].Message)
		}
		return p[0].Field + ": " + p[0].Message
	}
	first := p[0].Message
	if p[0].Line > 0 {
		first = fmt.Sprintf("line %d, %s: %s", p[0].Line, p[0].Field, p[0].Message)
	}
	return fmt.Sprintf("%d problems, nothing was changed; first: %s", len(p), first)
}

// diff describes what changed, as JSON {"field":[old,new]}.
func diff(old, new *Agency) string {
	d := map[string][2]any{}
	cmp := func(name string, a, b any) {
		if a != b {
			d[name] = [2]any{a, b}
		}
	}
	cmp("name", old.Name, new.Name)
	cmp("abbreviation", old.Abbreviation, new.Abbreviation)
	cmp("kind", old.Kind, new.Kind)
	cmp("level", old.Level, new.Level)
	cmp("effective_from", old.EffectiveFrom, new.EffectiveFrom)
	cmp("effective_to", old.EffectiveTo, new.EffectiveTo)
	cmp("successor", old.Successor, new.Successor)
	cmp("on_axis", old.OnAxis, new.OnAxis)
	cmp("address", old.Address, new.Address)
	cmp("email", old.Email, new.Email)
	cmp("phone", old.Phone, new.Phone)
	b, _ := json.Marshal(d)
	return string(b)
}

package dossier

import (
	"context"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/errs"
)

// FormKind names a standard slip of TT 01/2018/TT-VPCP.
type FormKind string

// Forms renders the standard slips.
type Forms struct{}

// Render renders form kind for d.
func (f *Forms) Render(kind FormKind, d *Dossier) ([]byte, error) {
	return nil, errs.Reasonf(errs.Unavailable, "no_forms", "not yet")
}

// Book renders the tracking book.
func (f *Forms) Book(ctx context.Context, by *auth.Principal, agency string, from, to time.Time) ([]byte, error) {
	return nil, errs.Reasonf(errs.Unavailable, "no_forms", "not yet")
}

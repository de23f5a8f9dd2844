package demo

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
)

// proceduresJSON is the demo procedure catalogue. Only 2.000815, 2.000884 and 3.000181 and the
// field code G03-GD10 come from verified sources; the other codes, fees and times are plausible
// illustrations (see data/README.md).
//
//go:embed data/procedures.json
var proceduresJSON []byte

// ProceduresJSON returns the demo procedure catalogue as JSON.
func ProceduresJSON() []byte { return proceduresJSON }

// LoadProcedures imports the demo procedure catalogue, with instances at the demo provinces'
// People's Committees and departments. Load the agencies first: instances name them.
func LoadProcedures(ctx context.Context, cat *catalog.Catalog) error {
	list, err := catalog.ParseJSON(bytes.NewReader(proceduresJSON))
	if err != nil {
		return fmt.Errorf("demo: procedures.json: %w", err)
	}
	if _, err := cat.Import(ctx, auth.System, list); err != nil {
		return fmt.Errorf("demo: import procedures: %w", err)
	}
	return nil
}

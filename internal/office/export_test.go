package office

import (
	"context"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
)

// SeedSigned stores n signed copies of a draft in one transaction, for benchmarks that measure
// issuing alone.
func SeedSigned(ctx context.Context, s *Service, by *auth.Principal, d DraftInput, n int) ([]int64, error) {
	o := &Outgoing{Agency: d.Agency}
	if err := s.normalize(&d, o); err != nil {
		return nil, err
	}
	files, err := s.storeUploads(ctx, by, &d)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, 0, n)
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		for i := 0; i < n; i++ {
			id, err := insertOutgoing(ctx, tx, by, o, files)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE office_outgoing SET status = ?, approved_by = ?, approved_at = ?, signed = ?, signed_by = ?,
				signed_at = ?, signature_method = ? WHERE id = ?`, string(Signed), by.Actor(), tx.Now, true, by.Actor(), tx.Now, SignedDigitally, id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	return ids, err
}

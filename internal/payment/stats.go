package payment

import (
	"context"
	"strings"

	"github.com/lienthong/lienthong/internal/db"
)

// Monthly is the scorecard figure of one province and month.
type Monthly struct {
	Province string `json:"province_code"`
	Month    string `json:"month"` // yyyy-mm
	Payments int64  `json:"payments"`
	Value    int64  `json:"value"` // VND
}

// provinceOf takes the level-1 code (the last part) of an identifier code: 000.00.00.H36 → H36.
func provinceOf(agency string) string {
	if i := strings.LastIndexByte(agency, '.'); i >= 0 {
		return agency[i+1:]
	}
	return agency
}

// MonthlyFigures returns the number and value of successful payments per province and month,
// read from the counters maintained as notifications are applied.
func (s *Service) MonthlyFigures(ctx context.Context) ([]Monthly, error) {
	var out []Monthly
	err := s.d.Read(ctx, func(tx *db.Tx) error {
		rs, err := tx.Query(ctx, `SELECT province_code, month, payments, value FROM payment_monthly ORDER BY province_code, month`)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var m Monthly
			if err := rs.Scan(&m.Province, &m.Month, &m.Payments, &m.Value); err != nil {
				return err
			}
			out = append(out, m)
		}
		return rs.Err()
	})
	return out, err
}

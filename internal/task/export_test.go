package task

import "context"

// ScanFigures exposes the scan used to verify the aggregates.
func (s *Service) ScanFigures(ctx context.Context, per Period) (*Figures, error) {
	return s.scanFigures(ctx, per)
}

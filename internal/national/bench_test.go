package national_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/national"
)

// BenchmarkIngestDossiers validates and commits batches of 1,000 new DongBoHoSoMC records on
// SQLite; records/s is the figure to compare with the 20,000/s target.
func BenchmarkIngestDossiers(b *testing.B) {
	ctx := context.Background()
	s := newService(dbtest.SQLite(b))
	n := 0
	b.ResetTimer()
	for b.Loop() {
		batch := make([]national.DossierRecord, 1000)
		for i := range batch {
			n++
			batch[i] = dossier(fmt.Sprintf("000.00.12.H36-%06d-%04d", 260101+(n/9999)%28, n%9999+1), "2", "20260115083000")
			batch[i].SoThuTu = int64(n)
		}
		res, err := s.IngestDossiers(ctx, lamDong, batch)
		if err != nil || res[0].Outcome != national.Created {
			b.Fatal(err, res[0])
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkIngestProgress validates and commits batches of 1,000 CapNhatTienDoHoSoMC steps (one
// per dossier of 1,000 known dossiers, each batch a later step) on SQLite.
func BenchmarkIngestProgress(b *testing.B) {
	ctx := context.Background()
	s := newService(dbtest.SQLite(b))
	codes := make([]string, 1000)
	batch := make([]national.DossierRecord, 1000)
	for i := range batch {
		codes[i] = fmt.Sprintf("000.00.12.H36-260115-%04d", i+1)
		batch[i] = dossier(codes[i], "2", "20260115083000")
	}
	if _, err := s.IngestDossiers(ctx, lamDong, batch); err != nil {
		b.Fatal(err)
	}
	n, round := 0, 0
	b.ResetTimer()
	for b.Loop() {
		round++
		steps := make([]national.ProgressRecord, 1000)
		for i := range steps {
			n++
			steps[i] = national.ProgressRecord{MaHoSo: codes[i], NguoiXuLy: "Trần Thị Mai", TrangThai: "4", NoiDungXuLy: "thẩm định",
				ThoiDiemXuLy: fmt.Sprintf("202601%02d%02d%02d00", 16+round/1440, round/60%24, round%60)}
		}
		res, err := s.IngestProgress(ctx, lamDong, steps)
		if err != nil || res[0].Outcome != national.Created {
			b.Fatal(err, res[0])
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

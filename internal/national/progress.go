package national

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/dossier"
	"github.com/lienthong/lienthong/internal/vn"
)

type progressRow struct {
	i      int
	code   string
	at     time.Time
	status vn.DossierStatus
	hash   string
	body   string
}

func checkProgress(p *auth.Principal, rec *ProgressRecord) (progressRow, *Result) {
	code := strings.TrimSpace(rec.MaHoSo)
	if _, bad := checkCode(p, code); bad != nil {
		return progressRow{}, bad
	}
	st, bad := parseStatus(code, rec.TrangThai)
	if bad != nil {
		return progressRow{}, bad
	}
	if rec.ThoiDiemXuLy == "" {
		r := refuse(code, BadDate, "thiếu ThoiDiemXuLy")
		return progressRow{}, &r
	}
	at, bad := optionalDate(code, "ThoiDiemXuLy", rec.ThoiDiemXuLy)
	if bad != nil {
		return progressRow{}, bad
	}
	for _, f := range [][2]string{{"NgayBatDau", rec.NgayBatDau}, {"NgayKetThucTheoQuyDinh", rec.NgayKetThucTheoQuyDinh}} {
		if _, bad := optionalDate(code, f[0], f[1]); bad != nil {
			return progressRow{}, bad
		}
	}
	seq := rec.SoThuTu
	rec.SoThuTu = 0 // the sequence number is transport, not content
	body, _ := json.Marshal(rec)
	rec.SoThuTu = seq
	sum := sha256.Sum256(body)
	return progressRow{code: code, at: at.UTC(), status: st, hash: hex.EncodeToString(sum[:16]), body: string(body)}, nil
}

// IngestProgress checks and stores a CapNhatTienDoHoSoMC batch. Steps are kept in time order
// whatever order they arrive in; the dossier's status at the hub is that of its latest step.
func (s *Service) IngestProgress(ctx context.Context, p *auth.Principal, recs []ProgressRecord) ([]Result, error) {
	province, err := provinceOf(p)
	if err != nil {
		return nil, err
	}
	if err := checkBatch(len(recs)); err != nil {
		return nil, err
	}
	results := make([]Result, len(recs))
	var good []progressRow
	for i := range recs {
		row, bad := checkProgress(p, &recs[i])
		if bad != nil {
			results[i] = *bad
			continue
		}
		row.i = i
		good = append(good, row)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		codes := make([]string, 0, len(good))
		for _, g := range good {
			codes = append(codes, g.code)
		}
		have, err := loadExisting(ctx, tx, codes)
		if err != nil {
			return err
		}
		latest := map[string]progressRow{}
		stored := 0
		for _, g := range good {
			e, ok := have[g.code]
			if !ok || e.province != province {
				results[g.i] = refuse(g.code, UnknownDossier, "gửi DongBoHoSoMC trước CapNhatTienDoHoSoMC")
				continue
			}
			if dossier.Final(vn.DossierStatus(e.status)) && g.at.After(e.statusAt) && g.status != vn.DossierStatus(e.status) {
				results[g.i] = refuse(g.code, BadStatus, "hồ sơ đã kết thúc ở trạng thái "+strconv.Itoa(e.status)+", không thể chuyển sang "+strconv.Itoa(int(g.status)))
				continue
			}
			res, err := tx.Exec(ctx, `INSERT INTO national_progress (dossier_code, at, content_hash, status, record) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (dossier_code, at, content_hash) DO NOTHING`, g.code, g.at, g.hash, int(g.status), g.body)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				results[g.i] = Result{MaHoSo: g.code, Outcome: Unchanged}
				continue
			}
			stored++
			results[g.i] = Result{MaHoSo: g.code, Outcome: Created}
			if l, ok := latest[g.code]; !ok || g.at.After(l.at) {
				latest[g.code] = g
			}
		}
		for code, l := range latest {
			// Only a step later than what the hub holds moves the status: older steps are history.
			if _, err := tx.Exec(ctx, "UPDATE national_dossiers SET status = ?, status_at = ?, updated_at = ? WHERE code = ? AND status_at <= ?",
				int(l.status), l.at, tx.Now, code, l.at); err != nil {
				return err
			}
		}
		seqs := make([]int64, 0, len(recs))
		for i := range recs {
			if recs[i].SoThuTu > 0 {
				seqs = append(seqs, recs[i].SoThuTu)
			}
		}
		return s.account(ctx, tx, province, "CapNhatTienDoHoSoMC", stored, results, func(i int) any { return recs[i] }, seqs)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

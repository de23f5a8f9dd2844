package national

import (
	"context"
	"strconv"
	"time"

	"github.com/lienthong/lienthong/internal/db"
)

func dateOf(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return FormatDate(*t)
}

// dossierRecords builds DongBoHoSoMC records from the dossiers as they are now (the newest state
// is what the hub should hold), numbered with the outbox sequence.
func (o *Outbox) dossierRecords(ctx context.Context, list []pending) ([]DossierRecord, error) {
	out := make([]DossierRecord, len(list))
	err := o.db.Read(ctx, func(tx *db.Tx) error {
		for i, p := range list {
			var r DossierRecord
			var kind, channel string
			var status int
			var submitted time.Time
			var accepted, due, finished *time.Time
			err := tx.QueryRow(ctx, `SELECT code, procedure_code, procedure_name, applicant_name, applicant_kind, applicant_id, applicant_email,
				applicant_phone, subject, status, channel, department_code, submitted_at, accepted_at, due_at, finished_at FROM dossiers WHERE code = ?`, p.code).
				Scan(&r.MaHoSo, &r.MaTTHC, &r.TenTTHC, &r.ChuHoSo, &kind, &r.MaDoiTuong, &r.Email, &r.SoDienThoai, &r.TrichYeuHoSo,
					&status, &channel, &r.DonViXuLy, &submitted, &accepted, &due, &finished)
			if db.IsNoRows(err) {
				r.MaHoSo = p.code // gone locally: the hub refuses it and the officers see why
			} else if err != nil {
				return err
			}
			r.LoaiDoiTuong = "1"
			if kind == "business" {
				r.LoaiDoiTuong = "2"
			}
			r.HinhThuc = "0"
			if channel == "online" {
				r.HinhThuc = "1"
			}
			r.TrangThaiHoSo = strconv.Itoa(status)
			r.NgayTiepNhan = dateOf(&submitted)
			if accepted != nil {
				r.NgayTiepNhan = dateOf(accepted)
			}
			r.NgayHenTra = dateOf(due)
			if status == 10 {
				r.NgayTra = dateOf(finished)
			}
			r.NgayKetThucXuLy = dateOf(finished)
			r.SoBienNhan = r.MaHoSo
			r.SoThuTu = p.seq
			out[i] = r
		}
		return nil
	})
	return out, err
}

// progressRecords builds CapNhatTienDoHoSoMC records from the dossier events.
func (o *Outbox) progressRecords(ctx context.Context, list []pending) ([]ProgressRecord, error) {
	out := make([]ProgressRecord, len(list))
	err := o.db.Read(ctx, func(tx *db.Tx) error {
		for i, p := range list {
			r := ProgressRecord{MaHoSo: p.code, SoThuTu: p.seq}
			var at time.Time
			var action, reason string
			var to int
			err := tx.QueryRow(ctx, "SELECT at, actor_name, action, to_status, reason FROM dossier_events WHERE id = ?", p.eventID).
				Scan(&at, &r.NguoiXuLy, &action, &to, &reason)
			if err != nil && !db.IsNoRows(err) {
				return err
			}
			r.ThoiDiemXuLy = dateOf(&at)
			r.TrangThai = strconv.Itoa(to)
			r.NoiDungXuLy = action
			if reason != "" {
				r.NoiDungXuLy += ": " + reason
			}
			out[i] = r
		}
		return nil
	})
	return out, err
}

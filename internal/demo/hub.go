package demo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/national"
	"github.com/lienthong/lienthong/internal/task"
	"github.com/lienthong/lienthong/internal/vn"
)

// HubServices are the services LoadHub drives.
type HubServices struct {
	DB       *db.DB
	National *national.Service
	Tasks    *task.Service
}

var ictZone = vn.ICT

// LoadHub fills the national hub the way the 2020 report describes it, through the real services:
// each demo province's connected system synchronises its dossiers (the node's own demo dossiers, as
// DongBoHoSoMC records), Gia Lai with some wrong procedure codes and Đắk Lắk with some wrong dossier
// codes (the report names Đắk Nông for these, but Đắk Nông is merged into Lâm Đồng in the demo
// registry); and the Government Office assigns tasks to the provinces, some completed on time, some
// late, some running. Run it after LoadActivity; it does nothing the second time.
func LoadHub(ctx context.Context, s HubServices) error {
	figs, err := s.National.Figures(ctx)
	if err != nil || len(figs) > 0 {
		return err
	}
	type row struct {
		code, agency, procedure, name, applicant, id string
		status                                       int
		submitted                                    time.Time
		due, processed                               *time.Time
	}
	var rows []row
	if err := s.DB.Read(ctx, func(tx *db.Tx) error {
		rs, err := tx.Query(ctx, `SELECT code, agency_code, procedure_code, procedure_name, applicant_name, applicant_id, status,
			submitted_at, due_at, processed_at FROM dossiers ORDER BY code`)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.code, &r.agency, &r.procedure, &r.name, &r.applicant, &r.id, &r.status, &r.submitted, &r.due, &r.processed); err != nil {
				return err
			}
			rows = append(rows, r)
		}
		return rs.Err()
	}); err != nil {
		return err
	}
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(ictZone).Format("20060102150405")
	}
	batches := map[string][]national.DossierRecord{}
	for i, r := range rows {
		province := r.agency[len(r.agency)-3:]
		rec := national.DossierRecord{MaHoSo: r.code, MaTTHC: r.procedure, TenTTHC: r.name, ChuHoSo: r.applicant, MaDoiTuong: r.id,
			LoaiDoiTuong: "1", NgayTiepNhan: stamp(&r.submitted), NgayHenTra: stamp(r.due), NgayKetThucXuLy: stamp(r.processed),
			TrangThaiHoSo: strconv.Itoa(r.status), HinhThuc: "0", SoThuTu: int64(len(batches[province]) + 1)}
		switch {
		case province == "H21" && i%3 == 0:
			rec.MaTTHC = "1.999" + fmt.Sprintf("%03d", i%1000) // not in the national catalogue
		case province == "H16" && i%4 == 0:
			rec.MaHoSo = r.agency + "-" + r.submitted.In(ictZone).Format("20060102") + "-" + strconv.Itoa(i) // yyyyMMdd: wrong form
		}
		batches[province] = append(batches[province], rec)
	}
	for province, recs := range batches {
		client := &auth.Principal{Kind: auth.KindClient, ID: "demo-sync-" + province, Agency: "000.00.00." + province, Subtree: true}
		for len(recs) > 0 {
			n := min(len(recs), national.MaxBatch)
			if _, err := s.National.IngestDossiers(ctx, client, recs[:n]); err != nil {
				return fmt.Errorf("demo: synchronising %s: %w", province, err)
			}
			recs = recs[n:]
		}
	}
	return loadTasks(ctx, s)
}

// loadTasks has the Government Office assign tasks to the demo provinces over the past year.
func loadTasks(ctx context.Context, s HubServices) error {
	vpcp := &auth.Principal{Kind: auth.KindUser, ID: "demo-vpcp", Name: "Văn phòng Chính phủ", Grants: []auth.Grant{{Role: auth.Admin, Agency: "*"}}}
	today := s.DB.Now().In(ictZone)
	leads := []string{"000.00.00.H36", "000.00.00.H16", "000.00.00.H21", "000.00.00.H48"}
	contents := []string{"Đẩy mạnh cung cấp dịch vụ công trực tuyến toàn trình", "Kết nối hệ thống một cửa với Cổng Dịch vụ công quốc gia",
		"Số hóa hồ sơ, kết quả giải quyết thủ tục hành chính", "Triển khai chữ ký số cho lãnh đạo các cấp", "Báo cáo tình hình gửi nhận văn bản điện tử"}
	for i := range 24 {
		lead := leads[i%len(leads)]
		assigned := today.AddDate(0, -(i % 12), -i)
		deadline := assigned.AddDate(0, 2, 0)
		t, err := s.Tasks.Create(ctx, vpcp, task.Assignment{DirectiveKind: "TB", DirectiveNumber: fmt.Sprintf("%d/TB-VPCP", 100+i),
			Content: contents[i%len(contents)], Lead: lead, Authority: "TTG", AssignedOn: assigned.Format(time.DateOnly),
			Deadline: deadline.Format(time.DateOnly), Product: "Báo cáo kết quả", IdempotencyKey: fmt.Sprintf("demo-task-%d", i)})
		if err != nil {
			return fmt.Errorf("demo: task %d: %w", i, err)
		}
		// A third done on time, some done late, the rest running (overdue once the deadline passed).
		var doneAt time.Time
		switch {
		case i%3 == 0:
			doneAt = assigned.AddDate(0, 1, 0)
		case i%3 == 1 && deadline.AddDate(0, 0, 10).Before(today):
			doneAt = deadline.AddDate(0, 0, 10)
		default:
			continue
		}
		if doneAt.After(today) {
			continue
		}
		if err := completeTask(ctx, s, vpcp, t.ID, lead, doneAt); err != nil {
			return fmt.Errorf("demo: task %d: %w", i, err)
		}
	}
	return nil
}

// completeTask has the lead agency's system report completion at a past moment and the Government
// Office accept it.
func completeTask(ctx context.Context, s HubServices, vpcp *auth.Principal, id int64, lead string, at time.Time) error {
	realNow := s.DB.Now
	defer func() { s.DB.Now = realNow }()
	s.DB.Now = func() time.Time { return at.UTC() }
	client := &auth.Principal{Kind: auth.KindClient, ID: "demo-tasks-" + lead, Agency: lead, Subtree: true}
	if _, err := s.Tasks.Complete(ctx, client, id, task.Report{Text: "Đã hoàn thành, gửi kèm báo cáo kết quả."}); err != nil {
		return err
	}
	_, err := s.Tasks.Accept(ctx, vpcp, id, "Đồng ý")
	return err
}

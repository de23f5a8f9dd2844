package national_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/national"
	"github.com/lienthong/lienthong/internal/vn"
)

// lamDong is Lâm Đồng's provincial one-stop system.
var lamDong = &auth.Principal{Kind: auth.KindClient, ID: "lt_h36", Name: "Cổng DVC Lâm Đồng", Agency: "000.00.00.H36", Subtree: true}

// procedures: 1.001612 is carried out in Lâm Đồng; 2.000815 is national but not offered there.
func procedures(procedure, agency string) (bool, bool) {
	switch procedure {
	case "1.001612":
		return true, auth.ScopeCovers("000.00.00.H36", agency)
	case "2.000815":
		return true, false
	}
	return false, false
}

func newService(d *db.DB) *national.Service {
	return national.New(d, national.Options{Procedures: procedures})
}

func dossier(code, status, received string) national.DossierRecord {
	return national.DossierRecord{MaHoSo: code, MaTTHC: "1.001612", TenTTHC: "Đăng ký khai sinh", ChuHoSo: "Nguyễn Văn An",
		LoaiDoiTuong: "1", MaDoiTuong: "068090001234", NgayTiepNhan: received, NgayHenTra: "20260120170000", TrangThaiHoSo: status, HinhThuc: "1"}
}

func outcomes(res []national.Result) []string {
	out := make([]string, len(res))
	for i, r := range res {
		out[i] = r.Outcome
		if r.Kind != "" {
			out[i] += ":" + string(r.Kind)
		}
	}
	return out
}

func TestIngestDossiers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(d)
		good := dossier("000.00.12.H36-260115-0001", "2", "20260115083000")
		badCode := dossier("000.00.12.H36-261315-0001", "2", "20260115083000")
		otherProvince := dossier("000.00.12.H16-260115-0001", "2", "20260115083000")
		unknownProc := dossier("000.00.12.H36-260115-0002", "2", "20260115083000")
		unknownProc.MaTTHC = "1.999999"
		notOffered := dossier("000.00.12.H36-260115-0003", "2", "20260115083000")
		notOffered.MaTTHC = "2.000815"
		badStatus := dossier("000.00.12.H36-260115-0004", "11", "20260115083000")
		badDate := dossier("000.00.12.H36-260115-0005", "2", "2026-01-15 08:30")
		batch := []national.DossierRecord{good, badCode, otherProvince, unknownProc, notOffered, badStatus, badDate}
		res, err := s.IngestDossiers(ctx, lamDong, batch)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"created", "refused:dossier_code", "refused:dossier_code", "refused:procedure_code", "refused:procedure_code", "refused:status", "refused:date"}
		if diff := cmp.Diff(want, outcomes(res)); diff != "" {
			t.Fatalf("results (-want +got):\n%s", diff)
		}
		if res[3].Message != "sai mã thủ tục hành chính: 1.999999 không có trong Cơ sở dữ liệu quốc gia về TTHC" {
			t.Errorf("message: %q", res[3].Message)
		}

		// Resending the same batch changes nothing and is not counted again as synchronised.
		res, err = s.IngestDossiers(ctx, lamDong, []national.DossierRecord{good})
		if err != nil || res[0].Outcome != national.Unchanged {
			t.Fatalf("resend: %v %v", res, err)
		}
		// A newer state of the dossier updates it; an older one is ignored.
		newer := dossier(good.MaHoSo, "4", "20260115083000")
		newer.NgayKetThucXuLy = "20260116090000"
		older := dossier(good.MaHoSo, "1", "20260114083000")
		res, err = s.IngestDossiers(ctx, lamDong, []national.DossierRecord{newer})
		if err != nil || res[0].Outcome != national.Updated {
			t.Fatalf("newer: %v %v", res, err)
		}
		res, err = s.IngestDossiers(ctx, lamDong, []national.DossierRecord{older})
		if err != nil || res[0].Outcome != national.Unchanged {
			t.Fatalf("older: %v %v", res, err)
		}
		got, err := s.Lookup(ctx, good.MaHoSo)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != vn.DossierInProgress || got.Applicant != "N. V. An" || got.Province != "000.00.00.H36" {
			t.Errorf("lookup: %+v", got)
		}

		figs, err := s.Figures(ctx)
		if err != nil {
			t.Fatal(err)
		}
		wantFigs := map[national.ErrorKind]int64{"dossier_code": 2, "procedure_code": 2, "status": 1, "date": 1}
		if len(figs) != 1 || figs[0].Synced != 1 || !cmp.Equal(wantFigs, figs[0].Refused) || figs[0].LastSyncAt == nil {
			t.Errorf("figures: %+v", figs)
		}
		refs, err := s.Refusals(ctx, lamDong, "000.00.00.H36", 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(refs) != 6 || refs[len(refs)-1].MaHoSo != badCode.MaHoSo || len(refs[0].Record) == 0 {
			t.Errorf("refusals: %+v", refs)
		}
		// Đắk Lắk's system may not read Lâm Đồng's refusals.
		dakLak := &auth.Principal{Kind: auth.KindClient, ID: "lt_h16", Agency: "000.00.00.H16", Subtree: true}
		if _, err := s.Refusals(ctx, dakLak, "000.00.00.H36", 10); err == nil {
			t.Error("another province read the refusals")
		}
		if _, err := s.IngestDossiers(ctx, lamDong, make([]national.DossierRecord, 1001)); err == nil {
			t.Error("a batch of 1,001 records was taken")
		}
	})
}

func TestProgressOrderedByTime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(d)
		code := "000.00.12.H36-260115-0007"
		if _, err := s.IngestDossiers(ctx, lamDong, []national.DossierRecord{dossier(code, "1", "20260115083000")}); err != nil {
			t.Fatal(err)
		}
		step := func(at, status, content string) national.ProgressRecord {
			return national.ProgressRecord{MaHoSo: code, NguoiXuLy: "Trần Thị Mai", ThoiDiemXuLy: at, TrangThai: status, NoiDungXuLy: content}
		}
		// The later step arrives first, the earlier one after it.
		res, err := s.IngestProgress(ctx, lamDong, []national.ProgressRecord{step("20260116100000", "4", "thẩm định")})
		if err != nil || res[0].Outcome != national.Created {
			t.Fatalf("%v %v", res, err)
		}
		res, err = s.IngestProgress(ctx, lamDong, []national.ProgressRecord{step("20260115090000", "2", "tiếp nhận"),
			step("20260116100000", "4", "thẩm định"), {MaHoSo: "000.00.12.H36-260115-0099", ThoiDiemXuLy: "20260115090000", TrangThai: "2"}})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"created", "unchanged", "refused:unknown_dossier"}, outcomes(res)); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		got, err := s.Lookup(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != vn.DossierInProgress || len(got.History) != 2 || got.History[0].Content != "tiếp nhận" || got.History[1].Status != vn.DossierInProgress {
			t.Errorf("dossier: %+v", got)
		}
	})
}

func TestGaps(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(d)
		send := func(seqs ...int64) {
			t.Helper()
			var batch []national.DossierRecord
			for _, n := range seqs {
				r := dossier(fmt.Sprintf("000.00.12.H36-260115-%04d", n), "1", "20260115083000")
				r.SoThuTu = n
				batch = append(batch, r)
			}
			if _, err := s.IngestDossiers(ctx, lamDong, batch); err != nil {
				t.Fatal(err)
			}
		}
		send(1, 2, 5, 7)
		g, err := s.Gaps(ctx, lamDong, "000.00.00.H36")
		if err != nil {
			t.Fatal(err)
		}
		want := national.Gaps{Province: "000.00.00.H36", Contiguous: 2, Highest: 7, Missing: []national.Gap{{3, 4}, {6, 6}}}
		if diff := cmp.Diff(want, g); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
		send(4, 3)
		send(3)
		if g, err = s.Gaps(ctx, lamDong, "000.00.00.H36"); err != nil {
			t.Fatal(err)
		}
		want = national.Gaps{Province: "000.00.00.H36", Contiguous: 5, Highest: 7, Missing: []national.Gap{{6, 6}}}
		if diff := cmp.Diff(want, g); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	})
}

type applicants map[int64]auth.Applicant

func (a applicants) Applicant(_ context.Context, id int64) (auth.Applicant, error) { return a[id], nil }

func TestMineAcrossProvinces(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := national.New(d, national.Options{Applicants: applicants{7: {UserID: 7, IdentificationNumber: "068090001234"}}})
		dakLak := &auth.Principal{Kind: auth.KindClient, ID: "lt_h16", Agency: "000.00.00.H16", Subtree: true}
		other := dossier("000.00.12.H36-260115-0031", "2", "20260115083000")
		other.MaDoiTuong = "001099000001"
		if _, err := s.IngestDossiers(ctx, lamDong, []national.DossierRecord{dossier("000.00.12.H36-260115-0030", "2", "20260115083000"), other}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.IngestDossiers(ctx, dakLak, []national.DossierRecord{dossier("000.00.07.H16-260116-0001", "4", "20260116083000")}); err != nil {
			t.Fatal(err)
		}
		citizen := &auth.Principal{Kind: auth.KindUser, ID: "068090001234", UserID: 7, ApplicantKind: auth.Citizen}
		got, err := s.Mine(ctx, citizen)
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, d := range got {
			codes = append(codes, d.Code+"@"+d.Province)
		}
		if diff := cmp.Diff([]string{"000.00.07.H16-260116-0001@000.00.00.H16", "000.00.12.H36-260115-0030@000.00.00.H36"}, codes); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		if _, err := s.Mine(ctx, lamDong); err == nil {
			t.Error("a machine client listed a citizen's dossiers")
		}
	})
}

func TestClosedDossierStaysClosed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		s := newService(d)
		code := "000.00.12.H36-260115-0051"
		if _, err := s.IngestDossiers(ctx, lamDong, []national.DossierRecord{dossier(code, "1", "20260115083000")}); err != nil {
			t.Fatal(err)
		}
		res, err := s.IngestProgress(ctx, lamDong, []national.ProgressRecord{{MaHoSo: code, ThoiDiemXuLy: "20260115090000", TrangThai: "3", NoiDungXuLy: "không tiếp nhận"}})
		if err != nil || res[0].Outcome != national.Created {
			t.Fatalf("%+v %v", res, err)
		}
		// Not accepted (3) is final: a later step or a snapshot may not reopen it.
		res, err = s.IngestProgress(ctx, lamDong, []national.ProgressRecord{{MaHoSo: code, ThoiDiemXuLy: "20260117090000", TrangThai: "4"}})
		if err != nil || res[0].Kind != national.BadStatus {
			t.Errorf("later step: %+v %v", res, err)
		}
		newer := dossier(code, "2", "20260115083000")
		newer.GhiChu = "sửa"
		res, err = s.IngestDossiers(ctx, lamDong, []national.DossierRecord{newer})
		if err != nil || res[0].Kind != national.BadStatus {
			t.Errorf("snapshot: %+v %v", res, err)
		}
		if got, _ := s.Lookup(ctx, code); got.Status != vn.DossierNotAccepted {
			t.Errorf("status %v", got.Status)
		}
	})
}

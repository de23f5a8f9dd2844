package national_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/national"
	"github.com/lienthong/lienthong/internal/vn"
	"github.com/lienthong/lienthong/internal/web"
)

var ict = time.FixedZone("ICT", 7*3600)

type hub struct {
	url      string
	svc      *national.Service
	id, pass string
	viewer   string // session cookie of a viewer of Lâm Đồng
}

// newHub is a national node behind a real router, the real authentication middleware, the OAuth
// token endpoint and the compat envelope, with a machine client for Lâm Đồng.
func newHub(t *testing.T, d *db.DB) hub {
	t.Helper()
	ctx := context.Background()
	as, err := auth.NewService(ctx, d, auth.Options{TokenTTL: time.Minute, SessionTTL: time.Hour, LockoutThreshold: 5, LockoutDuration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	reg, err := agency.NewRegistry(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := agency.ParseCSV(bytes.NewReader(demo.AgenciesCSV()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Import(ctx, auth.System, rows); err != nil {
		t.Fatal(err)
	}
	cr, err := as.CreateClient(ctx, auth.System, auth.NewClient{Name: "Cổng DVC Lâm Đồng", Agency: "000.00.00.H36", Subtree: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.CreateUser(ctx, auth.System, auth.NewUser{Login: "theodoi.ld", FullName: "Phạm Minh Đức", Password: "mật khẩu theo dõi 1",
		Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.H36"}}}); err != nil {
		t.Fatal(err)
	}
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := national.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	svc := newService(d)
	h := &national.Handler{National: svc, Pages: pages}
	c := &national.Compat{National: svc, Auth: as}
	rr := api.NewRouter(1 << 20)
	rr.Handle(h.Routes()...)
	rr.Handle(h.PageRoutes()...)
	rr.PageLogin = "/login"
	rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
		d := api.Detail(r, err)
		pages.RenderError(w, r, api.Status(err), d.Code, d.Message, d.Fields)
	}
	rr.HandleRaw("POST /oauth/token", http.HandlerFunc(as.TokenHandler))
	rr.HandleRaw("POST /compat/dvcqg/login", http.HandlerFunc(c.Login))
	rr.HandleRaw("POST /compat/dvcqg/service", http.HandlerFunc(c.Service))
	if doc := rr.OpenAPI("test", "0"); len(doc["paths"].(map[string]any)) != 9 {
		t.Errorf("OpenAPI paths: %d", len(doc["paths"].(map[string]any)))
	}
	srv := httptest.NewServer(as.Middleware(rr.Mux))
	t.Cleanup(srv.Close)
	tok, _, err := as.Login(ctx, "theodoi.ld", "mật khẩu theo dõi 1")
	if err != nil {
		t.Fatal(err)
	}
	return hub{url: srv.URL, svc: svc, id: cr.ClientID, pass: cr.ClientSecret, viewer: auth.SessionCookie + "=" + tok}
}

// province is a provincial node's database with dossiers and their events written as the dossier
// package writes them.
type province struct {
	d      *db.DB
	nextID int64
}

func (p *province) dossier(t *testing.T, code, procedure string, status int, at time.Time) {
	t.Helper()
	err := p.d.Tx(context.Background(), func(tx *db.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO dossiers (code, agency_code, procedure_code, instance_code, procedure_name, status, channel,
			applicant_kind, applicant_name, applicant_id, processing_days, submitted_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'online', 'citizen', ?, ?, 5, ?, ?)`,
			code, code[:13], procedure, procedure+"."+code[:13], "Đăng ký khai sinh", status, "Nguyễn Văn An", "068090001234", at.UTC(), at.UTC())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (p *province) event(t *testing.T, code string, from, to int, at time.Time, action string) {
	t.Helper()
	p.nextID++
	err := p.d.Tx(context.Background(), func(tx *db.Tx) error {
		if _, err := tx.Exec(context.Background(), `INSERT INTO dossier_events (id, dossier_code, at, actor, actor_name, action, from_status, to_status)
			VALUES (?, ?, ?, 'user:mai.tt', 'Trần Thị Mai', ?, ?, ?)`, p.nextID, code, at.UTC(), action, from, to); err != nil {
			return err
		}
		_, err := tx.Exec(context.Background(), "UPDATE dossiers SET status = ? WHERE code = ? AND ? >= 0", to, code, 0)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTwoNodes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		h := newHub(t, d)
		// Each node has its own database, of the same kind.
		prov := &province{d: dbtest.SQLite(t)}
		if d.Dialect == db.Postgres {
			prov.d = dbtest.Postgres(t)
		}
		day := time.Date(2026, 1, 15, 8, 0, 0, 0, ict)
		good, bad := "000.00.12.H36-260115-0001", "000.00.12.H36-260115-0002"
		prov.dossier(t, good, "1.001612", 1, day)
		prov.dossier(t, bad, "2.000815", 1, day)
		prov.event(t, good, 0, 1, day, "submit")
		prov.event(t, bad, 0, 1, day, "submit")
		// The later step is recorded first: the hub must still order them by time.
		prov.event(t, good, 2, 4, day.Add(3*time.Hour), "assign")
		prov.event(t, good, 1, 2, day.Add(time.Hour), "accept")

		ob := national.NewOutbox(prov.d, h.url, h.id, h.pass)
		if n, err := ob.Fill(ctx); err != nil || n != 4 {
			t.Fatalf("fill: %d %v", n, err)
		}
		if n, err := ob.Fill(ctx); err != nil || n != 0 {
			t.Fatalf("second fill took %d events (%v)", n, err)
		}
		sent, refused, err := ob.SendOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// 2 snapshots + 4 steps: the bad dossier and its step are refused.
		if sent != 4 || refused != 2 {
			t.Errorf("sent %d refused %d", sent, refused)
		}
		officer := &auth.Principal{Kind: auth.KindUser, ID: "ld", Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.H36"}}}
		st, err := ob.Status(ctx, officer)
		if err != nil {
			t.Fatal(err)
		}
		if st.Backlog != 0 || st.LastSuccessAt == nil || len(st.Refused) != 2 ||
			st.Refused[1].MaHoSo != bad || !strings.HasPrefix(st.Refused[1].Reason, "sai mã thủ tục hành chính: 2.000815") {
			t.Errorf("status: %+v", st)
		}
		got, err := h.svc.Lookup(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		var contents []string
		for _, s := range got.History {
			contents = append(contents, s.Content)
		}
		if got.Status != vn.DossierInProgress || !cmp.Equal([]string{"submit", "accept", "assign"}, contents) {
			t.Errorf("at the hub: status %v history %v", got.Status, contents)
		}
		figs, _ := h.svc.Figures(ctx)

		// Resending everything changes nothing at the hub.
		if err := prov.d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE national_outbox SET state = 'pending'")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ob.SendOnce(ctx); err != nil {
			t.Fatal(err)
		}
		again, _ := h.svc.Figures(ctx)
		if len(figs) != 1 || figs[0].Synced != 1 || figs[0].Progress != 3 || again[0].Synced != 1 || again[0].Progress != 3 {
			t.Errorf("figures before %+v after %+v", figs, again)
		}
		gaps, err := h.svc.Gaps(ctx, &auth.Principal{Kind: auth.KindClient, Agency: "000.00.00.H36", Subtree: true}, "000.00.00.H36")
		if err != nil || gaps.Contiguous != 6 || len(gaps.Missing) != 0 {
			t.Errorf("gaps: %+v %v", gaps, err)
		}

		// An unreachable hub leaves the records pending and says why.
		down := national.NewOutbox(prov.d, "http://127.0.0.1:1", "x", "y")
		prov.event(t, good, 4, 9, day.Add(5*time.Hour), "finish")
		if _, err := down.Fill(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, err := down.SendOnce(ctx); err == nil {
			t.Error("sent to a closed port")
		}
		if st, _ := down.Status(ctx, officer); st.Backlog != 2 || st.LastError == "" {
			t.Errorf("after failure: %+v", st)
		}

		// Those two records are lost on the way (marked sent, never arrived); the next ones reach
		// the hub, which then lists the gap, and the province sends the missing ones again.
		if err := prov.d.Tx(ctx, func(tx *db.Tx) error {
			_, err := tx.Exec(ctx, "UPDATE national_outbox SET state = 'sent' WHERE state = 'pending'")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		prov.event(t, good, 9, 10, day.Add(6*time.Hour), "return")
		if _, err := ob.Fill(ctx); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ob.SendOnce(ctx); err != nil {
			t.Fatal(err)
		}
		lamDongClient := &auth.Principal{Kind: auth.KindClient, Agency: "000.00.00.H36", Subtree: true}
		if g, _ := h.svc.Gaps(ctx, lamDongClient, "000.00.00.H36"); !cmp.Equal([]national.Gap{{From: 7, To: 8}}, g.Missing) {
			t.Fatalf("gaps after loss: %+v", g)
		}
		ob.Province = "000.00.00.H36"
		if n, err := ob.ResendGaps(ctx); err != nil || n != 2 {
			t.Fatalf("resend gaps: %d %v", n, err)
		}
		if _, _, err := ob.SendOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if g, _ := h.svc.Gaps(ctx, lamDongClient, "000.00.00.H36"); g.Contiguous != 10 || len(g.Missing) != 0 {
			t.Errorf("gaps after resending: %+v", g)
		}
		if got, _ := h.svc.Lookup(ctx, good); got.Status != vn.DossierReturned || len(got.History) != 5 {
			t.Errorf("at the hub: %v, %d steps", got.Status, len(got.History))
		}
	})
}

// opencpsBody is a DongBoHoSoMC call shaped as OpenCPS's DVCQG integration sends it.
const opencpsBody = `{"session":"%s","madonvi":"000.00.00.H36","service":"DongBoHoSoMC","isUpdating":"false","data":[
 {"MaHoSo":"000.00.12.H36-260115-0011","MaTTHC":"1.001612","TenTTHC":"Đăng ký khai sinh","MaLinhVuc":"G16-TP01","TenLinhVuc":"Hộ tịch",
  "SoBienNhan":"000.00.12.H36-260115-0011","ChuHoSo":"Lê Thị Hoa","LoaiDoiTuong":"1","MaDoiTuong":"068190004321","ThongTinKhac":"","Email":"",
  "Fax":"","SoDienThoai":"0912345678","TrichYeuHoSo":"Đăng ký khai sinh cho con","NgayTiepNhan":"20260115083000","NgayHenTra":"20260120170000",
  "TrangThaiHoSo":"2","NgayTra":"","ThongTinTra":"","HinhThuc":"1","NgayKetThucXuLy":"","DonViXuLy":"UBND xã Lạc Dương","GhiChu":"",
  "TaiLieuNop":[{"TepDinhKemId":"1","TenTepDinhKem":"to-khai.pdf","IsDeleted":false,"MaThanhPhanHoSo":"TP1","DuongDanTaiTepTin":"https://x/1"}],
  "DanhSachLePhi":[{"TenPhiLePhi":"Lệ phí","MaPhiLePhi":"LP1","HinhThucThu":"1","Gia":0,"LoaiPhiLePhi":"1"}],
  "DanhSachTepDinhKemKhac":[],"DanhSachHoSoBoSung":[],"DanhSachGiayToKetQua":[]},
 {"MaHoSo":"000.00.12.H36-260115-0012","MaTTHC":"1.999998","ChuHoSo":"Lê Văn Bình","NgayTiepNhan":"20260115083000","TrangThaiHoSo":"2"}]}`

func postJSON(t *testing.T, url, body string, out any) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func TestCompatEnvelope(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		h := newHub(t, d)
		var login struct {
			ErrorCode int    `json:"error_code"`
			Session   string `json:"session"`
		}
		postJSON(t, h.url+"/compat/dvcqg/login", `{"username":"`+h.id+`","password":"wrong"}`, &login)
		if login.ErrorCode == 0 || login.Session != "" {
			t.Fatalf("wrong password: %+v", login)
		}
		postJSON(t, h.url+"/compat/dvcqg/login", `{"username":"`+h.id+`","password":"`+h.pass+`"}`, &login)
		if login.ErrorCode != 0 || login.Session == "" {
			t.Fatalf("login: %+v", login)
		}
		type rec struct {
			MaHoSo    string `json:"MaHoSo"`
			ErrorCode int    `json:"error_code"`
			Message   string `json:"message"`
		}
		var ans struct {
			ErrorCode int    `json:"error_code"`
			Message   string `json:"message"`
			Result    []rec  `json:"result"`
		}
		postJSON(t, h.url+"/compat/dvcqg/service", strings.Replace(opencpsBody, "%s", login.Session, 1), &ans)
		want := []rec{{"000.00.12.H36-260115-0011", 0, "thành công"},
			{"000.00.12.H36-260115-0012", 1, "sai mã thủ tục hành chính: 1.999998 không có trong Cơ sở dữ liệu quốc gia về TTHC"}}
		if diff := cmp.Diff(want, ans.Result); diff != "" || ans.ErrorCode != 0 {
			t.Errorf("error_code %d, result (-want +got):\n%s", ans.ErrorCode, diff)
		}
		var look struct {
			ErrorCode int                `json:"error_code"`
			Result    []national.Dossier `json:"result"`
		}
		postJSON(t, h.url+"/compat/dvcqg/service", `{"session":"`+login.Session+`","service":"TraCuuHoSo","MaHoSo":"000.00.12.H36-260115-0011"}`, &look)
		if look.ErrorCode != 0 || len(look.Result) != 1 || look.Result[0].Applicant != "L. T. Hoa" || look.Result[0].Status != vn.DossierAccepted {
			t.Errorf("TraCuuHoSo: %+v", look)
		}
		postJSON(t, h.url+"/compat/dvcqg/service", `{"session":"forged","service":"DongBoHoSoMC","data":[]}`, &ans)
		if ans.ErrorCode != 401 {
			t.Errorf("forged session: %+v", ans)
		}

		// The REST API: anonymous callers may not send, anyone may look up by code.
		resp, err := http.Post(h.url+"/api/v1/national/dossiers:batch", "application/json", strings.NewReader(`{"data":[]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("anonymous batch: %s", resp.Status)
		}
		resp, err = http.Get(h.url + "/api/v1/national/dossiers/000.00.12.H36-260115-0011")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("public lookup: %s", resp.Status)
		}
	})
}

func getPage(t *testing.T, url, cookie string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestPages(t *testing.T) {
	d := dbtest.SQLite(t)
	h := newHub(t, d)
	ctx := context.Background()
	if _, err := h.svc.IngestDossiers(ctx, lamDong, []national.DossierRecord{dossier("000.00.12.H36-260115-0021", "2", "20260115083000"),
		dossier("000.00.12.H36-260115-0022", "99", "20260115083000")}); err != nil {
		t.Fatal(err)
	}
	code, body := getPage(t, h.url+"/national/lookup?code=000.00.12.H36-260115-0021", "")
	if code != 200 || !strings.Contains(body, "N. V. An") || !strings.Contains(body, "Được tiếp nhận") || strings.Contains(body, "Nguyễn Văn An") {
		t.Errorf("lookup page: %d\n%s", code, body)
	}
	if code, body = getPage(t, h.url+"/national/lookup?code=000.00.12.H36-260115-0099", ""); code != 200 || !strings.Contains(body, "role=\"alert\"") {
		t.Errorf("lookup of an unknown code: %d", code)
	}
	if code, _ = getPage(t, h.url+"/national/figures", ""); code == 200 {
		t.Error("anonymous figures page")
	}
	code, body = getPage(t, h.url+"/national/figures", h.viewer)
	if code != 200 || !strings.Contains(body, "<td>1</td><td>0</td><td>1</td>") {
		t.Errorf("figures page: %d\n%s", code, body)
	}
	if code, body = getPage(t, h.url+"/api/v1/national/provinces/000.00.00.H36/refusals", h.viewer); code != 200 || !strings.Contains(body, `"error_kind":"status"`) {
		t.Errorf("refusals API: %d %s", code, body)
	}
	if code, _ = getPage(t, h.url+"/api/v1/national/provinces/000.00.00.H16/gaps", h.viewer); code != 403 {
		t.Errorf("another province's gaps: %d", code)
	}
	if code, _ = getPage(t, h.url+"/national/outbox", h.viewer); code != 404 {
		t.Errorf("outbox page on a hub: %d", code)
	}
}

package scorecard_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/scorecard"
	"github.com/lienthong/lienthong/internal/web"
)

var rawKey = regexp.MustCompile(`\bscorecard\.[a-z_]+(\.[a-z_]+)*\b`)

func get(t *testing.T, url, cookie string) (int, http.Header, []byte) {
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
	return resp.StatusCode, resp.Header, b
}

func TestHTTP(t *testing.T) {
	ctx := context.Background()
	d := dbtest.SQLite(t)
	f := newFixture(t, d, 50)
	f.load(t)
	as, err := auth.NewService(ctx, d, auth.Options{TokenTTL: time.Minute, SessionTTL: time.Hour, LockoutThreshold: 5, LockoutDuration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := as.CreateUser(ctx, auth.System, auth.NewUser{Login: "theodoi.vpcp", FullName: "Lê Hoàng Anh", Password: "mật khẩu cán bộ 3",
		Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.G22"}}}); err != nil {
		t.Fatal(err)
	}
	tok, _, err := as.Login(ctx, "theodoi.vpcp", "mật khẩu cán bộ 3")
	if err != nil {
		t.Fatal(err)
	}
	cookie := auth.SessionCookie + "=" + tok
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := scorecard.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	h := &scorecard.Handler{Scorecard: f.svc, Pages: pages}
	rr := api.NewRouter(1 << 20)
	rr.PageLogin = "/login"
	rr.PageError = func(w http.ResponseWriter, r *http.Request, err error) {
		dt := api.Detail(r, err)
		pages.RenderError(w, r, api.Status(err), dt.Code, dt.Message, dt.Fields)
	}
	rr.Handle(h.Routes()...)
	rr.Handle(h.PageRoutes()...)
	if doc := rr.OpenAPI("test", "0"); len(doc["paths"].(map[string]any)) != 4 {
		t.Errorf("OpenAPI paths: %d", len(doc["paths"].(map[string]any)))
	}
	srv := httptest.NewServer(as.Middleware(rr.Mux))
	defer srv.Close()
	q := "?from=2026-01&to=2026-05"

	if st, _, _ := get(t, srv.URL+"/api/v1/scorecard"+q, ""); st != 401 {
		t.Errorf("anonymous: %d", st)
	}
	if st, _, b := get(t, srv.URL+"/api/v1/scorecard?from=2026-07&to=2026-05", cookie); st != 400 || !strings.Contains(string(b), "bad_period") {
		t.Errorf("bad period: %d %s", st, b)
	}
	st, _, b := get(t, srv.URL+"/api/v1/scorecard"+q, cookie)
	var sc scorecard.Scorecard
	if err := json.Unmarshal(b, &sc); st != 200 || err != nil {
		t.Fatalf("JSON: %d %v %s", st, err, b)
	}
	if r := row(t, &sc, "000.00.00.H36"); r.Values["axis_growth"] != 4 || sc.From != "2026-01" || sc.LastTo != "2025-05" {
		t.Errorf("JSON figures: %v", r.Values)
	}

	// CSV: header with both languages, one row per province, exact figures.
	st, hd, b := get(t, srv.URL+"/api/v1/scorecard.csv"+q, cookie)
	if st != 200 || !strings.HasPrefix(hd.Get("Content-Type"), "text/csv") || !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Fatalf("CSV: %d %v", st, hd)
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	sent, ok := col["Văn bản gửi qua Trục / Documents sent via the axis"]
	rate := col["Tỷ lệ ký số (%) / Digital-signature share (%)"]
	if !ok || len(recs) != len(sc.Rows)+1 {
		t.Fatalf("CSV columns %v, %d rows", recs[0], len(recs))
	}
	for _, r := range recs[1:] {
		switch r[1] {
		case "000.00.00.H36":
			if r[sent] != "2" || r[0] != "2026-01..2026-05" {
				t.Errorf("CSV H36: %v", r)
			}
		case "000.00.00.H16":
			if r[rate] != "66.7" {
				t.Errorf("CSV H16 signature rate %q", r[rate])
			}
		}
	}

	// XLSX: the same figures in a workbook.
	st, _, b = get(t, srv.URL+"/api/v1/scorecard.xlsx"+q, cookie)
	if st != 200 {
		t.Fatalf("XLSX %d", st)
	}
	x, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := x.GetRows("Scorecard")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows[3:] {
		if r[0] == "000.00.00.H36" {
			found = true
			if r[sent-1] != "2" {
				t.Errorf("XLSX H36 sent %q", r[sent-1])
			}
		}
	}
	if !found || !strings.Contains(rows[0][0], "2026-01") {
		t.Errorf("XLSX rows: %v", rows[:3])
	}

	// Drill-down and pages.
	if st, _, b := get(t, srv.URL+"/api/v1/scorecard/000.00.00.H36"+q, cookie); st != 200 || !strings.Contains(string(b), "000.00.01.H36") {
		t.Errorf("drill-down: %d", st)
	}
	if st, _, _ := get(t, srv.URL+"/api/v1/scorecard/000.00.01.H36"+q, cookie); st != 404 {
		t.Errorf("drill-down into a department: %d", st)
	}
	for path, want := range map[string][]string{
		"/scorecard" + q:                 {"Lâm Đồng", "/scorecard/000.00.00.H36?from=2026-01", "scorecard-data", "×4.0"},
		"/scorecard/000.00.00.H36" + q:   {"000.00.01.H36", "000.00.30.H36"},
		"/scorecard/report" + q:          {"Tăng gấp 4.0 lần", "4.0 times the same period last year", "Còn 2 phản ánh", "66.7"},
		"/scorecard/assets/scorecard.js": {"echarts"},
		"/scorecard/assets/report.css":   {"@media print"},
	} {
		st, hd, b := get(t, srv.URL+path, cookie)
		if st != 200 {
			t.Errorf("%s: %d %s", path, st, b)
		}
		for _, w := range want {
			if !strings.Contains(string(b), w) {
				t.Errorf("%s: no %q", path, w)
			}
		}
		if strings.HasPrefix(hd.Get("Content-Type"), "text/html") {
			for _, m := range rawKey.FindAllString(string(b), -1) {
				if m != "scorecard.csv" && m != "scorecard.xlsx" && m != "scorecard.js" {
					t.Errorf("%s shows the message key %q", path, m)
				}
			}
		}
	}
}

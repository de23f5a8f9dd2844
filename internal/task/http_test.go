package task_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/task"
)

var callers = map[string]*auth.Principal{
	"clerk.gov": clerkGov, "leader.gov": leaderGov, "officer.ld": officerLD, "officer.dl": officerDL,
	"viewer.gov": viewerGov, "client.ld": clientLD,
	"citizen": {Kind: auth.KindUser, ID: "068090001234", Name: "Nguyễn Văn An", UserID: 100, ApplicantKind: auth.Citizen},
}

func TestHTTP(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		rr := api.NewRouter(1 << 20)
		rr.Handle((&task.Handler{Tasks: f.svc}).Routes()...)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if p := callers[r.Header.Get("X-As")]; p != nil {
				r = r.WithContext(auth.WithPrincipal(r.Context(), p))
			}
			rr.Mux.ServeHTTP(w, r)
		}))
		defer srv.Close()
		do := func(as, method, path, body string, want int) string {
			t.Helper()
			req, _ := http.NewRequestWithContext(context.Background(), method, srv.URL+path, strings.NewReader(body))
			req.Header.Set("X-As", as)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != want {
				t.Fatalf("%s %s %s as %s: %d %s, want %d", method, path, body, as, resp.StatusCode, b, want)
			}
			return string(b)
		}
		body := `{"directive_kind":"TB","directive_number":"45/TB-VPCP","content":"Số hóa hồ sơ đất đai","lead":"000.00.00.H36","authority":"TTG","deadline":"2026-03-20","idempotency_key":"k1"}`
		do("", "POST", "/api/v1/tasks", body, 401)
		do("officer.ld", "POST", "/api/v1/tasks", body, 403)
		do("citizen", "POST", "/api/v1/tasks", body, 403)
		do("clerk.gov", "POST", "/api/v1/tasks", strings.Replace(body, "2026-03-20", "2026-01-20", 1), 400)
		var tk task.Task
		if err := json.Unmarshal([]byte(do("clerk.gov", "POST", "/api/v1/tasks", body, 201)), &tk); err != nil || tk.ID == 0 {
			t.Fatalf("created %v %+v", err, tk)
		}
		path := "/api/v1/tasks/" + strings.TrimSpace(jsonID(tk.ID))
		do("officer.dl", "GET", path, "", 404)
		do("viewer.gov", "GET", path, "", 200)
		do("officer.dl", "POST", path+"/completion", `{"text":"xong"}`, 404)
		do("client.ld", "POST", path+"/completion", `{"text":"Đã hoàn thành","axis_doc":"12"}`, 200)
		do("officer.ld", "POST", path+"/acceptance", `{}`, 403)
		out := do("leader.gov", "POST", path+"/acceptance", `{}`, 200)
		if !strings.Contains(out, `"status":"on_time"`) {
			t.Fatalf("accepted: %s", out)
		}
		fig := do("viewer.gov", "GET", "/api/v1/tasks/figures?by=province", "", 200)
		if !strings.Contains(fig, `"key":"000.00.00.H36"`) || !strings.Contains(fig, `"on_time":1`) {
			t.Fatalf("figures: %s", fig)
		}
		do("citizen", "GET", "/api/v1/tasks/figures", "", 403)
		do("officer.ld", "GET", path+"/history", "", 200)
	})
}

func jsonID(id int64) string { b, _ := json.Marshal(id); return string(b) }

func TestImportSheets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		ctx := context.Background()
		good := "directive_kind,directive_number,content,lead,coordinators,authority,deadline,report_period\n" +
			"NQ,01/NQ-CP,Cải cách thủ tục,000.00.00.H36,000.00.00.H16,CP,2026-06-30,\n" +
			"QD,02/QĐ-TTg,Báo cáo định kỳ,000.00.00.H16,,TTG,,quarter\n"
		bad := good + "CV,03/VPCP,Việc sai,000.00.00.X99,,TTG,2026-01-01,\n"
		_, err := f.svc.Import(ctx, clerkGov, []byte(bad))
		if e := errsAs(err); e == nil || len(e) != 2 || !strings.HasPrefix(e[0], "row 3:") {
			t.Fatalf("bad sheet: %v %v", err, e)
		}
		if n := count(t, d, "tasks"); n != 0 {
			t.Fatalf("%d tasks after a bad sheet", n)
		}
		ts, err := f.svc.Import(ctx, clerkGov, []byte(good))
		if err != nil || len(ts) != 2 || ts[1].ReportPeriod != "quarter" || ts[0].Coordinators[0] != "000.00.00.H16" {
			t.Fatalf("good sheet: %v %+v", err, ts)
		}
		// An XLSX sheet goes the same way.
		x := excelize.NewFile()
		for i, line := range strings.Split(strings.TrimSpace(good), "\n") {
			cells := strings.Split(line, ",")
			row := make([]any, len(cells))
			for j, c := range cells {
				row[j] = c
			}
			row[1] = strings.Replace(fmt.Sprint(row[1]), "01/", "11/", 1)
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := x.SetSheetRow(x.GetSheetName(0), cell, &row); err != nil {
				t.Fatal(err)
			}
		}
		xbuf, err := x.WriteToBuffer()
		if err != nil {
			t.Fatal(err)
		}
		if ts, err := f.svc.Import(ctx, clerkGov, xbuf.Bytes()); err != nil || len(ts) != 2 || ts[0].DirectiveNumber != "11/NQ-CP" {
			t.Fatalf("xlsx sheet: %v %+v", err, ts)
		}
		fg, _ := f.svc.Figures(ctx, viewerGov, task.Period{})
		var xb = new(bytesBuffer)
		if err := task.FiguresXLSX(xb, task.FigureTable{Rows: fg.By("agency", ""), Total: fg.Total}); err != nil || xb.Len() < 1000 {
			t.Fatalf("xlsx export: %v %d", err, xb.Len())
		}
	})
}

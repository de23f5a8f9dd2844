package catalog_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/catalog/catalogtest"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

func mustCatalog(t *testing.T, d *db.DB, n int) *catalog.Catalog {
	t.Helper()
	c, err := catalog.New(context.Background(), d, catalogtest.Exists)
	if err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		if _, err := c.Import(context.Background(), auth.System, catalogtest.Procedures(n)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func exportCSV(t *testing.T, c *catalog.Catalog) string {
	t.Helper()
	var b bytes.Buffer
	if err := catalog.WriteCSV(&b, c.Index().All()); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func codes(list []*catalog.Procedure) []string {
	out := []string{}
	for _, p := range list {
		out = append(out, p.Code)
	}
	return out
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := mustCatalog(t, d, 60)
		for _, tc := range []struct {
			q    catalog.Query
			want []string // codes that must be found, in order
		}{
			{catalog.Query{Text: "chung thuc ban sao"}, []string{"2.000815"}},
			{catalog.Query{Text: "CHỨNG THỰC BẢN SAO điện tử"}, []string{"2.000815"}},
			{catalog.Query{Text: "chứng thực bản"}, []string{"2.000815"}},
			{catalog.Query{Text: "2.0008"}, []string{"2.000815"}},
			{catalog.Query{Text: "2.000815.000.00.05.H36"}, []string{"2.000815"}},
			{catalog.Query{Text: "1.10001", Limit: 3}, []string{"1.100010", "1.100011", "1.100012"}},
			{catalog.Query{Text: "chung thuc ban sao dien tu tu ban chinh"}, []string{"2.000815"}},
		} {
			got, _ := c.Search(tc.q)
			// The wanted codes must be found, in this order.
			var g []string
			for _, code := range codes(got) {
				if len(g) < len(tc.want) && code == tc.want[len(g)] {
					g = append(g, code)
				}
			}
			if g == nil {
				g = []string{}
			}
			if diff := cmp.Diff(tc.want, g); diff != "" {
				t.Errorf("Search(%+v) (-want +got):\n%s", tc.q, diff)
			}
		}
		// Filters.
		for _, q := range []catalog.Query{{Field: "G15-CT", Limit: 500}, {Level: catalog.Commune, Limit: 500}, {Online: catalog.FullyOnline, Limit: 500},
			{Agency: "000.00.05.H36", Limit: 500}, {Text: "cap", Field: "g17-xd", Limit: 500}} {
			got, matched := c.Search(q)
			if len(got) == 0 || matched != len(got) {
				t.Errorf("Search(%+v): %d results, %d matched", q, len(got), matched)
			}
			for _, p := range got {
				ok := (q.Field == "" || p.Field.Code == strings.ToUpper(q.Field)) && (q.Level == "" || p.HasLevel(q.Level)) && (q.Online == "" || p.Online == q.Online)
				if q.Agency != "" {
					found := false
					for _, in := range p.Instances {
						found = found || in.Agency == q.Agency
					}
					ok = ok && found
				}
				if !ok {
					t.Errorf("Search(%+v) returned %s, which does not fit", q, p.Code)
				}
			}
		}
		if got := c.Instances("000.00.05.H36"); len(got) == 0 || got[0].Agency != "000.00.05.H36" {
			t.Errorf("Instances: %+v", got)
		}
	})
}

const header = "code,name,field_code,field_name,levels,agencies,processing_days,online_level,fees,components,instances\n"

func TestImportErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		c := mustCatalog(t, d, 5)
		before := exportCSV(t, c)
		good := `1.200001,Thủ tục tốt,G15-CT,Chứng thực,province,,3,khong,,,`
		for _, tc := range []struct {
			name, csv string
			json      string
			want      errs.FieldError // the first problem
		}{
			{name: "bad code", csv: header + good + "\n12.00001,Thủ tục,G15-CT,Chứng thực,province,,3,khong,,,\n",
				want: errs.FieldError{Field: "code", Line: 3, Column: 1}},
			{name: "duplicate", csv: header + good + "\n" + good + "\n", want: errs.FieldError{Field: "code", Line: 3, Column: 1}},
			{name: "negative days", csv: header + `1.200002,Thủ tục,G15-CT,Chứng thực,province,,-1,khong,,,` + "\n", want: errs.FieldError{Field: "processing_days", Line: 2, Column: 7}},
			{name: "days not a number", csv: header + `1.200002,Thủ tục,G15-CT,Chứng thực,province,,ba,khong,,,` + "\n", want: errs.FieldError{Field: "processing_days", Line: 2, Column: 7}},
			{name: "unknown agency", csv: header + `1.200002,Thủ tục,G15-CT,Chứng thực,province,000.00.99.H36,3,khong,,,` + "\n", want: errs.FieldError{Field: "agencies", Line: 2, Column: 6}},
			{name: "instance of another procedure", csv: header + `1.200002,Thủ tục,G15-CT,Chứng thực,province,,3,khong,,,"[{""code"":""1.200003.000.00.05.H36"",""online"":true}]"` + "\n",
				want: errs.FieldError{Field: "instances[0].code", Line: 2, Column: 11}},
			{name: "instance at unknown agency", csv: header + `1.200002,Thủ tục,G15-CT,Chứng thực,province,,3,khong,,,"[{""code"":""1.200002.000.00.07.H36""}]"` + "\n",
				want: errs.FieldError{Field: "instances[0].code", Line: 2, Column: 11}},
			{name: "negative fee", csv: header + `1.200002,Thủ tục,G15-CT,Chứng thực,province,,3,khong,"[{""name"":""Lệ phí"",""kind"":""le_phi"",""amount"":-5}]",,` + "\n",
				want: errs.FieldError{Field: "fees[0].amount", Line: 2, Column: 9}},
			{name: "fees not JSON", csv: header + `1.200002,Thủ tục,G15-CT,Chứng thực,province,,3,khong,50000,,` + "\n", want: errs.FieldError{Field: "fees", Line: 2, Column: 9}},
			{name: "bad level", csv: header + `1.200002,Thủ tục,G15-CT,Chứng thực,galaxy,,3,khong,,,` + "\n", want: errs.FieldError{Field: "levels", Line: 2, Column: 5}},
			{name: "bad online", csv: header + `1.200002,Thủ tục,G15-CT,Chứng thực,province,,3,maybe,,,` + "\n", want: errs.FieldError{Field: "online_level", Line: 2, Column: 8}},
			{name: "bad field code", csv: header + `1.200002,Thủ tục,chung thuc,Chứng thực,province,,3,khong,,,` + "\n", want: errs.FieldError{Field: "field_code", Line: 2, Column: 3}},
			{name: "unknown column", csv: "code,name,colour\n", want: errs.FieldError{Field: "colour", Line: 1, Column: 3}},
			{name: "json negative days", json: `[{"code":"1.200002","name":"A","field":{"code":"G15-CT","name":"B"},"levels":["province"],"processing_days":2,"online_level":"khong"},
				{"code":"1.200003","name":"A","field":{"code":"G15-CT","name":"B"},"levels":["province"],"processing_days":-2,"online_level":"khong"}]`,
				want: errs.FieldError{Field: "[1].processing_days"}},
			{name: "json duplicate", json: `[{"code":"1.200002","name":"A","field":{"code":"G15-CT","name":"B"},"levels":["province"],"online_level":"khong"},
				{"code":"1.200002","name":"A","field":{"code":"G15-CT","name":"B"},"levels":["province"],"online_level":"khong"}]`,
				want: errs.FieldError{Field: "[1].code"}},
			{name: "json wrong type", json: `[{"code":"1.200002","name":"A","processing_days":"ba"}]`, want: errs.FieldError{Field: "[0].processing_days"}},
			{name: "json bad instance", json: `[{"code":"1.200002","name":"A","field":{"code":"G15-CT","name":"B"},"levels":["province"],"online_level":"khong","instances":[{"code":"1.200002.H36X"}]}]`,
				want: errs.FieldError{Field: "[0].instances[0].code"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var list []*catalog.Procedure
				var err error
				if tc.json != "" {
					list, err = catalog.ParseJSON(strings.NewReader(tc.json))
				} else {
					list, err = catalog.ParseCSV(strings.NewReader(tc.csv))
				}
				if err == nil {
					_, err = c.Import(context.Background(), auth.System, list)
				}
				e := errs.As(err)
				if err == nil || e.Code != errs.Invalid || len(e.Fields) == 0 {
					t.Fatalf("got %v, want an invalid error with fields", err)
				}
				got := e.Fields[0]
				got.Message = ""
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("first problem (-want +got):\n%s\n%v", diff, err)
				}
				if after := exportCSV(t, c); after != before {
					t.Errorf("a rejected import changed the catalogue")
				}
			})
		}
		// Only national catalogue administrators import.
		h36 := &auth.Principal{Kind: auth.KindUser, ID: "admin.h36", Grants: []auth.Grant{{Role: auth.Admin, Agency: "000.00.00.H36"}}}
		if _, err := c.Import(context.Background(), h36, catalogtest.Procedures(1)); !errs.Is(err, errs.Forbidden) {
			t.Errorf("import by a provincial administrator: %v, want forbidden", err)
		}
	})
}

func TestRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := mustCatalog(t, d, 40)
		csv1 := exportCSV(t, c)
		var js bytes.Buffer
		if err := catalog.WriteJSON(&js, c.Index().All()); err != nil {
			t.Fatal(err)
		}
		// Re-importing an export changes nothing.
		list, err := catalog.ParseCSV(strings.NewReader(csv1))
		if err != nil {
			t.Fatal(err)
		}
		res, err := c.Import(ctx, auth.System, list)
		if err != nil {
			t.Fatal(err)
		}
		if res.Unchanged != 40 {
			t.Errorf("CSV re-import: %+v, want 40 unchanged", res)
		}
		list, err = catalog.ParseJSON(bytes.NewReader(js.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if res, err := c.Import(ctx, auth.System, list); err != nil || res.Unchanged != 40 {
			t.Errorf("JSON re-import: %+v, %v", res, err)
		}
		// The export of a fresh catalogue that imported the JSON equals the original's.
		d2 := dbtest.SQLite(t)
		c2 := mustCatalog(t, d2, 0)
		if _, err := c2.Import(ctx, auth.System, list); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(csv1, exportCSV(t, c2)); diff != "" {
			t.Errorf("export → import → export (-want +got):\n%s", diff)
		}
		// Overrides survive storage: nil fees mean the procedure's, an empty list means free.
		p, err := c.Get("1.100002")
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Instances) != 2 || p.Instances[0].Fees != nil || p.Instances[1].Fees == nil || len(p.Instances[1].Fees) != 0 ||
			p.DaysAt(p.Instances[1]) != p.ProcessingDays+1 {
			t.Errorf("instances after storage: %+v", p.Instances)
		}
		// An update replaces the procedure and its instances.
		list[1].Name = "Tên mới"
		list[1].Instances = nil
		if res, err := c.Import(ctx, auth.System, list[:2]); err != nil || res.Updated != 1 || res.Unchanged != 1 {
			t.Fatalf("update: %+v, %v", res, err)
		}
		p, _ = c.Get(list[1].Code)
		if p.Name != "Tên mới" || len(p.Instances) != 0 {
			t.Errorf("after update: %+v", p)
		}
	})
}

func TestFormatVND(t *testing.T) {
	for n, want := range map[int64]string{0: "0 đ", 2000: "2.000 đ", 135000: "135.000 đ", 1000000: "1.000.000 đ", 6500000: "6.500.000 đ"} {
		if got := catalog.FormatVND(n); got != want {
			t.Errorf("FormatVND(%d) = %q, want %q", n, got, want)
		}
	}
}

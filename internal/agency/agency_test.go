package agency_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/errs"
)

const header = "code,name,abbreviation,kind,level,effective_from,effective_to,successor,on_axis\n"

const base = header +
	"000.00.00.H36,Ủy ban nhân dân tỉnh Lâm Đồng,UBND,province_committee,province,2016-04-01,,,true\n" +
	"000.00.02.H36,Sở Nội vụ tỉnh Lâm Đồng,SNV,department,province,2016-04-01,,,true\n" +
	"000.00.00.H16,Ủy ban nhân dân tỉnh Đắk Lắk,UBND,province_committee,province,2016-04-01,,,true\n" +
	"000.00.30.H16,Ủy ban nhân dân thành phố Buôn Ma Thuột,UBND,district,district,2016-04-01,2025-06-30,,true\n" +
	"000.01.30.H16,Ủy ban nhân dân phường Tân Lợi,UBND,commune,commune,2016-04-01,2025-06-30,,false\n" +
	"000.00.00.H17,Ủy ban nhân dân tỉnh Đắk Nông,UBND,province_committee,province,2016-04-01,2025-06-30,000.00.00.H36,true\n"

func newRegistry(t *testing.T, d *db.DB) *agency.Registry {
	t.Helper()
	reg, err := agency.NewRegistry(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func mustImport(t *testing.T, reg *agency.Registry, csv string) agency.ImportResult {
	t.Helper()
	rows, err := agency.ParseCSV(strings.NewReader(csv))
	if err != nil {
		t.Fatalf("ParseCSV: %v", err)
	}
	res, err := reg.Import(context.Background(), auth.System, rows)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return res
}

func importErr(reg *agency.Registry, csv string) error {
	rows, err := agency.ParseCSV(strings.NewReader(csv))
	if err != nil {
		return err
	}
	_, err = reg.Import(context.Background(), auth.System, rows)
	return err
}

func TestImportAndTree(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		reg := newRegistry(t, d)
		res := mustImport(t, reg, "\ufeff"+base) // a byte-order mark is accepted
		if diff := cmp.Diff(agency.ImportResult{Rows: 6, Created: 6}, res); diff != "" {
			t.Errorf("import result (-want +got):\n%s", diff)
		}
		ix := reg.Index()
		sở, ok := ix.Get("000.00.02.H36")
		if !ok || sở.Parent != "000.00.00.H36" {
			t.Fatalf("parent not derived: %+v", sở)
		}
		if got := codesOf(ix.Children("000.00.00.H16")); !cmp.Equal(got, []string{"000.00.30.H16"}) {
			t.Errorf("children of H16 = %v", got)
		}
		if got := codesOf(ix.SuccessorChain("000.00.00.H17")); !cmp.Equal(got, []string{"000.00.00.H36"}) {
			t.Errorf("successor chain = %v", got)
		}
		if got := codesOf(ix.Predecessors("000.00.00.H36")); !cmp.Equal(got, []string{"000.00.00.H17"}) {
			t.Errorf("predecessors = %v", got)
		}
		// Importing the same file again changes nothing and records no new history.
		again := mustImport(t, reg, base)
		if again.Unchanged != 6 {
			t.Errorf("re-import: %+v", again)
		}
		hist, err := reg.History(context.Background(), "000.00.00.H36")
		if err != nil || len(hist) != 1 || hist[0].Action != "created" {
			t.Errorf("history = %+v, %v", hist, err)
		}
		// A second registry on the same database sees the same data (another node).
		if other := newRegistry(t, d); other.Index().Len() != 6 {
			t.Errorf("second node sees %d agencies", other.Index().Len())
		}
	})
}

func codesOf(list []*agency.Agency) []string {
	var out []string
	for _, a := range list {
		out = append(out, a.Code)
	}
	return out
}

func TestBadImportsChangeNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		csv  string
		line int
		want string
	}{
		{"wrong length", header + "000.00.0.H36,X,,department,province,,,,true\n", 2, "wrong length"},
		{"wrong level-1 letter", header + "000.00.00.h36,X,,province_committee,province,,,,true\n", 2, "code"},
		{"orphan", header + "000.00.05.H99,Sở X,,department,province,,,,true\n", 2, "parent 000.00.00.H99"},
		{"non-zero below zero", header + "001.00.05.H36,X,,unit,province,,,,true\n", 2, "code"},
		{"duplicate in file", base + "000.00.02.H36,Sở Nội vụ,SNV,department,province,,,,true\n", 8, "already appears on line 3"},
		{"unknown kind", header + "000.00.09.H36,X,,agency,province,,,,true\n", 2, "unknown kind"},
		{"bad date", header + "000.00.09.H36,X,,department,province,2016-13-01,,,true\n", 2, "not a date"},
		{"closes before it opens", header + "000.00.09.H36,X,,department,province,2020-01-01,2019-01-01,,true\n", 2, "cannot close"},
		{"successor missing", header + "000.00.09.H36,X,,department,province,,2025-06-30,000.00.77.H36,true\n", 2, "successor 000.00.77.H36"},
		{"successor without close date", header + "000.00.09.H36,X,,department,province,,,000.00.02.H36,true\n", 2, "closed"},
		{"successor cycle", header +
			"000.00.00.H34,Kon Tum,UBND,province_committee,province,,2025-06-30,000.00.00.H48,true\n" +
			"000.00.00.H48,Quảng Ngãi,UBND,province_committee,province,,2025-06-30,000.00.00.H34,true\n", 2, "cycle"},
		{"on_axis not a boolean", header + "000.00.09.H36,X,,department,province,,,,perhaps\n", 2, "on_axis"},
		{"unknown column", "code,name,colour\n000.00.09.H36,X,red\n", 1, "unknown column"},
		{"missing column", "code,name\n000.00.09.H36,X\n", 1, "required column"},
		{"ragged row", header + "000.00.09.H36,X\n", 2, "wrong number of fields"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := dbtest.SQLite(t)
			reg := newRegistry(t, d)
			mustImport(t, reg, base)
			before := reg.Index().Len()
			err := importErr(reg, tc.csv)
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("got %v, want invalid", err)
			}
			e := errs.As(err)
			text := e.Message
			lines := map[int]bool{}
			for _, f := range e.Fields {
				text += " | " + f.Field + ": " + f.Message
				lines[f.Line] = true
			}
			if !strings.Contains(text, tc.want) {
				t.Errorf("error %q does not mention %q", text, tc.want)
			}
			if !lines[tc.line] && !strings.Contains(e.Message, fmt.Sprintf("line %d", tc.line)) {
				t.Errorf("error does not point at line %d: %+v", tc.line, e)
			}
			if after := newRegistry(t, d).Index().Len(); after != before {
				t.Errorf("a failed import changed the registry: %d → %d agencies", before, after)
			}
		})
	}
}

func TestCreateUpdateAndPermissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := newRegistry(t, d)
		mustImport(t, reg, base)
		lamDongAdmin := &auth.Principal{Kind: auth.KindUser, ID: "ad.ld", Grants: []auth.Grant{{Role: auth.Admin, Agency: "000.00.00.H36"}}}
		clerk := &auth.Principal{Kind: auth.KindUser, ID: "vt", Grants: []auth.Grant{{Role: auth.Clerk, Agency: "000.00.00.H36"}}}
		newDept := agency.Agency{Code: "000.00.07.H36", Name: "Sở Tư pháp tỉnh Lâm Đồng", Kind: agency.Department, Level: agency.ProvinceLvl, OnAxis: true}
		if _, err := reg.Create(ctx, clerk, newDept); !errs.Is(err, errs.Forbidden) {
			t.Errorf("clerk created an agency: %v", err)
		}
		dakLak := newDept
		dakLak.Code = "000.00.07.H16"
		if _, err := reg.Create(ctx, lamDongAdmin, dakLak); !errs.Is(err, errs.Forbidden) {
			t.Errorf("Lâm Đồng's admin created an agency in Đắk Lắk: %v", err)
		}
		got, err := reg.Create(ctx, lamDongAdmin, newDept)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Create(ctx, lamDongAdmin, newDept); !errs.Is(err, errs.Conflict) {
			t.Errorf("duplicate create: %v, want conflict", err)
		}
		upd := *got
		upd.Name = "Sở Tư pháp tỉnh Lâm Đồng (mới)"
		if _, err := reg.Update(ctx, lamDongAdmin, upd); err != nil {
			t.Fatal(err)
		}
		stale := upd // still carries version 1
		stale.Name = "stale write"
		if _, err := reg.Update(ctx, lamDongAdmin, stale); !errs.Is(err, errs.Conflict) {
			t.Errorf("stale update: %v, want conflict", err)
		}
		missing := newDept
		missing.Code = "000.00.08.H36"
		if _, err := reg.Update(ctx, lamDongAdmin, missing); !errs.Is(err, errs.NotFound) {
			t.Errorf("update of a missing agency: %v, want not_found", err)
		}
		a, _ := reg.Get("000.00.07.H36")
		if a.Name != "Sở Tư pháp tỉnh Lâm Đồng (mới)" || a.Version != 2 {
			t.Errorf("after update: %+v", a)
		}
		hist, _ := reg.History(ctx, "000.00.07.H36")
		if len(hist) != 2 || hist[1].Actor != "user:ad.ld" || !strings.Contains(hist[1].Detail, "(mới)") {
			t.Errorf("history = %+v", hist)
		}
	})
}

func TestSearchIgnoresDiacriticsAndCase(t *testing.T) {
	reg := newRegistry(t, dbtest.SQLite(t))
	mustImport(t, reg, base)
	ix := reg.Index()
	for _, tc := range []struct {
		q    string
		want string // the first result
	}{
		{"dak lak", "000.00.00.H16"},
		{"ĐẮK LẮK", "000.00.00.H16"},
		{"lam dong", "000.00.00.H36"},
		{"noi vu lam dong", "000.00.02.H36"},
		{"buon ma thuot", "000.00.30.H16"},
		{"000.00.02", "000.00.02.H36"},
		{"dak nong", "000.00.00.H17"},
	} {
		got := ix.Search(agency.Query{Text: tc.q})
		if len(got) == 0 || got[0].Code != tc.want {
			t.Errorf("Search(%q) = %v, want %s first", tc.q, codesOf(got), tc.want)
		}
	}
	if got := ix.Search(agency.Query{Text: "noi vu"}); len(got) != 1 || got[0].Code != "000.00.02.H36" {
		t.Errorf("noi vu = %v", codesOf(got))
	}
	if got := ix.Search(agency.Query{Text: "dak", Active: true}); len(got) != 1 {
		t.Errorf("active-only search for dak = %v, want only Đắk Lắk (Đắk Nông and Buôn Ma Thuột are closed)", codesOf(got))
	}
	if got := ix.Search(agency.Query{Within: "000.00.00.H16"}); len(got) != 3 {
		t.Errorf("within H16 = %v", codesOf(got))
	}
	if got := ix.Search(agency.Query{Text: "ha noi"}); len(got) != 0 {
		t.Errorf("unexpected results %v", codesOf(got))
	}
}

func TestExportRoundTrip(t *testing.T) {
	reg := newRegistry(t, dbtest.SQLite(t))
	mustImport(t, reg, base)
	var b strings.Builder
	if err := agency.WriteCSV(&b, reg.Index().All()); err != nil {
		t.Fatal(err)
	}
	other := newRegistry(t, dbtest.SQLite(t))
	res := mustImport(t, other, b.String())
	if res.Created != 6 {
		t.Errorf("re-import of the export: %+v", res)
	}
	for _, a := range reg.Index().All() {
		b, _ := other.Index().Get(a.Code)
		if b == nil || a.Name != b.Name || a.Successor != b.Successor || a.OnAxis != b.OnAxis || a.EffectiveTo != b.EffectiveTo {
			t.Errorf("%s differs after export and import: %+v vs %+v", a.Code, a, b)
		}
	}
}

// TestImportErrorsPointAtTheCell checks line and column with the columns in another order and a
// quoted field spanning two lines.
func TestImportErrorsPointAtTheCell(t *testing.T) {
	reg := newRegistry(t, dbtest.SQLite(t))
	mustImport(t, reg, base)
	csv := "kind,level,code,name\n" +
		"department,province,000.00.08.H36,\"Sở Y tế\ntỉnh Lâm Đồng\"\n" +
		"agency,province,000.00.09.H36,Sở X\n"
	err := importErr(reg, csv)
	e := errs.As(err)
	if len(e.Fields) != 1 || e.Fields[0].Line != 4 || e.Fields[0].Column != 1 || e.Fields[0].Field != "kind" {
		t.Errorf("got %+v, want line 4, column 1 (kind)", e.Fields)
	}
}

package national_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lienthong/lienthong/internal/api"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog"
	"github.com/lienthong/lienthong/internal/catalog/catalogtest"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/national"
	"github.com/lienthong/lienthong/internal/web"
)

func newCatalog(t *testing.T, d *db.DB, n int) *catalog.Catalog {
	t.Helper()
	ctx := context.Background()
	c, err := catalog.New(ctx, d, catalogtest.Exists)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Import(ctx, auth.System, catalogtest.Procedures(n)); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPullCatalogue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		// The national node publishes 20 procedures; the province carries 25, 5 of them unknown nationally.
		rr := api.NewRouter(1 << 20)
		rr.Handle((&catalog.Handler{Catalog: newCatalog(t, d, 20)}).Routes()...)
		srv := httptest.NewServer(rr.Mux)
		defer srv.Close()
		local := newCatalog(t, dbtest.SQLite(t), 25)
		pull := &national.CataloguePull{Upstream: srv.URL, Local: local, Scope: "000.00.00.H36"}
		rep, err := pull.PullCatalogue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if rep.National != 20 || len(rep.NotNational) != 5 || rep.NotNational[0] != "1.100021" {
			t.Errorf("report: %+v", rep)
		}
		online, total, offline := national.OnlineShare(local.Index(), "000.00.00.H36")
		hub := national.New(d, national.Options{Catalog: local})
		if _, err := hub.IngestDossiers(context.Background(), lamDong, []national.DossierRecord{dossier("000.00.12.H36-260115-0041", "2", "20260115083000")}); err != nil {
			t.Fatal(err)
		}
		figs, err := hub.Figures(context.Background())
		if err != nil || len(figs) != 1 || figs[0].ServicesOnline != online || figs[0].ServicesTotal != total || figs[0].OnlineTarget != 0.3 ||
			figs[0].OnTarget != (float64(online) >= 0.3*float64(total)) {
			t.Errorf("figures: %+v %v", figs, err)
		}
		if total == 0 || online+len(offline) != total || rep.Online != online || rep.Total != total || rep.Reaching != (rep.Share >= 0.3) {
			t.Errorf("online %d of %d, report %+v", online, total, rep)
		}
	})
}

// The provincial outbox page shows the last catalogue pull beside the sync backlog.
func TestOutboxPageShowsCataloguePull(t *testing.T) {
	d := dbtest.SQLite(t)
	rr := api.NewRouter(1 << 20)
	rr.Handle((&catalog.Handler{Catalog: newCatalog(t, d, 20)}).Routes()...)
	srv := httptest.NewServer(rr.Mux)
	defer srv.Close()
	pull := &national.CataloguePull{Upstream: srv.URL, Local: newCatalog(t, dbtest.SQLite(t), 25), Scope: "000.00.00.H36"}
	if _, err := pull.PullCatalogue(context.Background()); err != nil {
		t.Fatal(err)
	}
	pages, err := web.NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	if err := national.RegisterPages(pages); err != nil {
		t.Fatal(err)
	}
	h := &national.Handler{National: national.New(d, national.Options{}), Outbox: national.NewOutbox(d, "http://127.0.0.1:1", "x", "y"),
		Pull: pull, Pages: pages}
	prr := api.NewRouter(1 << 20)
	prr.Handle(h.PageRoutes()...)
	viewer := &auth.Principal{Kind: auth.KindUser, ID: "ld", Grants: []auth.Grant{{Role: auth.Viewer, Agency: "000.00.00.H36"}}}
	req := httptest.NewRequest("GET", "/national/outbox", nil).WithContext(auth.WithPrincipal(context.Background(), viewer))
	w := httptest.NewRecorder()
	prr.Mux.ServeHTTP(w, req)
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "Danh mục thủ tục từ Cổng quốc gia") || !strings.Contains(body, "1.100021") {
		t.Fatalf("outbox page: %d\n%s", w.Code, body)
	}
}

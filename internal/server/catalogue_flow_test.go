package server_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/national"
)

// The national catalogue flows down: a provincial node with an empty catalogue pulls the national
// node's export over HTTP and imports it, and reports how many of its instances are online.
func TestCatalogueFlowsDown(t *testing.T) {
	ctx := context.Background()
	nat := newNode(t) // the demo registry and catalogue
	srv := httptest.NewServer(nat.Handler)
	t.Cleanup(srv.Close)
	empty := federationNode(t, nil)
	if err := demo.Load(ctx, empty.Registry, empty.Auth, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := empty.Catalog.Index().Get("2.000815"); ok {
		t.Fatal("the provincial node has the procedure before the pull")
	}
	pull := &national.CataloguePull{Upstream: srv.URL, Local: empty.Catalog, Scope: "000.00.00.H36", Import: true}
	rep, err := pull.PullCatalogue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := empty.Catalog.Index().Get("2.000815")
	if !ok || p.Name != "Chứng thực bản sao điện tử từ bản chính" {
		t.Fatalf("after the pull the provincial catalogue has 2.000815 = %+v, %v", p, ok)
	}
	if rep.National == 0 || rep.Imported == nil || rep.Total == 0 || rep.Share <= 0 {
		t.Errorf("pull report: %+v", rep)
	}
}

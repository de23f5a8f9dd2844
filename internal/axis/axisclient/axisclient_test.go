package axisclient_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis/axisclient"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/config"
	"github.com/lienthong/lienthong/internal/demo"
	"github.com/lienthong/lienthong/internal/server"
)

// node is a real node with the demo data behind an HTTP server, whose clock the test can move and
// which counts the tokens it issues.
type node struct {
	url    string
	skew   atomic.Int64 // added to the node's clock, in nanoseconds
	tokens atomic.Int64
	creds  auth.Credentials
}

func newNode(t *testing.T) *node {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	n, err := server.Open(ctx, cfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	if err := demo.Load(ctx, n.Registry, n.Auth, nil); err != nil {
		t.Fatal(err)
	}
	nd := &node{}
	n.DB.Now = func() time.Time { return time.Now().Add(time.Duration(nd.skew.Load())) }
	if nd.creds, err = n.Auth.CreateClient(ctx, auth.System, auth.NewClient{Name: "QLVB Lâm Đồng", Agency: "000.00.00.H36", Subtree: true}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			nd.tokens.Add(1)
		}
		n.Handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	nd.url = srv.URL
	return nd
}

func TestTokenRenewedWhenExpired(t *testing.T) {
	nd := newNode(t)
	ctx := t.Context()
	c := axisclient.New(nd.url, nd.creds.ClientID, nd.creds.ClientSecret, nil)
	if _, err := c.Agencies(ctx, axisclient.AgencyQuery{Within: "000.00.00.H36"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sent(ctx, "000.00.02.H36", 0); err != nil {
		t.Fatal(err)
	}
	if n := nd.tokens.Load(); n != 1 {
		t.Fatalf("%d token requests for two calls, want 1 (the token is kept)", n)
	}

	// The node's clock moves past the token's life: the client's next call is refused as
	// expired_token, and the client gets a new token and repeats the call, body included.
	nd.skew.Store(int64(time.Hour))
	pkg := axistest.Document(axistest.Doc{DocumentID: "000.00.02.H36,2026/11/20,1/SNV", From: "000.00.02.H36", To: []string{"000.00.02.H16"}})
	rc, err := c.Send(ctx, bytes.NewReader(pkg))
	if err != nil {
		t.Fatalf("Send after the token expired: %v", err)
	}
	if rc.Duplicate || len(rc.Recipients) != 1 {
		t.Errorf("receipt %+v", rc)
	}
	if n := nd.tokens.Load(); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}

	// A body that cannot be rewound is not resent: the caller sees the expiry.
	nd.skew.Store(int64(3 * time.Hour))
	_, err = c.Send(ctx, io.MultiReader(bytes.NewReader(pkg)))
	if e, ok := axisclient.IsAPIError(err); !ok || e.Reason != "expired_token" {
		t.Errorf("Send of a stream after expiry: %v, want expired_token", err)
	}
	// The next call renews the token again, and the resend is a duplicate of the first.
	rc2, err := c.Send(ctx, bytes.NewReader(pkg))
	if err != nil || !rc2.Duplicate || rc2.ID != rc.ID {
		t.Errorf("resend: %+v, %v; want a duplicate of %s", rc2, err, rc.ID)
	}
}

func TestErrors(t *testing.T) {
	nd := newNode(t)
	ctx := t.Context()
	bad := axisclient.New(nd.url, nd.creds.ClientID, "wrong", nil)
	_, err := bad.Agencies(ctx, axisclient.AgencyQuery{})
	e, ok := axisclient.IsAPIError(err)
	if !ok || e.Status != http.StatusUnauthorized || e.Reason != "invalid_client" {
		t.Fatalf("wrong secret: %v", err)
	}
	if want := "unknown client or wrong secret (HTTP 401, unauthorized/invalid_client)"; err.Error() != want {
		t.Errorf("wrong secret: %q, want %q", err.Error(), want)
	}

	c := axisclient.New(nd.url, nd.creds.ClientID, nd.creds.ClientSecret, nil)
	_, err = c.Send(ctx, strings.NewReader("<not-edxml/>"))
	if e, ok := axisclient.IsAPIError(err); !ok || e.Status != http.StatusBadRequest || e.Message == "" {
		t.Errorf("Send of bad XML: %v, want the node's 400", err)
	}
	_, err = c.Get(ctx, "missing", io.Discard)
	if e, ok := axisclient.IsAPIError(err); !ok || e.Status != http.StatusNotFound || !strings.Contains(e.Error(), "no package missing") {
		t.Errorf("Get of an unknown package: %v", err)
	}
}

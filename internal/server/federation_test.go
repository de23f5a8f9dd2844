package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/config"
	"github.com/lienthong/lienthong/internal/server"
)

// federationRegistry has an active commune in Lâm Đồng (served by the provincial node) and a
// department of Đắk Lắk (served by the national node).
const federationRegistry = `code,name,kind,level,on_axis
000.00.00.G22,Văn phòng Chính phủ,ministry,central,true
000.00.00.H36,Ủy ban nhân dân tỉnh Lâm Đồng,province_committee,province,true
000.00.30.H36,Ủy ban nhân dân thành phố Đà Lạt,district,district,true
000.01.30.H36,Ủy ban nhân dân phường 1,commune,commune,true
000.00.00.H16,Ủy ban nhân dân tỉnh Đắk Lắk,province_committee,province,true
000.00.02.H16,Sở Nội vụ tỉnh Đắk Lắk,department,province,true
`

func federationNode(t *testing.T, mutate func(*config.Config)) *server.Node {
	t.Helper()
	cfg := config.Default()
	cfg.Data = t.TempDir()
	cfg.LogLevel = "error"
	if mutate != nil {
		mutate(&cfg)
	}
	n, err := server.Open(context.Background(), cfg, "test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	rows, err := agency.ParseCSV(strings.NewReader(federationRegistry))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Registry.Import(context.Background(), auth.System, rows); err != nil {
		t.Fatal(err)
	}
	return n
}

// apiClient is a connected system talking to a node over HTTP.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func newAPIClient(t *testing.T, n *server.Node, base, agencyCode string, subtree bool) *apiClient {
	t.Helper()
	cr, err := n.Auth.CreateClient(context.Background(), auth.System, auth.NewClient{Name: "system of " + agencyCode, Agency: agencyCode, Subtree: subtree})
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cr.ClientID}, "client_secret": {cr.ClientSecret}}
	resp, err := http.PostForm(base+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok auth.Token
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v %+v", err, tok)
	}
	return &apiClient{t: t, base: base, token: tok.AccessToken}
}

func (c *apiClient) do(method, path, contentType string, body []byte, out any) int {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if bp, ok := out.(*[]byte); ok {
			*bp = b
		} else if err := json.Unmarshal(b, out); err != nil {
			c.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	if resp.StatusCode >= 300 {
		c.t.Logf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return resp.StatusCode
}

// waitInbox long-polls an agency's inbox until an item of the kind arrives.
func (c *apiClient) waitInbox(agencyCode, kind string) axis.InboxItem {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var page axis.InboxPage
		c.do("GET", "/api/v1/axis/edocs/received?wait=5s&agency="+agencyCode, "", nil, &page)
		for _, it := range page.Items {
			if it.Kind == kind {
				return it
			}
		}
	}
	c.t.Fatalf("no %s arrived in the inbox of %s", kind, agencyCode)
	return axis.InboxItem{}
}

// TestTwoAxisNodes runs a national and a provincial node on loopback: a commune of Lâm Đồng, served
// by the provincial node, sends a document to a department of Đắk Lắk, served by the national
// node; the department answers with a status packet that comes back down to the commune.
func TestTwoAxisNodes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	national := federationNode(t, nil)
	nsrv := httptest.NewServer(national.Handler)
	defer nsrv.Close()
	stopN := national.Start(ctx)
	defer stopN()
	// The provincial node is a machine client of the national axis, for the whole province.
	provCreds, err := national.Auth.CreateClient(ctx, auth.System, auth.NewClient{Name: "Trục liên thông tỉnh Lâm Đồng", Agency: "000.00.00.H36", Subtree: true})
	if err != nil {
		t.Fatal(err)
	}
	provincial := federationNode(t, func(c *config.Config) {
		c.AxisScope = "000.00.00.H36"
		c.AxisUpstream = nsrv.URL
		c.AxisUpstreamClientID = provCreds.ClientID
		c.AxisUpstreamClientSecret = provCreds.ClientSecret
	})
	psrv := httptest.NewServer(provincial.Handler)
	defer psrv.Close()
	stopP := provincial.Start(ctx)
	defer stopP()

	commune := newAPIClient(t, provincial, psrv.URL, "000.01.30.H36", false)
	dakLak := newAPIClient(t, national, nsrv.URL, "000.00.00.H16", true)

	docID := "000.01.30.H36,2026/11/26,12/UBND"
	pkg := axistest.Document(axistest.Doc{DocumentID: docID, From: "000.01.30.H36", To: []string{"000.00.02.H16"}, Attachment: []byte("nội dung")})
	var rc axis.Receipt
	if st := commune.do("POST", "/api/v1/axis/edocs", "application/xml", pkg, &rc); st != http.StatusCreated {
		t.Fatalf("send: %d", st)
	}

	// The department of Đắk Lắk finds it at the national node, byte for byte as sent.
	item := dakLak.waitInbox("000.00.02.H16", "document")
	if item.DocumentID != docID || item.From != "000.01.30.H36" {
		t.Fatalf("item %+v", item)
	}
	var got []byte
	dakLak.do("GET", "/api/v1/axis/edocs/"+item.ID, "", nil, &got)
	if sha256.Sum256(got) != sha256.Sum256(pkg) {
		t.Error("the package changed on its way through two nodes")
	}
	var info axis.Document
	dakLak.do("GET", "/api/v1/axis/edocs/"+item.ID+"/info", "", nil, &info)
	if info.ClientID == "" || len(info.Timeline) == 0 {
		t.Errorf("info %+v", info)
	}

	// It registers the document and reports status 03; the status comes down to the commune.
	status := axistest.Status("000.00.02.H16", docID, "03", "Đã vào sổ văn bản đến số 1234")
	if st := dakLak.do("POST", "/api/v1/axis/status", "application/xml", status, nil); st != http.StatusCreated {
		t.Fatalf("status: %d", st)
	}
	back := commune.waitInbox("000.01.30.H36", "status")
	if back.StatusCode != "03" || back.DocumentID != docID {
		t.Errorf("status item %+v", back)
	}
	// The commune's sent list on the provincial node shows the recipient's status.
	var sent []axis.SentItem
	commune.do("GET", "/api/v1/axis/edocs/sent?agency=000.01.30.H36", "", nil, &sent)
	if len(sent) == 0 || len(sent[0].Deliveries) != 1 || sent[0].Deliveries[0].StatusCode != "03" || sent[0].Deliveries[0].Transport != axis.TransportUpstream {
		t.Errorf("sent %+v", sent)
	}
	var mine axis.Document
	commune.do("GET", "/api/v1/axis/edocs/"+rc.ID+"/info", "", nil, &mine)
	var events []string
	for _, e := range mine.Timeline {
		events = append(events, e.Event+e.StatusCode)
	}
	if want := "sent,queued_upstream,forwarded,status03"; strings.Join(events, ",") != want {
		t.Errorf("timeline at the provincial node: %s, want %s", strings.Join(events, ","), want)
	}
}

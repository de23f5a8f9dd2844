package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/agency/agencytest"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/config"
	"github.com/lienthong/lienthong/internal/server"
	"github.com/lienthong/lienthong/internal/signature/signaturetest"
)

// BenchmarkSearchHTTP measures GET /api/v1/agencies?q=… over a registry of about 20,000 agencies
// through a real HTTP server on loopback, and reports the 50th and 99th percentile latencies.
func BenchmarkSearchHTTP(b *testing.B) {
	n := newNode(b)
	rows, err := agency.ParseCSV(strings.NewReader(agencytest.CSV(15, 19)))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := n.Registry.Import(context.Background(), auth.System, rows); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler)
	defer srv.Close()
	client := srv.Client()
	queries := []string{"dak lak", "so noi vu lam dong", "ubnd xa hoa tan", "000.00.05.H36", "thanh tra", "ea kon 7", "lam dong"}
	lat := make([]time.Duration, 0, b.N)
	b.ReportMetric(float64(n.Registry.Index().Len()), "agencies")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		resp, err := client.Get(srv.URL + "/api/v1/agencies?q=" + url.QueryEscape(queries[i%len(queries)]))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkAxisSendHTTP measures accepting 10 KB packages with one recipient through the HTTP API
// (parse, validate, durable group commit, inbox) with many concurrent senders on SQLite, and
// reports packages per second.
func BenchmarkAxisSendHTTP(b *testing.B) {
	n := benchAxisNode(b)
	srv := httptest.NewServer(n.Handler)
	defer srv.Close()
	token := benchToken(b, n, srv.URL, "000.00.00.H36")
	attachment := make([]byte, 7<<10)
	for i := range attachment {
		attachment[i] = byte('a' + i%26)
	}
	// The packages are built and signed (ECDSA P-256) before the clock starts: the benchmark
	// measures the server, which verifies every signature.
	_, signer := signaturetest.PKI(b, "Sở Nội vụ tỉnh Lâm Đồng", "UBND tỉnh Lâm Đồng")
	pkgs := make([][]byte, b.N)
	for i := range pkgs {
		pkgs[i] = signaturetest.SignEdXML(b, signer, axistest.Document(axistest.Doc{DocumentID: fmt.Sprintf("000.00.02.H36,2026/11/26,%d/SNV", i), From: "000.00.02.H36",
			To: []string{"000.00.02.H16"}, Attachment: attachment}))
	}
	b.ReportMetric(float64(len(pkgs[0])), "bytes/package")
	var seq atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			pkg := pkgs[seq.Add(1)-1]
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/axis/edocs", bytes.NewReader(pkg))
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Content-Type", "application/xml")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "packages/s")
}

func benchAxisNode(b *testing.B) *server.Node {
	b.Helper()
	cfg := config.Default()
	cfg.Data = b.TempDir()
	cfg.LogLevel = "error"
	n, err := server.Open(context.Background(), cfg, "bench")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { n.Close() })
	rows, _ := agency.ParseCSV(strings.NewReader(federationRegistry + "000.00.02.H36,Sở Nội vụ tỉnh Lâm Đồng,department,province,true\n"))
	if _, err := n.Registry.Import(context.Background(), auth.System, rows); err != nil {
		b.Fatal(err)
	}
	return n
}

func benchToken(b *testing.B, n *server.Node, base, agencyCode string) string {
	b.Helper()
	cr, err := n.Auth.CreateClient(context.Background(), auth.System, auth.NewClient{Name: "bench", Agency: agencyCode, Subtree: true})
	if err != nil {
		b.Fatal(err)
	}
	tok, err := n.Auth.IssueToken(context.Background(), cr.ClientID, cr.ClientSecret)
	if err != nil {
		b.Fatal(err)
	}
	return tok.AccessToken
}

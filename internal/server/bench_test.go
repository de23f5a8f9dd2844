package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/agency/agencytest"
	"github.com/lienthong/lienthong/internal/auth"
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

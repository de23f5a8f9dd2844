package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/catalog/catalogtest"
)

// TestProcedurePages checks the public catalogue pages on the demo data.
func TestProcedurePages(t *testing.T) {
	n := newNode(t)
	srv := httptest.NewServer(n.Handler)
	defer srv.Close()
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/procedures?q=chung+thuc+ban+sao", []string{"2.000815", "Chứng thực bản sao điện tử từ bản chính"}},
		{"/procedures/2.000815", []string{"2.000 đ", `type="checkbox"`, "2.000815.000.00.05.H36", "Sở Tư pháp tỉnh Lâm Đồng"}},
		{"/procedures/1.010720", []string{"6.500.000 đ"}},
		{"/api/v1/procedures?q=phieu+ly+lich+tu+phap", []string{`"2.000528"`}},
	} {
		resp, err := http.Get(srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s: %d", tc.path, resp.StatusCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(string(b), w) {
				t.Errorf("GET %s: no %q", tc.path, w)
			}
		}
	}
	resp, _ := http.Get(srv.URL + "/procedures/9.999999")
	if resp.StatusCode != 404 {
		t.Errorf("unknown procedure page: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

// BenchmarkCatalogSearchHTTP measures GET /api/v1/procedures?q=… over a catalogue of 7,000
// procedures through a real HTTP server on loopback, and reports the 50th and 99th percentile latencies.
func BenchmarkCatalogSearchHTTP(b *testing.B) {
	n := newNode(b)
	if _, err := n.Catalog.Import(context.Background(), auth.System, catalogtest.Procedures(7000)); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(n.Handler)
	defer srv.Close()
	client := srv.Client()
	queries := []string{"q=chung+thuc+ban+sao", "q=cap+giay+phep+xay+dung", "q=dang+ky", "q=1.1034", "q=giay&level=province&online=toan_trinh",
		"field=G13-DD", "q=tham+dinh+moi+truong", "agency=000.00.05.H36&limit=50"}
	lat := make([]time.Duration, 0, b.N)
	b.ReportMetric(float64(n.Catalog.Index().Len()), "procedures")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		resp, err := client.Get(srv.URL + "/api/v1/procedures?" + queries[i%len(queries)])
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

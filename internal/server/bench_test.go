package server_test

import (
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/agency/agencytest"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/config"
	"github.com/lienthong/lienthong/internal/db"
	"github.com/lienthong/lienthong/internal/db/dbtest"
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

// axisBench is a node on loopback that trusts a test CA, a client token, and signed packages.
type axisBench struct {
	srv   *httptest.Server
	token string
	pkgs  [][]byte
}

// newAxisBench starts a node on SQLite in the benchmark's temporary folder and builds and signs
// (ECDSA P-256, certificate from a CA in the node's trust store) count packages of about 10 KB with
// one recipient, before the clock starts: the benchmarks measure the server, which verifies every
// signature and its chain.
func newAxisBench(b *testing.B, count int) *axisBench {
	ca, signer := signaturetest.PKI(b, "Sở Nội vụ tỉnh Lâm Đồng", "UBND tỉnh Lâm Đồng")
	trust := filepath.Join(b.TempDir(), "trust.pem")
	if err := os.WriteFile(trust, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}), 0o600); err != nil {
		b.Fatal(err)
	}
	n := benchAxisNode(b, trust)
	srv := httptest.NewServer(n.Handler)
	b.Cleanup(srv.Close)
	ab := &axisBench{srv: srv, token: benchToken(b, n, srv.URL, "000.00.00.H36")}
	attachment := make([]byte, 7<<10)
	for i := range attachment {
		attachment[i] = byte('a' + i%26)
	}
	ab.pkgs = make([][]byte, count)
	for i := range ab.pkgs {
		ab.pkgs[i] = signaturetest.SignEdXML(b, signer, axistest.Document(axistest.Doc{DocumentID: fmt.Sprintf("000.00.02.H36,2026/11/26,%d/SNV", i), From: "000.00.02.H36",
			To: []string{"000.00.02.H16"}, Attachment: attachment}))
	}
	b.ReportMetric(float64(len(ab.pkgs[0])), "bytes/package")
	return ab
}

// send posts package i and checks that it was accepted as signed by a trusted signer.
func (ab *axisBench) send(client *http.Client, i int) error {
	req, _ := http.NewRequest("POST", ab.srv.URL+"/api/v1/axis/edocs", bytes.NewReader(ab.pkgs[i]))
	req.Header.Set("Authorization", "Bearer "+ab.token)
	req.Header.Set("Content-Type", "application/xml")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	if i == 0 && !bytes.Contains(body, []byte(`"trusted":true`)) {
		return fmt.Errorf("the signature was not reported trusted: %s", body)
	}
	return nil
}

// BenchmarkAxisSendHTTP measures accepting signed 10 KB packages with one recipient through the
// HTTP API (parse, validate, verify the signature and its chain, durable group commit, inbox) with
// 16 concurrent senders on SQLite, and reports packages per second. In the same run it measures the
// raw rate of durable single-row commits of 10 KB on the same disk (16 writers, one commit each),
// before and after, and reports the ratio of the two rates.
func BenchmarkAxisSendHTTP(b *testing.B) {
	ab := newAxisBench(b, b.N)
	before := singleCommitRate(b, time.Second)
	var seq atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := ab.send(client, int(seq.Add(1)-1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	rate := float64(b.N) / time.Since(start).Seconds()
	b.StopTimer()
	commits := (before + singleCommitRate(b, time.Second)) / 2
	b.ReportMetric(rate, "packages/s")
	b.ReportMetric(commits, "single-commits/s")
	b.ReportMetric(rate/commits, "ratio")
}

// BenchmarkAxisSendHTTPLatency sends b.N signed packages at a fixed rate (LIENTHONG_BENCH_RATE
// packages per second, default 2,500: half the throughput target), each when its time comes
// whatever the earlier ones are doing, and reports the latency percentiles measured from the time
// each was due, so that a server falling behind shows in the figures.
func BenchmarkAxisSendHTTPLatency(b *testing.B) {
	rate := 2500.0
	if v := os.Getenv("LIENTHONG_BENCH_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			b.Fatalf("LIENTHONG_BENCH_RATE=%q: want packages per second", v)
		}
		rate = r
	}
	ab := newAxisBench(b, b.N)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
		time.Sleep(time.Until(due))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := ab.send(client, i); err != nil {
				b.Error(err)
			}
			lat[i] = time.Since(due)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(rate, "offered/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "packages/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// singleCommitRate measures durable commits per second of one 10 KB row each, 16 writers, on a
// fresh SQLite database in the benchmark's temporary folder (the disk the node writes to).
func singleCommitRate(b *testing.B, d time.Duration) float64 {
	b.Helper()
	store := dbtest.SQLite(b)
	payload := string(make([]byte, 10<<10))
	ctx := context.Background()
	var n atomic.Int64
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	start := time.Now()
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				k := n.Add(1)
				if err := store.Tx(ctx, func(tx *db.Tx) error {
					_, err := tx.Exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", fmt.Sprint("bench-", k), payload)
					return err
				}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds()
}

func benchAxisNode(b *testing.B, trustStore string) *server.Node {
	b.Helper()
	cfg := config.Default()
	cfg.Data = b.TempDir()
	cfg.LogLevel = "error"
	cfg.TrustStore = trustStore
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

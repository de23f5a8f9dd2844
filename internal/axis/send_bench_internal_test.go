package axis

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/agency"
	"github.com/lienthong/lienthong/internal/auth"
	"github.com/lienthong/lienthong/internal/axis/axistest"
	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/signature"
	"github.com/lienthong/lienthong/internal/signature/signaturetest"
)

const benchRegistry = `code,name,kind,level,effective_from,effective_to,successor,on_axis
000.00.00.H36,Ủy ban nhân dân tỉnh Lâm Đồng,province_committee,province,2016-04-01,,,true
000.00.02.H36,Sở Nội vụ tỉnh Lâm Đồng,department,province,2016-04-01,,,true
000.00.00.H16,Ủy ban nhân dân tỉnh Đắk Lắk,province_committee,province,2016-04-01,,,true
000.00.02.H16,Sở Nội vụ tỉnh Đắk Lắk,department,province,2016-04-01,,,true
`

// benchSend builds a service on SQLite (durable commits in the benchmark's temporary folder) that
// verifies signatures against a test root, and n signed ~10 KB packages with one recipient, built
// before the clock starts, as BenchmarkAxisSendHTTP in internal/server does.
func benchSend(b *testing.B, n int) (*Service, *auth.Principal, [][]byte) {
	b.Helper()
	ctx := context.Background()
	d := dbtest.SQLite(b)
	reg, err := agency.NewRegistry(ctx, d)
	if err != nil {
		b.Fatal(err)
	}
	rows, err := agency.ParseCSV(strings.NewReader(benchRegistry))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := reg.Import(ctx, auth.System, rows); err != nil {
		b.Fatal(err)
	}
	blobs, err := blob.NewLocal(b.TempDir(), blob.LocalOptions{})
	if err != nil {
		b.Fatal(err)
	}
	root, signer := signaturetest.PKI(b, "Sở Nội vụ tỉnh Lâm Đồng", "UBND tỉnh Lâm Đồng")
	trust := signature.NewTrustStore()
	trust.AddCert(root)
	opt := DefaultOptions()
	opt.Verify = SignatureVerifier(trust)
	s := New(d, blobs, reg, opt)
	b.Cleanup(s.Close)
	attachment := make([]byte, 7<<10)
	for i := range attachment {
		attachment[i] = byte('a' + i%26)
	}
	pkgs := make([][]byte, n)
	for i := range pkgs {
		pkgs[i] = signaturetest.SignEdXML(b, signer, axistest.Document(axistest.Doc{DocumentID: fmt.Sprintf("000.00.02.H36,2026/11/26,%d/SNV", i),
			From: "000.00.02.H36", To: []string{"000.00.02.H16"}, Attachment: attachment}))
	}
	p := &auth.Principal{Kind: auth.KindClient, ID: "bench", Agency: "000.00.00.H36", Subtree: true}
	return s, p, pkgs
}

// BenchmarkSendInProcess is BenchmarkAxisSendHTTP without HTTP: 16 concurrent senders call Send
// (parse, validate, verify the signature, durable group commit). The "stages" run sends one
// package at a time and reports the time per package of each stage.
func BenchmarkSendInProcess(b *testing.B) {
	b.Run("parallel", func(b *testing.B) {
		s, p, pkgs := benchSend(b, b.N)
		ctx := context.Background()
		var seq atomic.Int64
		b.SetParallelism(16)
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				rc, err := s.Send(ctx, p, bytes.NewReader(pkgs[seq.Add(1)-1]))
				if err != nil || rc.Signature.State != "valid" {
					b.Errorf("%v %+v", err, rc)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "packages/s")
	})
	b.Run("stages", func(b *testing.B) {
		s, p, pkgs := benchSend(b, b.N)
		ctx := context.Background()
		var parse, verify, commit time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			pp, err := s.store(ctx, bytes.NewReader(pkgs[i]))
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if err := s.checkDocument(ctx, p, pp); err != nil || pp.sig.State != "valid" {
				b.Fatal(err, pp.sig)
			}
			t2 := time.Now()
			if _, err := s.commitDocument(ctx, p, pp); err != nil {
				b.Fatal(err)
			}
			t3 := time.Now()
			parse, verify, commit = parse+t1.Sub(t0), verify+t2.Sub(t1), commit+t3.Sub(t2)
		}
		n := float64(b.N)
		b.ReportMetric(float64(parse.Microseconds())/n, "parse-µs")
		b.ReportMetric(float64(verify.Microseconds())/n, "verify-µs")
		b.ReportMetric(float64(commit.Microseconds())/n, "commit-µs")
	})
}

// BenchmarkCommitDocument measures the group commit of already parsed and verified packages with
// 16 concurrent senders: the database's share of a send.
func BenchmarkCommitDocument(b *testing.B) {
	s, p, pkgs := benchSend(b, b.N)
	ctx := context.Background()
	parsed := make([]*parsed, b.N)
	for i, pkg := range pkgs {
		pp, err := s.store(ctx, bytes.NewReader(pkg))
		if err == nil {
			err = s.checkDocument(ctx, p, pp)
		}
		if err != nil {
			b.Fatal(err)
		}
		parsed[i] = pp
	}
	var seq atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.commitDocument(ctx, p, parsed[seq.Add(1)-1]); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "packages/s")
}

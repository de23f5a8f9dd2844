package axis_test

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/db/dbtest"
	"github.com/lienthong/lienthong/internal/edxml"
)

// rss returns the process's resident memory in bytes.
func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// TestLargePackageMemory sends a package with a 100 MB attachment, generated as it streams, and
// checks that resident memory grows by at most 64 MB while the axis accepts it.
func TestLargePackageMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large package test skipped in -short mode")
	}
	ctx := context.Background()
	f := setup(t, dbtest.SQLite(t))
	const size = 100 << 20
	p := &edxml.Package{}
	p.Header.From = edxml.Organization{OrganId: "000.00.02.H36"}
	p.Header.To = []edxml.Organization{{OrganId: "000.00.02.H16"}}
	p.Header.DocumentId = "000.00.02.H36,2026/11/26,100MB/SNV"
	p.Header.Code = edxml.Code{CodeNumber: "100", CodeNotation: "SNV"}
	p.Header.PromulgationInfo = edxml.PromulgationInfo{PromulgationDate: "2026/11/26"}
	p.Header.Subject = "Hồ sơ lưu trữ số hóa"
	meta := edxml.AttachmentMeta{ContentId: "cid:1", AttachmentName: "ho-so.zip", ContentType: "application/zip", Ref: "big"}
	p.Manifest = &edxml.Manifest{References: []edxml.Reference{{ContentId: "cid:1", AttachmentName: "ho-so.zip"}}}
	p.Attachments = []edxml.Attachment{{AttachmentMeta: meta}}
	pr, pw := io.Pipe()
	go func() {
		rng := rand.New(rand.NewPCG(1, 2))
		src := bufio.NewReaderSize(readerFunc(func(b []byte) (int, error) {
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			return len(b), nil
		}), 64<<10)
		pw.CloseWithError(edxml.Write(pw, p, func(edxml.AttachmentMeta) (io.ReadCloser, error) {
			return io.NopCloser(io.LimitReader(src, size)), nil
		}))
	}()
	runtime.GC()
	base := rss(t)
	var peak atomic.Int64
	peak.Store(base)
	done := make(chan struct{})
	go func() {
		for {
			if r := rss(t); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	rc, err := f.ax.Send(ctx, f.lamDong, pr)
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.ax.Get(ctx, f.lamDong, rc.ID)
	if err != nil || len(d.Attachments) != 1 || d.Attachments[0].Size != size {
		t.Fatalf("stored %+v %v", d, err)
	}
	growth := peak.Load() - base
	t.Logf("package %d bytes, resident memory %d MB before, peak growth %d MB", d.PackageSize, base>>20, growth>>20)
	if growth > 64<<20 {
		t.Errorf("resident memory grew by %d MB, want at most 64 MB", growth>>20)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

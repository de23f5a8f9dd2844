package signature

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// bigPackage returns a source of an edXML package whose first attachment holds size bytes of base64,
// generated as it is read: the test never holds the package in memory either.
func bigPackage(t testing.TB, size int64) func() (io.ReadCloser, error) {
	doc := string(readTestdata(t, "unsigned.edxml"))
	marker := `QCVN_102_2016">`
	i := strings.Index(doc, "<AttachmentEncoded>")
	i += strings.Index(doc[i:], marker) + len(marker)
	j := i + strings.Index(doc[i:], "</edXML:ContentTransferEncoded>")
	head, tail := doc[:i], doc[j:]
	line := []byte(strings.Repeat("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5", 2)[:76] + "\n")
	block := bytes.Repeat(line, (64<<10)/len(line))
	return func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		go func() {
			if _, err := io.WriteString(pw, head); err != nil {
				return
			}
			for n := int64(0); n < size; n += int64(len(block)) {
				if _, err := pw.Write(block); err != nil {
					return
				}
			}
			io.WriteString(pw, tail)
			pw.Close()
		}()
		return pr, nil
	}
}

// TestStreamingLargePackage signs and verifies a package with a 100 MB attachment, the signed output
// piped straight into Verify, and checks the heap never grows by 32 MB.
func TestStreamingLargePackage(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB package; skipped with -short")
	}
	p := getPKI(t)
	ts, _ := trustRoot(t, p)
	src := bigPackage(t, 100<<20)

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	})

	pr, pw := io.Pipe()
	signErr := make(chan error, 1)
	go func() {
		err := SignEnveloped(pw, src, p.rsa, EdXMLSignOptions())
		pw.CloseWithError(err)
		signErr <- err
	}()
	counted := &countingReader{r: pr}
	r, err := Verify(counted, ts, VerifyOptions{})
	close(stop)
	wg.Wait()
	if err := <-signErr; err != nil {
		t.Fatalf("SignEnveloped: %v", err)
	}
	if err != nil || !r.Valid || !r.Trusted {
		t.Fatalf("Verify: %v %+v", err, r)
	}
	if counted.n < 100<<20 {
		t.Fatalf("only %d bytes went through", counted.n)
	}
	growth := int64(peak.Load()) - int64(base.HeapAlloc)
	t.Logf("package %d MB, heap growth at most %.1f MB", counted.n>>20, float64(growth)/(1<<20))
	if growth > 32<<20 {
		t.Errorf("heap grew by %d MB while signing and verifying", growth>>20)
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lienthong/lienthong/internal/errs"
)

func mustLocal(tb testing.TB, opt LocalOptions) *Local {
	tb.Helper()
	s, err := NewLocal(tb.TempDir(), opt)
	if err != nil {
		tb.Fatalf("NewLocal: %v", err)
	}
	return s
}

func mustPut(tb testing.TB, s Store, content []byte) Ref {
	tb.Helper()
	ref, err := s.Put(context.Background(), bytes.NewReader(content))
	if err != nil {
		tb.Fatalf("Put: %v", err)
	}
	return ref
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// storedFiles lists the blob files (not the temp folder) under the store's root.
func storedFiles(tb testing.TB, s *Local) []string {
	tb.Helper()
	var out []string
	err := filepath.WalkDir(s.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p == s.tmp {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		tb.Fatalf("walk: %v", err)
	}
	return out
}

func assertNoTemp(tb testing.TB, s *Local) {
	tb.Helper()
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		tb.Fatal(err)
	}
	for _, e := range entries {
		tb.Errorf("leftover temporary file %s", e.Name())
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := mustLocal(t, LocalOptions{})
	content := []byte("Văn bản điện tử gửi qua trục liên thông")
	ref := mustPut(t, s, content)
	if want := (Ref{SHA256: sha(content), Size: int64(len(content))}); ref != want {
		t.Fatalf("Put = %+v, want %+v", ref, want)
	}
	rc, err := s.Open(ctx, ref.SHA256)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("Open read %q, %v; want %q", got, err, content)
	}
	if _, ok := rc.(io.ReadSeeker); !ok {
		t.Errorf("Open returned %T, want an io.ReadSeeker for range requests", rc)
	}
	if st, err := s.Stat(ctx, ref.SHA256); err != nil || st != ref {
		t.Errorf("Stat = %+v, %v; want %+v", st, err, ref)
	}
	if ok, err := s.Exists(ctx, ref.SHA256); !ok || err != nil {
		t.Errorf("Exists = %v, %v; want true", ok, err)
	}
	wantPath := filepath.Join(s.dir, ref.SHA256[:2], ref.SHA256[2:4], ref.SHA256)
	if files := storedFiles(t, s); len(files) != 1 || files[0] != wantPath {
		t.Errorf("stored files %v, want [%s]", files, wantPath)
	}

	missing := sha([]byte("not stored"))
	if ok, err := s.Exists(ctx, missing); ok || err != nil {
		t.Errorf("Exists(missing) = %v, %v; want false, nil", ok, err)
	}
	if _, err := s.Open(ctx, missing); !errs.Is(err, errs.NotFound) {
		t.Errorf("Open(missing) = %v, want not_found", err)
	}
	if _, err := s.Stat(ctx, missing); !errs.Is(err, errs.NotFound) {
		t.Errorf("Stat(missing) = %v, want not_found", err)
	}
	assertNoTemp(t, s)
}

func TestEmptyContent(t *testing.T) {
	s := mustLocal(t, LocalOptions{})
	ref := mustPut(t, s, nil)
	if ref.Size != 0 || ref.SHA256 != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("Put(empty) = %+v", ref)
	}
}

func TestDeduplicates(t *testing.T) {
	s := mustLocal(t, LocalOptions{})
	content := bytes.Repeat([]byte("hồ sơ "), 1000)
	a := mustPut(t, s, content)
	b := mustPut(t, s, content)
	if a != b {
		t.Fatalf("same content gave %+v and %+v", a, b)
	}
	mustPut(t, s, []byte("other"))
	if files := storedFiles(t, s); len(files) != 2 {
		t.Errorf("stored %d files for 2 distinct contents: %v", len(files), files)
	}
	assertNoTemp(t, s)
}

// generator yields n deterministic bytes without holding them, standing in for a large upload.
type generator struct {
	n, off int64
}

func (g *generator) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	if rest := g.n - g.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	for i := range p {
		x := uint64(g.off + int64(i))
		p[i] = byte(x ^ x>>8 ^ x>>16)
	}
	g.off += int64(len(p))
	return len(p), nil
}

func TestLargeStreamDoesNotBuffer(t *testing.T) {
	const size = 100 << 20
	h := sha256.New()
	if _, err := io.Copy(h, &generator{n: size}); err != nil {
		t.Fatal(err)
	}
	want := Ref{SHA256: hex.EncodeToString(h.Sum(nil)), Size: size}

	s := mustLocal(t, LocalOptions{})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ref, err := s.Put(context.Background(), &generator{n: size})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if ref != want {
		t.Fatalf("Put = %+v, want %+v", ref, want)
	}
	// TotalAlloc counts every byte allocated during Put, collected or not, so buffering the upload
	// anywhere would show up here even if the garbage collector had already freed it.
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("Put of %d MB allocated %d KB", size>>20, grew>>10)
	if grew > 16<<20 {
		t.Errorf("Put of %d MB allocated %d MB; it must stream", size>>20, grew>>20)
	}
	st, err := s.Stat(context.Background(), ref.SHA256)
	if err != nil || st.Size != size {
		t.Errorf("Stat = %+v, %v", st, err)
	}
}

func TestTooLarge(t *testing.T) {
	s := mustLocal(t, LocalOptions{MaxSize: 1000})
	_, err := s.Put(context.Background(), &generator{n: 1001})
	if !errs.Is(err, errs.TooLarge) {
		t.Fatalf("Put(1001 bytes, max 1000) = %v, want too_large", err)
	}
	if files := storedFiles(t, s); len(files) != 0 {
		t.Errorf("refused content left files %v", files)
	}
	assertNoTemp(t, s)
	// Exactly at the limit is accepted.
	if ref, err := s.Put(context.Background(), &generator{n: 1000}); err != nil || ref.Size != 1000 {
		t.Errorf("Put(1000 bytes, max 1000) = %+v, %v", ref, err)
	}
}

func TestBadSHARefused(t *testing.T) {
	ctx := context.Background()
	s := mustLocal(t, LocalOptions{})
	good := mustPut(t, s, []byte("x")).SHA256
	for _, bad := range []string{
		"",
		"../../../../etc/passwd",
		strings.ToUpper(good),
		good[:63],
		good + "0",
		"../" + good[3:],
		good[:2] + "/" + good[3:],
		strings.Repeat("g", 64),
	} {
		if _, err := s.Open(ctx, bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("Open(%q) = %v, want invalid", bad, err)
		}
		if _, err := s.Stat(ctx, bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("Stat(%q) = %v, want invalid", bad, err)
		}
		if ok, err := s.Exists(ctx, bad); ok || !errs.Is(err, errs.Invalid) {
			t.Errorf("Exists(%q) = %v, %v; want invalid", bad, ok, err)
		}
	}
}

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

func TestFailedPutLeavesNothing(t *testing.T) {
	s := mustLocal(t, LocalOptions{})
	if _, err := s.Put(context.Background(), &failingReader{n: 10000}); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Errorf("Put(failing reader) = %v, want the reader's error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Put(ctx, &generator{n: 1 << 20}); !errors.Is(err, context.Canceled) {
		t.Errorf("Put(cancelled) = %v, want context.Canceled", err)
	}
	if files := storedFiles(t, s); len(files) != 0 {
		t.Errorf("failed puts left files %v", files)
	}
	assertNoTemp(t, s)
}

func TestConcurrentPutsOfSameContent(t *testing.T) {
	s := mustLocal(t, LocalOptions{})
	content := bytes.Repeat([]byte("công văn "), 50000)
	const n = 16
	refs := make([]Ref, n)
	errList := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { refs[i], errList[i] = s.Put(context.Background(), bytes.NewReader(content)) })
	}
	wg.Wait()
	want := Ref{SHA256: sha(content), Size: int64(len(content))}
	for i := range n {
		if errList[i] != nil || refs[i] != want {
			t.Errorf("Put #%d = %+v, %v; want %+v", i, refs[i], errList[i], want)
		}
	}
	if files := storedFiles(t, s); len(files) != 1 {
		t.Errorf("stored %d files, want 1: %v", len(files), files)
	}
	assertNoTemp(t, s)
	rc, err := s.Open(context.Background(), want.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, _ := io.ReadAll(rc)
	if !bytes.Equal(got, content) {
		t.Error("content read back differs")
	}
}

func TestStaleTempRemovedOnOpen(t *testing.T) {
	dir := t.TempDir()
	if _, err := NewLocal(dir, LocalOptions{}); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir, "tmp", "put-stale")
	fresh := filepath.Join(dir, "tmp", "put-fresh")
	for _, p := range []string{stale, fresh} {
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-48 * time.Hour)
	if err := os.Chtimes(stale, old, old); err != nil {
		t.Fatal(err)
	}
	if _, err := NewLocal(dir, LocalOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale upload still there: %v", err)
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("fresh upload (maybe in progress elsewhere) was removed: %v", err)
	}
}

// BenchmarkPut1MB measures a durable 1 MB Put (hash, write, two fsyncs); each iteration stores new
// content so the deduplication shortcut is not what is measured.
func BenchmarkPut1MB(b *testing.B) {
	s := mustLocal(b, LocalOptions{})
	content := make([]byte, 1<<20)
	for i := range content {
		content[i] = byte(i * 7)
	}
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		i++
		binary.LittleEndian.PutUint64(content, i)
		if _, err := s.Put(context.Background(), bytes.NewReader(content)); err != nil {
			b.Fatal(err)
		}
	}
}

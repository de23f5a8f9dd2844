package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/lienthong/lienthong/internal/errs"
)

var _ Store = (*Local)(nil)

// LocalOptions tunes a Local store.
type LocalOptions struct {
	// MaxSize refuses content longer than this many bytes with an errs.TooLarge error; zero means
	// no limit. The limit is enforced while streaming, so an oversized upload never fills the disk.
	MaxSize int64
}

// Local stores blobs in a folder as <dir>/ab/cd/<sha256>, where ab and cd are the first two pairs
// of hex digits: two levels of 256 keep every directory small even with millions of files.
// Uploads stream into <dir>/tmp (the same file system, so the final rename is atomic).
type Local struct {
	dir     string
	tmp     string
	maxSize int64
	// durable remembers the shard directories whose own entries are known to be on disk, so that
	// the parent directories are fsynced once per directory rather than on every Put.
	durable sync.Map
}

// staleTemp is how old a leftover upload must be before NewLocal removes it. Uploads normally
// finish or clean up after themselves; leftovers are from a crash, and a day is far longer than
// any upload still in progress in another process sharing the folder.
const staleTemp = 24 * time.Hour

// NewLocal opens (creating if needed) a store in dir and removes uploads left over from a crash.
func NewLocal(dir string, opt LocalOptions) (*Local, error) {
	if opt.MaxSize < 0 {
		return nil, fmt.Errorf("blob.NewLocal: negative MaxSize %d", opt.MaxSize)
	}
	s := &Local{dir: dir, tmp: filepath.Join(dir, "tmp"), maxSize: opt.MaxSize}
	if err := os.MkdirAll(s.tmp, 0o750); err != nil {
		return nil, fmt.Errorf("blob.NewLocal(%s): %w", dir, err)
	}
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return nil, fmt.Errorf("blob.NewLocal(%s): %w", dir, err)
	}
	for _, e := range entries {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(s.tmp, e.Name()))
		}
	}
	return s, nil
}

// bufPool holds copy buffers: io.Copy would allocate a fresh one per Put because neither the hash
// nor the MultiWriter implements ReaderFrom.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// Put streams r to a temporary file while hashing it, fsyncs the file, renames it to its content
// address and fsyncs the directory before returning, so a returned Ref survives a power cut. The
// content is never held in memory as a whole.
func (s *Local) Put(ctx context.Context, r io.Reader) (Ref, error) {
	f, err := os.CreateTemp(s.tmp, "put-*")
	if err != nil {
		return Ref{}, fmt.Errorf("blob.Put: %w", err)
	}
	tmpName := f.Name()
	keep := false
	defer func() {
		if !keep {
			f.Close()
			os.Remove(tmpName)
		}
	}()

	src := r
	if s.maxSize > 0 {
		// One byte past the limit is enough to know the content is too large.
		src = io.LimitReader(r, s.maxSize+1)
	}
	h := sha256.New()
	bp := bufPool.Get().(*[]byte)
	n, err := io.CopyBuffer(io.MultiWriter(f, h), ctxReader{ctx: ctx, r: src}, *bp)
	bufPool.Put(bp)
	if err != nil {
		return Ref{}, fmt.Errorf("blob.Put: %w", err)
	}
	if s.maxSize > 0 && n > s.maxSize {
		return Ref{}, errs.Reasonf(errs.TooLarge, "blob_too_large", "the file is larger than the limit of %d bytes", s.maxSize)
	}
	// The data must be on disk before the rename makes it visible under its name; otherwise a crash
	// could leave a correctly named file with missing content.
	if err := f.Sync(); err != nil {
		return Ref{}, fmt.Errorf("blob.Put: sync: %w", err)
	}
	if err := f.Close(); err != nil {
		return Ref{}, fmt.Errorf("blob.Put: close: %w", err)
	}
	ref := Ref{SHA256: hex.EncodeToString(h.Sum(nil)), Size: n}
	dir, target := s.path(ref.SHA256)
	if err := s.ensureDir(dir); err != nil {
		return Ref{}, err
	}
	if info, err := os.Stat(target); err == nil && info.Size() == n {
		// Same hash, same size: the content is already there. (A size mismatch could only be a
		// damaged file, which the rename below repairs.)
		os.Remove(tmpName)
	} else {
		// Stored blobs are immutable; read-only permissions make accidental edits fail loudly.
		if err := os.Chmod(tmpName, 0o440); err != nil {
			return Ref{}, fmt.Errorf("blob.Put: %w", err)
		}
		if err := os.Rename(tmpName, target); err != nil {
			return Ref{}, fmt.Errorf("blob.Put: %w", err)
		}
	}
	keep = true
	// Sync the directory even when the file already existed: a concurrent Put of the same content
	// may have renamed it a moment ago without having synced the directory yet.
	if err := syncDir(dir); err != nil {
		return Ref{}, fmt.Errorf("blob.Put: %w", err)
	}
	return ref, nil
}

// Open returns the stored file; it is an *os.File, so it also implements io.ReadSeeker.
func (s *Local) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	if err := checkSHA(sha); err != nil {
		return nil, err
	}
	_, p := s.path(sha)
	f, err := os.Open(p)
	if err != nil {
		return nil, s.notFound("blob.Open", sha, err)
	}
	return f, nil
}

// Stat returns the Ref of stored content.
func (s *Local) Stat(ctx context.Context, sha string) (Ref, error) {
	if err := checkSHA(sha); err != nil {
		return Ref{}, err
	}
	_, p := s.path(sha)
	info, err := os.Stat(p)
	if err != nil {
		return Ref{}, s.notFound("blob.Stat", sha, err)
	}
	return Ref{SHA256: sha, Size: info.Size()}, nil
}

// Exists reports whether content is stored under sha.
func (s *Local) Exists(ctx context.Context, sha string) (bool, error) {
	_, err := s.Stat(ctx, sha)
	if errs.Is(err, errs.NotFound) {
		return false, nil
	}
	return err == nil, err
}

// path returns the shard directory and the file name for a valid digest.
func (s *Local) path(sha string) (dir, file string) {
	dir = filepath.Join(s.dir, sha[0:2], sha[2:4])
	return dir, filepath.Join(dir, sha)
}

func (s *Local) notFound(op, sha string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errs.Wrap(errs.NotFound, err, "no stored file %s", sha)
	}
	// Keep the store's folder out of the message; it goes to the log through the cause.
	return errs.Wrap(errs.Internal, fmt.Errorf("%s(%s): %w", op, sha, err), "file store error")
}

// ensureDir creates a shard directory and makes its entry and its parent's entry durable, so a
// crash cannot lose the directory that holds a file we already acknowledged.
func (s *Local) ensureDir(dir string) error {
	if _, ok := s.durable.Load(dir); ok {
		return nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("blob.Put: %w", err)
	}
	// dir is <root>/ab/cd: sync <root>/ab (holds cd) and <root> (holds ab). When another Put
	// created them a moment ago, syncing again costs little and closes the race.
	parent := filepath.Dir(dir)
	for _, d := range []string{parent, filepath.Dir(parent)} {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("blob.Put: %w", err)
		}
	}
	s.durable.Store(dir, true)
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// ctxReader stops a long copy when the request that feeds it is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Package blob is Liên Thông's content-addressed file store: attachments, signed PDFs and edXML
// packages are stored once under the SHA-256 of their bytes, so the same file received twice takes
// the space of one, and a reference can never point at changed content.
//
// The Store interface is deliberately small (put a stream, open, stat, test existence) so that the
// scaled shape can swap the Local folder for an S3-compatible bucket or for chunks in PostgreSQL
// without touching the capability packages. Every implementation must keep one promise: a Ref
// returned by Put means the bytes are durable, so a caller may commit a row that points at it.
//
// There is no Delete: with deduplication one blob may be referenced by many rows, so removal must
// be a garbage collection that marks what the database still references and sweeps the rest.
package blob

import (
	"context"
	"io"

	"github.com/lienthong/lienthong/internal/errs"
)

// Ref identifies stored content: the lowercase hex SHA-256 of the bytes and their length.
type Ref struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Store keeps immutable content under its SHA-256.
type Store interface {
	// Put streams r into the store and returns its Ref once the content is durable. Storing
	// content that is already present is not an error and returns the same Ref.
	Put(ctx context.Context, r io.Reader) (Ref, error)
	// Open returns the content stored under sha (an *errs.Error with code NotFound if absent).
	// Implementations return an io.ReadSeeker when they can, so HTTP handlers can serve ranges.
	Open(ctx context.Context, sha string) (io.ReadCloser, error)
	// Stat returns the Ref of stored content, or NotFound.
	Stat(ctx context.Context, sha string) (Ref, error)
	// Exists reports whether content is stored under sha.
	Exists(ctx context.Context, sha string) (bool, error)
}

// ValidSHA256 reports whether s is 64 lowercase hex digits, the only form a Ref uses. Checking
// this before building a file name or an object key rules out path traversal ("../") and
// case-variant duplicates.
func ValidSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// checkSHA returns an Invalid error for a malformed digest.
func checkSHA(sha string) error {
	if !ValidSHA256(sha) {
		return errs.Reasonf(errs.Invalid, "bad_sha256", "a blob reference is 64 lowercase hexadecimal digits")
	}
	return nil
}

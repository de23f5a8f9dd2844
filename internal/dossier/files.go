package dossier

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/lienthong/lienthong/internal/blob"
	"github.com/lienthong/lienthong/internal/errs"
)

// Upload is one file handed in with a dossier or a supplement.
type Upload struct {
	// Component is the index of the procedure's dossier component (thành phần hồ sơ) the file is
	// for, or -1 for a paper the list does not name.
	Component int
	Name      string
	Body      io.Reader
	// DocumentID, instead of Body, reuses a document from the applicant's data store.
	DocumentID int64
}

// fileKind is a file format recognised by its first bytes, never by its name.
type fileKind struct {
	name        string   // as in a component's file_types
	contentType string   // what we serve it as
	extensions  []string // names it may carry
	magic       []byte
}

var fileKinds = []fileKind{
	{"pdf", "application/pdf", []string{"pdf"}, []byte("%PDF-")},
	{"jpg", "image/jpeg", []string{"jpg", "jpeg"}, []byte{0xFF, 0xD8, 0xFF}},
	{"png", "image/png", []string{"png"}, []byte("\x89PNG\r\n\x1a\n")},
	// Office files are ZIP containers; the name's extension tells which.
	{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{"docx"}, []byte("PK\x03\x04")},
	{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{"xlsx"}, []byte("PK\x03\x04")},
}

// defaultFileTypes apply when a component does not list its own.
var defaultFileTypes = []string{"pdf", "jpg", "png"}

// sniff returns the kind of the content that starts with head and is named name, or an error that
// says what was expected.
func sniff(head []byte, name string, allowed []string) (fileKind, error) {
	if len(allowed) == 0 {
		allowed = defaultFileTypes
	}
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	if ext == "jpeg" {
		ext = "jpg"
	}
	for _, k := range fileKinds {
		if !bytes.HasPrefix(head, k.magic) {
			continue
		}
		nameFits := false
		for _, e := range k.extensions {
			if e == ext || (e == "jpeg" && ext == "jpg") {
				nameFits = true
			}
		}
		if !nameFits {
			continue // a ZIP named .xlsx is not a .docx
		}
		for _, a := range allowed {
			if a == k.name || (a == "jpeg" && k.name == "jpg") {
				return k, nil
			}
		}
		return fileKind{}, fmt.Errorf("%s is a %s file; this paper accepts %s", name, k.name, strings.Join(allowed, ", "))
	}
	return fileKind{}, fmt.Errorf("%s is not what its name says, or not a format this paper accepts (%s): the content was checked, not the name",
		name, strings.Join(allowed, ", "))
}

// limitedReader fails, instead of stopping quietly, once more than max bytes pass.
type limitedReader struct {
	r    io.Reader
	left int64
	name string
	max  int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, l.tooLarge()
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, l.tooLarge()
	}
	return n, err
}

func (l *limitedReader) tooLarge() error {
	limit := fmt.Sprintf("%d KB", l.max>>10)
	if l.max >= 1<<20 {
		limit = fmt.Sprintf("%d MB", l.max>>20)
	}
	return errs.Reasonf(errs.TooLarge, "file_too_large", "%s is larger than the limit of %s", l.name, limit)
}

// storeUpload checks an upload's format and size and streams it to the file store.
func storeUpload(ctx context.Context, store blob.Store, u Upload, allowed []string, max int64) (fileKind, blob.Ref, error) {
	br := bufio.NewReaderSize(&limitedReader{r: u.Body, left: max, name: u.Name, max: max}, 4096)
	head, err := br.Peek(16)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return fileKind{}, blob.Ref{}, err
	}
	if len(head) == 0 {
		return fileKind{}, blob.Ref{}, errs.Reasonf(errs.Invalid, "empty_file", "%s is empty", u.Name)
	}
	kind, err := sniff(head, u.Name, allowed)
	if err != nil {
		return fileKind{}, blob.Ref{}, errs.Reasonf(errs.Invalid, "bad_file_type", "%v", err)
	}
	ref, err := store.Put(ctx, br)
	if err != nil {
		return fileKind{}, blob.Ref{}, err
	}
	return kind, ref, nil
}

// cleanFileName keeps the last element of a client-supplied name, without control characters.
func cleanFileName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	if name == "." || name == "/" || name == "" {
		return "file"
	}
	if len(name) > 200 {
		name = name[:200]
	}
	return name
}

package office

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

// Upload is a file handed in with a document.
type Upload struct {
	Name string
	Body io.Reader
}

// format is a file format recognised by its first bytes, never by its name.
type format struct {
	name        string
	contentType string
	extensions  []string
	magic       []byte
}

var formats = []format{
	{"pdf", "application/pdf", []string{"pdf"}, []byte("%PDF-")},
	{"jpg", "image/jpeg", []string{"jpg", "jpeg"}, []byte{0xFF, 0xD8, 0xFF}},
	{"png", "image/png", []string{"png"}, []byte("\x89PNG\r\n\x1a\n")},
	{"tiff", "image/tiff", []string{"tif", "tiff"}, []byte("II*\x00")},
	{"tiff", "image/tiff", []string{"tif", "tiff"}, []byte("MM\x00*")},
	// Office files and archives are ZIP containers; the name's extension tells which.
	{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{"docx"}, []byte("PK\x03\x04")},
	{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{"xlsx"}, []byte("PK\x03\x04")},
	{"odt", "application/vnd.oasis.opendocument.text", []string{"odt"}, []byte("PK\x03\x04")},
	{"zip", "application/zip", []string{"zip"}, []byte("PK\x03\x04")},
}

// The formats each role accepts.
var (
	mainFormats       = []string{"pdf"}
	scanFormats       = []string{"pdf", "jpg", "png", "tiff"}
	attachmentFormats = []string{"pdf", "jpg", "png", "tiff", "docx", "xlsx", "odt", "zip"}
)

// sniff returns the format of content starting with head and named name, or an error saying what
// was expected.
func sniff(head []byte, name string, allowed []string) (format, error) {
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(name), "."))
	for _, f := range formats {
		if !bytes.HasPrefix(head, f.magic) {
			continue
		}
		// ZIP containers are told apart by their name; other formats need no name at all.
		if bytes.Equal(f.magic, []byte("PK\x03\x04")) {
			fits := false
			for _, e := range f.extensions {
				fits = fits || e == ext
			}
			if !fits {
				continue
			}
		}
		for _, a := range allowed {
			if a == f.name {
				return f, nil
			}
		}
		return format{}, fmt.Errorf("%s is a %s file; here only %s is accepted", name, f.name, strings.Join(allowed, ", "))
	}
	return format{}, fmt.Errorf("%s is not a %s file: the content was checked, not the name", name, strings.Join(allowed, ", "))
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
	return errs.Reasonf(errs.TooLarge, "file_too_large", "%s is larger than the limit of %d MB", l.name, l.max>>20)
}

// storeUpload checks an upload's format and size and streams it to the file store.
func storeUpload(ctx context.Context, store blob.Store, u Upload, role string, allowed []string, max int64, by string) (File, error) {
	name := cleanFileName(u.Name)
	if u.Body == nil {
		return File{}, errs.Reasonf(errs.Invalid, "empty_file", "%s has no content", name)
	}
	br := bufio.NewReaderSize(&limitedReader{r: u.Body, left: max, name: name, max: max}, 4096)
	head, err := br.Peek(16)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return File{}, err
	}
	if len(head) == 0 {
		return File{}, errs.Reasonf(errs.Invalid, "empty_file", "%s is empty", name)
	}
	f, err := sniff(head, name, allowed)
	if err != nil {
		reason := "bad_file_type"
		if role == RoleMain && len(allowed) == 1 && allowed[0] == "pdf" {
			reason = "not_pdf"
		}
		return File{}, errs.Reasonf(errs.Invalid, reason, "%v", err)
	}
	ref, err := store.Put(ctx, br)
	if err != nil {
		return File{}, err
	}
	return File{Role: role, Name: name, ContentType: f.contentType, SHA256: ref.SHA256, Size: ref.Size, AddedBy: by}, nil
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

package edxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// store is an in-memory attachment store: the Attachment callback of Read and the source of Write.
type store struct {
	blobs map[string][]byte
	metas []AttachmentMeta
}

func newStore() *store { return &store{blobs: map[string][]byte{}} }

func (s *store) put(a AttachmentMeta, r io.Reader) (string, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	ref := fmt.Sprintf("blob-%d", len(s.blobs))
	s.blobs[ref] = b
	s.metas = append(s.metas, a)
	return ref, nil
}

func (s *store) get(a AttachmentMeta) (io.ReadCloser, error) {
	b, ok := s.blobs[a.Ref]
	if !ok {
		return nil, fmt.Errorf("no blob %q", a.Ref)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func readFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// mustRead reads a testdata file, storing attachments in s (which may be nil).
func mustRead(tb testing.TB, name string, s *store) *Package {
	tb.Helper()
	return mustReadBytes(tb, readFile(tb, name), s)
}

func mustReadBytes(tb testing.TB, b []byte, s *store) *Package {
	tb.Helper()
	var opts ReadOptions
	if s != nil {
		opts.Attachment = s.put
	}
	p, err := Read(bytes.NewReader(b), opts)
	if err != nil {
		tb.Fatalf("Read: %v", err)
	}
	return p
}

func mustWrite(tb testing.TB, p *Package, s *store) []byte {
	tb.Helper()
	var buf bytes.Buffer
	var src func(AttachmentMeta) (io.ReadCloser, error)
	if s != nil {
		src = s.get
	}
	if err := Write(&buf, p, src); err != nil {
		tb.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

// syntaxCode returns the code of a *SyntaxError, or a description of a different error.
func syntaxCode(err error) string {
	var se *SyntaxError
	if errors.As(err, &se) {
		return se.Code
	}
	if err == nil {
		return "<nil>"
	}
	return "not a SyntaxError: " + err.Error()
}

// canonical returns the meaning of a raw element: its tokens with namespace-expanded names, read
// in the namespace scope it records. Two raw elements with the same canonical form mean the same.
func canonical(tb testing.TB, re RawElement) string {
	tb.Helper()
	var wrap strings.Builder
	wrap.WriteString("<wrap")
	keys := make([]string, 0, len(re.NS))
	for k := range re.NS {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "" {
			fmt.Fprintf(&wrap, " xmlns=%q", re.NS[k])
		} else {
			fmt.Fprintf(&wrap, " xmlns:%s=%q", k, re.NS[k])
		}
	}
	wrap.WriteString(">")
	d := xml.NewDecoder(io.MultiReader(strings.NewReader(wrap.String()), bytes.NewReader(re.XML), strings.NewReader("</wrap>")))
	var out strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			tb.Fatalf("raw element %q does not parse: %v", re.XML, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			fmt.Fprintf(&out, "<{%s}%s", t.Name.Space, t.Name.Local)
			var attrs []string
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Space == "" && a.Name.Local == "xmlns" {
					continue
				}
				attrs = append(attrs, fmt.Sprintf(" {%s}%s=%q", a.Name.Space, a.Name.Local, a.Value))
			}
			slices.Sort(attrs)
			out.WriteString(strings.Join(attrs, ""))
			out.WriteString(">")
		case xml.EndElement:
			fmt.Fprintf(&out, "</{%s}%s>", t.Name.Space, t.Name.Local)
		case xml.CharData:
			out.Write(t)
		}
	}
	return out.String()
}

// canonicalize replaces every RawElement in v (a pointer) by its canonical form, so that packages
// can be compared by meaning with reflect.DeepEqual.
func canonicalize(tb testing.TB, v reflect.Value) {
	tb.Helper()
	rawType := reflect.TypeFor[RawElement]()
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			canonicalize(tb, v.Elem())
		}
	case reflect.Struct:
		if v.Type() == rawType {
			re := v.Interface().(RawElement)
			v.Set(reflect.ValueOf(RawElement{XML: []byte(canonical(tb, re))}))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				canonicalize(tb, v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			canonicalize(tb, v.Index(i))
		}
	}
}

// diffPackages reports the first differences between two packages, field by field.
func diffPackages(a, b any) []string {
	var diffs []string
	var walk func(path string, x, y reflect.Value)
	walk = func(path string, x, y reflect.Value) {
		if len(diffs) > 10 {
			return
		}
		if x.Kind() != y.Kind() {
			diffs = append(diffs, path+": kinds differ")
			return
		}
		switch x.Kind() {
		case reflect.Pointer:
			if x.IsNil() || y.IsNil() {
				if x.IsNil() != y.IsNil() {
					diffs = append(diffs, fmt.Sprintf("%s: nil %v vs %v", path, x.IsNil(), y.IsNil()))
				}
				return
			}
			walk(path, x.Elem(), y.Elem())
		case reflect.Struct:
			for i := range x.NumField() {
				f := x.Type().Field(i)
				if !f.IsExported() {
					continue
				}
				walk(path+"."+f.Name, x.Field(i), y.Field(i))
			}
		case reflect.Slice:
			if x.Type().Elem().Kind() == reflect.Uint8 {
				if !bytes.Equal(x.Bytes(), y.Bytes()) {
					diffs = append(diffs, fmt.Sprintf("%s:\n  want %q\n  got  %q", path, x.Bytes(), y.Bytes()))
				}
				return
			}
			if x.Len() != y.Len() {
				diffs = append(diffs, fmt.Sprintf("%s: len %d vs %d", path, x.Len(), y.Len()))
				return
			}
			for i := range x.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), x.Index(i), y.Index(i))
			}
		default:
			if !reflect.DeepEqual(x.Interface(), y.Interface()) {
				diffs = append(diffs, fmt.Sprintf("%s: want %#v, got %#v", path, x.Interface(), y.Interface()))
			}
		}
	}
	walk("Package", reflect.ValueOf(a), reflect.ValueOf(b))
	return diffs
}

package edxml

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzRead feeds Read arbitrary input. Read must never panic and must return either a package or an
// error, never both; whatever it accepts, Validate and Write must handle, and Write's output must read
// back as a package of the same kind.
func FuzzRead(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.edxml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(doc("", attachment("<![CDATA[QUJD]]>&#10;<!--x-->"))))
	f.Add([]byte(doc("<MessageHeader><StatusCode>03</StatusCode></MessageHeader>", attachment("QQ=="))))
	f.Add([]byte(doc("<x:Unknown xmlns:x='u'><x:y a='1'/></x:Unknown><Signature/>", "")))
	f.Fuzz(func(t *testing.T, in []byte) {
		opts := ReadOptions{MaxTotalSize: 1 << 20, Attachment: func(a AttachmentMeta, r io.Reader) (string, error) {
			_, err := io.Copy(io.Discard, r)
			return a.ContentId, err
		}}
		p, err := Read(bytes.NewReader(in), opts)
		if (p == nil) == (err == nil) {
			t.Fatalf("Read() = %v, %v", p, err)
		}
		if err != nil {
			if se, ok := err.(*SyntaxError); ok && (se.Code == "" || se.Message == "") {
				t.Fatalf("SyntaxError without code or message: %#v", se)
			}
			return
		}
		_ = p.Validate()
		_ = p.DocumentKey()
		_, _ = p.BusinessType()
		_ = p.Status()
		var out bytes.Buffer
		err = Write(&out, p, func(a AttachmentMeta) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader("content")), nil
		})
		if err != nil {
			t.Fatalf("Write of a package Read accepted: %v", err)
		}
		q, err := Read(&out, ReadOptions{MaxTotalSize: 4 << 20})
		if err != nil {
			t.Fatalf("Read of Write's output: %v\ninput:\n%q\noutput:\n%s", err, in, out.Bytes())
		}
		if q.Kind() != p.Kind() {
			t.Fatalf("Kind %v became %v", p.Kind(), q.Kind())
		}
	})
}

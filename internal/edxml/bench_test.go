package edxml

import (
	"bytes"
	"encoding/xml"
	"io"
	"testing"
)

// benchPackage returns a ~10 KB document package: the two-attachment sample with more recipients.
func benchPackage(tb testing.TB) []byte {
	s := newStore()
	p := mustRead(tb, "new_two_attachments.edxml", s)
	for i := 0; ; i++ {
		out := mustWrite(tb, p, s)
		if len(out) >= 10<<10 {
			return out
		}
		p.Header.To = append(p.Header.To, Organization{OrganId: "000.00.00.H" + string(rune('0'+i%10)) + "1", OrganName: "Ủy ban nhân dân tỉnh thứ " + string(rune('A'+i)), Email: "vanthu@example.gov.vn"})
	}
}

func BenchmarkReadSmall(b *testing.B) {
	in := benchPackage(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	r := bytes.NewReader(in)
	for b.Loop() {
		r.Reset(in)
		if _, err := Read(r, ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadAttachment(b *testing.B) {
	const size = 8 << 20
	s := newStore()
	p := mustRead(b, "update.edxml", s)
	s.blobs[p.Attachments[0].Ref] = bytes.Repeat([]byte("0123456789abcdef"), size/16)
	in := mustWrite(b, p, s)
	b.SetBytes(size)
	b.ReportAllocs()
	r := bytes.NewReader(in)
	for b.Loop() {
		r.Reset(in)
		if _, err := Read(r, ReadOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteSmall(b *testing.B) {
	in := benchPackage(b)
	s := newStore()
	p := mustReadBytes(b, in, s)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Write(io.Discard, p, s.get); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBareDecoder is encoding/xml alone tokenising the same package, with nothing kept: the
// reader's own lexer replaced it, and this shows what that saved.
func BenchmarkBareDecoder(b *testing.B) {
	in := benchPackage(b)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		d := xml.NewDecoder(bytes.NewReader(in))
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

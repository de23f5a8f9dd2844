package edxml

import (
	"bytes"
	"encoding/xml"
	"io"
	"testing"
)

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

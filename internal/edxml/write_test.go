package edxml

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var roundTripFiles = []string{
	"new_two_attachments.edxml",
	"revoke.edxml",
	"update.edxml",
	"replace.edxml",
	"status_sdk_03.edxml",
	"status_wrapped_02.edxml",
	"unknown_elements.edxml",
	"prefixed.edxml",
	"sloppy.edxml",
	"missing_from.edxml",
}

// TestRoundTrip reads each sample, writes it and reads the result: the two packages must mean the
// same (unknown elements compared by their namespace-expanded content, since Write may have to
// re-declare a prefix on them), the attachments must be the same bytes, and a second round trip must
// give byte-identical output.
func TestRoundTrip(t *testing.T) {
	for _, name := range roundTripFiles {
		t.Run(name, func(t *testing.T) {
			s1 := newStore()
			p1 := mustRead(t, name, s1)
			out1 := mustWrite(t, p1, s1)

			s2 := newStore()
			p2 := mustReadBytes(t, out1, s2)
			if p1.Kind() != p2.Kind() {
				t.Errorf("Kind %v became %v", p1.Kind(), p2.Kind())
			}
			for i := range p1.Attachments {
				a1, a2 := p1.Attachments[i], p2.Attachments[i]
				if !bytes.Equal(s1.blobs[a1.Ref], s2.blobs[a2.Ref]) || a1.Size != a2.Size {
					t.Errorf("attachment %d content changed", i)
				}
			}
			// Written output is a fixed point.
			out2 := mustWrite(t, p2, s2)
			p3 := mustReadBytes(t, out2, newStore())
			if d := diffPackages(p2, p3); d != nil {
				t.Errorf("second round trip changed the package:\n%s", strings.Join(d, "\n"))
			}
			if problems(p1.Validate()) != nil && name != "sloppy.edxml" && name != "missing_from.edxml" {
				t.Errorf("Validate: %v", p1.Validate())
			}
			// Duplicates are resolved by the read, so they do not come back.
			noDup := func(ps []string) []string {
				return slices.DeleteFunc(ps, func(s string) bool { return strings.HasPrefix(s, CodeDuplicateElement) })
			}
			if got, want := noDup(problems(p2.Validate())), noDup(problems(p1.Validate())); !slices.Equal(got, want) {
				t.Errorf("Validate after the round trip = %v, want %v", got, want)
			}
			// canonicalize rewrites raw elements in place: compare last.
			for i := range p2.Attachments {
				p2.Attachments[i].Ref = p1.Attachments[i].Ref // refs are the stores', not the packages'
			}
			p2.StatusWrapped = p1.StatusWrapped // Write always emits the SDK shape
			canonicalize(t, reflect.ValueOf(p1))
			canonicalize(t, reflect.ValueOf(p2))
			if d := diffPackages(p1, p2); d != nil {
				t.Errorf("round trip changed the package:\n%s\nwritten:\n%s", strings.Join(d, "\n"), out1)
			}
			if !bytes.Equal(out1, out2) {
				t.Errorf("second write differs from the first")
			}
		})
	}
}

// TestRoundTripExact checks the samples whose raw elements need no new declarations: every field
// and raw byte is equal after read → write → read.
func TestRoundTripExact(t *testing.T) {
	for _, name := range []string{"new_two_attachments.edxml", "prefixed.edxml", "replace.edxml"} {
		s := newStore()
		p1 := mustRead(t, name, s)
		p2 := mustReadBytes(t, mustWrite(t, p1, s), s)
		for i := range p2.Attachments {
			p2.Attachments[i].Ref = p1.Attachments[i].Ref
		}
		if d := diffPackages(p1, p2); d != nil {
			t.Errorf("%s: %s", name, strings.Join(d, "\n"))
		}
	}
}

func TestWriteShape(t *testing.T) {
	s := newStore()
	p := mustRead(t, "unknown_elements.edxml", s)
	out := string(mustWrite(t, p, s))
	wantPrefix := `<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
`
	if !strings.HasPrefix(out, wantPrefix) {
		t.Errorf("output does not start with the SDK shape:\n%s", out[:min(len(out), 400)])
	}
	for _, want := range []string{
		"  </edXML:edXMLEnvelope>\n  <AttachmentEncoded>\n    <Attachment>\n      <ContentId>cid:bc-04</ContentId>",
		`<edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">`,
		`<edXML:edXMLManifest version="1.0">`,
		// A raw element whose prefix was declared on the document element gets its own declaration.
		`<vnd:InternalUnitCode xmlns:vnd="urn:example:vendor:1">LD-VP-01</vnd:InternalUnitCode>`,
		`<vnd:Tracking xmlns:vnd="urn:example:vendor:1" xmlns:t="urn:example:tracking"><t:Id>abc-123</t:Id>`,
		// Unknown elements go at the end of their parent.
		"<edXML:ProcessingDeadlineDays>10</edXML:ProcessingDeadlineDays>\n        <vnd:Tracking",
		"</vnd:Tracking>\n      </edXML:MessageHeader>",
		"<edXML:Appendix>Biểu số liệu</edXML:Appendix>\n            <edXML:AppendixNote>",
		"<vnd:Footer xmlns:vnd=\"urn:example:vendor:1\">end</vnd:Footer>\n</edXML>\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out, "<edXML:Code>\n        </edXML:Code>") || strings.Contains(out, "SignerInfo") {
		t.Errorf("empty elements written")
	}
}

func TestWriteEscapingAndRawNamespaces(t *testing.T) {
	p := &Package{
		Header: MessageHeader{
			From:    Organization{OrganId: "000.00.00.H34"},
			Subject: "A & B <C> \"D\" \r\n tab\t ctrl\x01 bad\xff",
			Extra: []RawElement{
				{XML: []byte(`<x>built in code</x>`)},
				{XML: []byte(`<Note>in no namespace</Note>`), NS: map[string]string{"": ""}},
			},
		},
		Manifest: &Manifest{Version: `1.0"x`},
	}
	out := mustWrite(t, p, nil)
	q := mustReadBytes(t, out, nil)
	if want := "A & B <C> \"D\" \r\n tab\t ctrl\uFFFD bad\uFFFD"; q.Header.Subject != want {
		t.Errorf("Subject = %q, want %q", q.Header.Subject, want)
	}
	if q.Manifest.Version != `1.0"x` {
		t.Errorf("version = %q", q.Manifest.Version)
	}
	if !bytes.Contains(out, []byte(`<x>built in code</x>`)) || !bytes.Contains(out, []byte(`<Note xmlns="">in no namespace</Note>`)) {
		t.Errorf("raw elements written wrongly:\n%s", out)
	}
	if got := q.Header.Extra[1].NS; len(got) != 0 {
		t.Errorf("re-read raw element still needs %v", got)
	}
}

func TestWriteAttachments(t *testing.T) {
	content := bytes.Repeat([]byte("Văn bản điện tử 0123456789\n"), 200)
	p := &Package{
		Header:      MessageHeader{From: Organization{OrganId: "000.00.00.H34"}},
		Manifest:    &Manifest{References: []Reference{{ContentId: "cid:1"}}},
		Attachments: []Attachment{{AttachmentMeta: AttachmentMeta{ContentId: "cid:1", AttachmentName: "a.txt", Ref: "k"}}},
	}
	var closed bool
	var buf bytes.Buffer
	err := Write(&buf, p, func(a AttachmentMeta) (io.ReadCloser, error) {
		if a.Ref != "k" || a.ContentId != "cid:1" {
			t.Errorf("callback got %+v", a)
		}
		return readCloser{bytes.NewReader(content), &closed}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !closed {
		t.Errorf("attachment reader not closed")
	}
	// Every base64 line is at most 76 characters.
	text := buf.String()
	open := `<edXML:ContentTransferEncoded xmlns:edXML="` + Namespace + `">`
	i := strings.Index(text, open) + len(open)
	j := strings.Index(text, "</edXML:ContentTransferEncoded>")
	lines := strings.Split(text[i:j], "\n")
	for k, l := range lines {
		if len(l) > 76 || k < len(lines)-1 && len(l) != 76 {
			t.Errorf("base64 line %d has %d characters", k, len(l))
		}
	}
	s := newStore()
	q := mustReadBytes(t, buf.Bytes(), s)
	if !bytes.Equal(s.blobs[q.Attachments[0].Ref], content) {
		t.Errorf("content changed")
	}

	// Errors of the source are returned wrapped; a missing source is an error.
	errGone := errors.New("blob gone")
	if err := Write(io.Discard, p, func(AttachmentMeta) (io.ReadCloser, error) { return nil, errGone }); !errors.Is(err, errGone) {
		t.Errorf("Write with failing source = %v", err)
	}
	if err := Write(io.Discard, p, nil); err == nil {
		t.Errorf("Write without a source: no error")
	}
}

type readCloser struct {
	io.Reader
	closed *bool
}

func (r readCloser) Close() error { *r.closed = true; return nil }

func TestWriteStatus(t *testing.T) {
	at := time.Date(2024, 3, 12, 3, 2, 45, 0, time.UTC)
	s := &Status{
		ResponseFor: ResponseFor{OrganId: "000.00.00.H34", Code: "1234/UBND-VP", PromulgationDate: "2024/03/12", DocumentId: "000.00.00.H34,2024/03/12,1234/UBND-VP"},
		From:        Organization{OrganId: "000.00.00.H21", OrganName: "UBND tỉnh Gia Lai"},
		StatusCode:  StatusAccepted,
		Description: "Đã tiếp nhận",
		Timestamp:   FormatTimestamp(at),
		StaffInfo:   StaffInfo{Staff: "Lê Văn Cường"},
	}
	var buf bytes.Buffer
	if err := WriteStatus(&buf, s); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	order := []string{"<edXML:MessageHeader>", "<edXML:From>", "<edXML:ResponseFor>", "<edXML:StaffInfo>", "<edXML:StatusCode>03<", "<edXML:Description>", "<edXML:Timestamp>2024/03/12 10:02:45<", "</edXML:MessageHeader>"}
	last := -1
	for _, o := range order {
		i := strings.Index(out, o)
		if i <= last {
			t.Errorf("%q missing or out of order in\n%s", o, out)
		}
		last = i
	}
	for _, absent := range []string{"MessageStatus", "edXMLBody", "AttachmentEncoded", "TraceHeaderList"} {
		if strings.Contains(out, absent) {
			t.Errorf("status packet has %s", absent)
		}
	}
	p := mustReadBytes(t, buf.Bytes(), nil)
	if p.Kind() != KindStatus {
		t.Fatalf("Kind() = %v", p.Kind())
	}
	if d := diffPackages(s, p.Status()); d != nil {
		t.Errorf("status changed:\n%s", strings.Join(d, "\n"))
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}

	// A wrapped status is written in the SDK shape.
	w := mustRead(t, "status_wrapped_02.edxml", nil)
	out = string(mustWrite(t, w, nil))
	if strings.Contains(out, "MessageStatus") || !strings.Contains(out, "<edXML:StatusCode>02</edXML:StatusCode>") {
		t.Errorf("wrapped status not rewritten in the SDK shape:\n%s", out)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n < len(p) {
		return 0, errors.New("pipe closed")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriteOutputError(t *testing.T) {
	s := newStore()
	p := mustRead(t, "new_two_attachments.edxml", s)
	for _, n := range []int{0, 3000} {
		if err := Write(&failWriter{n: n}, p, s.get); err == nil || !strings.Contains(err.Error(), "pipe closed") {
			t.Errorf("Write to a failing writer (%d bytes) = %v", n, err)
		}
	}
}

package edxml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestReadNewDocument(t *testing.T) {
	raw := readFile(t, "new_two_attachments.edxml")
	s := newStore()
	p := mustReadBytes(t, raw, s)

	if got := p.Kind(); got != KindDocument {
		t.Errorf("Kind() = %v, want document", got)
	}
	if got, want := p.DocumentKey(), "000.00.00.H34,2024/03/12,1234/UBND-VP"; got != want {
		t.Errorf("DocumentKey() = %q, want %q", got, want)
	}
	if bt, err := p.BusinessType(); err != nil || bt != BusinessNew {
		t.Errorf("BusinessType() = %v, %v; want new", bt, err)
	}
	h := p.Header
	checks := []struct{ name, got, want string }{
		{"From.OrganId", h.From.OrganId, "000.00.00.H34"},
		{"From.OrganizationInCharge", h.From.OrganizationInCharge, "Ủy ban nhân dân tỉnh Kon Tum"},
		{"From.Website", h.From.Website, "kontum.gov.vn"},
		{"To[1].Email", h.To[1].Email, "vpubnd@daklak.gov.vn"},
		{"Code.CodeNumber", h.Code.CodeNumber, "1234"},
		{"Code.CodeNotation", h.Code.CodeNotation, "UBND-VP"},
		{"PromulgationInfo.PromulgationDate", h.PromulgationInfo.PromulgationDate, "2024/03/12"},
		{"DocumentType.TypeName", h.DocumentType.TypeName, "Công văn"},
		{"Subject", h.Subject, "V/v triển khai trục liên thông văn bản & báo cáo quý I"},
		{"Content", h.Content, "Đề nghị các đơn vị <khẩn trương> triển khai.\nDòng thứ hai của nội dung."},
		{"SignerInfo.Competence", h.SignerInfo.Competence, "KT. CHỦ TỊCH"},
		{"DueDate", h.DueDate, "2024/03/29"},
		{"OtherInfo.Priority", h.OtherInfo.Priority, "1"},
		{"OtherInfo.TyperNotation", h.OtherInfo.TyperNotation, "TVH"},
		{"OtherInfo.Direction", h.OtherInfo.Direction, "false"},
		{"OtherInfo.Appendixes[1]", h.OtherInfo.Appendixes[1], "Phụ lục II: Biểu mẫu báo cáo"},
		{"SteeringType", h.SteeringType, "0"},
		{"ToPlaces[1]", h.ToPlaces[1], "Lưu: VT, HCTC"},
		{"Trace.TraceHeader[0].Timestamp", p.Trace.TraceHeader[0].Timestamp, "2024/03/12 09:15:00"},
		{"Bussiness.BussinessDocReason", p.Trace.Bussiness.BussinessDocReason, "Văn bản điện tử mới"},
		{"Bussiness.StaffInfo.Mobile", p.Trace.Bussiness.StaffInfo.Mobile, "0912000111"},
		{"Manifest.Version", p.Manifest.Version, "1.0"},
		{"Manifest.References[1].AttachmentName", p.Manifest.References[1].AttachmentName, "phu-luc.docx"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if len(h.To) != 2 {
		t.Errorf("len(To) = %d, want 2", len(h.To))
	}

	// The Signature is kept byte for byte.
	start := bytes.Index(raw, []byte("<Signature>"))
	end := bytes.Index(raw, []byte("</Signature>")) + len("</Signature>")
	if p.Signature == nil {
		t.Fatal("Signature not kept")
	}
	if !bytes.Equal(p.Signature.XML, raw[start:end]) {
		t.Errorf("Signature bytes differ from the input:\n%s", p.Signature.XML)
	}
	if got := p.Signature.NS[""]; got != Namespace {
		t.Errorf("Signature NS[\"\"] = %q, want the edXML namespace it inherits", got)
	}

	// Attachments: metadata, references, sizes, decoded contents, and what the callback saw.
	if len(p.Attachments) != 2 {
		t.Fatalf("len(Attachments) = %d, want 2", len(p.Attachments))
	}
	for i, a := range p.Attachments {
		blob := s.blobs[a.Ref]
		if blob == nil {
			t.Errorf("attachment %d: ref %q not stored", i, a.Ref)
			continue
		}
		if a.Size != int64(len(blob)) {
			t.Errorf("attachment %d: Size = %d, stored %d bytes", i, a.Size, len(blob))
		}
		if !bytes.HasPrefix(blob, []byte("PK\x03\x04")) {
			t.Errorf("attachment %d: decoded content is not the ZIP it encodes: % x", i, blob[:min(8, len(blob))])
		}
		if m := s.metas[i]; m.ContentId != a.ContentId || m.AttachmentName != a.AttachmentName || m.ContentType != "application/zip" || m.Ref != "" {
			t.Errorf("attachment %d: callback saw %+v", i, m)
		}
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func TestReadWithoutCallbackKeepsSizes(t *testing.T) {
	s := newStore()
	withStore := mustRead(t, "new_two_attachments.edxml", s)
	p := mustRead(t, "new_two_attachments.edxml", nil)
	for i, a := range p.Attachments {
		if a.Ref != "" || a.Size != withStore.Attachments[i].Size || a.Size == 0 {
			t.Errorf("attachment %d: Ref %q Size %d, want no ref and size %d", i, a.Ref, a.Size, withStore.Attachments[i].Size)
		}
	}
}

func TestReadBusinessPackages(t *testing.T) {
	tests := []struct {
		file string
		want BusinessType
		name string
	}{
		{"new_two_attachments.edxml", BusinessNew, "new"},
		{"revoke.edxml", BusinessRevoke, "revoke"},
		{"update.edxml", BusinessUpdate, "update"},
		{"replace.edxml", BusinessReplace, "replace"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := mustRead(t, tt.file, newStore())
			got, err := p.BusinessType()
			if err != nil || got != tt.want || got.String() != tt.name {
				t.Errorf("BusinessType() = %v (%v), want %v", got, err, tt.want)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}

	up := mustRead(t, "update.edxml", nil)
	bi := up.Trace.Bussiness.BussinessDocumentInfo
	if bi == nil || bi.DocumentReceiver != "1" || len(bi.ReceiverList) != 2 || bi.ReceiverList[0].OrganId != "000.00.00.H36" || bi.ReceiverList[0].ReceiverType != "1" {
		t.Errorf("update BussinessDocumentInfo = %+v", bi)
	}
	rep := mustRead(t, "replace.edxml", nil)
	ril := rep.Trace.Bussiness.ReplacementInfoList
	if len(ril) != 1 || ril[0].DocumentId != "000.00.00.H34,2024/03/12,1234/UBND-VP" || strings.Join(ril[0].OrganIdList, " ") != "000.00.00.H21 000.00.00.H16" {
		t.Errorf("replace ReplacementInfoList = %+v", ril)
	}
	if rf := rep.Header.ResponseFor; len(rf) != 1 || rf[0].Code != "88/UBND-TH" {
		t.Errorf("replace ResponseFor = %+v", rf)
	}
	rv := mustRead(t, "revoke.edxml", nil)
	if rv.Manifest == nil || len(rv.Manifest.References) != 0 || len(rv.Attachments) != 0 {
		t.Errorf("revoke: manifest %+v, %d attachments; want an empty manifest", rv.Manifest, len(rv.Attachments))
	}
}

func TestReadStatus(t *testing.T) {
	tests := []struct {
		file    string
		wrapped bool
		want    Status
	}{
		{"status_sdk_03.edxml", false, Status{
			ResponseFor: ResponseFor{OrganId: "000.00.00.H34", Code: "1234/UBND-VP", PromulgationDate: "2024/03/12", DocumentId: "000.00.00.H34,2024/03/12,1234/UBND-VP"},
			From:        Organization{OrganId: "000.00.00.H21", OrganName: "UBND tỉnh Gia Lai", Email: "vanthu@gialai.gov.vn"},
			StatusCode:  StatusAccepted,
			Description: "Đã tiếp nhận, vào sổ văn bản đến số 567",
			Timestamp:   "2024/03/12 10:02:45",
			StaffInfo:   StaffInfo{Department: "Văn thư", Staff: "Lê Văn Cường", Email: "cuong@gialai.gov.vn", Mobile: "0905111222"},
		}},
		{"status_wrapped_02.edxml", true, Status{
			ResponseFor: ResponseFor{OrganId: "000.00.00.H34", Code: "1234/UBND-VP", PromulgationDate: "2024/03/12", DocumentId: "000.00.00.H34,2024/03/12,1234/UBND-VP"},
			From:        Organization{OrganId: "000.00.00.H16", OrganName: "UBND tỉnh Đắk Lắk"},
			StatusCode:  StatusRejected,
			Description: "Từ chối: văn bản không thuộc thẩm quyền xử lý",
			Timestamp:   "2024/03/12 11:20:00",
			StaffInfo:   StaffInfo{Department: "Văn thư", Staff: "Phạm Thị Dung"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := mustRead(t, tt.file, nil)
			if p.Kind() != KindStatus {
				t.Fatalf("Kind() = %v, want status", p.Kind())
			}
			if p.StatusWrapped != tt.wrapped {
				t.Errorf("StatusWrapped = %v, want %v", p.StatusWrapped, tt.wrapped)
			}
			if d := diffPackages(&tt.want, p.Status()); d != nil {
				t.Errorf("Status() differs:\n%s", strings.Join(d, "\n"))
			}
			if got, want := p.DocumentKey(), tt.want.ResponseFor.DocumentId; got != want {
				t.Errorf("DocumentKey() = %q, want %q", got, want)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("Validate() = %v", err)
			}
		})
	}
	if p := mustRead(t, "new_two_attachments.edxml", nil); p.Status() != nil {
		t.Errorf("Status() of a document = %+v, want nil", p.Status())
	}
}

func TestReadPrefixedForm(t *testing.T) {
	p := mustRead(t, "prefixed.edxml", newStore())
	unprefixed := mustRead(t, "new_two_attachments.edxml", nil)
	if p.Header.From.OrganId != "000.00.00.H16" || p.Header.Code.CodeNumber != "77" || unprefixed.Header.Code.CodeNumber != "1234" {
		t.Errorf("prefixed header not read: %+v", p.Header)
	}
	if p.Signature == nil || !bytes.HasPrefix(p.Signature.XML, []byte(`<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">`)) {
		t.Errorf("XML-DSig Signature not kept: %+v", p.Signature)
	}
	if len(p.Header.Extra) != 1 || !bytes.Contains(p.Header.Extra[0].XML, []byte("prefixed unknown")) {
		t.Errorf("unknown prefixed element not kept: %+v", p.Header.Extra)
	}
	// The content is split over a CDATA section, character references to CR LF, a comment and a
	// line break; it still decodes.
	s := newStore()
	p = mustRead(t, "prefixed.edxml", s)
	if got := string(s.blobs[p.Attachments[0].Ref]); got != "Quảng Nam" {
		t.Errorf("attachment content = %q, want %q", got, "Quảng Nam")
	}
}

func TestReadUnknownElements(t *testing.T) {
	p := mustRead(t, "unknown_elements.edxml", newStore())
	has := func(where string, res []RawElement, substr string) {
		t.Helper()
		for _, re := range res {
			if bytes.Contains(re.XML, []byte(substr)) {
				return
			}
		}
		t.Errorf("%s: no unknown element containing %q in %d kept", where, substr, len(res))
	}
	has("From", p.Header.From.Extra, `<vnd:InternalUnitCode>LD-VP-01</vnd:InternalUnitCode>`)
	has("OtherInfo", p.Header.OtherInfo.Extra, `<edXML:SecurityLevel level="0">Thường</edXML:SecurityLevel>`)
	has("Appendixes", p.Header.OtherInfo.AppendixesExtra, `AppendixNote`)
	has("MessageHeader", p.Header.Extra, `ProcessingDeadlineDays`)
	has("MessageHeader", p.Header.Extra, `<vnd:Tracking xmlns:t="urn:example:tracking"><t:Id>abc-123</t:Id><vnd:Step n="1"/></vnd:Tracking>`)
	has("TraceHeader", p.Trace.TraceHeader[0].Extra, `Via`)
	has("Bussiness", p.Trace.Bussiness.Extra, `vnd:Workflow`)
	has("TraceHeaderList", p.Trace.Extra, `<HopCount>1</HopCount>`)
	has("edXMLHeader", p.HeaderExtra, `RoutingHint`)
	has("Reference", p.Manifest.References[0].Extra, `Checksum`)
	has("edXMLEnvelope", p.EnvelopeExtra, `EnvelopeNote`)
	has("Attachment", p.Attachments[0].Extra, `<vnd:Scan pages="2"/>`)
	has("edXML", p.RootExtra, `<vnd:Footer>end</vnd:Footer>`)

	if got := p.Header.From.Extra[0].NS; len(got) != 1 || got["vnd"] != "urn:example:vendor:1" {
		t.Errorf("From extra NS = %v, want vnd bound to the vendor namespace", got)
	}
	if got := p.Trace.Extra[0].NS; len(got) != 1 || got[""] != Namespace {
		t.Errorf("HopCount NS = %v, want the default namespace recorded", got)
	}
	if err := p.Validate(); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}

func TestReadLenientShapes(t *testing.T) {
	// edXMLEnvelope as the document element, with AttachmentEncoded inside it; a BOM; ASCII declared.
	in := "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"us-ascii\"?>\n" +
		`<edXMLEnvelope xmlns="` + Namespace + `"><edXMLHeader><MessageHeader><Subject>x</Subject></MessageHeader></edXMLHeader>` +
		`<AttachmentEncoded><Attachment><ContentId>c</ContentId><ContentTransferEncoded>QUJD</ContentTransferEncoded></Attachment></AttachmentEncoded></edXMLEnvelope>`
	s := newStore()
	p, err := Read(strings.NewReader(in), ReadOptions{Attachment: s.put})
	if err != nil {
		t.Fatal(err)
	}
	if p.Header.Subject != "x" || len(p.Attachments) != 1 || string(s.blobs[p.Attachments[0].Ref]) != "ABC" {
		t.Errorf("got %+v", p)
	}
}

func TestReadCallbackBehaviour(t *testing.T) {
	raw := readFile(t, "new_two_attachments.edxml")

	// A callback that reads only part of the content: Read drains the rest and records the full size.
	full := mustRead(t, "new_two_attachments.edxml", nil)
	p, err := Read(bytes.NewReader(raw), ReadOptions{Attachment: func(a AttachmentMeta, r io.Reader) (string, error) {
		_, err := io.ReadFull(r, make([]byte, 5))
		return "partial", err
	}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Attachments[0].Size != full.Attachments[0].Size || p.Attachments[0].Ref != "partial" {
		t.Errorf("partial read: %+v, want size %d", p.Attachments[0].AttachmentMeta, full.Attachments[0].Size)
	}

	// A callback error is returned wrapped.
	errFull := errors.New("disk full")
	_, err = Read(bytes.NewReader(raw), ReadOptions{Attachment: func(AttachmentMeta, io.Reader) (string, error) { return "", errFull }})
	if !errors.Is(err, errFull) {
		t.Errorf("callback error: Read returned %v, want it to wrap %v", err, errFull)
	}

	// Bad base64 wins over the callback's own error.
	_, err = Read(bytes.NewReader(readFile(t, "bad_base64.edxml")), ReadOptions{Attachment: func(a AttachmentMeta, r io.Reader) (string, error) {
		_, err := io.ReadAll(r)
		return "", fmt.Errorf("store: %w", err)
	}})
	if syntaxCode(err) != CodeBadBase64 {
		t.Errorf("bad base64 through a callback: %v", err)
	}
}

type failingReader struct {
	r   io.Reader
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, f.err
	}
	if len(p) > f.n {
		p = p[:f.n]
	}
	n, err := f.r.Read(p)
	f.n -= n
	return n, err
}

func TestReadInputError(t *testing.T) {
	errNet := errors.New("connection reset")
	raw := readFile(t, "new_two_attachments.edxml")
	for _, cut := range []int{0, 100, 5000, len(raw) - 500} {
		_, err := Read(&failingReader{r: bytes.NewReader(raw), n: cut, err: errNet}, ReadOptions{})
		if !errors.Is(err, errNet) {
			t.Errorf("input failing after %d bytes: Read returned %v, want it to wrap the input's error", cut, err)
		}
	}
}

package edxml

import (
	"bytes"
	"strings"
	"testing"
)

// doc wraps header XML (unprefixed, in the edXML namespace) and attachment XML in a package.
func doc(header, attachments string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="` + Namespace + `">
<edXMLEnvelope><edXMLHeader>` + header + `</edXMLHeader></edXMLEnvelope>
<AttachmentEncoded>` + attachments + `</AttachmentEncoded>
</edXML>`
}

func attachment(content string) string {
	return `<Attachment><ContentId>cid:1</ContentId><ContentTransferEncoded>` + content + `</ContentTransferEncoded></Attachment>`
}

func TestSyntaxErrors(t *testing.T) {
	deep := doc("<MessageHeader>"+strings.Repeat("<X>", 70)+strings.Repeat("</X>", 70)+"</MessageHeader>", "")
	tests := []struct {
		name string
		in   string
		opts ReadOptions
		code string
		line int
	}{
		{"file not_xml", string(readFile(t, "not_xml.edxml")), ReadOptions{}, CodeNotXML, 0},
		{"file junk_prefix", string(readFile(t, "junk_prefix.edxml")), ReadOptions{}, CodeNotXML, 1},
		{"empty", "", ReadOptions{}, CodeNotXML, 0},
		{"only space", " \n\t", ReadOptions{}, CodeNotXML, 0},
		{"JSON", `{"edXML": {}}`, ReadOptions{}, CodeNotXML, 0},
		{"truncated", doc("<MessageHeader><Subject>x</Subject>", "")[:120], ReadOptions{}, CodeMalformedXML, 0},
		{"mismatched tags", doc("<MessageHeader><Subject>x</Content></MessageHeader>", ""), ReadOptions{}, CodeMalformedXML, 3},
		{"second root", doc("", "") + "<edXML/>", ReadOptions{}, CodeMalformedXML, 0},
		{"text after root", doc("", "") + "trailing", ReadOptions{}, CodeMalformedXML, 0},
		{"windows-1258", `<?xml version="1.0" encoding="windows-1258"?><edXML xmlns="` + Namespace + `"/>`, ReadOptions{}, CodeUnsupportedEncoding, 1},
		{"file wrong_namespace", string(readFile(t, "wrong_namespace.edxml")), ReadOptions{}, CodeWrongNamespace, 2},
		{"no namespace", `<edXML><edXMLEnvelope/></edXML>`, ReadOptions{}, CodeWrongNamespace, 1},
		{"unbound prefix", `<e:edXML><e:edXMLEnvelope/></e:edXML>`, ReadOptions{}, CodeWrongNamespace, 1},
		{"wrong element", `<Package xmlns="` + Namespace + `"/>`, ReadOptions{}, CodeWrongElement, 1},
		{"file doctype", string(readFile(t, "doctype.edxml")), ReadOptions{}, CodeDTDForbidden, 2},
		{"entity declaration inside", doc(`<!ENTITY x "y">`, ""), ReadOptions{}, CodeDTDForbidden, 3},
		{"file custom_entity", string(readFile(t, "custom_entity.edxml")), ReadOptions{}, CodeUndefinedEntity, 6},
		{"too deep", deep, ReadOptions{}, CodeTooDeep, 3},
		{"too deep, own limit", doc("<MessageHeader><From><OrganId>x</OrganId></From></MessageHeader>", ""), ReadOptions{MaxDepth: 5}, CodeTooDeep, 3},
		{"text too large", doc("<MessageHeader><Subject>"+strings.Repeat("a", 2000)+"</Subject></MessageHeader>", ""), ReadOptions{MaxTextSize: 1000}, CodeTooLarge, 3},
		{"text too large for the decoder", doc("<MessageHeader><Subject>"+strings.Repeat("a", 200_000)+"</Subject></MessageHeader>", ""), ReadOptions{}, CodeTooLarge, 3},
		{"attribute too large", doc(`<MessageHeader a="`+strings.Repeat("v", 300)+`"/>`, ""), ReadOptions{MaxAttrSize: 100}, CodeTooLarge, 3},
		{"raw element too large", doc("<Vendor>"+strings.Repeat("<x>abc</x>", 200)+"</Vendor>", ""), ReadOptions{MaxRawSize: 1000}, CodeTooLarge, 3},
		{"total too large", string(readFile(t, "new_two_attachments.edxml")), ReadOptions{MaxTotalSize: 2000}, CodeTooLarge, 0},
		{"total too large inside attachment", string(readFile(t, "new_two_attachments.edxml")), ReadOptions{MaxTotalSize: int64(bytes.Index(readFile(t, "new_two_attachments.edxml"), []byte("UEsDB")) + 50)}, CodeTooLarge, 0},
		{"too many elements", doc(strings.Repeat("<X/>", 50), ""), ReadOptions{MaxElements: 20}, CodeTooManyElements, 3},
		{"too many attachments", doc("", strings.Repeat(attachment("QUJD"), 4)), ReadOptions{MaxAttachments: 3}, CodeTooManyAttachments, 4},
		{"file bad_base64", string(readFile(t, "bad_base64.edxml")), ReadOptions{}, CodeBadBase64, 14},
		{"bad padding", doc("", attachment("QQ==QUJD")), ReadOptions{}, CodeBadBase64, 4},
		{"truncated quantum", doc("", attachment("QUJDRA")), ReadOptions{}, CodeBadBase64, 4},
		{"entity in base64", doc("", attachment("QUJD&amp;")), ReadOptions{}, CodeBadBase64, 4},
		{"URL-safe alphabet", doc("", attachment("-_-_")), ReadOptions{}, CodeBadBase64, 4},
		{"element in a text field", doc("<MessageHeader><Subject>a<b>bold</b></Subject></MessageHeader>", ""), ReadOptions{}, CodeUnexpectedElement, 3},
		{"element in content", doc("", attachment("QUJD<x/>")), ReadOptions{}, CodeUnexpectedElement, 4},
		{"two contents", doc("", `<Attachment><ContentTransferEncoded>QUJD</ContentTransferEncoded><ContentTransferEncoded/></Attachment>`), ReadOptions{}, CodeUnexpectedElement, 4},
		{"end of input in content", doc("", attachment("QUJD"))[:len(doc("", ""))+60], ReadOptions{}, CodeMalformedXML, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Read(strings.NewReader(tt.in), tt.opts)
			if got := syntaxCode(err); got != tt.code {
				t.Fatalf("Read() error = %v (code %s), want code %s", err, got, tt.code)
			}
			if p != nil {
				t.Errorf("Read() returned a package with an error")
			}
			se := err.(*SyntaxError)
			if tt.line != 0 && se.Line != tt.line {
				t.Errorf("Line = %d, want %d (%v)", se.Line, tt.line, err)
			}
			if se.Message == "" || !strings.Contains(se.Error(), se.Code) {
				t.Errorf("Error() = %q lacks a message or the code", se.Error())
			}
		})
	}
}

func TestContentSpellings(t *testing.T) {
	// Ways real serializers spell base64 text that are all valid XML for the same bytes.
	tests := []struct{ name, content string }{
		{"plain", "QUJDREVG"},
		{"MIME lines CRLF", "QUJD\r\nREVG\r\n"},
		{"escaped CR", "QUJD&#13;\nREVG&#xD;&#xA;"},
		{"spaces and tabs", "  QUJD\t REVG  "},
		{"CDATA", "<![CDATA[QUJD]]>REVG"},
		{"comment and PI", "QUJD<!-- a -- b -->RE<?pi x?>VG"},
		{"char ref to a base64 char", "&#81;UJDREVG"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore()
			p, err := Read(strings.NewReader(doc("", attachment(tt.content))), ReadOptions{Attachment: s.put})
			if err != nil {
				t.Fatal(err)
			}
			if got := string(s.blobs[p.Attachments[0].Ref]); got != "ABCDEF" {
				t.Errorf("content = %q, want ABCDEF", got)
			}
		})
	}
	// An empty or self-closing content is zero bytes, not an error.
	for _, c := range []string{
		`<Attachment><ContentId>cid:1</ContentId><ContentTransferEncoded/></Attachment>`,
		`<Attachment><ContentId>cid:1</ContentId><ContentTransferEncoded>  </ContentTransferEncoded></Attachment>`,
	} {
		p, err := Read(strings.NewReader(doc("", c)), ReadOptions{})
		if err != nil || p.Attachments[0].Size != 0 {
			t.Errorf("%s: %v, %+v", c, err, p)
		}
	}
}

// TestTruncatedInput cuts samples at many points: every cut must give a *SyntaxError (never a
// package, a panic or a hang), and the code must say the input is not or no longer XML.
func TestTruncatedInput(t *testing.T) {
	for _, tc := range []struct {
		file string
		step int
	}{{"prefixed.edxml", 1}, {"new_two_attachments.edxml", 11}, {"unknown_elements.edxml", 7}} {
		in := readFile(t, tc.file)
		end := bytes.LastIndexByte(in, '>') + 1
		for cut := 0; cut < end; cut += tc.step {
			p, err := Read(bytes.NewReader(in[:cut]), ReadOptions{})
			switch code := syntaxCode(err); code {
			case CodeNotXML, CodeMalformedXML, CodeBadBase64:
			default:
				t.Fatalf("%s cut at %d: Read() = %v, %v (code %s)", tc.file, cut, p, err, code)
			}
		}
	}
}

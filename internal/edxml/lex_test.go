package edxml

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// TestLexerWellFormedness checks the XML rules the lexer enforces, each on an otherwise good package.
func TestLexerWellFormedness(t *testing.T) {
	subject := func(s string) string { return doc("<MessageHeader><Subject>"+s+"</Subject></MessageHeader>", "") }
	bad := []struct {
		name, in, code string
	}{
		{"duplicate attribute", doc(`<MessageHeader a="1" a="2"/>`, ""), CodeMalformedXML},
		{"unquoted attribute", doc(`<MessageHeader a=1/>`, ""), CodeMalformedXML},
		{"attribute without value", doc(`<MessageHeader a/>`, ""), CodeMalformedXML},
		{"attributes without space", doc(`<MessageHeader a="1"b="2"/>`, ""), CodeMalformedXML},
		{"< in attribute", doc(`<MessageHeader a="<"/>`, ""), CodeMalformedXML},
		{"name starting with a digit", doc(`<1MessageHeader/>`, ""), CodeMalformedXML},
		{"name with two colons", doc(`<a:b:c/>`, ""), CodeMalformedXML},
		{"end tag mismatch", subject("x</Content>"), CodeMalformedXML},
		{"end tag without start", doc("</MessageHeader>", ""), CodeMalformedXML},
		{"garbage in end tag", subject("x</Subject x>"), CodeMalformedXML},
		{"invalid UTF-8", subject("a\xff\xfeb"), CodeMalformedXML},
		{"truncated UTF-8", subject("a\xe1\xbab"), CodeMalformedXML},
		{"control character", subject("a\x01b"), CodeMalformedXML},
		{"NUL", subject("a\x00b"), CodeMalformedXML},
		{"NUL in an attribute", doc("<MessageHeader a='\x00'/>", ""), CodeMalformedXML},
		{"reference to a control character", subject("a&#1;b"), CodeUndefinedEntity},
		{"reference to NUL", subject("&#0;"), CodeUndefinedEntity},
		{"unknown entity", subject("&nbsp;"), CodeUndefinedEntity},
		{"entity without semicolon", subject("&amp and more text"), CodeUndefinedEntity},
		{"double hyphen in a comment", subject("<!-- a -- b -->"), CodeMalformedXML},
		{"broken comment start", subject("<!-x-->"), CodeMalformedXML},
		{"broken CDATA start", subject("<![CDAT[x]]>"), CodeMalformedXML},
		{"invalid UTF-8 in CDATA", subject("<![CDATA[\xff]]>"), CodeMalformedXML},
		{"ELEMENT declaration", subject("<!ELEMENT x ANY>"), CodeDTDForbidden},
		{"XML 1.1", `<?xml version="1.1"?>` + doc("", ""), CodeNotXML},
		{"encoding Latin-1", `<?xml version="1.0" encoding='ISO-8859-1'?>` + doc("", ""), CodeUnsupportedEncoding},
		{"reserved PI target", doc("<?XmL x?>", ""), CodeMalformedXML},
		{"unterminated PI", doc("", "") + "<?pi", CodeMalformedXML},
		{"unterminated comment", doc("", "") + "<!-- x", CodeMalformedXML},
		{"binary", "\x00\x01\x02\x03", CodeNotXML},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Read(strings.NewReader(tt.in), ReadOptions{})
			if got := syntaxCode(err); got != tt.code || p != nil {
				t.Fatalf("Read() = %v, %v (code %s), want code %s", p, err, got, tt.code)
			}
		})
	}

	good := []struct {
		name, in, subject string
	}{
		{"predefined entities", subject("&lt;&gt;&amp;&apos;&quot;"), `<>&'"`},
		{"character references", subject("&#x1EA0;&#7840;&#x1F600;"), "ẠẠ😀"},
		{"CRLF and lone CR", subject("a\r\nb\rc"), "a\nb\nc"},
		{"CR reference kept", subject("a&#13;b"), "a\rb"},
		{"CDATA", subject("<![CDATA[<b>&amp;</b>]]>"), "<b>&amp;</b>"},
		{"CDATA with CRLF", subject("<![CDATA[a\r\nb]]>"), "a\nb"},
		{"comment and PI inside text", subject("a<!-- note -->b<?pi data?>c"), "abc"},
		{"Vietnamese", subject("Ủy ban nhân dân tỉnh Đắk Lắk"), "Ủy ban nhân dân tỉnh Đắk Lắk"},
		{"four-byte character", subject("𝒜"), "𝒜"},
		{"single-quoted declaration", `<?xml version='1.0' encoding='utf-8'?>` + subject("x"), "x"},
		{"us-ascii", `<?xml version="1.0" encoding="US-ASCII"?>` + subject("x"), "x"},
		{"space in end tag", doc("<MessageHeader><Subject>x</Subject \n></MessageHeader>", ""), "x"},
		{"BOM", "\xEF\xBB\xBF" + subject("x"), "x"},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Read(strings.NewReader(tt.in), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if p.Header.Subject != tt.subject {
				t.Errorf("Subject = %q, want %q", p.Header.Subject, tt.subject)
			}
		})
	}
}

// TestLexerAttributes checks attribute values and namespaces: the manifest's version is read after
// entity decoding, and an attribute with a prefix is resolved (xml: by definition).
func TestLexerAttributes(t *testing.T) {
	in := `<edXML xmlns="` + Namespace + `" xmlns:v="urn:vendor"><edXMLEnvelope><edXMLBody>` +
		`<edXMLManifest version = '1.&#48;' xml:lang="vi"><v:Extra v:a="x&amp;y"/></edXMLManifest></edXMLBody></edXMLEnvelope></edXML>`
	p, err := Read(strings.NewReader(in), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Manifest == nil || p.Manifest.Version != "1.0" {
		t.Fatalf("Manifest = %+v, want version 1.0", p.Manifest)
	}
	if len(p.Manifest.Extra) != 1 {
		t.Fatalf("Manifest.Extra = %+v, want the vendor element", p.Manifest.Extra)
	}
	raw := p.Manifest.Extra[0]
	if string(raw.XML) != `<v:Extra v:a="x&amp;y"/>` || raw.NS["v"] != "urn:vendor" || len(raw.NS) != 1 {
		t.Errorf("kept %q with %v", raw.XML, raw.NS)
	}
}

// TestLexerSmallReads reads every sample and a package with every kind of token one byte per Read
// call: tokens cut at any point of the buffer read the same as whole ones.
func TestLexerSmallReads(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.edxml"))
	inputs := map[string][]byte{
		"mixed": []byte(doc("<MessageHeader><Subject>a&amp;b&#x1EA0;\r\nỦy<![CDATA[c]]><!--x--><?p q?>d</Subject>"+
			`<Vendor xmlns="urn:v" a='&lt;1'><x>𝒜</x></Vendor></MessageHeader>`, attachment("QUJD\r\nREVG")+attachment("<![CDATA[QUJD]]>"))),
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = b
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			s1, s2 := newStore(), newStore()
			whole, err1 := Read(bytes.NewReader(in), ReadOptions{Attachment: s1.put})
			bytewise, err2 := Read(iotest.OneByteReader(bytes.NewReader(in)), ReadOptions{Attachment: s2.put})
			if syntaxCode(err1) != syntaxCode(err2) || (err1 == nil) != (err2 == nil) {
				t.Fatalf("whole: %v; byte by byte: %v", err1, err2)
			}
			if err1 != nil {
				if l1, l2 := err1.(*SyntaxError).Line, err2.(*SyntaxError).Line; l1 != l2 {
					t.Errorf("error line %d whole, %d byte by byte", l1, l2)
				}
				return
			}
			if d := diffPackages(whole, bytewise); len(d) > 0 {
				t.Errorf("packages differ:\n%s", strings.Join(d, "\n"))
			}
			for ref, b := range s1.blobs {
				if !bytes.Equal(s2.blobs[ref], b) {
					t.Errorf("attachment %s differs", ref)
				}
			}
		})
	}
}

// TestLexerLimitsInsideTokens checks that the total size limit holds wherever it falls: inside a
// name, an attribute value, a reference, a multi-byte character or a comment.
func TestLexerLimitsInsideTokens(t *testing.T) {
	in := doc(`<MessageHeader a="value"><Subject>x&amp;Ủy<!-- comment --></Subject></MessageHeader>`, "")
	for limit := int64(len(in) - 160); limit < int64(len(in)); limit++ {
		p, err := Read(strings.NewReader(in), ReadOptions{MaxTotalSize: limit})
		if code := syntaxCode(err); code != CodeTooLarge || p != nil {
			t.Fatalf("limit %d of %d: Read() = %v, %v (code %s), want too_large", limit, len(in), p, err, code)
		}
	}
	if _, err := Read(strings.NewReader(in), ReadOptions{MaxTotalSize: int64(len(in))}); err != nil {
		t.Fatalf("a package exactly at the limit: %v", err)
	}
}

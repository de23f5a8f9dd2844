package signature

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// TestCanonicalizeMatchesXmllint compares every input in testdata/c14n with libxml2's canonicalizer,
// with and without comments, inclusive and exclusive.
func TestCanonicalizeMatchesXmllint(t *testing.T) {
	xmllint := tool(t, "xmllint")
	files, _ := filepath.Glob("testdata/c14n/*.xml")
	files = append(files, "testdata/edxml_two_attachments.edxml")
	for _, f := range files {
		in, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		stripped := writeTemp(t, t.TempDir(), "stripped.xml", stripComments(in))
		for _, tc := range []struct {
			method, flag, file string
		}{
			{C14N10Comments, "--c14n", f},
			{ExcC14NComments, "--exc-c14n", f},
			{C14N10, "--c14n", stripped},
			{ExcC14N, "--exc-c14n", stripped},
		} {
			t.Run(filepath.Base(f)+"/"+tc.method, func(t *testing.T) {
				want := string(run(t, xmllint, tc.flag, tc.file))
				got := canonString(t, in, CanonOptions{Method: tc.method})
				if got != want {
					t.Errorf("(-want +got)\n-%q\n+%q", want, got)
				}
				// Reading one byte at a time moves every chunk boundary; the output must not change.
				var out bytes.Buffer
				if err := Canonicalize(&out, iotest.OneByteReader(bytes.NewReader(in)), CanonOptions{Method: tc.method}); err != nil {
					t.Fatal(err)
				}
				if out.String() != want {
					t.Errorf("one byte at a time: (-want +got)\n-%q\n+%q", want, out.String())
				}
			})
		}
	}
}

func TestCanonicalizeCases(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		opts           CanonOptions
	}{
		{"empty element", `<a/>`, `<a></a>`, CanonOptions{}},
		{"attribute order", `<a xmlns:z="urn:a" xmlns:b="urn:z" b:x="1" z:x="2" x="3" c="4"/>`,
			`<a xmlns:b="urn:z" xmlns:z="urn:a" c="4" x="3" z:x="2" b:x="1"></a>`, CanonOptions{}},
		{"exclusive drops unused", `<a xmlns:u="urn:u" xmlns="urn:d"><u:b/></a>`,
			`<a xmlns="urn:d"><u:b xmlns:u="urn:u"></u:b></a>`, CanonOptions{Method: ExcC14N}},
		{"exclusive PrefixList", `<a xmlns:u="urn:u" xmlns:v="urn:v"><b/></a>`,
			`<a xmlns:u="urn:u"><b></b></a>`, CanonOptions{Method: ExcC14N, InclusivePrefixes: []string{"u"}}},
		{"exclusive #default", `<a xmlns="urn:d"><b xmlns=""><c xmlns="urn:d"/></b></a>`,
			`<a xmlns="urn:d"><b xmlns=""><c xmlns="urn:d"></c></b></a>`, CanonOptions{Method: ExcC14N, InclusivePrefixes: []string{"#default"}}},
		{"xmlns empty at top", `<a xmlns=""><b/></a>`, `<a><b></b></a>`, CanonOptions{}},
		{"enveloped", "<a>x<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo/></ds:Signature>y</a>",
			"<a>xy</a>", CanonOptions{Enveloped: true}},
		{"enveloped self-closing", "<a>x<Signature xmlns=\"http://www.w3.org/2000/09/xmldsig#\"/>y</a>",
			"<a>xy</a>", CanonOptions{Enveloped: true}},
		{"other Signature kept", "<a><Signature>placeholder</Signature></a>",
			"<a><Signature>placeholder</Signature></a>", CanonOptions{Enveloped: true}},
		{"BOM", "\xEF\xBB\xBF<a>\u00e9</a>", "<a>\u00e9</a>", CanonOptions{}},
		{"cdata split", "<a><![CDATA[]]]]><![CDATA[>]]></a>", "<a>]]&gt;</a>", CanonOptions{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := canonString(t, []byte(tc.in), tc.opts); got != tc.want {
				t.Errorf("(-want +got)\n-%s\n+%s", tc.want, got)
			}
		})
	}
}

func TestCanonicalizeRefuses(t *testing.T) {
	for _, tc := range []struct{ name, in, code string }{
		{"doctype", `<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`, CodeDTDForbidden},
		{"undefined entity", `<a>&nbsp;</a>`, CodeMalformedXML},
		{"unclosed", `<a><b></a>`, CodeMalformedXML},
		{"truncated", `<a><b>`, CodeMalformedXML},
		{"two roots", `<a/><b/>`, CodeMalformedXML},
		{"text outside", `<a/>x`, CodeMalformedXML},
		{"undeclared prefix", `<p:a/>`, CodeMalformedXML},
		{"duplicate attribute", `<a x="1" x="2"/>`, CodeMalformedXML},
		{"duplicate expanded attribute", `<a xmlns:p="urn:x" xmlns:q="urn:x" p:x="1" q:x="2"/>`, CodeMalformedXML},
		{"lt in attribute", `<a x="<"/>`, CodeMalformedXML},
		{"double hyphen in comment", `<a><!-- a -- b --></a>`, CodeMalformedXML},
		{"bad utf-8", "<a>\xff</a>", CodeMalformedXML},
		{"control char", "<a>\x01</a>", CodeMalformedXML},
		{"bad char ref", `<a>&#0;</a>`, CodeMalformedXML},
		{"utf-16", `<?xml version="1.0" encoding="UTF-16"?><a/>`, CodeMalformedXML},
		{"xml decl late", ` <?xml version="1.0"?><a/>`, CodeMalformedXML},
		{"cdata end in text", `<a>]]></a>`, CodeMalformedXML},
		{"empty", ``, CodeMalformedXML},
		{"unprefixing", `<a xmlns:p="urn:p"><b xmlns:p=""/></a>`, CodeMalformedXML},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Canonicalize(io.Discard, strings.NewReader(tc.in), CanonOptions{})
			if ErrorCode(err) != tc.code {
				t.Errorf("error %v, want code %s", err, tc.code)
			}
		})
	}
}

// TestCanonicalizeLargeText checks that a text node larger than every buffer streams through.
func TestCanonicalizeLargeText(t *testing.T) {
	body := strings.Repeat("AB&amp;C\r\n", 100000)
	in := "<a>" + body + "</a>"
	want := "<a>" + strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "&amp;", "&amp;") + "</a>"
	if got := canonString(t, []byte(in), CanonOptions{}); got != want {
		t.Errorf("large text differs (len %d, want %d)", len(got), len(want))
	}
}

// FuzzCanonicalize checks that no input makes the scanner panic and that where input arrives in
// chunks never changes the output.
func FuzzCanonicalize(f *testing.F) {
	files, _ := filepath.Glob("testdata/c14n/*.xml")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(b)
	}
	f.Add([]byte("<a><![CDATA[x]]]]><b xmlns='urn:b' c='&#9;&#x20AC;'/>\r\n</a>"))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, m := range []string{C14N10, ExcC14NComments} {
			var whole, bytewise bytes.Buffer
			err1 := Canonicalize(&whole, bytes.NewReader(in), CanonOptions{Method: m, Enveloped: true})
			err2 := Canonicalize(&bytewise, iotest.OneByteReader(bytes.NewReader(in)), CanonOptions{Method: m, Enveloped: true})
			if (err1 == nil) != (err2 == nil) || whole.String() != bytewise.String() && err1 == nil {
				t.Fatalf("%s: whole %v %q, byte by byte %v %q", m, err1, whole.String(), err2, bytewise.String())
			}
		}
	})
}

func TestCanonicalizeLimits(t *testing.T) {
	for name, in := range map[string]string{
		"deep":       strings.Repeat("<a>", maxDepth+1) + strings.Repeat("</a>", maxDepth+1),
		"attributes": "<a" + manyAttrs(maxAttrs+1) + "/>",
		"bindings":   strings.Repeat(`<a xmlns:p="urn:p" xmlns:q="urn:q" xmlns:r="urn:r">`, 400) + strings.Repeat("</a>", 400),
	} {
		if err := Canonicalize(io.Discard, strings.NewReader(in), CanonOptions{}); ErrorCode(err) != CodeTooLarge {
			t.Errorf("%s: %v, want too_large", name, err)
		}
	}
}

func manyAttrs(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(" a" + strconv.Itoa(i) + `="v"`)
	}
	return b.String()
}

package edxml

import (
	"bytes"
	"encoding/xml"
	"slices"
)

// freePrefixes returns the namespace prefixes that the element in raw uses without declaring them
// itself: "" when it has unprefixed element names outside any default-namespace declaration of its
// own. "xml" and "xmlns" are never free. raw is well-formed (the reader has just parsed it).
func freePrefixes(raw []byte) []string {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = false // raw was checked already; entities need not be known for this scan
	var (
		declared []string // prefixes declared, innermost last
		marks    []int
		free     []string
	)
	isDeclared := func(p string) bool { return slices.Contains(declared, p) }
	use := func(p string) {
		if p == "xml" || p == "xmlns" || isDeclared(p) || slices.Contains(free, p) {
			return
		}
		free = append(free, p)
	}
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			marks = append(marks, len(declared))
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "xmlns":
					declared = append(declared, a.Name.Local)
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					declared = append(declared, "")
				}
			}
			use(t.Name.Space)
			for _, a := range t.Attr {
				if a.Name.Space != "" {
					use(a.Name.Space)
				}
			}
		case xml.EndElement:
			if n := len(marks); n > 0 {
				declared = declared[:marks[n-1]]
				marks = marks[:n-1]
			}
		}
	}
	slices.Sort(free)
	return free
}

// withDeclarations returns raw with namespace declarations added to its start tag for each of its
// free prefixes whose namespace (in ns) differs from the one in scope where it is written.
func withDeclarations(raw RawElement, inScope func(prefix string) string) []byte {
	var add []byte
	keys := make([]string, 0, len(raw.NS))
	for p := range raw.NS {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	for _, p := range keys {
		uri := raw.NS[p]
		if inScope(p) == uri {
			continue
		}
		add = append(add, " xmlns"...)
		if p != "" {
			add = append(add, ':')
			add = append(add, p...)
		}
		add = append(add, `="`...)
		add = appendEscaped(add, uri, true)
		add = append(add, '"')
	}
	if len(add) == 0 {
		return raw.XML
	}
	// Insert after the element name: the first byte after '<' that ends a name.
	i := bytes.IndexByte(raw.XML, '<')
	if i < 0 {
		return raw.XML
	}
	j := i + 1
	for j < len(raw.XML) {
		c := raw.XML[j]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '/' || c == '>' {
			break
		}
		j++
	}
	out := make([]byte, 0, len(raw.XML)+len(add))
	out = append(out, raw.XML[:j]...)
	out = append(out, add...)
	out = append(out, raw.XML[j:]...)
	return out
}

package edxml

import (
	"bytes"
	"slices"
)

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

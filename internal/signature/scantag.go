package signature

import (
	"bytes"
	"unicode/utf8"
)

// nameByte marks the ASCII bytes allowed in an XML name; bytes from 0x80 are allowed too and checked as
// UTF-8 with the rest of the tag.
var nameByte = func() (t [128]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['_'], t[':'], t['-'], t['.'] = true, true, true, true
	return t
}()

// scanName returns the end of the XML name that starts at b[i], or i if there is none.
func scanName(b []byte, i int) int {
	start := i
	for i < len(b) && (b[i] >= 0x80 || nameByte[b[i]]) {
		i++
	}
	if i > start {
		if c := b[start]; (c >= '0' && c <= '9') || c == '-' || c == '.' {
			return start
		}
	}
	return i
}

// splitQName splits a qualified name into prefix and local part.
func splitQName(q []byte) (prefix, local []byte, ok bool) {
	i := bytes.IndexByte(q, ':')
	if i < 0 {
		return nil, q, true
	}
	if i == 0 || i == len(q)-1 || bytes.IndexByte(q[i+1:], ':') >= 0 {
		return nil, nil, false
	}
	return q[:i], q[i+1:], true
}

// findTagEnd returns the length of the tag that starts at s.pos, reading more input as needed, and
// whether it has bytes outside printable ASCII to check.
func (s *scanner) findTagEnd() (n int, odd bool, ok bool) {
	var quote byte
	i := 1
	for {
		b := s.buf[s.pos:s.end]
		for ; i < len(b); i++ {
			c := b[i]
			if c < 0x20 || c >= 0x80 {
				odd = true
			}
			if quote != 0 {
				if c == quote {
					quote = 0
				}
				continue
			}
			switch c {
			case '"', '\'':
				quote = c
			case '>':
				return i + 1, odd, true
			case '<':
				s.pos += i
				s.malformed("'<' inside a tag")
				return 0, false, false
			}
		}
		if !s.fill() {
			if s.err == nil {
				s.malformed("unexpected end of input inside a tag")
			}
			return 0, false, false
		}
	}
}

// checkTagChars checks that a tag is valid UTF-8 without control characters.
func (s *scanner) checkTagChars(t []byte) bool {
	for i := 0; i < len(t); {
		c := t[i]
		if c >= 0x20 && c < 0x80 || c == '\t' || c == '\n' || c == '\r' {
			i++
			continue
		}
		if c < 0x80 {
			s.malformed("control character %#x in a tag", c)
			return false
		}
		r, n := utf8.DecodeRune(t[i:])
		if (r == utf8.RuneError && n == 1) || !isXMLChar(r) {
			s.malformed("invalid UTF-8 or a character XML does not allow in a tag")
			return false
		}
		i += n
	}
	return true
}

// startTag reads a start tag or an empty-element tag; s.pos is at '<'.
func (s *scanner) startTag() tokKind {
	n, odd, ok := s.findTagEnd()
	if !ok {
		return tokEOF
	}
	t := s.buf[s.pos : s.pos+n]
	if odd && !s.checkTagChars(t) {
		return tokEOF
	}
	if s.depth() == 0 && s.rootDone {
		s.malformed("a second element after the document element")
		return tokEOF
	}
	ne := scanName(t, 1)
	if ne == 1 {
		s.malformed("bad element name")
		return tokEOF
	}
	s.qname = t[1:ne]
	if s.prefix, s.local, ok = splitQName(s.qname); !ok {
		s.malformed("element name %q is not a valid qualified name", s.qname)
		return tokEOF
	}
	s.attrs, s.selfClosing = s.attrs[:0], false
	if cap(s.vals) < len(t) {
		s.vals = make([]byte, 0, 2*len(t)) // decoded values are never longer than the tag
	}
	s.vals = s.vals[:0]
	i := ne
	for {
		ws := i
		for i < len(t) && isSpace(t[i]) {
			i++
		}
		if t[i] == '>' {
			break
		}
		if t[i] == '/' {
			if t[i+1] != '>' {
				s.malformed("'/' not followed by '>' in a tag")
				return tokEOF
			}
			s.selfClosing = true
			break
		}
		an := scanName(t, i)
		if ws == i || an == i {
			s.malformed("bad attribute in <%s>", s.qname)
			return tokEOF
		}
		q := t[i:an]
		i = an
		for i < len(t) && isSpace(t[i]) {
			i++
		}
		if t[i] != '=' {
			s.malformed("attribute %s of <%s> has no value", q, s.qname)
			return tokEOF
		}
		i++
		for i < len(t) && isSpace(t[i]) {
			i++
		}
		quote := t[i]
		if quote != '"' && quote != '\'' {
			s.malformed("attribute %s of <%s> is not quoted", q, s.qname)
			return tokEOF
		}
		j := bytes.IndexByte(t[i+1:], quote)
		if j < 0 {
			s.malformed("unterminated attribute value in <%s>", s.qname)
			return tokEOF
		}
		j += i + 1
		start := len(s.vals)
		if !s.attrValue(t[i+1 : j]) {
			return tokEOF
		}
		i = j + 1
		p, l, ok := splitQName(q)
		if !ok {
			s.malformed("attribute name %q is not a valid qualified name", q)
			return tokEOF
		}
		s.attrs = append(s.attrs, attr{prefix: p, local: l, value: s.vals[start:len(s.vals):len(s.vals)]})
	}
	s.pos += n
	return s.pushElement()
}

// attrValue decodes an attribute value into s.vals: references expanded, each white-space character
// replaced by a space and CR LF by one space (attribute-value normalisation for CDATA attributes,
// which all attributes are without a DTD).
func (s *scanner) attrValue(raw []byte) bool {
	for i := 0; i < len(raw); {
		switch c := raw[i]; c {
		case '<':
			s.malformed("'<' in an attribute value")
			return false
		case '&':
			n, ok := s.reference(raw[i:], true, &s.vals)
			if !ok {
				return false
			}
			i += n
		case '\r':
			s.vals = append(s.vals, ' ')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
		case '\t', '\n':
			s.vals = append(s.vals, ' ')
			i++
		default:
			s.vals = append(s.vals, c)
			i++
		}
	}
	return true
}

// reference expands the entity or character reference at the start of b into *dst and returns its
// length. It returns ok false without an error when b may hold only part of it and eof is false.
func (s *scanner) reference(b []byte, eof bool, dst *[]byte) (n int, ok bool) {
	end := bytes.IndexByte(b[:min(len(b), 16)], ';')
	if end < 0 {
		if len(b) < 16 && !eof {
			return 0, false
		}
		s.malformed("'&' that does not start a reference")
		return 0, false
	}
	name := b[1:end]
	var r rune
	switch string(name) {
	case "lt":
		r = '<'
	case "gt":
		r = '>'
	case "amp":
		r = '&'
	case "apos":
		r = '\''
	case "quot":
		r = '"'
	default:
		if len(name) < 2 || name[0] != '#' {
			s.malformed("reference to undefined entity &%s;", name)
			return 0, false
		}
		digits, base := name[1:], rune(10)
		if digits[0] == 'x' {
			digits, base = digits[1:], 16
		}
		if len(digits) == 0 {
			s.malformed("bad character reference &%s;", name)
			return 0, false
		}
		for _, c := range digits {
			var d rune
			switch {
			case c >= '0' && c <= '9':
				d = rune(c - '0')
			case base == 16 && c >= 'a' && c <= 'f':
				d = rune(c-'a') + 10
			case base == 16 && c >= 'A' && c <= 'F':
				d = rune(c-'A') + 10
			default:
				s.malformed("bad character reference &%s;", name)
				return 0, false
			}
			r = r*base + d
			if r > 0x10FFFF {
				break
			}
		}
		if !isXMLChar(r) {
			s.malformed("character reference &%s; is not an XML character", name)
			return 0, false
		}
	}
	*dst = utf8.AppendRune(*dst, r)
	return end + 1, true
}

// pushElement resolves the namespaces of the start tag just read and opens the element.
func (s *scanner) pushElement() tokKind {
	// Limits keep the quadratic checks below and the namespace lookups cheap on hostile input.
	switch {
	case len(s.attrs) > maxAttrs:
		s.fail(CodeTooLarge, "<%s> has more than %d attributes", s.qname, maxAttrs)
		return tokEOF
	case s.depth() >= maxDepth:
		s.fail(CodeTooLarge, "elements are nested deeper than %d", maxDepth)
		return tokEOF
	case len(s.ns) > maxBindings:
		s.fail(CodeTooLarge, "more than %d namespace declarations are in scope", maxBindings)
		return tokEOF
	}
	for i := range s.attrs {
		for j := range i {
			if bytes.Equal(s.attrs[i].prefix, s.attrs[j].prefix) && bytes.Equal(s.attrs[i].local, s.attrs[j].local) {
				s.malformed("attribute %s repeated in <%s>", s.attrs[i].local, s.qname)
				return tokEOF
			}
		}
	}
	s.frames = append(s.frames, frame{ns: len(s.ns), arena: len(s.arena), xa: len(s.xa), name: len(s.names)})
	s.names = append(s.names, s.qname...)
	// Namespace declarations first: they apply to the element's own name and attributes.
	k := 0
	for _, a := range s.attrs {
		var p []byte
		switch {
		case len(a.prefix) == 0 && string(a.local) == "xmlns":
		case string(a.prefix) == "xmlns":
			p = a.local
		default:
			s.attrs[k] = a
			k++
			continue
		}
		switch {
		case string(p) == "xmlns":
			s.malformed("the prefix xmlns must not be declared")
			return tokEOF
		case string(p) == "xml":
			if string(a.value) != nsXML {
				s.malformed("the prefix xml must not be bound to another namespace")
				return tokEOF
			}
			continue // always in scope; never rendered
		case string(a.value) == nsXML || string(a.value) == nsXMLNS:
			s.malformed("namespace %s must not be bound to a prefix other than its own", a.value)
			return tokEOF
		case p != nil && len(a.value) == 0:
			s.malformed("xmlns:%s=\"\" is not allowed in XML 1.0", p)
			return tokEOF
		}
		s.ns = append(s.ns, binding{prefix: s.keep(p), uri: s.keep(a.value)})
	}
	s.attrs = s.attrs[:k]
	var ok bool
	switch {
	case len(s.prefix) == 0:
		s.uri, _ = s.lookup(nil)
	case string(s.prefix) == "xml":
		s.uri = xmlNSBytes
	default:
		if s.uri, ok = s.lookup(s.prefix); !ok {
			s.malformed("undeclared namespace prefix %s in <%s>", s.prefix, s.qname)
			return tokEOF
		}
	}
	for i := range s.attrs {
		a := &s.attrs[i]
		switch {
		case len(a.prefix) == 0:
			a.uri = nil
		case string(a.prefix) == "xml":
			a.uri = xmlNSBytes
			s.xa = append(s.xa, attr{prefix: a.prefix, local: s.keep(a.local), value: s.keep(a.value), uri: xmlNSBytes})
		default:
			if a.uri, ok = s.lookup(a.prefix); !ok {
				s.malformed("undeclared namespace prefix %s in attribute %s:%s", a.prefix, a.prefix, a.local)
				return tokEOF
			}
		}
		for j := range i {
			if b := &s.attrs[j]; len(a.uri) > 0 && bytes.Equal(a.uri, b.uri) && bytes.Equal(a.local, b.local) {
				s.malformed("attribute {%s}%s repeated in <%s>", a.uri, a.local, s.qname)
				return tokEOF
			}
		}
	}
	s.rootSeen = true
	if s.selfClosing {
		s.pendingEnd = true
	}
	return tokStart
}

// keep copies b into the arena, which lives as long as the element that declared it.
func (s *scanner) keep(b []byte) []byte {
	if b == nil {
		return nil
	}
	start := len(s.arena)
	s.arena = append(s.arena, b...)
	return s.arena[start:len(s.arena):len(s.arena)]
}

// endTag reads an end tag; s.pos is at "</".
func (s *scanner) endTag() tokKind {
	n, odd, ok := s.findTagEnd()
	if !ok {
		return tokEOF
	}
	t := s.buf[s.pos : s.pos+n]
	if odd && !s.checkTagChars(t) {
		return tokEOF
	}
	ne := scanName(t, 2)
	i := ne
	for i < len(t) && isSpace(t[i]) {
		i++
	}
	if ne == 2 || i != len(t)-1 {
		s.malformed("bad end tag")
		return tokEOF
	}
	if s.depth() == 0 {
		s.malformed("end tag </%s> without a start tag", t[2:ne])
		return tokEOF
	}
	if open := s.names[s.frames[len(s.frames)-1].name:]; !bytes.Equal(open, t[2:ne]) {
		s.malformed("end tag </%s> does not match <%s>", t[2:ne], open)
		return tokEOF
	}
	s.pos += n
	s.popElement()
	return tokEnd
}

// popElement closes the innermost element; its name stays readable until the next token.
func (s *scanner) popElement() {
	f := s.frames[len(s.frames)-1]
	s.frames = s.frames[:len(s.frames)-1]
	s.qname = s.names[f.name:]
	s.prefix, s.local, _ = splitQName(s.qname)
	s.names = s.names[:f.name]
	s.ns, s.arena, s.xa = s.ns[:f.ns], s.arena[:f.arena], s.xa[:f.xa]
	if s.depth() == 0 {
		s.rootDone = true
	}
}

// lookup returns the namespace bound to prefix (nil for the default namespace) in scope.
func (s *scanner) lookup(prefix []byte) ([]byte, bool) {
	return lookupIn(s.ns, prefix)
}

func lookupIn(ns []binding, prefix []byte) ([]byte, bool) {
	for i := len(ns) - 1; i >= 0; i-- {
		if bytes.Equal(ns[i].prefix, prefix) {
			return ns[i].uri, true
		}
	}
	return nil, false
}

// ownBindings returns the namespace declarations of the current start tag.
func (s *scanner) ownBindings() []binding { return s.ns[s.frames[len(s.frames)-1].ns:] }

// xmlAttrsInScope returns the xml:* attributes in effect, the nearest of each name, from the open
// elements (self true) or from the ancestors of the current element only.
func (s *scanner) xmlAttrsInScope(dst []attr, self bool) []attr {
	xa := s.xa
	if !self && len(s.frames) > 1 {
		xa = xa[:s.frames[len(s.frames)-1].xa]
	}
	dst = dst[:0]
outer:
	for i := len(xa) - 1; i >= 0; i-- {
		for _, d := range dst {
			if bytes.Equal(d.local, xa[i].local) {
				continue outer
			}
		}
		dst = append(dst, xa[i])
	}
	return dst
}

// isElement reports whether the current start tag is the element {space}local.
func (s *scanner) isElement(space, local string) bool {
	return string(s.local) == local && string(s.uri) == space
}

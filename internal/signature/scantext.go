package signature

import (
	"bytes"
	"unicode/utf8"
)

// Bytes of text that need no attention: printable ASCII other than '<', '&' and ']', plus tab and
// line feed.
var textPlain = func() (t [128]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '<' && c != '&' && c != ']'
	}
	t['\t'], t['\n'] = true, true
	return t
}()

// textChunk reads character data up to the next '<', at most maxTextChunk bytes at a time. A chunk
// never ends inside a reference, a CR LF pair, a UTF-8 sequence or a "]]>" so that chunk boundaries
// do not change the result.
func (s *scanner) textChunk() tokKind {
	s.text = s.text[:0]
	outside := s.depth() == 0
	for {
		eof := s.rerr != nil
		i, lim := s.pos, s.end
		if lim-i > maxTextChunk {
			lim = i + maxTextChunk
		}
		run, more := i, false
	scan:
		for i < lim {
			c := s.buf[i]
			if c < 0x80 && textPlain[c] {
				i++
				continue
			}
			s.text = append(s.text, s.buf[run:i]...)
			switch {
			case c == '<':
				run = i
				break scan
			case c == '&':
				n, ok := s.reference(s.buf[i:s.end], eof, &s.text)
				if s.err != nil {
					return tokEOF
				}
				if !ok {
					more = true
					run = i
					break scan
				}
				i += n
			case c == '\r':
				if i+1 == s.end && !eof {
					more = true
					run = i
					break scan
				}
				s.text = append(s.text, '\n')
				i++
				if i < s.end && s.buf[i] == '\n' {
					i++
				}
			case c == ']':
				if i+2 >= s.end && !eof {
					more = true
					run = i
					break scan
				}
				if i+2 < s.end && s.buf[i+1] == ']' && s.buf[i+2] == '>' {
					s.pos = i
					s.malformed("']]>' in text")
					return tokEOF
				}
				s.text = append(s.text, ']')
				i++
			case c >= 0x80:
				n := s.char(s.buf[i:s.end], eof)
				if s.err != nil {
					return tokEOF
				}
				if n == 0 {
					more = true
					run = i
					break scan
				}
				s.text = append(s.text, s.buf[i:i+n]...)
				i += n
			default:
				s.pos = i
				s.malformed("control character %#x in text", c)
				return tokEOF
			}
			run = i
		}
		s.text = append(s.text, s.buf[run:i]...)
		s.pos = i
		if outside && !isAllSpace(s.text) {
			s.malformed("text outside the document element")
			return tokEOF
		}
		if len(s.text) > 0 {
			return tokText
		}
		// Nothing consumed yet: the first construct needs more input.
		if !more && i == s.end && eof {
			return s.eof()
		}
		if !s.fill() && s.err != nil {
			return tokEOF
		}
	}
}

// char checks the UTF-8 sequence at the start of b and returns its length, or 0 if b holds only part
// of it and more input may follow.
func (s *scanner) char(b []byte, eof bool) int {
	if !utf8.FullRune(b) && !eof {
		return 0
	}
	r, n := utf8.DecodeRune(b)
	if (r == utf8.RuneError && n == 1) || !isXMLChar(r) {
		s.malformed("invalid UTF-8 or a character XML does not allow")
		return 0
	}
	return n
}

// appendChars appends b to s.text, normalising line ends and checking characters, for comments,
// processing instructions and CDATA. Unless final, it stops before a trailing CR or an incomplete
// UTF-8 sequence and returns the number of bytes consumed.
func (s *scanner) appendChars(b []byte, final bool) int {
	run, i := 0, 0
	for i < len(b) {
		c := b[i]
		if c >= 0x20 && c < 0x80 || c == '\t' || c == '\n' {
			i++
			continue
		}
		s.text = append(s.text, b[run:i]...)
		switch {
		case c == '\r':
			if i+1 == len(b) && !final {
				return i
			}
			s.text = append(s.text, '\n')
			i++
			if i < len(b) && b[i] == '\n' {
				i++
			}
		case c >= 0x80:
			n := s.char(b[i:], final)
			if n == 0 {
				return i
			}
			s.text = append(s.text, b[i:i+n]...)
			i += n
		default:
			s.malformed("control character %#x", c)
			return i
		}
		run = i
	}
	s.text = append(s.text, b[run:i]...)
	return i
}

// cdata reads a chunk of a CDATA section; s.pos is inside the section.
func (s *scanner) cdata() tokKind {
	s.text = s.text[:0]
	for {
		b := s.buf[s.pos:s.end]
		eof := s.rerr != nil
		idx := bytes.Index(b, []byte("]]>"))
		limit, closed := len(b), idx >= 0
		switch {
		case closed:
			limit = idx
		case !eof:
			limit = max(len(b)-2, 0) // "]]>" may straddle the end of the buffer
		case !s.partial:
			s.malformed("unterminated CDATA section")
			return tokEOF
		}
		limit = min(limit, maxTextChunk)
		final := (closed && limit == idx) || eof
		n := s.appendChars(b[:limit], final)
		if s.err != nil {
			return tokEOF
		}
		s.pos += n
		if closed && n == idx {
			s.pos += 3
			s.inCDATA = false
			return tokText
		}
		if len(s.text) > 0 {
			return tokText
		}
		if eof {
			return tokEOF // partial input ends inside the section
		}
		s.tok = s.pos
		if !s.fill() && s.err != nil {
			return tokEOF
		}
	}
}

// findEnd returns the index, relative to s.pos, of delim in the markup that starts at s.pos, searching
// from offset from and reading more input as needed.
func (s *scanner) findEnd(from int, delim string, what string) (int, bool) {
	for {
		b := s.buf[s.pos:s.end]
		if i := bytes.Index(b[from:], []byte(delim)); i >= 0 {
			return from + i, true
		}
		from = max(from, len(b)-len(delim)+1)
		if !s.fill() {
			if s.err == nil {
				s.malformed("unterminated %s", what)
			}
			return 0, false
		}
	}
}

// comment reads a comment; s.pos is at "<!--".
func (s *scanner) comment() tokKind {
	j, ok := s.findEnd(4, "--", "comment")
	if !ok {
		return tokEOF
	}
	if !s.ensure(j + 3) {
		if s.err == nil {
			s.malformed("unterminated comment")
		}
		return tokEOF
	}
	b := s.buf[s.pos:s.end]
	if b[j+2] != '>' {
		s.malformed("'--' inside a comment")
		return tokEOF
	}
	s.text = s.text[:0]
	if s.appendChars(b[4:j], true); s.err != nil {
		return tokEOF
	}
	s.pos += j + 3
	return tokComment
}

// pi reads a processing instruction; s.pos is at "<?".
func (s *scanner) pi() tokKind {
	j, ok := s.findEnd(2, "?>", "processing instruction")
	if !ok {
		return tokEOF
	}
	b := s.buf[s.pos : s.pos+j]
	n := scanName(b, 2)
	if n == 2 || (n < len(b) && !isSpace(b[n])) {
		s.malformed("bad processing-instruction target")
		return tokEOF
	}
	target := b[2:n]
	if bytes.EqualFold(target, []byte("xml")) {
		s.malformed("an XML declaration is allowed only at the start of the document")
		return tokEOF
	}
	if bytes.IndexByte(target, ':') >= 0 {
		s.malformed("a processing-instruction target must not contain ':'")
		return tokEOF
	}
	for n < len(b) && isSpace(b[n]) {
		n++
	}
	s.text = s.text[:0]
	if s.appendChars(b[n:], true); s.err != nil {
		return tokEOF
	}
	s.target = target
	s.pos += j + 2
	return tokPI
}

// xmlDecl checks and skips the XML declaration; s.pos is at "<?xml".
func (s *scanner) xmlDecl() bool {
	j, ok := s.findEnd(5, "?>", "XML declaration")
	if !ok {
		return false
	}
	decl := s.buf[s.pos : s.pos+j]
	if v := pseudoAttr(decl, "version"); v != "1.0" {
		s.malformed("XML version %q is not supported (only 1.0)", v)
		return false
	}
	switch enc := pseudoAttr(decl, "encoding"); lower(enc) {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
	default:
		s.fail(CodeMalformedXML, "encoding %q is not supported (only UTF-8)", enc)
		return false
	}
	s.pos += j + 2
	return true
}

// pseudoAttr returns the value of a pseudo-attribute of the XML declaration.
func pseudoAttr(decl []byte, name string) string {
	i := bytes.Index(decl, []byte(name))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[i+len(name):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) == 0 || (rest[0] != '"' && rest[0] != '\'') {
		return ""
	}
	end := bytes.IndexByte(rest[1:], rest[0])
	if end < 0 {
		return ""
	}
	return string(rest[1 : 1+end])
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isAllSpace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

func isXMLChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) ||
		(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

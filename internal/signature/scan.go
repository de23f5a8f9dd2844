package signature

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"
)

// Namespaces the scanner and the canonicalizer treat specially.
const (
	nsXML   = "http://www.w3.org/XML/1998/namespace"
	nsXMLNS = "http://www.w3.org/2000/xmlns/"
)

var xmlNSBytes = []byte(nsXML)

// tokKind is the kind of token the scanner returns.
type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
	tokText // a chunk of character data (text or CDATA), references expanded, line ends normalised
	tokComment
	tokPI
)

const (
	defaultBufSize  = 64 << 10
	defaultMaxToken = 1 << 20 // longest start tag, comment or processing instruction
	maxTextChunk    = 64 << 10
)

// attr is an attribute of the current start tag. Its slices are valid until the next token.
type attr struct {
	prefix, local, value, uri []byte
}

// binding is a namespace declaration in scope.
type binding struct{ prefix, uri []byte }

// frame records the scanner's stacks as they were before an open element pushed onto them.
type frame struct {
	ns, arena, xa, name int
}

// scanner is a streaming, namespace-aware XML tokenizer for documents without a DTD.
//
// encoding/xml is not used because its Decoder builds each text node in memory (an edXML attachment
// is one text node of up to hundreds of megabytes), cannot tell a literal tab in an attribute from
// &#9; once it has decoded the value (canonical XML needs the difference: the first becomes a space),
// and allocates for every token. The scanner returns text in bounded chunks, keeps its own namespace
// stack, reuses its buffers, and can copy the exact input bytes to a writer (tee) or into a buffer
// (capture) while it tokenises.
type scanner struct {
	r        io.Reader
	buf      []byte
	pos, end int
	tok      int   // start of the current token in buf; a refill keeps buf[tok:]
	base     int64 // absolute offset of buf[0]
	rerr     error // the reader's error (io.EOF at the end)
	err      error // sticky error
	maxToken int
	partial  bool // the input is a prefix of a document: end of input ends the scan quietly

	tee     io.Writer // when set, every input byte is copied here, a token late (see pending)
	teeFrom int

	capOn   bool
	capBuf  []byte
	capFrom int
	capMax  int // 0: unlimited

	started            bool
	rootSeen, rootDone bool
	pendingEnd         bool
	inCDATA            bool

	// The current token.
	prefix, local, uri, qname []byte
	selfClosing               bool
	attrs                     []attr
	text                      []byte // text chunk, comment, or processing-instruction data
	target                    []byte // processing-instruction target

	frames []frame // frames[0] is the context of a fragment (empty for a document)
	names  []byte  // qualified names of the open elements
	ns     []binding
	arena  []byte // bytes of ns and xa
	xa     []attr // xml:* attributes of the open elements, inherited by canonical XML 1.0
	vals   []byte // decoded attribute values of the current start tag
}

func newScanner(r io.Reader) *scanner {
	return &scanner{r: r, buf: make([]byte, defaultBufSize), maxToken: defaultMaxToken, frames: []frame{{}}}
}

// newFragmentScanner returns a scanner over one element (raw) whose context — the namespaces and
// xml:* attributes in scope where it stood — is given.
func newFragmentScanner(raw []byte, ns []binding, xml []attr) *scanner {
	s := newScanner(bytes.NewReader(raw))
	s.ns = append(s.ns, ns...)
	s.xa = append(s.xa, xml...)
	s.started = true // no BOM or XML declaration inside an element
	return s
}

// depth is the number of open elements.
func (s *scanner) depth() int { return len(s.frames) - 1 }

// offset is the absolute input offset of the current position, for error messages.
func (s *scanner) offset() int64 { return s.base + int64(s.pos) }

func (s *scanner) fail(code, format string, args ...any) {
	if s.err == nil {
		s.err = &Error{Code: code, Message: fmt.Sprintf(format, args...) + fmt.Sprintf(" (at byte %d)", s.offset())}
	}
}

func (s *scanner) malformed(format string, args ...any) { s.fail(CodeMalformedXML, format, args...) }

// fill reads more input, first handing the bytes before the current token to the tee and the capture
// and dropping them from the buffer. It reports whether it added bytes.
func (s *scanner) fill() bool {
	if s.rerr != nil || s.err != nil {
		return false
	}
	lo := s.tok
	if s.tee != nil && s.teeFrom < lo {
		s.writeTee(s.buf[s.teeFrom:lo])
		s.teeFrom = lo
	}
	if s.capOn && s.capFrom < lo {
		s.capBuf = append(s.capBuf, s.buf[s.capFrom:lo]...)
		s.capFrom = lo
		if s.capMax > 0 && len(s.capBuf) > s.capMax {
			s.fail(CodeTooLarge, "the Signature element is larger than %d bytes", s.capMax)
			return false
		}
	}
	if lo > 0 {
		copy(s.buf, s.buf[lo:s.end])
		s.pos -= lo
		s.end -= lo
		s.tok -= lo
		s.teeFrom -= lo
		s.capFrom -= lo
		s.base += int64(lo)
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.maxToken+defaultBufSize {
			s.fail(CodeTooLarge, "a tag, comment or processing instruction is longer than %d bytes", s.maxToken)
			return false
		}
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for range 100 {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.rerr = err
			if err != io.EOF {
				s.err = fmt.Errorf("signature: reading the document: %w", err)
				return false
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.err = fmt.Errorf("signature: reading the document: %w", io.ErrNoProgress)
	return false
}

// ensure makes n bytes available at s.pos if the input has them.
func (s *scanner) ensure(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

func (s *scanner) writeTee(b []byte) {
	if len(b) == 0 || s.err != nil {
		return
	}
	if _, err := s.tee.Write(b); err != nil {
		s.err = fmt.Errorf("signature: writing the signed document: %w", err)
	}
}

// pending returns the input bytes of the current token, which the tee has not written yet.
func (s *scanner) pending() []byte { return s.buf[s.teeFrom:s.pos] }

// discardPending stops the tee from writing the current token's bytes (the caller wrote a
// replacement).
func (s *scanner) discardPending() { s.teeFrom = s.pos }

// startCapture records the input from the start of the current token on.
func (s *scanner) startCapture(max int) {
	s.capOn, s.capBuf, s.capFrom, s.capMax = true, s.capBuf[:0], s.tok, max
}

// captureTo ends a capture and returns the bytes recorded up to the start (token true) or the end of
// the current token. The slice is valid until the next capture.
func (s *scanner) captureTo(token bool) []byte {
	stop := s.pos
	if token {
		stop = s.tok
	}
	s.capBuf = append(s.capBuf, s.buf[s.capFrom:stop]...)
	s.capOn = false
	return s.capBuf
}

// capturedLen is the number of bytes recorded so far.
func (s *scanner) capturedLen() int { return len(s.capBuf) + s.tok - s.capFrom }

// next reads the next token.
func (s *scanner) next() (tokKind, error) {
	if s.err != nil {
		return tokEOF, s.err
	}
	if s.tee != nil && s.teeFrom < s.pos {
		s.writeTee(s.buf[s.teeFrom:s.pos])
		s.teeFrom = s.pos
	}
	if s.pendingEnd {
		s.pendingEnd = false
		s.popElement()
		return tokEnd, s.err
	}
	s.tok = s.pos
	var k tokKind
	if s.inCDATA {
		k = s.cdata()
	} else {
		k = s.token()
	}
	if s.err != nil {
		return tokEOF, s.err
	}
	return k, nil
}

func (s *scanner) token() tokKind {
	for {
		if !s.started {
			s.started = true
			if s.ensure(3) && bytes.HasPrefix(s.buf[s.pos:s.end], []byte("\xEF\xBB\xBF")) {
				s.pos += 3
			}
			s.tok = s.pos
			if s.ensure(6) && bytes.HasPrefix(s.buf[s.pos:s.end], []byte("<?xml")) && isSpace(s.buf[s.pos+5]) {
				if !s.xmlDecl() {
					return tokEOF
				}
				s.tok = s.pos
				continue
			}
		}
		if s.pos == s.end && !s.fill() {
			return s.eof()
		}
		if s.buf[s.pos] != '<' {
			return s.textChunk()
		}
		if !s.ensure(2) {
			s.malformed("unexpected end of input after '<'")
			return tokEOF
		}
		switch s.buf[s.pos+1] {
		case '/':
			return s.endTag()
		case '?':
			return s.pi()
		case '!':
			s.ensure(9)
			b := s.buf[s.pos:s.end]
			switch {
			case bytes.HasPrefix(b, []byte("<!--")):
				return s.comment()
			case bytes.HasPrefix(b, []byte("<![CDATA[")):
				if s.depth() == 0 {
					s.malformed("CDATA section outside the document element")
					return tokEOF
				}
				s.pos += 9
				s.inCDATA = true
				return s.cdata()
			case bytes.HasPrefix(b, []byte("<!DOCTYPE")):
				s.fail(CodeDTDForbidden, "the document has a DOCTYPE declaration; documents with a DTD are refused")
				return tokEOF
			default:
				s.malformed("unknown markup declaration")
				return tokEOF
			}
		default:
			return s.startTag()
		}
	}
}

// eof ends the scan at the end of the input, checking the document is complete.
func (s *scanner) eof() tokKind {
	if s.err != nil || s.partial {
		return tokEOF
	}
	switch {
	case s.inCDATA:
		s.malformed("unterminated CDATA section")
	case s.depth() > 0:
		top := s.frames[len(s.frames)-1]
		s.malformed("unexpected end of input: element <%s> is not closed", s.names[top.name:])
	case !s.rootSeen:
		s.malformed("the input has no document element")
	}
	return tokEOF
}

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

package signature

import (
	"bytes"
	"fmt"
	"io"
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
	defaultBufSize  = 16 << 10
	defaultMaxToken = 1 << 20 // longest start tag, comment or processing instruction
	maxTextChunk    = 64 << 10
	maxAttrs        = 256  // attributes (with namespace declarations) of one element
	maxDepth        = 512  // nesting of elements
	maxBindings     = 1024 // namespace declarations in scope
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

func newScanner(r io.Reader) *scanner { return newScannerSize(r, defaultBufSize) }

// newScannerSize returns a scanner with a buffer of size bytes to start with; it grows for long tags.
func newScannerSize(r io.Reader, size int) *scanner {
	return &scanner{r: r, buf: make([]byte, max(size, 512)), maxToken: defaultMaxToken, frames: []frame{{}}}
}

// newFragmentScanner returns a scanner over one element (raw) whose context — the namespaces and
// xml:* attributes in scope where it stood — is given.
func newFragmentScanner(raw []byte, ns []binding, xml []attr) *scanner {
	// The whole fragment fits the buffer: one read, no refill.
	s := newScannerSize(bytes.NewReader(raw), len(raw)+1)
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

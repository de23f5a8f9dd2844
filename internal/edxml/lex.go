package edxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// lexer turns the source's bytes into the tokens the reader needs: start tags, end tags and text.
// It is written for edXML rather than taken from encoding/xml, which spent three quarters of a
// package's parse time reading one byte at a time through an interface. It reads straight from the
// source's buffer, in runs where it can, and checks what a conforming XML 1.0 parser checks for the
// documents it accepts:
//
//   - names are well formed, end tags match their start tags, attributes are quoted, appear once
//     and hold no '<';
//   - text and attribute values are valid UTF-8 made of XML characters; "\r\n" and a lone "\r"
//     become "\n";
//   - only the five predefined entities and character references to XML characters are known;
//   - a DOCTYPE or any other <!…> declaration is refused, comments may not hold "--", and the XML
//     declaration may name only UTF-8 (or its subset US-ASCII).
//
// Comments and processing instructions are skipped. Every token is bounded: a tag, text or comment
// longer than the token limit, or an element kept raw longer than the raw limit, fails at the limit
// instead of being built in memory. Tags, and everything while the reader captures an element, are
// recorded in the source so that the reader can keep the exact bytes.
type lexer struct {
	s *source

	stack   []string   // qualified names of the open elements
	text    []byte     // decoded text of the last text token
	attrs   []xml.Attr // attributes of the last start tag, names as written (prefix in Space)
	empty   bool       // the last start tag closed itself: the next token is its end tag
	tokLine int        // line of the current token's first byte
	bound   int64      // offset the current token may not reach (see setBound)
	tok     token      // the last token, which next returns a pointer to
}

type tokenKind uint8

const (
	tokStart tokenKind = iota + 1
	tokEnd
	tokText
)

// token is one start tag, end tag or run of text. The lexer keeps the last one and hands out a pointer
// to it, valid until the next token: nothing is allocated or copied per token.
type token struct {
	kind  tokenKind
	start xml.StartElement // tokStart: prefixes as written in Name.Space until the reader resolves them
	text  []byte           // tokText: valid until the next token
}

// set makes t the last token and returns it.
func (l *lexer) set(t token) *token {
	l.tok = t
	return &l.tok
}

// line returns the current input line.
func (l *lexer) line() int { return 1 + l.s.lines }

func (l *lexer) errorf(format string, args ...any) error {
	return &SyntaxError{Code: CodeMalformedXML, Line: l.line(), Message: fmt.Sprintf(format, args...)}
}

func (l *lexer) entityError(format string, args ...any) error {
	return &SyntaxError{Code: CodeUndefinedEntity, Line: l.line(), Message: fmt.Sprintf(format, args...)}
}

// setBound starts a token at the current offset and computes the offset it may not reach: the end
// of the input limit, and the token limit, or during a capture the raw limit counted from the
// captured element's first byte.
func (l *lexer) setBound() {
	s := l.s
	s.mark(s.off)
	l.tokLine = l.line()
	l.bound = s.off + int64(s.tokenLimit)
	if s.pinned > 0 {
		l.bound = s.recBase + int64(s.rawLimit)
	}
	l.bound = min(l.bound, s.limit)
}

// window returns the unread buffered bytes up to the current token's bound, reading more input when
// none are buffered. It returns nil at the end of input, on a read error or at the bound; stop then
// tells which.
func (l *lexer) window() []byte {
	s := l.s
	if s.pos == s.end && s.fill() != nil {
		return nil
	}
	room := l.bound - s.off
	if room <= 0 {
		return nil
	}
	b := s.buf[s.pos:s.end]
	if int64(len(b)) > room {
		b = b[:room]
	}
	return b
}

// stop returns the error for a window that came back empty. atBoundary says whether the input may
// end here (between tokens, outside any element): io.EOF then, a syntax error otherwise.
func (l *lexer) stop(atBoundary bool) error {
	s := l.s
	switch {
	case s.pos < s.end && s.off >= l.bound:
		return l.tooLarge()
	case s.rerr != nil && s.rerr != io.EOF:
		return fmt.Errorf("edxml.Read: %w", s.rerr)
	case atBoundary && s.pos == s.end:
		return io.EOF
	}
	return l.errorf("unexpected end of input")
}

// tooLarge returns the error for a token that reached its bound.
func (l *lexer) tooLarge() error {
	s := l.s
	switch {
	case l.bound >= s.limit:
		return &SyntaxError{Code: CodeTooLarge, Line: l.line(), Message: fmt.Sprintf("the package is larger than %d bytes", s.limit)}
	case s.pinned > 0:
		return &SyntaxError{Code: CodeTooLarge, Line: l.line(), Message: fmt.Sprintf("an element kept as raw XML (Signature or unknown element) is larger than %d bytes", s.rawLimit)}
	}
	return &SyntaxError{Code: CodeTooLarge, Line: l.line(), Message: fmt.Sprintf("a text, tag or comment is longer than %d bytes", s.tokenLimit)}
}

// take consumes n bytes of the window, recording them if record is set.
func (l *lexer) take(n int, record bool) {
	s := l.s
	if record {
		s.rec = append(s.rec, s.buf[s.pos:s.pos+n]...)
	}
	s.pos += n
	s.off += int64(n)
}

// getc consumes and records one byte of a tag.
func (l *lexer) getc() (byte, error) {
	s := l.s
	if s.pos == s.end || s.off >= l.bound {
		if l.window() == nil {
			return 0, l.stop(false)
		}
	}
	c := s.buf[s.pos]
	s.pos++
	s.off++
	s.rec = append(s.rec, c)
	if c == '\n' {
		s.lines++
	}
	return c, nil
}

// peekc returns the next byte without consuming it.
func (l *lexer) peekc() (byte, error) {
	s := l.s
	if s.pos == s.end || s.off >= l.bound {
		if l.window() == nil {
			return 0, l.stop(false)
		}
	}
	return s.buf[s.pos], nil
}

// next returns the next start tag, end tag or text, skipping comments and processing instructions.
// At the end of input it returns io.EOF if no element is open.
func (l *lexer) next() (*token, error) {
	if l.empty {
		l.empty = false
		l.stack = l.stack[:len(l.stack)-1]
		return l.set(token{kind: tokEnd}), nil
	}
	for {
		l.setBound()
		if l.window() == nil {
			return nil, l.stop(len(l.stack) == 0)
		}
		s := l.s
		if s.buf[s.pos] != '<' {
			return l.textToken()
		}
		l.take(1, true)
		c, err := l.peekc()
		if err != nil {
			return nil, err
		}
		switch c {
		case '/':
			l.take(1, true)
			return l.endTag()
		case '?':
			l.take(1, true)
			if err := l.procInst(); err != nil {
				return nil, err
			}
		case '!':
			l.take(1, true)
			t, skip, err := l.bang()
			if err != nil || !skip {
				return t, err
			}
		default:
			return l.startTag()
		}
	}
}

// textToken reads text up to the next '<' or the end of input.
func (l *lexer) textToken() (*token, error) {
	var err error
	l.text, err = l.chars(l.text[:0], 0)
	if err != nil {
		return nil, err
	}
	return l.set(token{kind: tokText, text: l.text}), nil
}

// chars appends to dst the decoded characters up to the next '<' (quote 0, text) or up to and
// including the closing quote (an attribute value, in which '<' is an error). Text is recorded only
// during a capture; attribute values, part of a tag, always are.
func (l *lexer) chars(dst []byte, quote byte) ([]byte, error) {
	s := l.s
	record := quote != 0 || s.pinned > 0
	for {
		b := l.window()
		if b == nil {
			if quote == 0 && s.pos == s.end && s.rerr == io.EOF {
				return dst, nil // text may end with the input; the reader decides whether that is an error
			}
			return dst, l.stop(false)
		}
		i := 0
		for i < len(b) {
			c := b[i]
			if c >= 0x20 && c < 0x80 && c != '<' && c != '&' && c != quote {
				i++
			} else if c == '\n' {
				s.lines++
				i++
			} else if c == '\t' {
				i++
			} else if c >= utf8.RuneSelf && len(b)-i >= utf8.UTFMax {
				// A whole character is in the window (near its end the slow path below reads more).
				r, size := utf8.DecodeRune(b[i:])
				if r == utf8.RuneError && size == 1 || !isXMLChar(r) {
					break
				}
				i += size
			} else {
				break
			}
		}
		dst = append(dst, b[:i]...)
		l.take(i, record)
		if i == len(b) {
			continue
		}
		c := b[i]
		switch {
		case c == quote && quote != 0:
			l.take(1, record)
			return dst, nil
		case c == '<':
			if quote != 0 {
				return dst, l.errorf("unescaped < inside an attribute value")
			}
			return dst, nil
		case c == '&':
			var err error
			if dst, err = l.reference(dst, record); err != nil {
				return dst, err
			}
		case c == '\r':
			l.take(1, record)
			if p := l.window(); len(p) > 0 && p[0] == '\n' {
				l.take(1, record)
			}
			s.lines++
			dst = append(dst, '\n')
		case c >= utf8.RuneSelf:
			r, size := l.decodeRune()
			if r == utf8.RuneError && size <= 1 {
				if size == 0 {
					if s.off+int64(s.end-s.pos) > l.bound {
						return dst, l.tooLarge()
					}
					return dst, l.stop(false)
				}
				return dst, l.errorf("invalid UTF-8")
			}
			if !isXMLChar(r) {
				return dst, l.errorf("illegal character code %U", r)
			}
			dst = append(dst, s.buf[s.pos:s.pos+size]...)
			l.take(size, record)
		default:
			return dst, l.errorf("illegal character code %U", rune(c))
		}
	}
}

// decodeRune decodes the multi-byte character at the source position without consuming it. size is
// 0 if the input or the bound ends inside it.
func (l *lexer) decodeRune() (rune, int) {
	s := l.s
	for s.end-s.pos < utf8.UTFMax && s.rerr == nil {
		if s.fill() != nil {
			break
		}
	}
	avail := s.buf[s.pos:s.end]
	if room := l.bound - s.off; int64(len(avail)) > room {
		avail = avail[:room]
	}
	r, size := utf8.DecodeRune(avail)
	if r == utf8.RuneError && size == 1 && !utf8.FullRune(avail) {
		return r, 0
	}
	return r, size
}

// isXMLChar reports whether r is a character XML 1.0 allows.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

// reference decodes the entity or character reference at the source position ('&') into dst.
func (l *lexer) reference(dst []byte, record bool) ([]byte, error) {
	s := l.s
	// A reference is short: "&#x10FFFF;" is the longest that can be valid. Read up to 12 bytes.
	var q []byte
	for {
		q = s.buf[s.pos:s.end]
		if len(q) >= 12 || bytes.IndexByte(q, ';') >= 0 || s.rerr != nil {
			break
		}
		if s.fill() != nil {
			break
		}
	}
	q = s.buf[s.pos:s.end]
	capped := false
	if room := l.bound - s.off; int64(len(q)) > room {
		q, capped = q[:room], true
	}
	if len(q) > 12 {
		q = q[:12]
	}
	end := bytes.IndexByte(q, ';')
	if end < 0 {
		if len(q) < 12 {
			if capped {
				return dst, l.tooLarge()
			}
			return dst, l.stop(false) // the input ends inside the reference
		}
		return dst, l.entityError("invalid character entity %s (no semicolon)", q)
	}
	ref := q[1:end]
	var r rune
	switch string(ref) {
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
		c, ok := charRef(q[:end])
		if !ok || !isXMLChar(c) {
			return dst, l.entityError("invalid character entity &%s;", ref)
		}
		r = c
	}
	l.take(end+1, record)
	return utf8.AppendRune(dst, r), nil
}

// isNameByte reports whether c may appear in a name; bytes of multi-byte characters may, and are
// checked as characters by name.
func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-' || c >= utf8.RuneSelf
}

// name reads a name.
func (l *lexer) name() (string, error) {
	s := l.s
	start := len(s.rec)
	for {
		b := l.window()
		if b == nil {
			return "", l.stop(false)
		}
		i := 0
		for i < len(b) && isNameByte(b[i]) {
			i++
		}
		l.take(i, true)
		if i < len(b) {
			break
		}
	}
	b := s.rec[start:]
	if len(b) == 0 {
		return "", l.errorf("expected a name")
	}
	if c := b[0]; c >= '0' && c <= '9' || c == '.' || c == '-' {
		return "", l.errorf("invalid name %q", b)
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 || !isXMLChar(r) || r == 0xD7 || r == 0xF7 || r == 0x37E || r == 0x2000 {
			return "", l.errorf("invalid name %q", b)
		}
		i += size
	}
	return intern(b), nil
}

// qname splits a qualified name into prefix and local name, as encoding/xml does: a name with an
// empty part around its colon is all local name; one with two colons is an error.
func (l *lexer) qname(n string) (xml.Name, error) {
	i := strings.IndexByte(n, ':')
	if i < 0 {
		return xml.Name{Local: n}, nil
	}
	if strings.IndexByte(n[i+1:], ':') >= 0 {
		return xml.Name{}, l.errorf("invalid name %q: more than one colon", n)
	}
	if i == 0 || i == len(n)-1 {
		return xml.Name{Local: n}, nil
	}
	return xml.Name{Space: n[:i], Local: n[i+1:]}, nil
}

// space skips white space in a tag and reports whether there was any.
func (l *lexer) space() (bool, error) {
	any := false
	for {
		c, err := l.peekc()
		if err != nil {
			return any, err
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return any, nil
		}
		if c == '\n' {
			l.s.lines++
		}
		l.take(1, true)
		any = true
	}
}

// startTag reads a start tag after its '<'.
func (l *lexer) startTag() (*token, error) {
	n, err := l.name()
	if err != nil {
		return nil, err
	}
	name, err := l.qname(n)
	if err != nil {
		return nil, err
	}
	l.attrs = l.attrs[:0]
	for {
		sp, err := l.space()
		if err != nil {
			return nil, err
		}
		c, err := l.peekc()
		if err != nil {
			return nil, err
		}
		switch c {
		case '>':
			l.take(1, true)
		case '/':
			l.take(1, true)
			if c, err = l.getc(); err != nil {
				return nil, err
			} else if c != '>' {
				return nil, l.errorf("expected /> in element %s", n)
			}
			l.empty = true
		default:
			if !sp {
				return nil, l.errorf("expected white space before an attribute in element %s", n)
			}
			if err := l.attribute(n); err != nil {
				return nil, err
			}
			continue
		}
		break
	}
	l.stack = append(l.stack, n)
	var attrs []xml.Attr
	if len(l.attrs) > 0 {
		attrs = append([]xml.Attr(nil), l.attrs...)
	}
	return l.set(token{kind: tokStart, start: xml.StartElement{Name: name, Attr: attrs}}), nil
}

// attribute reads one name="value" of the element named elem.
func (l *lexer) attribute(elem string) error {
	n, err := l.name()
	if err != nil {
		return err
	}
	name, err := l.qname(n)
	if err != nil {
		return err
	}
	for _, a := range l.attrs {
		if a.Name == name {
			return l.errorf("attribute %s appears twice in element %s", n, elem)
		}
	}
	if _, err := l.space(); err != nil {
		return err
	}
	if c, err := l.getc(); err != nil {
		return err
	} else if c != '=' {
		return l.errorf("attribute %s of element %s has no value", n, elem)
	}
	if _, err := l.space(); err != nil {
		return err
	}
	q, err := l.getc()
	if err != nil {
		return err
	}
	if q != '"' && q != '\'' {
		return l.errorf("the value of attribute %s of element %s is not quoted", n, elem)
	}
	l.text, err = l.chars(l.text[:0], q)
	if err != nil {
		return err
	}
	l.attrs = append(l.attrs, xml.Attr{Name: name, Value: string(l.text)})
	return nil
}

// endTag reads an end tag after its "</".
func (l *lexer) endTag() (*token, error) {
	n, err := l.name()
	if err != nil {
		return nil, err
	}
	if _, err := l.space(); err != nil {
		return nil, err
	}
	if c, err := l.getc(); err != nil {
		return nil, err
	} else if c != '>' {
		return nil, l.errorf("invalid characters between </%s and >", n)
	}
	if len(l.stack) == 0 {
		return nil, l.errorf("unexpected end element </%s>", n)
	}
	if open := l.stack[len(l.stack)-1]; open != n {
		return nil, l.errorf("element <%s> closed by </%s>", open, n)
	}
	l.stack = l.stack[:len(l.stack)-1]
	return l.set(token{kind: tokEnd}), nil
}

// skipTo consumes bytes up to and including the first occurrence of end, recording them during a
// capture, and returns what came before end when keep is set.
func (l *lexer) skipTo(end string, keep bool) ([]byte, error) {
	s := l.s
	record := s.pinned > 0
	var kept []byte
	for {
		b := l.window()
		if b == nil {
			return nil, l.stop(false)
		}
		i := bytes.Index(b, []byte(end))
		n := i + len(end)
		if i < 0 {
			// Keep the last bytes, which may begin end, for the next window.
			n = len(b) - len(end) + 1
			if n <= 0 {
				// Fewer bytes than end in the window: at the bound or the end of input that is an
				// error, otherwise read more and look again.
				if s.off+int64(len(b)) >= l.bound {
					return nil, l.tooLarge()
				}
				if s.rerr != nil || s.fill() != nil {
					return nil, l.stop(false)
				}
				continue
			}
		}
		s.lines += bytes.Count(b[:n], []byte{'\n'})
		if keep {
			kept = append(kept, b[:n]...)
		}
		l.take(n, record)
		if i >= 0 {
			if keep {
				kept = kept[:len(kept)-len(end)]
			}
			return kept, nil
		}
	}
}

// procInst skips a processing instruction after its "<?", reading the XML declaration's version and
// encoding.
func (l *lexer) procInst() error {
	target, err := l.name()
	if err != nil {
		return err
	}
	body, err := l.skipTo("?>", target == "xml")
	if err != nil {
		return err
	}
	if target != "xml" {
		if strings.EqualFold(target, "xml") {
			return l.errorf("processing instruction target %s is reserved", target)
		}
		return nil
	}
	if v, ok := declParam(body, "version"); ok && v != "1.0" {
		return l.errorf("unsupported XML version %q", v)
	}
	if enc, ok := declParam(body, "encoding"); ok {
		switch strings.ToLower(enc) {
		case "utf-8", "utf8", "us-ascii", "ascii":
		default:
			return &SyntaxError{Code: CodeUnsupportedEncoding, Line: l.line(), Message: fmt.Sprintf("encoding %s is not supported; send UTF-8", quote(enc))}
		}
	}
	return nil
}

// declParam returns the value of name="value" in the body of an XML declaration.
func declParam(body []byte, name string) (string, bool) {
	for i := 0; ; {
		j := bytes.Index(body[i:], []byte(name))
		if j < 0 {
			return "", false
		}
		i += j + len(name)
		rest := bytes.TrimLeft(body[i:], " \t\r\n")
		if len(rest) == 0 || rest[0] != '=' {
			continue
		}
		rest = bytes.TrimLeft(rest[1:], " \t\r\n")
		if len(rest) == 0 || rest[0] != '"' && rest[0] != '\'' {
			return "", false
		}
		end := bytes.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return "", false
		}
		return string(rest[1 : 1+end]), true
	}
}

// bang reads what follows "<!": a comment (skipped), a CDATA section (text) or a declaration
// (refused).
func (l *lexer) bang() (t *token, skip bool, err error) {
	c, err := l.getc()
	if err != nil {
		return nil, false, err
	}
	switch c {
	case '-':
		if c, err = l.getc(); err != nil {
			return nil, false, err
		} else if c != '-' {
			return nil, false, l.errorf("invalid sequence <!- not part of <!--")
		}
		if _, err := l.skipTo("--", false); err != nil {
			return nil, false, err
		}
		if c, err = l.getc(); err != nil {
			return nil, false, err
		} else if c != '>' {
			return nil, false, l.errorf(`invalid sequence "--" not allowed in comments`)
		}
		return nil, true, nil
	case '[':
		for i := 0; i < len("CDATA["); i++ {
			if c, err = l.getc(); err != nil {
				return nil, false, err
			} else if c != "CDATA["[i] {
				return nil, false, l.errorf("invalid <![ sequence")
			}
		}
		body, err := l.skipTo("]]>", true)
		if err != nil {
			return nil, false, err
		}
		l.text = l.text[:0]
		for i := 0; i < len(body); {
			r, size := utf8.DecodeRune(body[i:])
			switch {
			case r == utf8.RuneError && size == 1:
				return nil, false, l.errorf("invalid UTF-8 in a CDATA section")
			case !isXMLChar(r):
				return nil, false, l.errorf("illegal character code %U in a CDATA section", r)
			case r == '\r':
				if i+1 < len(body) && body[i+1] == '\n' {
					i++
				}
				l.text = append(l.text, '\n')
			default:
				l.text = append(l.text, body[i:i+size]...)
			}
			i += size
		}
		return l.set(token{kind: tokText, text: l.text}), false, nil
	}
	return nil, false, &SyntaxError{Code: CodeDTDForbidden, Line: l.tokLine,
		Message: "a DOCTYPE or other <!…> declaration is not allowed in an edXML package"}
}

// interned holds the names of the format, so that reading a package allocates no string for them.
var interned = func() map[string]string {
	m := make(map[string]string)
	for _, n := range strings.Fields(`edXML edXMLEnvelope edXMLHeader edXMLBody edXMLManifest Reference
		AttachmentEncoded Attachment ContentId ContentType ContentTransferEncoded AttachmentName Description
		MessageHeader MessageStatus TraceHeaderList TraceHeader Bussiness BussinessDocType BussinessDocReason
		BussinessDocumentInfo DocumentInfo DocumentReceiver ReceiverList ReceiverType ReplacementInfoList
		ReplacementInfo OrganIdList Code CodeNotation CodeNumber Competence Content DocumentId DocumentType
		Type TypeDetail TypeName TyperNotation DueDate Email Fax From To ToPlaces Place FullName OrganAdd
		OrganId OrganName OrganizationInCharge OtherInfo Priority Appendixes Appendix SphereOfPromulgation
		PageAmount PromulgationAmount PromulgationDate PromulgationInfo PromulgationPlace ResponseFor
		SignerInfo Position SteeringType Subject Telephone Timestamp Website Direction Department Staff
		StaffInfo StatusCode Mobile Paper Signature SignedInfo CanonicalizationMethod SignatureMethod
		DigestMethod DigestValue SignatureValue KeyInfo X509Data X509Certificate Transforms Transform
		Algorithm URI Id version xmlns`) {
		m[n] = n
		for _, p := range []string{"edXML", "ns", "ns1", "ns2", "ds", "dsig"} {
			m[p+":"+n] = p + ":" + n
		}
	}
	return m
}()

// intern returns b as a string, without allocating for a name of the format.
func intern(b []byte) string {
	if s, ok := interned[string(b)]; ok {
		return s
	}
	return string(b)
}

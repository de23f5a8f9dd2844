package edxml

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// body reads edXMLBody.
func (r *reader) body() error {
	p := r.p
	return r.children(&p.BodyExtra, func(t xml.StartElement, local string, n int) (bool, error) {
		if local != "edXMLManifest" {
			return false, nil
		}
		if n > 0 {
			r.dup("edXMLBody/edXMLManifest")
		}
		m := &Manifest{}
		for _, a := range t.Attr {
			if a.Name.Space == "" && a.Name.Local == "version" {
				m.Version = a.Value
			}
		}
		p.Manifest = m
		return true, r.children(&m.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
			if local != "Reference" {
				return false, nil
			}
			m.References = append(m.References, Reference{})
			ref := &m.References[len(m.References)-1]
			path := "edXMLBody/edXMLManifest/" + idx("Reference", len(m.References)-1)
			return true, r.children(&ref.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
				var dst *string
				switch local {
				case "ContentId":
					dst = &ref.ContentId
				case "ContentType":
					dst = &ref.ContentType
				case "Description":
					dst = &ref.Description
				case "AttachmentName":
					dst = &ref.AttachmentName
				default:
					return false, nil
				}
				return true, r.str(t, n, path, dst)
			})
		})
	})
}

// attachmentEncoded reads AttachmentEncoded; more than one is read as one list.
func (r *reader) attachmentEncoded() error {
	p := r.p
	return r.children(&p.AttachmentEncodedExtra, func(t xml.StartElement, local string, n int) (bool, error) {
		if local != "Attachment" {
			return false, nil
		}
		r.attachments++
		if r.attachments > r.o.MaxAttachments {
			return false, r.errorf(CodeTooManyAttachments, "the package has more than %d attachments", r.o.MaxAttachments)
		}
		i := len(p.Attachments)
		p.Attachments = append(p.Attachments, Attachment{})
		a := &p.Attachments[i]
		path := "AttachmentEncoded/" + idx("Attachment", i)
		hasContent := false
		err := r.children(&a.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
			var dst *string
			switch local {
			case "ContentId":
				dst = &a.ContentId
			case "AttachmentName":
				dst = &a.AttachmentName
			case "Description":
				dst = &a.Description
			case "ContentType":
				dst = &a.ContentType
			case "ContentTransferEncoded":
				if hasContent {
					return false, r.errorf(CodeUnexpectedElement, "attachment %d has a second ContentTransferEncoded", i)
				}
				hasContent = true
				ref, size, err := r.content(a.AttachmentMeta)
				a.Ref, a.Size = ref, size
				return true, err
			default:
				return false, nil
			}
			return true, r.str(t, n, path, dst)
		})
		if err == nil && !hasContent {
			if p.noContent == nil {
				p.noContent = make(map[int]bool)
			}
			p.noContent[i] = true
		}
		return true, err
	})
}

// content streams the text of the ContentTransferEncoded element just opened through a base64
// decoder to the Attachment callback, then reads its end tag. The text is taken from the source
// directly, never through the lexer, so it is never held in memory.
func (r *reader) content(meta AttachmentMeta) (ref string, size int64, err error) {
	if !r.lx.empty {
		t := &base64Text{s: r.src, line: r.line()}
		cr := &countReader{r: base64.NewDecoder(base64.StdEncoding, t)}
		var cbErr error
		if r.o.Attachment != nil {
			ref, cbErr = r.o.Attachment(meta, cr)
		}
		if cbErr == nil && cr.err == nil && t.err == nil {
			_, _ = io.Copy(io.Discard, cr)
		}
		r.src.lines += t.lines
		switch {
		case t.err != nil:
			return "", 0, t.err
		case cr.err != nil:
			return "", 0, &SyntaxError{Code: CodeBadBase64, Line: t.line + t.lines,
				Message: fmt.Sprintf("attachment %s: the content is not valid base64: %v", quote(meta.ContentId), cr.err)}
		case cbErr != nil:
			return "", 0, fmt.Errorf("edxml.Read: attachment %s: %w", quote(meta.ContentId), cbErr)
		}
		size = cr.n
	}
	tok, err := r.next()
	if err != nil {
		return "", 0, r.eof(err)
	}
	if tok.kind == tokStart {
		return "", 0, r.errorf(CodeUnexpectedElement, "element %s inside ContentTransferEncoded, which holds only base64 text", tok.start.Name.Local)
	}
	return ref, size, nil
}

// countReader counts the bytes read through it and keeps the first error other than io.EOF.
type countReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// base64Text reads the text of a ContentTransferEncoded element straight from the source and returns
// only its base64 characters. It drops XML white space (and character references to white space),
// follows CDATA sections, skips comments and processing instructions, and stops before the '<' of
// the end tag, leaving it to the lexer. Anything else is bad base64.
type base64Text struct {
	s        *source
	line     int   // input line of the start tag
	lines    int   // newlines consumed
	consumed int64 // bytes consumed
	cdata    bool
	done     bool
	err      error
}

func isBase64Char(b byte) bool {
	return b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '+' || b == '/' || b == '='
}

func (t *base64Text) fail(format string, args ...any) {
	t.err = &SyntaxError{Code: CodeBadBase64, Line: t.line + t.lines, Message: fmt.Sprintf(format, args...)}
}

// skip consumes n bytes that are known to be buffered.
func (t *base64Text) skip(n int) {
	for _, b := range t.s.buf[t.s.pos : t.s.pos+n] {
		if b == '\n' {
			t.lines++
		}
	}
	t.s.pos += n
	t.s.off += int64(n)
	t.consumed += int64(n)
}

// skipUntil consumes bytes up to and including the first occurrence of end.
func (t *base64Text) skipUntil(end string) {
	matched := 0
	for matched < len(end) {
		b, err := t.s.next()
		if err != nil {
			t.eofErr(err)
			return
		}
		t.consumed++
		if b == '\n' {
			t.lines++
		}
		switch {
		case b == end[matched]:
			matched++
		case b == end[0]:
			matched = 1
		default:
			matched = 0
		}
	}
}

func (t *base64Text) eofErr(err error) {
	var se *SyntaxError
	switch {
	case errors.As(err, &se):
		t.err = se
	case err == io.EOF:
		t.err = &SyntaxError{Code: CodeMalformedXML, Line: t.line + t.lines, Message: "the input ends inside an attachment's content"}
	default:
		t.err = fmt.Errorf("edxml.Read: %w", err)
	}
}

func (t *base64Text) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && !t.done && t.err == nil {
		s := t.s
		if s.pos == s.end {
			if err := s.fill(); err != nil {
				t.eofErr(err)
				break
			}
		}
		if s.off >= s.limit {
			t.err = &SyntaxError{Code: CodeTooLarge, Line: t.line + t.lines, Message: fmt.Sprintf("the package is larger than %d bytes", s.limit)}
			break
		}
		buf := s.buf[s.pos:s.end]
		if room := s.limit - s.off; int64(len(buf)) > room {
			buf = buf[:room]
		}
		i := 0
		for i < len(buf) && n < len(p) {
			b := buf[i]
			if isBase64Char(b) {
				p[n] = b
				n++
			} else if b == '\n' {
				t.lines++
			} else if b != ' ' && b != '\t' && b != '\r' {
				break
			}
			i++
		}
		s.pos += i
		s.off += int64(i)
		t.consumed += int64(i)
		if i == len(buf) || n == len(p) {
			continue
		}
		t.special(p, &n)
	}
	if t.err != nil {
		return n, t.err
	}
	if n == 0 && t.done {
		return 0, io.EOF
	}
	return n, nil
}

// special handles the byte at the source position that is neither base64 nor white space.
func (t *base64Text) special(p []byte, n *int) {
	s := t.s
	b := s.buf[s.pos]
	if t.cdata {
		if q := s.peek(3); string(q) == "]]>" {
			t.skip(3)
			t.cdata = false
			return
		}
		t.fail("character %q in an attachment's base64 content", b)
		return
	}
	switch b {
	case '<':
		q := s.peek(9)
		switch {
		case bytes.HasPrefix(q, []byte("<![CDATA[")):
			t.skip(9)
			t.cdata = true
		case bytes.HasPrefix(q, []byte("<!--")):
			t.skip(4)
			t.skipUntil("-->")
		case bytes.HasPrefix(q, []byte("<?")):
			t.skip(2)
			t.skipUntil("?>")
		default:
			// The end tag (or a stray element, which the caller reports): the lexer takes over here.
			t.done = true
		}
	case '&':
		q := s.peek(10)
		end := bytes.IndexByte(q, ';')
		c, ok := charRef(q[:max(end, 0)])
		if end < 0 || !ok {
			t.fail("entity or reference %q in an attachment's base64 content", q[:max(end+1, 1)])
			return
		}
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			t.skip(end + 1)
			if c == '\n' {
				t.lines++
			}
		case c < 0x80 && isBase64Char(byte(c)):
			t.skip(end + 1)
			p[*n] = byte(c)
			*n++
		default:
			t.fail("character reference %q in an attachment's base64 content", q[:end+1])
		}
	default:
		t.fail("character %q in an attachment's base64 content", b)
	}
}

// charRef decodes "&#NN" or "&#xHH" (without the ';').
func charRef(q []byte) (rune, bool) {
	if len(q) < 3 || q[0] != '&' || q[1] != '#' {
		return 0, false
	}
	digits, base := q[2:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 6 {
		return 0, false
	}
	var v rune
	for _, d := range digits {
		var x rune
		switch {
		case d >= '0' && d <= '9':
			x = rune(d - '0')
		case base == 16 && d >= 'a' && d <= 'f':
			x = rune(d-'a') + 10
		case base == 16 && d >= 'A' && d <= 'F':
			x = rune(d-'A') + 10
		default:
			return 0, false
		}
		v = v*rune(base) + x
	}
	return v, true
}

package edxml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadOptions configures Read. The zero value reads with the default limits and discards attachment
// contents.
type ReadOptions struct {
	// Attachment, if set, is called for each attachment while the XML is parsed, with the metadata read
	// so far (ContentId, AttachmentName, Description and ContentType when they come before the
	// content, as they do in every known sender) and a reader of the base64-DECODED content. It stores
	// the content and returns a reference, which Read puts in Attachment.Ref. It need not read to the
	// end: Read drains the rest. A bad base64 text makes the reader fail; Read then returns a
	// *SyntaxError (bad_base64) whatever the callback returned. If Read fails after a callback stored
	// content, the caller removes it. The callback must not keep content after it returns. If
	// Attachment is nil, contents are decoded and discarded; only
	// their sizes are kept.
	Attachment func(a AttachmentMeta, content io.Reader) (ref string, err error)

	MaxDepth       int   // element nesting; default 64
	MaxTextSize    int   // bytes of one text field (after decoding entities); default 64 KiB
	MaxAttrSize    int   // bytes of one attribute value; default 4 KiB
	MaxElements    int   // elements in the package, kept raw ones included; default 100 000
	MaxAttachments int   // Attachment elements; default 1 000
	MaxTotalSize   int64 // bytes of input, attachments included; default 1 GiB
	MaxRawSize     int   // bytes of the Signature or of one unknown element kept raw; default 1 MiB
}

// The default limits of ReadOptions.
const (
	DefaultMaxDepth       = 64
	DefaultMaxTextSize    = 64 << 10
	DefaultMaxAttrSize    = 4 << 10
	DefaultMaxElements    = 100_000
	DefaultMaxAttachments = 1_000
	DefaultMaxTotalSize   = 1 << 30
	DefaultMaxRawSize     = 1 << 20
)

func (o ReadOptions) withDefaults() ReadOptions {
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxTextSize <= 0 {
		o.MaxTextSize = DefaultMaxTextSize
	}
	if o.MaxAttrSize <= 0 {
		o.MaxAttrSize = DefaultMaxAttrSize
	}
	if o.MaxElements <= 0 {
		o.MaxElements = DefaultMaxElements
	}
	if o.MaxAttachments <= 0 {
		o.MaxAttachments = DefaultMaxAttachments
	}
	if o.MaxTotalSize <= 0 {
		o.MaxTotalSize = DefaultMaxTotalSize
	}
	if o.MaxRawSize <= 0 {
		o.MaxRawSize = DefaultMaxRawSize
	}
	return o
}

// Read reads one edXML package (a document or a status packet) from r, streaming: the header is
// parsed token by token and each attachment's content goes to opts.Attachment as it is decoded, so
// memory use does not grow with the attachments.
//
// It accepts the QCVN 102 namespace with or without a prefix, the document element edXML (or, leniently,
// edXMLEnvelope), AttachmentEncoded beside the envelope (or, leniently, inside it), and the status
// fields in MessageHeader (the SDK shape) or in MessageStatus. Elements of the QCVN 102 namespace are
// matched by local name; an element in another namespace, or one the format does not define, is kept
// as a RawElement in its parent's Extra. Attributes of known elements, other than the manifest's
// version, are not kept, nor is stray text between the children of a known element. An element that
// may appear once but appears again overwrites the first; Validate reports it (duplicate_element).
//
// A DOCTYPE or any other <!…> directive is refused (dtd_forbidden) and only the five predefined
// entities are known (undefined_entity otherwise). Malformed input gives a *SyntaxError; a package
// that reads but breaks the format's rules is reported by Validate, not by Read. An error of r itself
// is returned wrapped.
func Read(r io.Reader, opts ReadOptions) (*Package, error) {
	o := opts.withDefaults()
	tokenLimit := 2*o.MaxTextSize + 4*o.MaxAttrSize + 4096
	src := newSource(r, o.MaxTotalSize, tokenLimit, o.MaxRawSize)
	rd := &reader{src: src, o: o}
	rd.adjust = src.skipBOM()
	d := xml.NewDecoder(src)
	d.Strict = true
	d.CharsetReader = func(label string, input io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf8", "us-ascii", "ascii":
			return input, nil
		}
		return nil, &SyntaxError{Code: CodeUnsupportedEncoding, Message: fmt.Sprintf("encoding %s is not supported; send UTF-8", quote(label))}
	}
	rd.d = d
	p, err := rd.document()
	if err != nil {
		return nil, err
	}
	return p, nil
}

// reader holds the state of one Read.
type reader struct {
	d   *xml.Decoder
	src *source
	o   ReadOptions
	p   *Package

	// adjust counts the input bytes consumed outside the decoder (a BOM, attachment texts), so that
	// d.InputOffset()+adjust is the absolute offset of the next token.
	adjust      int64
	depth       int
	elements    int
	attachments int
	inRoot      bool
	statusSeen  bool

	ns      []binding // namespace declarations in scope, innermost last
	nsMarks []int     // len(ns) before each open element
}

type binding struct{ prefix, uri string }

// line returns the input line of the decoder's position.
func (r *reader) line() int {
	l, _ := r.d.InputPos()
	return l + r.src.lines
}

// errorf returns a *SyntaxError at the current line.
func (r *reader) errorf(code, format string, args ...any) error {
	return &SyntaxError{Code: code, Line: r.line(), Message: fmt.Sprintf(format, args...)}
}

// fail turns an error of the decoder into the error Read returns.
func (r *reader) fail(err error) error {
	var se *SyntaxError
	if errors.As(err, &se) {
		if se.Line == 0 {
			se.Line = r.line()
		}
		return se
	}
	if err == io.EOF {
		return io.EOF
	}
	if rerr := r.src.rerr; rerr != nil && rerr != io.EOF && errors.Is(err, rerr) {
		return fmt.Errorf("edxml.Read: %w", err)
	}
	code := CodeMalformedXML
	if !r.inRoot {
		code = CodeNotXML
	}
	var xe *xml.SyntaxError
	if errors.As(err, &xe) {
		if strings.HasPrefix(xe.Msg, "invalid character entity") {
			code = CodeUndefinedEntity
		}
		return &SyntaxError{Code: code, Line: xe.Line + r.src.lines, Message: xe.Msg}
	}
	return &SyntaxError{Code: code, Line: r.line(), Message: strings.TrimPrefix(err.Error(), "xml: ")}
}

// next returns the next start element, end element or text, skipping comments and processing
// instructions and enforcing the limits.
func (r *reader) next() (xml.Token, error) {
	for {
		r.src.mark(r.d.InputOffset() + r.adjust)
		startLine := r.line()
		tok, err := r.d.Token()
		if err != nil {
			return nil, r.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			r.depth++
			if r.depth > r.o.MaxDepth {
				return nil, r.errorf(CodeTooDeep, "elements are nested deeper than %d", r.o.MaxDepth)
			}
			r.elements++
			if r.elements > r.o.MaxElements {
				return nil, r.errorf(CodeTooManyElements, "the package has more than %d elements", r.o.MaxElements)
			}
			mark := len(r.ns)
			for _, a := range t.Attr {
				if len(a.Value) > r.o.MaxAttrSize {
					return nil, r.errorf(CodeTooLarge, "attribute %s of %s is longer than %d bytes", a.Name.Local, t.Name.Local, r.o.MaxAttrSize)
				}
				switch {
				case a.Name.Space == "xmlns":
					r.ns = append(r.ns, binding{a.Name.Local, a.Value})
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					r.ns = append(r.ns, binding{"", a.Value})
				}
			}
			r.nsMarks = append(r.nsMarks, mark)
			return tok, nil // tok, not t: boxing t again would allocate
		case xml.EndElement:
			r.depth--
			if n := len(r.nsMarks); n > 0 {
				r.ns = r.ns[:r.nsMarks[n-1]]
				r.nsMarks = r.nsMarks[:n-1]
			}
			return tok, nil
		case xml.CharData:
			return tok, nil
		case xml.Directive:
			return nil, &SyntaxError{Code: CodeDTDForbidden, Line: startLine, Message: "a DOCTYPE or other <!…> declaration is not allowed in an edXML package"}
		}
	}
}

// lookup returns the namespace bound to prefix in the current scope.
func (r *reader) lookup(prefix string) (string, bool) {
	for i := len(r.ns) - 1; i >= 0; i-- {
		if r.ns[i].prefix == prefix {
			return r.ns[i].uri, true
		}
	}
	if prefix == "" {
		return "", true
	}
	return "", false
}

// handler handles one child element of a known element. local is the child's local name when it is
// in the edXML namespace and "" otherwise; n counts the earlier siblings of the same local name. It
// returns false to have the child kept as an unknown element.
type handler func(t xml.StartElement, local string, n int) (bool, error)

type nameCount struct {
	name string
	n    int
}

// children reads the children of the element just opened, up to and including its end tag. Text
// between children is ignored; unknown children are kept in extra.
func (r *reader) children(extra *[]RawElement, h handler) error {
	// Occurrences of each child name, in an array that stays on the stack for the usual few names.
	var buf [16]nameCount
	counts := buf[:0]
	for {
		tok, err := r.next()
		if err != nil {
			return r.eof(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			local := ""
			if t.Name.Space == Namespace {
				local = t.Name.Local
			}
			n := -1
			for i := range counts {
				if counts[i].name == t.Name.Local {
					n = counts[i].n
					counts[i].n++
					break
				}
			}
			if n < 0 {
				n = 0
				counts = append(counts, nameCount{t.Name.Local, 1})
			}
			ok, err := h(t, local, n)
			if err != nil {
				return err
			}
			if !ok {
				raw, err := r.capture()
				if err != nil {
					return err
				}
				*extra = append(*extra, raw)
			}
		case xml.EndElement:
			return nil
		}
	}
}

// eof turns an io.EOF inside the document element into a syntax error.
func (r *reader) eof(err error) error {
	if err == io.EOF {
		return r.errorf(CodeMalformedXML, "unexpected end of input")
	}
	return err
}

// text reads the text of the element just opened, up to and including its end tag.
func (r *reader) text(start xml.StartElement) (string, error) {
	var b strings.Builder
	for {
		tok, err := r.next()
		if err != nil {
			return "", r.eof(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			if b.Len()+len(t) > r.o.MaxTextSize {
				return "", r.errorf(CodeTooLarge, "the text of %s is longer than %d bytes", start.Name.Local, r.o.MaxTextSize)
			}
			b.Write(t)
		case xml.StartElement:
			return "", r.errorf(CodeUnexpectedElement, "element %s inside %s, which holds only text", t.Name.Local, start.Name.Local)
		case xml.EndElement:
			return b.String(), nil
		}
	}
}

// str reads a text field that may appear once into dst, noting a duplicate.
func (r *reader) str(t xml.StartElement, n int, path string, dst *string) error {
	if n > 0 {
		r.dup(path + "/" + t.Name.Local)
	}
	s, err := r.text(t)
	*dst = s
	return err
}

// dup notes an element that appeared more than once where it may appear once.
func (r *reader) dup(path string) {
	r.p.readProblems = append(r.p.readProblems, Problem{Code: CodeDuplicateElement, Path: path,
		Message: "the element appears more than once; the last one was kept"})
}

// capture reads the element just opened, up to and including its end tag, and returns its bytes as
// they were in the input.
func (r *reader) capture() (RawElement, error) {
	from := r.src.recBase
	r.src.pinned++
	depth := 1
	for depth > 0 {
		tok, err := r.next()
		if err != nil {
			r.src.pinned--
			return RawElement{}, r.eof(err)
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	r.src.pinned--
	b, err := r.src.recorded(from, r.d.InputOffset()+r.adjust)
	if err != nil {
		return RawElement{}, err
	}
	raw := RawElement{XML: append([]byte(nil), b...)}
	// After the end tag the scope is the parent's, which is where the free prefixes resolve.
	for _, prefix := range freePrefixes(raw.XML) {
		if uri, ok := r.lookup(prefix); ok {
			if raw.NS == nil {
				raw.NS = make(map[string]string, 2)
			}
			raw.NS[prefix] = uri
		}
	}
	return raw, nil
}

// document reads the whole input.
func (r *reader) document() (*Package, error) {
	p := &Package{}
	r.p = p
	var root xml.StartElement
prolog:
	for {
		tok, err := r.next()
		if err == io.EOF {
			return nil, &SyntaxError{Code: CodeNotXML, Line: r.line(), Message: "the input has no XML element"}
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if !isSpace(t) {
				return nil, r.errorf(CodeNotXML, "the input has text before the document element")
			}
		case xml.StartElement:
			root = t
			break prolog
		}
	}
	r.inRoot = true
	if root.Name.Space != Namespace {
		msg := fmt.Sprintf("the document element %s is in namespace %s, not %s", root.Name.Local, quote(root.Name.Space), Namespace)
		if root.Name.Space == "http://www.go.vn/eDoc" {
			msg += " (this is the non-standard eDoc variant, not QCVN 102:2016)"
		}
		return nil, r.errorf(CodeWrongNamespace, "%s", msg)
	}
	var err error
	switch root.Name.Local {
	case "edXML":
		var envelopes int
		err = r.children(&p.RootExtra, func(t xml.StartElement, local string, n int) (bool, error) {
			switch local {
			case "edXMLEnvelope":
				if envelopes++; envelopes > 1 {
					r.dup("edXMLEnvelope")
				}
				return true, r.envelope()
			case "AttachmentEncoded":
				return true, r.attachmentEncoded()
			}
			return false, nil
		})
	case "edXMLEnvelope":
		err = r.envelope()
	default:
		return nil, r.errorf(CodeWrongElement, "the document element is %s, not edXML", root.Name.Local)
	}
	if err != nil {
		return nil, err
	}
	r.inRoot = false
	for {
		tok, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if se, ok := err.(*SyntaxError); ok && se.Code == CodeNotXML {
				se.Code = CodeMalformedXML
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			if !isSpace(t) {
				return nil, r.errorf(CodeMalformedXML, "text after the document element")
			}
		case xml.StartElement:
			return nil, r.errorf(CodeMalformedXML, "a second element %s after the document element", t.Name.Local)
		}
	}
	p.kind = KindDocument
	if r.statusSeen {
		p.kind = KindStatus
	}
	return p, nil
}

// envelope reads edXMLEnvelope.
func (r *reader) envelope() error {
	p := r.p
	var headers, bodies int
	return r.children(&p.EnvelopeExtra, func(t xml.StartElement, local string, n int) (bool, error) {
		switch local {
		case "edXMLHeader":
			if headers++; headers > 1 {
				r.dup("edXMLHeader")
			}
			return true, r.header()
		case "edXMLBody":
			if bodies++; bodies > 1 {
				r.dup("edXMLBody")
			}
			return true, r.body()
		case "AttachmentEncoded":
			return true, r.attachmentEncoded()
		}
		return false, nil
	})
}

// header reads edXMLHeader.
func (r *reader) header() error {
	p := r.p
	return r.children(&p.HeaderExtra, func(t xml.StartElement, local string, n int) (bool, error) {
		switch local {
		case "MessageHeader":
			if n > 0 {
				r.dup("MessageHeader")
			}
			return true, r.messageHeader("MessageHeader", &p.Header)
		case "MessageStatus":
			if n > 0 {
				r.dup("MessageStatus")
			}
			r.statusSeen = true
			p.StatusWrapped = true
			return true, r.messageHeader("MessageStatus", &p.Header)
		case "TraceHeaderList":
			if n > 0 {
				r.dup("TraceHeaderList")
			}
			tl, err := r.traceHeaderList()
			p.Trace = tl
			return true, err
		}
		// The sample's Signature inherits the edXML default namespace; a real one is in the XML-DSig
		// namespace. Either is the signature.
		if t.Name.Local == "Signature" {
			if p.Signature != nil {
				r.dup("Signature")
			}
			raw, err := r.capture()
			p.Signature = &raw
			return true, err
		}
		return false, nil
	})
}

// isSpace reports whether b is only XML white space.
func isSpace(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}

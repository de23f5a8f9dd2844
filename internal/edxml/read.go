package edxml

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
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
	src.skipBOM()
	rd := &reader{src: src, lx: &lexer{s: src}, o: o}
	p, err := rd.document()
	if err != nil {
		return nil, err
	}
	return p, nil
}

// reader holds the state of one Read.
type reader struct {
	lx  *lexer
	src *source
	o   ReadOptions
	p   *Package

	depth       int
	elements    int
	attachments int
	inRoot      bool
	statusSeen  bool

	ns      []binding // namespace declarations in scope, innermost last
	nsMarks []int     // len(ns) before each open element

	// The prefixes of the last start tag as written, before next resolved them: capture needs them.
	prefix      string
	attrPrefix  []string
	captureMark int      // len(ns) when the element being captured opened, -1 outside a capture
	free        []string // prefixes the captured element uses without declaring them
}

type binding struct{ prefix, uri string }

// xmlNamespace is the namespace the prefix "xml" is bound to by definition.
const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// line returns the current input line.
func (r *reader) line() int { return r.lx.line() }

// errorf returns a *SyntaxError at the current line.
func (r *reader) errorf(code, format string, args ...any) error {
	return &SyntaxError{Code: code, Line: r.line(), Message: fmt.Sprintf(format, args...)}
}

// fail turns an error of the lexer into the error Read returns: malformed input before the document
// element is not XML at all.
func (r *reader) fail(err error) error {
	var se *SyntaxError
	if errors.As(err, &se) && se.Code == CodeMalformedXML && !r.inRoot {
		se.Code = CodeNotXML
	}
	return err
}

// next returns the next start element, end element or text, enforcing the limits and resolving
// namespace prefixes.
func (r *reader) next() (*token, error) {
	t, err := r.lx.next()
	if err != nil {
		return nil, r.fail(err)
	}
	switch t.kind {
	case tokStart:
		r.depth++
		if r.depth > r.o.MaxDepth {
			return nil, r.errorf(CodeTooDeep, "elements are nested deeper than %d", r.o.MaxDepth)
		}
		r.elements++
		if r.elements > r.o.MaxElements {
			return nil, r.errorf(CodeTooManyElements, "the package has more than %d elements", r.o.MaxElements)
		}
		mark := len(r.ns)
		for _, a := range t.start.Attr {
			if len(a.Value) > r.o.MaxAttrSize {
				return nil, r.errorf(CodeTooLarge, "attribute %s of %s is longer than %d bytes", a.Name.Local, t.start.Name.Local, r.o.MaxAttrSize)
			}
			switch {
			case a.Name.Space == "xmlns":
				r.ns = append(r.ns, binding{a.Name.Local, a.Value})
			case a.Name.Space == "" && a.Name.Local == "xmlns":
				r.ns = append(r.ns, binding{"", a.Value})
			}
		}
		r.nsMarks = append(r.nsMarks, mark)
		r.resolve(&t.start)
	case tokEnd:
		r.depth--
		if n := len(r.nsMarks); n > 0 {
			r.ns = r.ns[:r.nsMarks[n-1]]
			r.nsMarks = r.nsMarks[:n-1]
		}
	}
	return t, nil
}

// resolve replaces the prefixes of a start tag's names by their namespaces, as encoding/xml does:
// an unprefixed element is in the default namespace, an unprefixed attribute in none, and an
// unbound prefix is left as it is. The prefixes as written are kept for capture.
func (r *reader) resolve(t *xml.StartElement) {
	r.prefix = t.Name.Space
	r.attrPrefix = r.attrPrefix[:0]
	if r.captureMark >= 0 {
		r.use(t.Name.Space)
	}
	t.Name.Space = r.namespace(t.Name.Space)
	for i := range t.Attr {
		a := &t.Attr[i]
		r.attrPrefix = append(r.attrPrefix, a.Name.Space)
		if a.Name.Space == "" || a.Name.Space == "xmlns" {
			continue
		}
		if r.captureMark >= 0 {
			r.use(a.Name.Space)
		}
		a.Name.Space = r.namespace(a.Name.Space)
	}
}

func (r *reader) namespace(prefix string) string {
	if prefix == "xml" {
		return xmlNamespace
	}
	if uri, ok := r.lookup(prefix); ok {
		return uri
	}
	return prefix
}

// use notes a prefix used inside the element being captured: it is free unless declared inside it.
func (r *reader) use(prefix string) {
	if prefix == "xml" || prefix == "xmlns" || slices.Contains(r.free, prefix) {
		return
	}
	for _, b := range r.ns[r.captureMark:] {
		if b.prefix == prefix {
			return
		}
	}
	r.free = append(r.free, prefix)
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
		switch tok.kind {
		case tokStart:
			t := tok.start
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
		case tokEnd:
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
	// Usually one text token, read into one string; comments or CDATA split the text into more.
	var (
		first string
		more  []byte
		n     int
	)
	for {
		tok, err := r.next()
		if err != nil {
			return "", r.eof(err)
		}
		switch tok.kind {
		case tokText:
			if len(first)+len(more)+len(tok.text) > r.o.MaxTextSize {
				return "", r.errorf(CodeTooLarge, "the text of %s is longer than %d bytes", start.Name.Local, r.o.MaxTextSize)
			}
			switch n {
			case 0:
				first = string(tok.text)
			case 1:
				more = append([]byte(first), tok.text...)
				first = ""
			default:
				more = append(more, tok.text...)
			}
			n++
		case tokStart:
			return "", r.errorf(CodeUnexpectedElement, "element %s inside %s, which holds only text", tok.start.Name.Local, start.Name.Local)
		case tokEnd:
			if n > 1 {
				return string(more), nil
			}
			return first, nil
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
// they were in the input, with the namespaces of the prefixes it uses without declaring them.
func (r *reader) capture() (RawElement, error) {
	from := r.src.recBase
	r.src.pinned++
	defer func() { r.src.pinned-- }()
	// The start tag has been read: its own declarations are in scope and its prefixes known.
	r.captureMark = r.nsMarks[len(r.nsMarks)-1]
	r.free = r.free[:0]
	r.use(r.prefix)
	for _, p := range r.attrPrefix {
		if p != "" {
			r.use(p)
		}
	}
	defer func() { r.captureMark = -1 }()
	depth := 1
	for depth > 0 {
		tok, err := r.next()
		if err != nil {
			return RawElement{}, r.eof(err)
		}
		switch tok.kind {
		case tokStart:
			depth++
		case tokEnd:
			depth--
		}
	}
	b, err := r.src.recorded(from, r.src.off)
	if err != nil {
		return RawElement{}, err
	}
	raw := RawElement{XML: append([]byte(nil), b...)}
	// After the end tag the scope is the parent's, which is where the free prefixes resolve.
	slices.Sort(r.free)
	for _, prefix := range r.free {
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
	r.captureMark = -1
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
		switch tok.kind {
		case tokText:
			if !isSpace(tok.text) {
				return nil, r.errorf(CodeNotXML, "the input has text before the document element")
			}
		case tokStart:
			root = tok.start
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
		switch tok.kind {
		case tokText:
			if !isSpace(tok.text) {
				return nil, r.errorf(CodeMalformedXML, "text after the document element")
			}
		case tokStart:
			return nil, r.errorf(CodeMalformedXML, "a second element %s after the document element", tok.start.Name.Local)
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

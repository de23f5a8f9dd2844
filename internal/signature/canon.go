package signature

import (
	"bytes"
	"io"
	"slices"
	"strings"
)

// Canonicalization algorithms (CanonicalizationMethod and Transform URIs).
const (
	// C14N10 is Canonical XML 1.0 without comments.
	C14N10 = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
	// C14N10Comments is Canonical XML 1.0 with comments.
	C14N10Comments = C14N10 + "#WithComments"
	// ExcC14N is Exclusive XML Canonicalization 1.0 without comments.
	ExcC14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
	// ExcC14NComments is Exclusive XML Canonicalization 1.0 with comments.
	ExcC14NComments = ExcC14N + "WithComments"
)

// CanonOptions selects how Canonicalize canonicalizes a document.
type CanonOptions struct {
	// Method is one of C14N10, C14N10Comments, ExcC14N and ExcC14NComments; empty means C14N10.
	Method string
	// InclusivePrefixes is the InclusiveNamespaces PrefixList of exclusive canonicalization: prefixes
	// ("#default" for the default namespace) rendered as canonical XML 1.0 would, used or not.
	InclusivePrefixes []string
	// Enveloped applies the enveloped-signature transform: the first XML-DSig Signature element in the
	// document, with everything inside it, is left out.
	Enveloped bool
}

// Canonicalize writes the canonical form of the XML document read from src to dst, streaming: memory
// use does not grow with the size of text nodes. Documents with a DTD are refused.
func Canonicalize(dst io.Writer, src io.Reader, opts CanonOptions) error {
	c, err := newCanon(dst, opts.Method, opts.InclusivePrefixes)
	if err != nil {
		return err
	}
	sc := newScanner(src)
	skip, skipped := -1, false
	for {
		k, err := sc.next()
		if err != nil {
			return err
		}
		if k == tokEOF {
			break
		}
		if skip >= 0 {
			if k == tokEnd && sc.depth() < skip {
				skip = -1
			}
			continue
		}
		if k == tokStart && opts.Enveloped && !skipped && sc.isElement(nsDSig, "Signature") {
			skip, skipped = sc.depth(), true
			continue
		}
		c.token(k, sc)
	}
	return c.flush()
}

// canon writes the canonical form of the tokens it is fed. The driver decides which nodes are in the
// node-set: elements it feeds have all their ancestors fed too, except above the apex, the first
// element fed, whose context comes from the scanner's namespace stack and inheritXML.
type canon struct {
	out        outBuf
	exclusive  bool
	comments   bool
	incl       [][]byte // InclusiveNamespaces prefixes; an empty slice stands for #default
	depth      int
	rootDone   bool
	inheritXML []attr // xml:* attributes the apex inherits (canonical XML 1.0 only)

	rendered      []binding // exclusive: namespaces rendered by the open output elements
	renderedMarks []int

	nsOut []binding
	attrs []attr
}

func newCanon(w io.Writer, method string, prefixes []string) (*canon, error) {
	c := &canon{out: outBuf{w: w, b: make([]byte, 0, 9<<10)}}
	switch method {
	case "", C14N10:
	case C14N10Comments:
		c.comments = true
	case ExcC14N:
		c.exclusive = true
	case ExcC14NComments:
		c.exclusive, c.comments = true, true
	default:
		return nil, &Error{Code: CodeUnsupportedAlgorithm, Message: "canonicalization method " + method + " is not supported"}
	}
	if len(prefixes) > 0 && !c.exclusive {
		return nil, &Error{Code: CodeUnsupportedAlgorithm, Message: "InclusiveNamespaces applies to exclusive canonicalization only"}
	}
	for _, p := range prefixes {
		if p == "#default" {
			c.incl = append(c.incl, []byte{})
		} else {
			c.incl = append(c.incl, []byte(p))
		}
	}
	return c, nil
}

func (c *canon) flush() error { return c.out.flush() }

// token writes the canonical form of the scanner's current token.
func (c *canon) token(k tokKind, s *scanner) {
	switch k {
	case tokStart:
		c.start(s)
	case tokEnd:
		c.end(s)
	case tokText:
		if c.depth > 0 { // white space outside the document element is not output
			c.out.text(s.text)
		}
	case tokComment:
		if c.comments {
			c.docLevel(true)
			c.out.str("<!--")
			c.out.raw(s.text)
			c.out.str("-->")
			c.docLevel(false)
		}
	case tokPI:
		c.docLevel(true)
		c.out.str("<?")
		c.out.raw(s.target)
		if len(s.text) > 0 {
			c.out.b = append(c.out.b, ' ')
			c.out.raw(s.text)
		}
		c.out.str("?>")
		c.docLevel(false)
	}
}

// docLevel writes the line feed that separates a comment or processing instruction outside the
// document element from the document element: after the node before it, before the node after it.
func (c *canon) docLevel(before bool) {
	if c.depth == 0 && before == c.rootDone {
		c.out.b = append(c.out.b, '\n')
	}
}

func (c *canon) start(s *scanner) {
	apex := c.depth == 0
	c.nsOut = c.nsOut[:0]
	switch {
	case c.exclusive:
		c.renderedMarks = append(c.renderedMarks, len(c.rendered))
		c.utilize(s, s.prefix, true)
		for _, a := range s.attrs {
			if len(a.prefix) > 0 {
				c.utilize(s, a.prefix, true)
			}
		}
		for _, p := range c.incl {
			c.utilize(s, p, false)
		}
	case apex:
		// The apex renders every namespace in scope, the nearest declaration of each prefix.
		for i := len(s.ns) - 1; i >= 0; i-- {
			if !hasPrefix(c.nsOut, s.ns[i].prefix) {
				c.nsOut = append(c.nsOut, s.ns[i])
			}
		}
		c.nsOut = slices.DeleteFunc(c.nsOut, func(b binding) bool { return len(b.prefix) == 0 && len(b.uri) == 0 })
	default:
		// Below the apex every ancestor is output, so what the parent rendered is what was in
		// scope at the parent: render the declarations that change it.
		own := s.ownBindings()
		below := s.ns[:len(s.ns)-len(own)]
		for _, b := range own {
			if parent, _ := lookupIn(below, b.prefix); !bytes.Equal(parent, b.uri) {
				c.nsOut = append(c.nsOut, b)
			}
		}
	}
	slices.SortFunc(c.nsOut, func(a, b binding) int { return bytes.Compare(a.prefix, b.prefix) })

	c.attrs = append(c.attrs[:0], s.attrs...)
	if apex && !c.exclusive {
		n := len(c.attrs)
	inherit:
		for _, x := range c.inheritXML {
			for _, a := range c.attrs[:n] {
				if bytes.Equal(a.uri, xmlNSBytes) && bytes.Equal(a.local, x.local) {
					continue inherit
				}
			}
			c.attrs = append(c.attrs, x)
		}
	}
	if len(c.attrs) > 1 {
		slices.SortFunc(c.attrs, func(a, b attr) int {
			if r := bytes.Compare(a.uri, b.uri); r != 0 {
				return r
			}
			return bytes.Compare(a.local, b.local)
		})
	}

	o := &c.out
	o.b = append(o.b, '<')
	o.b = append(o.b, s.qname...)
	for _, b := range c.nsOut {
		o.b = append(o.b, " xmlns"...)
		if len(b.prefix) > 0 {
			o.b = append(o.b, ':')
			o.b = append(o.b, b.prefix...)
		}
		o.b = append(o.b, '=', '"')
		o.attrValue(b.uri)
		o.b = append(o.b, '"')
	}
	for _, a := range c.attrs {
		o.b = append(o.b, ' ')
		if len(a.prefix) > 0 {
			o.b = append(o.b, a.prefix...)
			o.b = append(o.b, ':')
		}
		o.b = append(o.b, a.local...)
		o.b = append(o.b, '=', '"')
		o.attrValue(a.value)
		o.b = append(o.b, '"')
	}
	o.b = append(o.b, '>')
	c.depth++
}

// utilize renders, for exclusive canonicalization, the namespace of prefix as in scope unless the
// nearest output ancestor rendered the same. used is false for InclusiveNamespaces prefixes, which are
// rendered only when they are in scope.
func (c *canon) utilize(s *scanner, prefix []byte, used bool) {
	if string(prefix) == "xml" || hasPrefix(c.nsOut, prefix) {
		return
	}
	uri, ok := s.lookup(prefix)
	if !ok && !used && len(prefix) > 0 {
		return
	}
	if r, ok := lookupIn(c.rendered, prefix); ok {
		if bytes.Equal(r, uri) {
			return
		}
	} else if len(uri) == 0 {
		return // no default namespace rendered and none to render
	}
	b := binding{prefix: prefix, uri: uri}
	c.nsOut = append(c.nsOut, b)
	c.rendered = append(c.rendered, b)
}

func hasPrefix(bs []binding, prefix []byte) bool {
	for _, b := range bs {
		if bytes.Equal(b.prefix, prefix) {
			return true
		}
	}
	return false
}

func (c *canon) end(s *scanner) {
	o := &c.out
	o.b = append(o.b, '<', '/')
	o.b = append(o.b, s.qname...)
	o.b = append(o.b, '>')
	o.maybeFlush()
	c.depth--
	if c.exclusive {
		n := len(c.renderedMarks) - 1
		c.rendered = c.rendered[:c.renderedMarks[n]]
		c.renderedMarks = c.renderedMarks[:n]
	}
	if c.depth == 0 {
		c.rootDone = true
	}
}

// outBuf buffers canonical output so that the hash behind it sees few, large writes.
type outBuf struct {
	w   io.Writer
	b   []byte
	err error
}

func (o *outBuf) maybeFlush() {
	if len(o.b) >= 8<<10 {
		o.flush()
	}
}

func (o *outBuf) flush() error {
	if len(o.b) > 0 && o.err == nil {
		_, o.err = o.w.Write(o.b)
	}
	o.b = o.b[:0]
	return o.err
}

func (o *outBuf) str(s string) { o.b = append(o.b, s...) }

func (o *outBuf) raw(b []byte) {
	o.b = append(o.b, b...)
	o.maybeFlush()
}

// textSpecial marks the bytes that canonical text escapes.
var textSpecial = [256]bool{'&': true, '<': true, '>': true, '\r': true}

// text writes character data escaped as canonical XML requires.
func (o *outBuf) text(b []byte) {
	run := 0
	for i := 0; i < len(b); i++ {
		if !textSpecial[b[i]] {
			continue
		}
		var rep string
		switch b[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		default:
			rep = "&#xD;"
		}
		o.b = append(o.b, b[run:i]...)
		o.b = append(o.b, rep...)
		run = i + 1
	}
	o.b = append(o.b, b[run:]...)
	o.maybeFlush()
}

// attrValue writes an attribute value escaped as canonical XML requires.
func (o *outBuf) attrValue(b []byte) {
	run := 0
	for i, c := range b {
		var rep string
		switch c {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '"':
			rep = "&quot;"
		case '\t':
			rep = "&#x9;"
		case '\n':
			rep = "&#xA;"
		case '\r':
			rep = "&#xD;"
		default:
			continue
		}
		o.b = append(o.b, b[run:i]...)
		o.b = append(o.b, rep...)
		run = i + 1
	}
	o.b = append(o.b, b[run:]...)
}

// splitPrefixList splits an InclusiveNamespaces PrefixList attribute.
func splitPrefixList(s string) []string { return strings.Fields(s) }

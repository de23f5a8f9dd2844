package edxml

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// Write writes p in the shape the national SDK's packages have: the document element
// <edXML xmlns="…QCVN_102_2016">, inside it <edXML:edXMLEnvelope xmlns:edXML="…"> with edXMLHeader
// (MessageHeader, TraceHeaderList, unknown header elements, Signature) and edXMLBody/edXMLManifest,
// and as the envelope's sibling <AttachmentEncoded> whose ContentTransferEncoded elements carry the
// contents in base64 with a line break every 76 characters.
//
// attachments is called once per attachment, in order, and its reader is streamed through the
// base64 encoder and closed; no attachment is held in memory. It may be nil when p has no
// attachments. A status packet comes out in the SDK's shape, its status fields in MessageHeader.
//
// Text elements are written when non-empty, elements with children when they have one (To,
// Attachment and manifest Reference entries, and a non-nil Trace, Bussiness or Manifest, always).
// Unknown elements are written at the end of their parent, with namespace declarations added where
// their prefixes would otherwise change meaning. Write does not validate p: call Validate first.
// The bytes differ from any package p was read from, so a Signature written back no longer verifies.
func Write(w io.Writer, p *Package, attachments func(a AttachmentMeta) (io.ReadCloser, error)) error {
	if len(p.Attachments) > 0 && attachments == nil {
		return errors.New("edxml.Write: the package has attachments but no attachment source")
	}
	x := &xw{w: bufio.NewWriterSize(w, 32<<10)}
	x.w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.start("edXML", ` xmlns="`+Namespace+`"`)
	x.scope = rootScope
	x.start("edXML:edXMLEnvelope", ` xmlns:edXML="`+Namespace+`"`)
	x.scope = envelopeScope
	x.pfx = "edXML:"

	x.open("edXMLHeader")
	x.flush()
	x.messageHeader(&p.Header, p.Kind() == KindStatus)
	x.traceHeaderList(p.Trace)
	x.extra(p.HeaderExtra)
	if p.Signature != nil {
		x.rawElement(*p.Signature)
	}
	x.close("edXMLHeader")

	if m := p.Manifest; m != nil {
		x.open("edXMLBody")
		version := m.Version
		if version == "" {
			version = "1.0"
		}
		x.openAttr("edXMLManifest", ` version="`+string(appendEscaped(nil, version, true))+`"`)
		x.flush()
		for i := range m.References {
			ref := &m.References[i]
			x.open("Reference")
			x.flush()
			x.text("ContentId", ref.ContentId)
			x.text("ContentType", ref.ContentType)
			x.text("Description", ref.Description)
			x.text("AttachmentName", ref.AttachmentName)
			x.extra(ref.Extra)
			x.close("Reference")
		}
		x.extra(m.Extra)
		x.close("edXMLManifest")
		x.extra(p.BodyExtra)
		x.close("edXMLBody")
	}
	x.extra(p.EnvelopeExtra)
	x.pfx = ""
	x.scope = envelopeScope
	x.end("edXML:edXMLEnvelope")
	x.scope = rootScope

	if len(p.Attachments) > 0 || len(p.AttachmentEncodedExtra) > 0 {
		x.open("AttachmentEncoded")
		x.flush()
		for i := range p.Attachments {
			if err := x.attachment(&p.Attachments[i], !p.noContent[i], attachments); err != nil {
				return err
			}
		}
		x.extra(p.AttachmentEncodedExtra)
		x.close("AttachmentEncoded")
	}
	x.extra(p.RootExtra)
	x.end("edXML")
	if x.err == nil {
		x.err = x.w.Flush()
	}
	if x.err != nil {
		return fmt.Errorf("edxml.Write: %w", x.err)
	}
	return nil
}

// Namespace scopes of the places Write puts elements, for re-declaring raw elements' prefixes.
func rootScope(prefix string) string {
	if prefix == "" {
		return Namespace
	}
	return ""
}

func envelopeScope(prefix string) string {
	if prefix == "" || prefix == "edXML" {
		return Namespace
	}
	return ""
}

// xw writes indented XML. Elements opened with open are written only when a child is written, so
// an element with nothing in it is left out.
type xw struct {
	w       *bufio.Writer
	err     error
	depth   int
	pfx     string // prefix of element names: "edXML:" in the envelope
	scope   func(prefix string) string
	pending []pendingTag
	buf     []byte
}

type pendingTag struct {
	name, attrs string
	depth       int
}

func (x *xw) indent(depth int) {
	for range depth {
		x.w.WriteString("  ")
	}
}

// start writes a start tag now, with a literal (already prefixed) name.
func (x *xw) start(name, attrs string) {
	x.indent(x.depth)
	x.w.WriteString("<" + name + attrs + ">\n")
	x.depth++
}

// end writes an end tag for start.
func (x *xw) end(name string) {
	x.depth--
	x.indent(x.depth)
	x.w.WriteString("</" + name + ">\n")
}

func (x *xw) open(name string) { x.openAttr(name, "") }

func (x *xw) openAttr(name, attrs string) {
	x.pending = append(x.pending, pendingTag{x.pfx + name, attrs, x.depth})
	x.depth++
}

// flush writes the pending start tags.
func (x *xw) flush() {
	for _, t := range x.pending {
		x.indent(t.depth)
		x.w.WriteString("<" + t.name + t.attrs + ">\n")
	}
	x.pending = x.pending[:0]
}

func (x *xw) close(name string) {
	x.depth--
	if n := len(x.pending); n > 0 {
		x.pending = x.pending[:n-1]
		return
	}
	x.indent(x.depth)
	x.w.WriteString("</" + x.pfx + name + ">\n")
}

// text writes a text element if v is not empty.
func (x *xw) text(name, v string) {
	if v != "" {
		x.leaf(name, v)
	}
}

// leaf writes a text element, even an empty one.
func (x *xw) leaf(name, v string) {
	x.flush()
	x.indent(x.depth)
	x.buf = append(x.buf[:0], '<')
	x.buf = append(x.buf, x.pfx...)
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, '>')
	x.buf = appendEscaped(x.buf, v, false)
	x.buf = append(x.buf, "</"...)
	x.buf = append(x.buf, x.pfx...)
	x.buf = append(x.buf, name...)
	x.buf = append(x.buf, ">\n"...)
	x.w.Write(x.buf)
}

func (x *xw) list(name, item string, vs []string, extra []RawElement) {
	x.open(name)
	for _, v := range vs {
		x.leaf(item, v)
	}
	x.extra(extra)
	x.close(name)
}

func (x *xw) rawElement(re RawElement) {
	x.flush()
	x.indent(x.depth)
	x.w.Write(withDeclarations(re, x.scope))
	x.w.WriteByte('\n')
}

func (x *xw) extra(res []RawElement) {
	for _, re := range res {
		x.rawElement(re)
	}
}

func (x *xw) organization(name string, o *Organization, always bool) {
	x.open(name)
	if always {
		x.flush()
	}
	x.text("OrganId", o.OrganId)
	x.text("OrganizationInCharge", o.OrganizationInCharge)
	x.text("OrganName", o.OrganName)
	x.text("OrganAdd", o.OrganAdd)
	x.text("Email", o.Email)
	x.text("Telephone", o.Telephone)
	x.text("Fax", o.Fax)
	x.text("Website", o.Website)
	x.extra(o.Extra)
	x.close(name)
}

func (x *xw) staffInfo(s *StaffInfo) {
	x.open("StaffInfo")
	x.text("Department", s.Department)
	x.text("Staff", s.Staff)
	x.text("Email", s.Email)
	x.text("Mobile", s.Mobile)
	x.extra(s.Extra)
	x.close("StaffInfo")
}

// messageHeader writes MessageHeader; a status packet's StatusCode is written even when empty, since
// it is what makes the packet a status packet.
func (x *xw) messageHeader(h *MessageHeader, status bool) {
	x.open("MessageHeader")
	x.flush()
	x.organization("From", &h.From, false)
	for i := range h.To {
		x.organization("To", &h.To[i], true)
	}
	x.text("DocumentId", h.DocumentId)

	x.open("Code")
	x.text("CodeNumber", h.Code.CodeNumber)
	x.text("CodeNotation", h.Code.CodeNotation)
	x.extra(h.Code.Extra)
	x.close("Code")

	x.open("PromulgationInfo")
	x.text("Place", h.PromulgationInfo.Place)
	x.text("PromulgationDate", h.PromulgationInfo.PromulgationDate)
	x.extra(h.PromulgationInfo.Extra)
	x.close("PromulgationInfo")

	x.open("DocumentType")
	x.text("Type", h.DocumentType.Type)
	x.text("TypeDetail", h.DocumentType.TypeDetail)
	x.text("TypeName", h.DocumentType.TypeName)
	x.extra(h.DocumentType.Extra)
	x.close("DocumentType")

	x.text("Subject", h.Subject)
	x.text("Content", h.Content)

	x.open("SignerInfo")
	x.text("Competence", h.SignerInfo.Competence)
	x.text("Position", h.SignerInfo.Position)
	x.text("FullName", h.SignerInfo.FullName)
	x.extra(h.SignerInfo.Extra)
	x.close("SignerInfo")

	x.text("DueDate", h.DueDate)

	o := &h.OtherInfo
	x.open("OtherInfo")
	x.text("Priority", o.Priority)
	x.text("SphereOfPromulgation", o.SphereOfPromulgation)
	x.text("TyperNotation", o.TyperNotation)
	x.text("PromulgationAmount", o.PromulgationAmount)
	x.text("PageAmount", o.PageAmount)
	x.text("Direction", o.Direction)
	x.list("Appendixes", "Appendix", o.Appendixes, o.AppendixesExtra)
	x.extra(o.Extra)
	x.close("OtherInfo")

	x.text("SteeringType", h.SteeringType)
	x.list("ToPlaces", "Place", h.ToPlaces, h.ToPlacesExtra)
	for i := range h.ResponseFor {
		rf := &h.ResponseFor[i]
		x.open("ResponseFor")
		x.flush()
		x.text("OrganId", rf.OrganId)
		x.text("Code", rf.Code)
		x.text("PromulgationDate", rf.PromulgationDate)
		x.text("DocumentId", rf.DocumentId)
		x.extra(rf.Extra)
		x.close("ResponseFor")
	}

	x.staffInfo(&h.StaffInfo)
	if status {
		x.leaf("StatusCode", string(h.StatusCode))
	} else {
		x.text("StatusCode", string(h.StatusCode))
	}
	x.text("Description", h.Description)
	x.text("Timestamp", h.Timestamp)
	x.extra(h.Extra)
	x.close("MessageHeader")
}

func (x *xw) traceHeaderList(tl *TraceHeaderList) {
	if tl == nil {
		return
	}
	x.open("TraceHeaderList")
	x.flush()
	for i := range tl.TraceHeader {
		th := &tl.TraceHeader[i]
		x.open("TraceHeader")
		x.flush()
		x.text("OrganId", th.OrganId)
		x.text("Timestamp", th.Timestamp)
		x.extra(th.Extra)
		x.close("TraceHeader")
	}
	if b := tl.Bussiness; b != nil {
		x.open("Bussiness")
		x.flush()
		x.text("DocumentId", b.DocumentId)
		x.text("BussinessDocType", b.BussinessDocType)
		x.text("BussinessDocReason", b.BussinessDocReason)
		x.text("Paper", b.Paper)
		x.staffInfo(&b.StaffInfo)
		if bi := b.BussinessDocumentInfo; bi != nil {
			x.open("BussinessDocumentInfo")
			x.flush()
			x.text("DocumentInfo", bi.DocumentInfo)
			x.text("DocumentReceiver", bi.DocumentReceiver)
			x.open("ReceiverList")
			for i := range bi.ReceiverList {
				rc := &bi.ReceiverList[i]
				x.open("Receiver")
				x.flush()
				x.text("ReceiverType", rc.ReceiverType)
				x.text("OrganId", rc.OrganId)
				x.extra(rc.Extra)
				x.close("Receiver")
			}
			x.extra(bi.ReceiverListExtra)
			x.close("ReceiverList")
			x.extra(bi.Extra)
			x.close("BussinessDocumentInfo")
		}
		x.open("ReplacementInfoList")
		for i := range b.ReplacementInfoList {
			ri := &b.ReplacementInfoList[i]
			x.open("ReplacementInfo")
			x.flush()
			x.text("DocumentId", ri.DocumentId)
			x.list("OrganIdList", "OrganId", ri.OrganIdList, ri.OrganIdListExtra)
			x.extra(ri.Extra)
			x.close("ReplacementInfo")
		}
		x.extra(b.ReplacementInfoListExtra)
		x.close("ReplacementInfoList")
		x.extra(b.Extra)
		x.close("Bussiness")
	}
	x.extra(tl.Extra)
	x.close("TraceHeaderList")
}

// attachment writes one Attachment, streaming its content from src. An attachment read without a
// ContentTransferEncoded element (hasContent false) is written without one.
func (x *xw) attachment(a *Attachment, hasContent bool, src func(AttachmentMeta) (io.ReadCloser, error)) error {
	x.open("Attachment")
	x.flush()
	x.text("ContentId", a.ContentId)
	x.text("AttachmentName", a.AttachmentName)
	x.text("Description", a.Description)
	x.text("ContentType", a.ContentType)
	if !hasContent {
		x.extra(a.Extra)
		x.close("Attachment")
		return nil
	}
	rc, err := src(a.AttachmentMeta)
	if err != nil {
		return fmt.Errorf("edxml.Write: attachment %s: %w", quote(a.ContentId), err)
	}
	x.indent(x.depth)
	x.w.WriteString(`<edXML:ContentTransferEncoded xmlns:edXML="` + Namespace + `">`)
	enc := base64.NewEncoder(base64.StdEncoding, &lineBreaker{w: x.w})
	_, err = io.Copy(enc, rc)
	cerr := rc.Close()
	if err == nil {
		err = enc.Close()
	}
	if err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("edxml.Write: attachment %s: %w", quote(a.ContentId), err)
	}
	x.w.WriteString("</edXML:ContentTransferEncoded>\n")
	x.extra(a.Extra)
	x.close("Attachment")
	return nil
}

// lineBreaker inserts a newline every 76 bytes, the MIME line length.
type lineBreaker struct {
	w   io.Writer
	col int
}

func (l *lineBreaker) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if l.col == 76 {
			if _, err := l.w.Write([]byte{'\n'}); err != nil {
				return n, err
			}
			l.col = 0
		}
		k := min(76-l.col, len(p))
		m, err := l.w.Write(p[:k])
		n += m
		l.col += m
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}

// appendEscaped appends s escaped for XML text or, if attr, for an attribute value in double quotes.
// Carriage returns are escaped so that they survive a parser's line-end normalisation; characters XML
// cannot carry (most C0 controls, invalid UTF-8) become U+FFFD.
func appendEscaped(dst []byte, s string, attr bool) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == '&':
				dst = append(dst, "&amp;"...)
			case c == '<':
				dst = append(dst, "&lt;"...)
			case c == '>':
				dst = append(dst, "&gt;"...)
			case c == '"' && attr:
				dst = append(dst, "&quot;"...)
			case c == '\r':
				dst = append(dst, "&#xD;"...)
			case (c == '\n' || c == '\t') && attr:
				dst = append(dst, "&#x"...)
				dst = append(dst, "0123456789ABCDEF"[c])
				dst = append(dst, ';')
			case c < 0x20 && c != '\n' && c != '\t':
				dst = append(dst, "\uFFFD"...)
			default:
				dst = append(dst, c)
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			dst = append(dst, "\uFFFD"...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return dst
}

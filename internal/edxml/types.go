package edxml

import (
	"fmt"
	"strings"
)

// Namespace is the XML namespace of QCVN 102:2016 edXML packages.
const Namespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

// Kind tells a document package (gói tin văn bản) from a status packet (gói tin trạng thái).
type Kind int

// The kinds of package.
const (
	KindDocument Kind = iota + 1
	KindStatus
)

// String returns "document" or "status".
func (k Kind) String() string {
	switch k {
	case KindDocument:
		return "document"
	case KindStatus:
		return "status"
	}
	return "unknown"
}

// Package is one edXML packet: the envelope's header, its manifest and the attachments' metadata.
// Attachment contents never live here: Read hands them to ReadOptions.Attachment and keeps the
// reference it returns; Write pulls them from a callback.
//
// Go field names are the XML element names, with the standard's own spellings (OrganId, Bussiness,
// TyperNotation), so that a field is found by grepping for the element. Text is kept exactly as
// received (no trimming); Validate judges it.
type Package struct {
	// Header is the MessageHeader. For a status packet it also holds the status fields, which is
	// where the national SDK puts them; a MessageStatus-wrapped status is read into the same fields.
	Header MessageHeader
	// Trace is the TraceHeaderList, nil when absent (status packets often have none).
	Trace *TraceHeaderList
	// Signature is the XML-DSig Signature element of edXMLHeader, byte for byte as received, nil when
	// absent. It is only carried here; the signature package verifies it against the original bytes.
	Signature *RawElement
	// Manifest is edXMLBody/edXMLManifest, nil when the package has no body.
	Manifest *Manifest
	// Attachments lists AttachmentEncoded/Attachment in order.
	Attachments []Attachment

	// StatusWrapped records that the status fields were read from a MessageStatus element (other
	// vendors' shape). Write always emits the SDK shape, with the fields in MessageHeader.
	StatusWrapped bool

	// Unknown children of the document element, edXMLEnvelope, edXMLHeader, edXMLBody and
	// AttachmentEncoded. Write puts each at the end of its parent (in edXMLHeader: before Signature).
	RootExtra, EnvelopeExtra, HeaderExtra, BodyExtra, AttachmentEncodedExtra []RawElement

	// kind is set by Read; a Package built in code has kind 0 and Kind infers it.
	kind Kind
	// readProblems are defects seen while reading (duplicate elements), reported by Validate.
	readProblems []Problem
	// noContent[i] marks Attachment i as read without a ContentTransferEncoded element.
	noContent map[int]bool
}

// Kind returns KindStatus for a status packet and KindDocument otherwise. A package read from input is
// a status packet when its header has a StatusCode element or a MessageStatus element; a package
// built in code is one when Header.StatusCode is set.
func (p *Package) Kind() Kind {
	if p.kind != 0 {
		return p.kind
	}
	if p.Header.StatusCode != "" {
		return KindStatus
	}
	return KindDocument
}

// DocumentKey returns the identifier of the document the package is about, with surrounding space
// removed: MessageHeader/DocumentId for a document package, the (first) ResponseFor/DocumentId for a
// status packet. It is the idempotency key of an exchange; its syntax is not checked here.
func (p *Package) DocumentKey() string {
	if p.Kind() == KindStatus {
		if len(p.Header.ResponseFor) > 0 {
			return strings.TrimSpace(p.Header.ResponseFor[0].DocumentId)
		}
		return ""
	}
	return strings.TrimSpace(p.Header.DocumentId)
}

// BusinessType returns the business type of the package: BusinessNew when there is no Bussiness
// element, else the parsed BussinessDocType.
func (p *Package) BusinessType() (BusinessType, error) {
	if p.Trace == nil || p.Trace.Bussiness == nil {
		return BusinessNew, nil
	}
	return ParseBusinessType(p.Trace.Bussiness.BussinessDocType)
}

// RawElement is an element kept as XML bytes: an unknown element, or the Signature.
type RawElement struct {
	// XML is the element from its '<' to the end of its end tag, exactly as it was in the input.
	XML []byte
	// NS maps each namespace prefix the element uses without declaring it ("" for the default
	// namespace) to the namespace it had where it was read. Write adds a declaration for any of them
	// that differs where the element is written, so the element keeps its meaning. Nil for elements
	// built in code: they are written as they are.
	NS map[string]string
}

// Unknown children of list elements (ToPlaces, Appendixes, ReceiverList, OrganIdList,
// ReplacementInfoList) are kept in a …Extra field beside the list and written at the end of the list
// element; unknown children of other elements are kept in the element's own Extra.

// Organization is a From or To: the sending or receiving organisation.
type Organization struct {
	OrganId              string // mã định danh (identifier code, QCVN 102), raw
	OrganizationInCharge string
	OrganName            string
	OrganAdd             string
	Email                string
	Telephone            string
	Fax                  string
	Website              string
	Extra                []RawElement
}

// Code is the document's number and notation (số và ký hiệu), e.g. 7816 and VPCP-TTĐT.
type Code struct {
	CodeNumber   string
	CodeNotation string
	Extra        []RawElement
}

// PromulgationInfo is where and when the document was issued (ban hành).
type PromulgationInfo struct {
	Place            string
	PromulgationDate string // yyyy/MM/dd
	Extra            []RawElement
}

// DocumentType is the kind of document; TypeName is the authoritative text.
type DocumentType struct {
	Type       string
	TypeDetail string
	TypeName   string
	Extra      []RawElement
}

// SignerInfo names who signed the document.
type SignerInfo struct {
	Competence string // thẩm quyền ký, e.g. "TL. BỘ TRƯỞNG"
	Position   string
	FullName   string
	Extra      []RawElement
}

// OtherInfo holds the remaining document attributes.
type OtherInfo struct {
	Priority             string // độ khẩn: 0 normal … 3
	SphereOfPromulgation string
	TyperNotation        string
	PromulgationAmount   string
	PageAmount           string
	Direction            string // "true"/"false"
	Appendixes           []string
	AppendixesExtra      []RawElement
	Extra                []RawElement
}

// ResponseFor points at the document a package answers.
type ResponseFor struct {
	OrganId          string
	Code             string
	PromulgationDate string
	DocumentId       string
	Extra            []RawElement
}

// StaffInfo names the clerk who handled a package.
type StaffInfo struct {
	Department string
	Staff      string
	Email      string
	Mobile     string
	Extra      []RawElement
}

// MessageHeader is the edXML MessageHeader. The document fields come first; StaffInfo, StatusCode,
// Description and Timestamp are the status fields of the SDK's status packet.
type MessageHeader struct {
	From             Organization
	To               []Organization
	DocumentId       string // OrganId,yyyy/MM/dd,Số/Ký hiệu by the standard; UUIDs in the wild
	Code             Code
	PromulgationInfo PromulgationInfo
	DocumentType     DocumentType
	Subject          string // trích yếu
	Content          string
	SignerInfo       SignerInfo
	DueDate          string // yyyy/MM/dd
	OtherInfo        OtherInfo
	SteeringType     string
	ToPlaces         []string // nơi nhận, as text
	ToPlacesExtra    []RawElement
	ResponseFor      []ResponseFor

	StaffInfo   StaffInfo
	StatusCode  StatusCode
	Description string
	Timestamp   string // yyyy/MM/dd HH:mm:ss

	Extra []RawElement
}

// TraceHeaderList is the route the package took and its business information.
type TraceHeaderList struct {
	TraceHeader []TraceHeader
	Bussiness   *Bussiness
	Extra       []RawElement
}

// TraceHeader is one hop: who handled the package and when.
type TraceHeader struct {
	OrganId   string
	Timestamp string // yyyy/MM/dd HH:mm:ss
	Extra     []RawElement
}

// Bussiness (the standard's spelling) says whether the package is a new document or revokes,
// updates or replaces one sent before.
type Bussiness struct {
	DocumentId            string
	BussinessDocType      string // 0 new, 1 revoke, 2 update, 3 replace; see BusinessType
	BussinessDocReason    string
	Paper                 string
	StaffInfo             StaffInfo
	BussinessDocumentInfo *BussinessDocumentInfo
	ReplacementInfoList   []ReplacementInfo
	Extra                 []RawElement
	// ReplacementInfoListExtra holds unknown children of ReplacementInfoList.
	ReplacementInfoListExtra []RawElement
}

// BussinessDocumentInfo says what an update changes: the document's metadata, its receivers.
type BussinessDocumentInfo struct {
	DocumentInfo      string
	DocumentReceiver  string
	ReceiverList      []Receiver
	ReceiverListExtra []RawElement
	Extra             []RawElement
}

// Receiver is one entry of BussinessDocumentInfo/ReceiverList.
type Receiver struct {
	ReceiverType string
	OrganId      string
	Extra        []RawElement
}

// ReplacementInfo names a document being replaced and the organisations that received it.
type ReplacementInfo struct {
	DocumentId       string
	OrganIdList      []string
	OrganIdListExtra []RawElement
	Extra            []RawElement
}

// Manifest is edXMLBody/edXMLManifest: the list of attachments.
type Manifest struct {
	Version    string // "1.0"; Write puts "1.0" when empty
	References []Reference
	Extra      []RawElement
}

// Reference is one manifest entry, matched to an attachment by ContentId.
type Reference struct {
	ContentId      string // e.g. "cid:209"
	ContentType    string
	Description    string
	AttachmentName string
	Extra          []RawElement
}

// AttachmentMeta describes an attachment without its content.
type AttachmentMeta struct {
	ContentId      string
	AttachmentName string
	Description    string
	ContentType    string
	// Ref is what ReadOptions.Attachment returned for the content (a blob key, a file name). It is
	// empty while the content is being read, and the key a Write callback looks the content up by.
	Ref string
	// Size is the content's size in bytes after base64 decoding; 0 while it is being read.
	Size int64
}

// Attachment is one AttachmentEncoded/Attachment.
type Attachment struct {
	AttachmentMeta
	Extra []RawElement
}

// BusinessType is the BussinessDocType of a package.
type BusinessType int

// The business types of QCVN 102.
const (
	BusinessNew     BusinessType = 0 // văn bản mới
	BusinessRevoke  BusinessType = 1 // thu hồi
	BusinessUpdate  BusinessType = 2 // cập nhật
	BusinessReplace BusinessType = 3 // thay thế
)

// String returns "new", "revoke", "update" or "replace".
func (b BusinessType) String() string {
	switch b {
	case BusinessNew:
		return "new"
	case BusinessRevoke:
		return "revoke"
	case BusinessUpdate:
		return "update"
	case BusinessReplace:
		return "replace"
	}
	return "unknown"
}

// Valid reports whether b is one of the four business types.
func (b BusinessType) Valid() bool { return b >= BusinessNew && b <= BusinessReplace }

// ParseBusinessType parses a BussinessDocType ("0"–"3", surrounding space allowed).
func ParseBusinessType(s string) (BusinessType, error) {
	t := strings.TrimSpace(s)
	if len(t) == 1 && t[0] >= '0' && t[0] <= '3' {
		return BusinessType(t[0] - '0'), nil
	}
	return 0, fmt.Errorf("edxml: BussinessDocType %s is not 0 (new), 1 (revoke), 2 (update) or 3 (replace)", quote(s))
}

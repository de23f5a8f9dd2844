package edxml

import (
	"fmt"
	"strings"
)

// Machine codes of a *SyntaxError: the input could not be read as an edXML package.
const (
	// CodeNotXML: the input is empty or does not start like an XML document (text or binary before the
	// document element, an unreadable prolog).
	CodeNotXML = "not_xml"
	// CodeMalformedXML: the input starts as XML but breaks the XML grammar later (unclosed or mismatched
	// tags, truncation, content after the document element).
	CodeMalformedXML = "malformed_xml"
	// CodeUnsupportedEncoding: the XML declaration names an encoding other than UTF-8 or US-ASCII.
	CodeUnsupportedEncoding = "unsupported_encoding"
	// CodeWrongNamespace: the document element is not in the QCVN 102:2016 namespace.
	CodeWrongNamespace = "wrong_namespace"
	// CodeWrongElement: the document element is in the right namespace but is neither edXML nor
	// edXMLEnvelope.
	CodeWrongElement = "wrong_element"
	// CodeDTDForbidden: the input carries a DOCTYPE, an entity declaration or another <!…> directive.
	CodeDTDForbidden = "dtd_forbidden"
	// CodeUndefinedEntity: the input refers to an entity other than the five predefined ones.
	CodeUndefinedEntity = "undefined_entity"
	// CodeTooDeep: elements are nested deeper than ReadOptions.MaxDepth.
	CodeTooDeep = "too_deep"
	// CodeTooLarge: the input, one text, one attribute or one kept raw element is larger than its limit.
	CodeTooLarge = "too_large"
	// CodeTooManyElements: the input has more elements than ReadOptions.MaxElements.
	CodeTooManyElements = "too_many_elements"
	// CodeTooManyAttachments: the input has more attachments than ReadOptions.MaxAttachments.
	CodeTooManyAttachments = "too_many_attachments"
	// CodeBadBase64: an attachment's ContentTransferEncoded is not valid base64.
	CodeBadBase64 = "bad_base64"
	// CodeUnexpectedElement: an element appears where only text is allowed (inside a text field or
	// inside ContentTransferEncoded), or an attachment has two contents.
	CodeUnexpectedElement = "unexpected_element"
)

// Machine codes of a Problem in a *ValidationError: the package was read but breaks a rule of the format.
const (
	// CodeMissingField: a required element is absent, empty or only whitespace.
	CodeMissingField = "missing_field"
	// CodeNullValue: a required element holds the text "null", a sender's serialised null.
	CodeNullValue = "null_value"
	// CodeNoRecipient: a document names no To organisation.
	CodeNoRecipient = "no_recipient"
	// CodeBadDate: a date is not yyyy/MM/dd or is not a calendar date.
	CodeBadDate = "bad_date"
	// CodeBadTimestamp: a timestamp is not yyyy/MM/dd HH:mm:ss.
	CodeBadTimestamp = "bad_timestamp"
	// CodeBadBusinessType: BussinessDocType is not 0, 1, 2 or 3.
	CodeBadBusinessType = "bad_business_type"
	// CodeBadStatusCode: StatusCode is not one of 01–06, 13, 15, 16.
	CodeBadStatusCode = "bad_status_code"
	// CodeBadPriority: Priority is not 0–4.
	CodeBadPriority = "bad_priority"
	// CodeBadNumber: a count (PromulgationAmount, PageAmount) is not a non-negative whole number.
	CodeBadNumber = "bad_number"
	// CodeBadBool: Direction is not true, false, 1 or 0.
	CodeBadBool = "bad_bool"
	// CodeBadCodeNumber: CodeNumber (the document's số) is not made of digits only. Real senders put
	// letters there; a deployment that accepts them can ignore this code.
	CodeBadCodeNumber = "bad_code_number"
	// CodeManifestMismatch: a manifest Reference has no attachment with its ContentId, or the reverse.
	CodeManifestMismatch = "manifest_mismatch"
	// CodeDuplicateContentID: two attachments (or two manifest references) share a ContentId.
	CodeDuplicateContentID = "duplicate_content_id"
	// CodeMissingContent: an Attachment has no ContentTransferEncoded element.
	CodeMissingContent = "missing_content"
	// CodeDuplicateElement: an element that may appear once appeared more than once; the reader kept the
	// last one.
	CodeDuplicateElement = "duplicate_element"
	// CodeStatusWithAttachments: a status packet carries attachments.
	CodeStatusWithAttachments = "status_with_attachments"
)

// SyntaxError reports input that could not be read as an edXML package. Code is one of the
// Code… constants above (not_xml, wrong_namespace, dtd_forbidden, too_deep, too_large, bad_base64 …);
// Line is the 1-based input line where the problem was found (0 when unknown); Message is safe to show
// to the sender.
type SyntaxError struct {
	Code    string
	Line    int
	Message string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("edxml: line %d: %s: %s", e.Line, e.Code, e.Message)
	}
	return fmt.Sprintf("edxml: %s: %s", e.Code, e.Message)
}

// Problem is one rule a package breaks. Path names the element from the edXMLHeader (or edXMLBody,
// AttachmentEncoded) down, with 0-based indexes on repeated elements, for example
// "MessageHeader/To[1]/OrganId" or "AttachmentEncoded/Attachment[0]/ContentId".
type Problem struct {
	Code    string
	Path    string
	Message string
}

// String formats the problem as "path: code: message".
func (p Problem) String() string {
	return p.Path + ": " + p.Code + ": " + p.Message
}

// ValidationError lists every problem Validate found; it is never empty.
type ValidationError struct {
	Problems []Problem
}

// Error implements error.
func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "edxml: %d problem(s)", len(e.Problems))
	for i, p := range e.Problems {
		if i == 5 {
			fmt.Fprintf(&b, "; …")
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Has reports whether some problem has the code.
func (e *ValidationError) Has(code string) bool {
	for _, p := range e.Problems {
		if p.Code == code {
			return true
		}
	}
	return false
}

// Ignore returns the problems whose codes are not listed, as a *ValidationError, or nil when none is
// left. A deployment that chooses leniency (letters in CodeNumber, say) uses it instead of a second
// validator.
func (e *ValidationError) Ignore(codes ...string) error {
	var kept []Problem
	for _, p := range e.Problems {
		skip := false
		for _, c := range codes {
			if p.Code == c {
				skip = true
				break
			}
		}
		if !skip {
			kept = append(kept, p)
		}
	}
	if len(kept) == 0 {
		return nil
	}
	return &ValidationError{Problems: kept}
}

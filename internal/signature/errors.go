package signature

import (
	"errors"
	"fmt"
)

// Machine codes of an *Error.
const (
	// CodeNoSignature: the document has no XML-DSig Signature element.
	CodeNoSignature = "no_signature"
	// CodeBadSignatureXML: the Signature element breaks the XML-DSig schema (a missing or repeated
	// child, bad base64, more than one Signature in the document).
	CodeBadSignatureXML = "bad_signature_xml"
	// CodeUnsupportedAlgorithm: a canonicalization, transform, digest or signature algorithm this
	// package does not implement, or a key that does not fit the signature method.
	CodeUnsupportedAlgorithm = "unsupported_algorithm"
	// CodeUnsupportedReference: a Reference other than one URI="" covering the whole document.
	CodeUnsupportedReference = "unsupported_reference"
	// CodeDigestMismatch: the document was altered after it was signed.
	CodeDigestMismatch = "digest_mismatch"
	// CodeBadSignatureValue: SignatureValue does not verify with the certificate's key: SignedInfo was
	// altered, or the signature was made with another key.
	CodeBadSignatureValue = "bad_signature_value"
	// CodeBadCertificate: an X509Certificate is not a DER certificate Go can parse.
	CodeBadCertificate = "bad_certificate"
	// CodeMalformedXML: the document is not well-formed, namespace-well-formed UTF-8 XML.
	CodeMalformedXML = "malformed_xml"
	// CodeDTDForbidden: the document has a DOCTYPE declaration.
	CodeDTDForbidden = "dtd_forbidden"
	// CodeTooLarge: a tag or the Signature element is larger than its limit.
	CodeTooLarge = "too_large"
	// CodeNoInsertionPoint: SignEnveloped found no element to put the Signature in.
	CodeNoInsertionPoint = "no_insertion_point"
	// CodeAlreadySigned: SignEnveloped was given a document that already has an XML-DSig Signature.
	CodeAlreadySigned = "already_signed"
	// CodeSourceChanged: the two passes of SignEnveloped read different documents.
	CodeSourceChanged = "source_changed"
	// CodeBadKey: the Signer has no key, no certificate, or a key that does not match its certificate.
	CodeBadKey = "bad_key"
)

// Codes of Report.Problems: each problem is "code: message". They do not make Verify fail; the
// caller's policy decides.
const (
	// ProblemUntrusted: the certificate chain does not lead to a root of the TrustStore.
	ProblemUntrusted = "untrusted"
	// ProblemExpiredCertificate: a certificate of the chain was not valid at VerifyOptions.At.
	ProblemExpiredCertificate = "expired_certificate"
	// ProblemWeakAlgorithm: SHA-1 or an RSA key shorter than 2048 bits was used.
	ProblemWeakAlgorithm = "weak_algorithm"
	// ProblemKeyUsage: the signer's certificate does not allow digital signatures.
	ProblemKeyUsage = "key_usage"
)

// Error is a signing or verification failure with a machine code (the Code… constants) and a message
// safe to show to the user.
type Error struct {
	Code    string
	Message string
}

// Error implements error.
func (e *Error) Error() string { return "signature: " + e.Code + ": " + e.Message }

// ErrorCode returns the code of the *Error in err's chain, or "" if there is none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

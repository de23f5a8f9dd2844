// Package signature signs and verifies XML documents — edXML packages (gói tin edXML) in particular —
// with enveloped XML-DSig signatures (chữ ký số), streaming: a package with hundreds of megabytes of
// base64 attachments is never held in memory.
//
// The pieces:
//
//   - Canonicalize: Canonical XML 1.0 and Exclusive XML Canonicalization 1.0, with or without
//     comments, over an io.Reader, written to an io.Writer, optionally leaving out the enveloped
//     Signature. It runs on its own tokenizer (encoding/xml buffers whole text nodes and loses the
//     difference between a literal tab and &#9; in attributes), refuses DTDs, and allocates
//     nothing per token.
//   - SignEnveloped: two passes over the source, the first to digest the canonical document, the
//     second to copy it byte for byte with a Signature element inserted as the last child of a chosen
//     element (for edXML, edXML:edXMLHeader).
//   - Verify: one pass that digests the document minus the Signature, wherever the Signature is,
//     then checks SignatureValue with the certificate from KeyInfo and the chain against a
//     TrustStore at a given time.
//
// Only what edXML exchange needs is supported: one Reference with URI="" (the whole document) and the
// transforms enveloped-signature plus a canonicalization; RSA PKCS#1 v1.5 and ECDSA signatures with
// SHA-1 (accepted, flagged weak), SHA-256, SHA-384 and SHA-512; certificates in X509Data. Anything
// else is refused with a precise *Error code.
//
// Without the pkcs11 build tag the package imports only the standard library. A Signer holds a
// crypto.Signer; with the tag (and cgo), OpenPKCS11 loads one from a PKCS#11 token (USB token chữ
// ký số, HSM).
package signature

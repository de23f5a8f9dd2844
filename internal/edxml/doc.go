// Package edxml reads, validates and writes edXML packages (gói tin edXML), the envelope of the
// national document exchange axis defined by QCVN 102:2016/BTTTT: document packages, with their
// business variants (new, revoke, update, replace), and status packets.
//
// Read streams: the header is parsed token by token by the package's own XML lexer (lex.go; about
// twice as fast as encoding/xml, which it replaced) under limits on depth, text,
// attribute and total size, element and attachment counts; each attachment's base64 text is decoded
// as it is read and handed to a callback, so a package with hundreds of megabytes of attachments never
// sits in memory. DOCTYPEs and custom entities are refused. Write streams the other way, pulling each
// attachment from a callback through a base64 encoder.
//
// The shape written is the one the VPCP SDK's packages have:
//
//	<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
//	  <edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
//	    <edXML:edXMLHeader>
//	      <edXML:MessageHeader>…</edXML:MessageHeader>
//	      <edXML:TraceHeaderList>…</edXML:TraceHeaderList>
//	      <Signature>…</Signature>
//	    </edXML:edXMLHeader>
//	    <edXML:edXMLBody>
//	      <edXML:edXMLManifest version="1.0">…</edXML:edXMLManifest>
//	    </edXML:edXMLBody>
//	  </edXML:edXMLEnvelope>
//	  <AttachmentEncoded>
//	    <Attachment>… <edXML:ContentTransferEncoded xmlns:edXML="…">base64…</edXML:ContentTransferEncoded></Attachment>
//	  </AttachmentEncoded>
//	</edXML>
//
// Elements the format does not define, wherever they appear, are kept as raw XML and written back at
// the end of their parent, so a package passes through unchanged in meaning. The Signature is kept as
// the exact bytes received for the signature package; this package does not verify it.
//
// Problems are reported with machine codes: a *SyntaxError (not_xml, wrong_namespace, dtd_forbidden,
// too_deep, too_large, bad_base64 …) when the input cannot be read, a *ValidationError listing
// Problems (missing_field, bad_date, bad_business_type, bad_status_code, no_recipient,
// manifest_mismatch …) with the path of each when it reads but breaks the format's rules.
//
// The package imports only the standard library.
package edxml

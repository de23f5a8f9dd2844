package edxml

import (
	"fmt"
	"strings"
)

// Validate checks p against the rules of QCVN 102:2016 as real exchanges apply them and returns a
// *ValidationError listing every problem, or nil. It checks presence and formats (dates, timestamps,
// codes from closed lists, manifest against attachments); it does not check the syntax of
// identifier codes (OrganId, DocumentId), which the agency-code package owns. Surrounding white space
// is tolerated in the values it checks; a value of only white space counts as missing, and the text
// "null" in a required field is reported as null_value.
//
// A document package needs From/OrganId, at least one To with an OrganId, DocumentId,
// Code/CodeNumber (digits only), PromulgationInfo/PromulgationDate and Subject; revoke, update and
// replace packages need Bussiness/DocumentId, an update its BussinessDocumentInfo, a replacement its
// ReplacementInfoList. A status packet needs From/OrganId, ResponseFor/DocumentId, a known
// StatusCode, Timestamp, and a Description when it refuses (02, 16).
func (p *Package) Validate() error {
	v := &validator{problems: append([]Problem(nil), p.readProblems...)}
	if p.Kind() == KindStatus {
		v.status(p)
	} else {
		v.document(p)
	}
	v.trace(p.Trace)
	v.attachments(p)
	if len(v.problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.problems}
}

type validator struct {
	problems []Problem
}

func (v *validator) add(code, path, format string, args ...any) {
	v.problems = append(v.problems, Problem{Code: code, Path: path, Message: fmt.Sprintf(format, args...)})
}

// required reports a missing or "null" value and returns the trimmed value and whether it is usable.
func (v *validator) required(path, value string) (string, bool) {
	t := strings.TrimSpace(value)
	switch {
	case t == "":
		v.add(CodeMissingField, path, "required element is missing or empty")
		return "", false
	case strings.EqualFold(t, "null"):
		v.add(CodeNullValue, path, "required element holds the text %q", t)
		return "", false
	}
	return t, true
}

func (v *validator) date(path, value string, required bool) {
	t := strings.TrimSpace(value)
	if required {
		var ok bool
		if t, ok = v.required(path, value); !ok {
			return
		}
	} else if t == "" {
		return
	}
	if _, err := ParseEdXMLDate(t); err != nil {
		v.add(CodeBadDate, path, "%s is not a yyyy/MM/dd calendar date", quote(t))
	}
}

func (v *validator) timestamp(path, value string) {
	t, ok := v.required(path, value)
	if !ok {
		return
	}
	if _, err := ParseTimestamp(t); err != nil {
		v.add(CodeBadTimestamp, path, "%s is not a yyyy/MM/dd HH:mm:ss time", quote(t))
	}
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func (v *validator) document(p *Package) {
	h := &p.Header
	const mh = "MessageHeader"
	v.required(mh+"/From/OrganId", h.From.OrganId)
	if len(h.To) == 0 {
		v.add(CodeNoRecipient, mh+"/To", "the document names no recipient (To)")
	}
	for i := range h.To {
		v.required(mh+"/"+idx("To", i)+"/OrganId", h.To[i].OrganId)
	}
	v.required(mh+"/DocumentId", h.DocumentId)
	if n, ok := v.required(mh+"/Code/CodeNumber", h.Code.CodeNumber); ok && !isDigits(n) {
		v.add(CodeBadCodeNumber, mh+"/Code/CodeNumber", "document number %s is not made of digits", quote(n))
	}
	v.date(mh+"/PromulgationInfo/PromulgationDate", h.PromulgationInfo.PromulgationDate, true)
	v.required(mh+"/Subject", h.Subject)
	v.date(mh+"/DueDate", h.DueDate, false)

	o := &h.OtherInfo
	if t := strings.TrimSpace(o.Priority); t != "" && (len(t) != 1 || t[0] < '0' || t[0] > '4') {
		v.add(CodeBadPriority, mh+"/OtherInfo/Priority", "priority %s is not 0 (normal) to 4", quote(t))
	}
	for _, f := range []struct{ name, value string }{{"PromulgationAmount", o.PromulgationAmount}, {"PageAmount", o.PageAmount}} {
		if t := strings.TrimSpace(f.value); t != "" && !isDigits(t) {
			v.add(CodeBadNumber, mh+"/OtherInfo/"+f.name, "%s is not a whole number", quote(t))
		}
	}
	switch t := strings.TrimSpace(o.Direction); strings.ToLower(t) {
	case "", "true", "false", "0", "1":
	default:
		v.add(CodeBadBool, mh+"/OtherInfo/Direction", "%s is not true or false", quote(t))
	}
	for i := range h.ResponseFor {
		path := mh + "/" + idx("ResponseFor", i)
		v.required(path+"/DocumentId", h.ResponseFor[i].DocumentId)
		v.date(path+"/PromulgationDate", h.ResponseFor[i].PromulgationDate, false)
	}
}

func (v *validator) status(p *Package) {
	h := &p.Header
	mh := "MessageHeader"
	if p.StatusWrapped {
		mh = "MessageStatus"
	}
	v.required(mh+"/From/OrganId", h.From.OrganId)
	if len(h.ResponseFor) == 0 {
		v.add(CodeMissingField, mh+"/ResponseFor", "a status packet must say which document it answers (ResponseFor)")
	} else {
		v.required(mh+"/ResponseFor/DocumentId", h.ResponseFor[0].DocumentId)
		v.date(mh+"/ResponseFor/PromulgationDate", h.ResponseFor[0].PromulgationDate, false)
	}
	if c, ok := v.required(mh+"/StatusCode", string(h.StatusCode)); ok {
		code := StatusCode(c)
		switch {
		case code.Valid():
			if code.needsReason() && strings.TrimSpace(h.Description) == "" {
				v.add(CodeMissingField, mh+"/Description", "status %s (%s) must give a reason in Description", c, code.Name())
			}
		case c == "14":
			v.add(CodeBadStatusCode, mh+"/StatusCode", "status code 14 is not in QCVN 102; some senders mean 15 (recall accepted)")
		case len(c) == 1 && StatusCode("0"+c).Valid():
			v.add(CodeBadStatusCode, mh+"/StatusCode", "status code %s must have two digits: 0%s", quote(c), c)
		default:
			v.add(CodeBadStatusCode, mh+"/StatusCode", "status code %s is not one of 01–06, 13, 15, 16", quote(c))
		}
	}
	v.timestamp(mh+"/Timestamp", h.Timestamp)
	if len(p.Attachments) > 0 {
		v.add(CodeStatusWithAttachments, "AttachmentEncoded", "a status packet carries no attachments; this one has %d", len(p.Attachments))
	}
}

func (v *validator) trace(tl *TraceHeaderList) {
	if tl == nil {
		return
	}
	for i := range tl.TraceHeader {
		path := "TraceHeaderList/" + idx("TraceHeader", i)
		v.required(path+"/OrganId", tl.TraceHeader[i].OrganId)
		v.timestamp(path+"/Timestamp", tl.TraceHeader[i].Timestamp)
	}
	b := tl.Bussiness
	if b == nil {
		return
	}
	const bp = "TraceHeaderList/Bussiness"
	t, ok := v.required(bp+"/BussinessDocType", b.BussinessDocType)
	if !ok {
		return
	}
	bt, err := ParseBusinessType(t)
	if err != nil {
		v.add(CodeBadBusinessType, bp+"/BussinessDocType", "%s is not 0 (new), 1 (revoke), 2 (update) or 3 (replace)", quote(t))
		return
	}
	if bt == BusinessNew {
		return
	}
	v.required(bp+"/DocumentId", b.DocumentId)
	switch bt {
	case BusinessUpdate:
		if b.BussinessDocumentInfo == nil {
			v.add(CodeMissingField, bp+"/BussinessDocumentInfo", "an update must say what it changes (BussinessDocumentInfo)")
		}
	case BusinessReplace:
		if len(b.ReplacementInfoList) == 0 {
			v.add(CodeMissingField, bp+"/ReplacementInfoList", "a replacement must name the documents it replaces (ReplacementInfoList)")
		}
		for i, ri := range b.ReplacementInfoList {
			path := bp + "/ReplacementInfoList/" + idx("ReplacementInfo", i)
			v.required(path+"/DocumentId", ri.DocumentId)
			if len(ri.OrganIdList) == 0 {
				v.add(CodeMissingField, path+"/OrganIdList", "a replaced document must list the organisations that received it")
			}
			for j, id := range ri.OrganIdList {
				v.required(path+"/"+idx("OrganIdList/OrganId", j), id)
			}
		}
	}
}

// contentKey is the ContentId as manifest and attachments are matched on: without surrounding space
// and without a "cid:" prefix, which some senders write on one side only.
func contentKey(id string) string {
	id = strings.TrimSpace(id)
	if len(id) >= 4 && strings.EqualFold(id[:4], "cid:") {
		id = strings.TrimSpace(id[4:])
	}
	return id
}

func (v *validator) attachments(p *Package) {
	atts := make(map[string]int, len(p.Attachments))
	for i := range p.Attachments {
		a := &p.Attachments[i]
		path := "AttachmentEncoded/" + idx("Attachment", i)
		if p.noContent[i] {
			v.add(CodeMissingContent, path+"/ContentTransferEncoded", "the attachment has no content")
		}
		if _, ok := v.required(path+"/ContentId", a.ContentId); !ok {
			continue
		}
		k := contentKey(a.ContentId)
		if j, dup := atts[k]; dup {
			v.add(CodeDuplicateContentID, path+"/ContentId", "ContentId %s is also used by attachment %d", quote(a.ContentId), j)
			continue
		}
		atts[k] = i
	}
	refs := make(map[string]int)
	if m := p.Manifest; m != nil {
		for i := range m.References {
			path := "edXMLBody/edXMLManifest/" + idx("Reference", i) + "/ContentId"
			id := m.References[i].ContentId
			if _, ok := v.required(path, id); !ok {
				continue
			}
			k := contentKey(id)
			if j, dup := refs[k]; dup {
				v.add(CodeDuplicateContentID, path, "ContentId %s is also used by reference %d", quote(id), j)
				continue
			}
			refs[k] = i
			if _, ok := atts[k]; !ok {
				v.add(CodeManifestMismatch, path, "the manifest lists %s but no attachment has that ContentId", quote(id))
			}
		}
	}
	for i := range p.Attachments {
		k := contentKey(p.Attachments[i].ContentId)
		if k == "" {
			continue
		}
		if _, ok := refs[k]; !ok {
			v.add(CodeManifestMismatch, "AttachmentEncoded/"+idx("Attachment", i)+"/ContentId",
				"attachment %s is not listed in the manifest", quote(p.Attachments[i].ContentId))
		}
	}
}

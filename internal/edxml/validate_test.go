package edxml

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// problems returns "code path" for each problem of a Validate result.
func problems(err error) []string {
	if err == nil {
		return nil
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return []string{"not a ValidationError: " + err.Error()}
	}
	var out []string
	for _, p := range ve.Problems {
		if p.Message == "" {
			out = append(out, "empty message: "+p.Path)
		}
		out = append(out, p.Code+" "+p.Path)
	}
	slices.Sort(out)
	return out
}

func checkProblems(t *testing.T, err error, want []string) {
	t.Helper()
	got := problems(err)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n got  %s\n want %s\n (%v)", strings.Join(got, "\n      "), strings.Join(want, "\n      "), err)
	}
}

func TestValidateFiles(t *testing.T) {
	tests := []struct {
		file string
		want []string
	}{
		{"missing_from.edxml", []string{"missing_field MessageHeader/From/OrganId"}},
		{"sloppy.edxml", []string{
			// 28.22.H17, vxp.saas.03 and the UUID DocumentId are read and not judged here.
			"duplicate_element MessageHeader/Subject",
			"null_value MessageHeader/To[0]/OrganId",
			"bad_code_number MessageHeader/Code/CodeNumber",
			"bad_date MessageHeader/PromulgationInfo/PromulgationDate",
			"bad_date MessageHeader/DueDate",
			"bad_priority MessageHeader/OtherInfo/Priority",
			"bad_number MessageHeader/OtherInfo/PageAmount",
			"bad_bool MessageHeader/OtherInfo/Direction",
			"null_value TraceHeaderList/TraceHeader[0]/OrganId",
			"bad_timestamp TraceHeaderList/TraceHeader[0]/Timestamp",
			"bad_business_type TraceHeaderList/Bussiness/BussinessDocType",
			"missing_content AttachmentEncoded/Attachment[1]/ContentTransferEncoded",
			"duplicate_content_id AttachmentEncoded/Attachment[1]/ContentId",
			"manifest_mismatch edXMLBody/edXMLManifest/Reference[0]/ContentId",
			"manifest_mismatch AttachmentEncoded/Attachment[0]/ContentId",
			"manifest_mismatch AttachmentEncoded/Attachment[1]/ContentId",
		}},
		{"status_bad.edxml", []string{
			"bad_status_code MessageHeader/StatusCode",
			"bad_timestamp MessageHeader/Timestamp",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := mustRead(t, tt.file, nil)
			checkProblems(t, p.Validate(), tt.want)
		})
	}

	// The sloppy values are exposed raw.
	p := mustRead(t, "sloppy.edxml", nil)
	if p.Header.From.OrganId != "28.22.H17" || p.Header.To[1].OrganId != "vxp.saas.03" || p.Header.Code.CodeNumber != "74fass22" ||
		p.DocumentKey() != "8f14e45f-ceea-467f-a0e6-3c1d7f2b9a10" || p.Header.Subject != "Lần hai" ||
		p.Header.From.OrganizationInCharge != " UBND xã Hòa Sơn" {
		t.Errorf("sloppy values not kept raw: %+v", p.Header)
	}
	if _, err := p.BusinessType(); err == nil {
		t.Errorf("BusinessType() of BussinessDocType 5: no error")
	}
	// A lenient deployment drops the codes it accepts.
	var ve *ValidationError
	if !errors.As(p.Validate(), &ve) || !ve.Has(CodeBadCodeNumber) || ve.Has("no_such_code") {
		t.Fatalf("Has() wrong on %v", ve)
	}
	rest := ve.Ignore(CodeBadCodeNumber, CodeDuplicateElement)
	if got := problems(rest); len(got) != len(ve.Problems)-2 || slices.Contains(got, "bad_code_number MessageHeader/Code/CodeNumber") {
		t.Errorf("Ignore() left %v", got)
	}
	if (&ValidationError{Problems: []Problem{{Code: CodeBadCodeNumber}}}).Ignore(CodeBadCodeNumber) != nil {
		t.Errorf("Ignore() of every problem is not nil")
	}
}

func TestValidateRules(t *testing.T) {
	valid := func() *Package { return mustRead(t, "new_two_attachments.edxml", nil) }
	tests := []struct {
		name   string
		change func(p *Package)
		want   []string
	}{
		{"valid", func(p *Package) {}, nil},
		{"no recipient", func(p *Package) { p.Header.To = nil }, []string{"no_recipient MessageHeader/To"}},
		{"blank recipient", func(p *Package) { p.Header.To[1].OrganId = "  " }, []string{"missing_field MessageHeader/To[1]/OrganId"}},
		{"null sender", func(p *Package) { p.Header.From.OrganId = "NULL" }, []string{"null_value MessageHeader/From/OrganId"}},
		{"no document id, code, date, subject", func(p *Package) {
			p.Header.DocumentId, p.Header.Code.CodeNumber, p.Header.PromulgationInfo.PromulgationDate, p.Header.Subject = "", "", "", ""
		}, []string{
			"missing_field MessageHeader/DocumentId",
			"missing_field MessageHeader/Code/CodeNumber",
			"missing_field MessageHeader/PromulgationInfo/PromulgationDate",
			"missing_field MessageHeader/Subject",
		}},
		{"impossible date", func(p *Package) { p.Header.PromulgationInfo.PromulgationDate = "2014/02/30" }, []string{"bad_date MessageHeader/PromulgationInfo/PromulgationDate"}},
		{"dash date", func(p *Package) { p.Header.DueDate = "2024-03-29" }, []string{"bad_date MessageHeader/DueDate"}},
		{"space around date is tolerated", func(p *Package) { p.Header.DueDate = " 2024/03/29\n" }, nil},
		{"business type", func(p *Package) { p.Trace.Bussiness.BussinessDocType = "new" }, []string{"bad_business_type TraceHeaderList/Bussiness/BussinessDocType"}},
		{"business type missing", func(p *Package) { p.Trace.Bussiness.BussinessDocType = "" }, []string{"missing_field TraceHeaderList/Bussiness/BussinessDocType"}},
		{"revoke without document", func(p *Package) {
			p.Trace.Bussiness.BussinessDocType, p.Trace.Bussiness.DocumentId = "1", ""
		}, []string{"missing_field TraceHeaderList/Bussiness/DocumentId"}},
		{"update without info", func(p *Package) { p.Trace.Bussiness.BussinessDocType = "2" }, []string{"missing_field TraceHeaderList/Bussiness/BussinessDocumentInfo"}},
		{"replace without list", func(p *Package) { p.Trace.Bussiness.BussinessDocType = "3" }, []string{"missing_field TraceHeaderList/Bussiness/ReplacementInfoList"}},
		{"replace with empty entry", func(p *Package) {
			p.Trace.Bussiness.BussinessDocType = "3"
			p.Trace.Bussiness.ReplacementInfoList = []ReplacementInfo{{OrganIdList: []string{"null"}}, {DocumentId: "x"}}
		}, []string{
			"missing_field TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo[0]/DocumentId",
			"null_value TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo[0]/OrganIdList/OrganId[0]",
			"missing_field TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo[1]/OrganIdList",
		}},
		{"no business element is new", func(p *Package) { p.Trace.Bussiness = nil }, nil},
		{"cid prefix on one side only", func(p *Package) { p.Attachments[0].ContentId = " 1" }, nil},
		{"attachment not in manifest", func(p *Package) { p.Attachments[1].ContentId = "cid:3" }, []string{
			"manifest_mismatch edXMLBody/edXMLManifest/Reference[1]/ContentId",
			"manifest_mismatch AttachmentEncoded/Attachment[1]/ContentId",
		}},
		{"no manifest", func(p *Package) { p.Manifest = nil }, []string{
			"manifest_mismatch AttachmentEncoded/Attachment[0]/ContentId",
			"manifest_mismatch AttachmentEncoded/Attachment[1]/ContentId",
		}},
		{"duplicate reference", func(p *Package) { p.Manifest.References[1].ContentId = "cid:1" }, []string{
			"duplicate_content_id edXMLBody/edXMLManifest/Reference[1]/ContentId",
			"manifest_mismatch AttachmentEncoded/Attachment[1]/ContentId",
		}},
		{"attachment without id", func(p *Package) { p.Attachments[0].ContentId = "" }, []string{
			"missing_field AttachmentEncoded/Attachment[0]/ContentId",
			"manifest_mismatch edXMLBody/edXMLManifest/Reference[0]/ContentId",
		}},
		{"numbers", func(p *Package) {
			p.Header.OtherInfo.PromulgationAmount, p.Header.OtherInfo.Priority, p.Header.OtherInfo.Direction = "-1", "4", "TRUE"
		}, []string{"bad_number MessageHeader/OtherInfo/PromulgationAmount"}},
		{"response for", func(p *Package) {
			p.Header.ResponseFor = []ResponseFor{{PromulgationDate: "16/01/2019"}}
		}, []string{"missing_field MessageHeader/ResponseFor[0]/DocumentId", "bad_date MessageHeader/ResponseFor[0]/PromulgationDate"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := valid()
			tt.change(p)
			checkProblems(t, p.Validate(), tt.want)
		})
	}
}

func TestValidateStatus(t *testing.T) {
	base := func() *Status {
		return &Status{
			ResponseFor: ResponseFor{DocumentId: "000.00.00.H34,2024/03/12,1234/UBND-VP"},
			From:        Organization{OrganId: "000.00.00.H21"},
			StatusCode:  StatusCompleted,
			Timestamp:   "2024/03/15 16:45:00",
		}
	}
	tests := []struct {
		name   string
		change func(s *Status)
		want   []string
	}{
		{"valid", func(s *Status) {}, nil},
		{"one digit", func(s *Status) { s.StatusCode = "3" }, []string{"bad_status_code MessageHeader/StatusCode"}},
		{"unknown", func(s *Status) { s.StatusCode = "07" }, []string{"bad_status_code MessageHeader/StatusCode"}},
		{"rejection without reason", func(s *Status) { s.StatusCode = StatusRejected }, []string{"missing_field MessageHeader/Description"}},
		{"recall refusal without reason", func(s *Status) { s.StatusCode = StatusRecallRefused }, []string{"missing_field MessageHeader/Description"}},
		{"no document, no sender, no time", func(s *Status) {
			s.ResponseFor.DocumentId, s.From.OrganId, s.Timestamp = "", "", ""
		}, []string{
			"missing_field MessageHeader/ResponseFor/DocumentId",
			"missing_field MessageHeader/From/OrganId",
			"missing_field MessageHeader/Timestamp",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			tt.change(s)
			checkProblems(t, NewStatusPackage(s).Validate(), tt.want)
		})
	}

	p := NewStatusPackage(base())
	p.Header.ResponseFor = nil
	p.Attachments = []Attachment{{AttachmentMeta: AttachmentMeta{ContentId: "x"}}}
	p.Manifest = &Manifest{References: []Reference{{ContentId: "x"}}}
	checkProblems(t, p.Validate(), []string{"missing_field MessageHeader/ResponseFor", "status_with_attachments AttachmentEncoded"})

	w := mustRead(t, "status_wrapped_02.edxml", nil)
	w.Header.StatusCode = "99"
	checkProblems(t, w.Validate(), []string{"bad_status_code MessageStatus/StatusCode"})
}

package edxml

import (
	"encoding/xml"
	"fmt"
)

// idx formats a path step of a repeated element: "To[2]".
func idx(name string, i int) string { return fmt.Sprintf("%s[%d]", name, i) }

// messageHeader reads MessageHeader, or MessageStatus into the same fields.
func (r *reader) messageHeader(path string, h *MessageHeader) error {
	return r.children(&h.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		var err error
		switch local {
		case "From":
			if n > 0 {
				r.dup(path + "/From")
			}
			h.From = Organization{}
			err = r.organization(path+"/From", &h.From)
		case "To":
			h.To = append(h.To, Organization{})
			err = r.organization(path+"/"+idx("To", len(h.To)-1), &h.To[len(h.To)-1])
		case "DocumentId":
			err = r.str(t, n, path, &h.DocumentId)
		case "Code":
			if n > 0 {
				r.dup(path + "/Code")
			}
			h.Code = Code{}
			err = r.code(path+"/Code", &h.Code)
		case "PromulgationInfo":
			if n > 0 {
				r.dup(path + "/PromulgationInfo")
			}
			h.PromulgationInfo = PromulgationInfo{}
			err = r.promulgationInfo(path+"/PromulgationInfo", &h.PromulgationInfo)
		case "DocumentType":
			if n > 0 {
				r.dup(path + "/DocumentType")
			}
			h.DocumentType = DocumentType{}
			err = r.documentType(path+"/DocumentType", &h.DocumentType)
		case "Subject":
			err = r.str(t, n, path, &h.Subject)
		case "Content":
			err = r.str(t, n, path, &h.Content)
		case "SignerInfo":
			if n > 0 {
				r.dup(path + "/SignerInfo")
			}
			h.SignerInfo = SignerInfo{}
			err = r.signerInfo(path+"/SignerInfo", &h.SignerInfo)
		case "DueDate":
			err = r.str(t, n, path, &h.DueDate)
		case "OtherInfo":
			if n > 0 {
				r.dup(path + "/OtherInfo")
			}
			h.OtherInfo = OtherInfo{}
			err = r.otherInfo(path+"/OtherInfo", &h.OtherInfo)
		case "SteeringType":
			err = r.str(t, n, path, &h.SteeringType)
		case "ToPlaces":
			err = r.list(path+"/ToPlaces", "Place", &h.ToPlaces, &h.ToPlacesExtra)
		case "ResponseFor":
			h.ResponseFor = append(h.ResponseFor, ResponseFor{})
			err = r.responseFor(path+"/"+idx("ResponseFor", len(h.ResponseFor)-1), &h.ResponseFor[len(h.ResponseFor)-1])
		case "StaffInfo":
			if n > 0 {
				r.dup(path + "/StaffInfo")
			}
			h.StaffInfo = StaffInfo{}
			err = r.staffInfo(path+"/StaffInfo", &h.StaffInfo)
		case "StatusCode":
			r.statusSeen = true
			var s string
			err = r.str(t, n, path, &s)
			h.StatusCode = StatusCode(s)
		case "Description":
			err = r.str(t, n, path, &h.Description)
		case "Timestamp":
			err = r.str(t, n, path, &h.Timestamp)
		default:
			return false, nil
		}
		return true, err
	})
}

// list reads a container of repeated text elements (ToPlaces/Place, Appendixes/Appendix,
// OrganIdList/OrganId), appending to dst.
func (r *reader) list(path, item string, dst *[]string, extra *[]RawElement) error {
	return r.children(extra, func(t xml.StartElement, local string, n int) (bool, error) {
		if local != item {
			return false, nil
		}
		s, err := r.text(t)
		*dst = append(*dst, s)
		return true, err
	})
}

func (r *reader) organization(path string, o *Organization) error {
	return r.children(&o.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		var dst *string
		switch local {
		case "OrganId":
			dst = &o.OrganId
		case "OrganizationInCharge":
			dst = &o.OrganizationInCharge
		case "OrganName":
			dst = &o.OrganName
		case "OrganAdd":
			dst = &o.OrganAdd
		case "Email":
			dst = &o.Email
		case "Telephone":
			dst = &o.Telephone
		case "Fax":
			dst = &o.Fax
		case "Website":
			dst = &o.Website
		default:
			return false, nil
		}
		return true, r.str(t, n, path, dst)
	})
}

func (r *reader) code(path string, c *Code) error {
	return r.children(&c.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		switch local {
		case "CodeNumber":
			return true, r.str(t, n, path, &c.CodeNumber)
		case "CodeNotation":
			return true, r.str(t, n, path, &c.CodeNotation)
		}
		return false, nil
	})
}

func (r *reader) promulgationInfo(path string, pi *PromulgationInfo) error {
	return r.children(&pi.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		switch local {
		case "Place":
			return true, r.str(t, n, path, &pi.Place)
		case "PromulgationDate":
			return true, r.str(t, n, path, &pi.PromulgationDate)
		}
		return false, nil
	})
}

func (r *reader) documentType(path string, dt *DocumentType) error {
	return r.children(&dt.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		switch local {
		case "Type":
			return true, r.str(t, n, path, &dt.Type)
		case "TypeDetail":
			return true, r.str(t, n, path, &dt.TypeDetail)
		case "TypeName":
			return true, r.str(t, n, path, &dt.TypeName)
		}
		return false, nil
	})
}

func (r *reader) signerInfo(path string, s *SignerInfo) error {
	return r.children(&s.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		switch local {
		case "Competence":
			return true, r.str(t, n, path, &s.Competence)
		case "Position":
			return true, r.str(t, n, path, &s.Position)
		case "FullName":
			return true, r.str(t, n, path, &s.FullName)
		}
		return false, nil
	})
}

func (r *reader) otherInfo(path string, o *OtherInfo) error {
	return r.children(&o.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		var dst *string
		switch local {
		case "Priority":
			dst = &o.Priority
		case "SphereOfPromulgation":
			dst = &o.SphereOfPromulgation
		case "TyperNotation":
			dst = &o.TyperNotation
		case "PromulgationAmount":
			dst = &o.PromulgationAmount
		case "PageAmount":
			dst = &o.PageAmount
		case "Direction":
			dst = &o.Direction
		case "Appendixes":
			return true, r.list(path+"/Appendixes", "Appendix", &o.Appendixes, &o.AppendixesExtra)
		default:
			return false, nil
		}
		return true, r.str(t, n, path, dst)
	})
}

func (r *reader) responseFor(path string, rf *ResponseFor) error {
	return r.children(&rf.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		var dst *string
		switch local {
		case "OrganId":
			dst = &rf.OrganId
		case "Code":
			dst = &rf.Code
		case "PromulgationDate":
			dst = &rf.PromulgationDate
		case "DocumentId":
			dst = &rf.DocumentId
		default:
			return false, nil
		}
		return true, r.str(t, n, path, dst)
	})
}

func (r *reader) staffInfo(path string, s *StaffInfo) error {
	return r.children(&s.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		var dst *string
		switch local {
		case "Department":
			dst = &s.Department
		case "Staff":
			dst = &s.Staff
		case "Email":
			dst = &s.Email
		case "Mobile":
			dst = &s.Mobile
		default:
			return false, nil
		}
		return true, r.str(t, n, path, dst)
	})
}

// traceHeaderList reads TraceHeaderList.
func (r *reader) traceHeaderList() (*TraceHeaderList, error) {
	const path = "TraceHeaderList"
	tl := &TraceHeaderList{}
	err := r.children(&tl.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		switch local {
		case "TraceHeader":
			tl.TraceHeader = append(tl.TraceHeader, TraceHeader{})
			th := &tl.TraceHeader[len(tl.TraceHeader)-1]
			thPath := path + "/" + idx("TraceHeader", len(tl.TraceHeader)-1)
			return true, r.children(&th.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
				switch local {
				case "OrganId":
					return true, r.str(t, n, thPath, &th.OrganId)
				case "Timestamp":
					return true, r.str(t, n, thPath, &th.Timestamp)
				}
				return false, nil
			})
		case "Bussiness":
			if n > 0 {
				r.dup(path + "/Bussiness")
			}
			b := &Bussiness{}
			tl.Bussiness = b
			return true, r.bussiness(path+"/Bussiness", b)
		}
		return false, nil
	})
	return tl, err
}

func (r *reader) bussiness(path string, b *Bussiness) error {
	return r.children(&b.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		switch local {
		case "DocumentId":
			return true, r.str(t, n, path, &b.DocumentId)
		case "BussinessDocType":
			return true, r.str(t, n, path, &b.BussinessDocType)
		case "BussinessDocReason":
			return true, r.str(t, n, path, &b.BussinessDocReason)
		case "Paper":
			return true, r.str(t, n, path, &b.Paper)
		case "StaffInfo":
			if n > 0 {
				r.dup(path + "/StaffInfo")
			}
			b.StaffInfo = StaffInfo{}
			return true, r.staffInfo(path+"/StaffInfo", &b.StaffInfo)
		case "BussinessDocumentInfo":
			if n > 0 {
				r.dup(path + "/BussinessDocumentInfo")
			}
			bi := &BussinessDocumentInfo{}
			b.BussinessDocumentInfo = bi
			return true, r.bussinessDocumentInfo(path+"/BussinessDocumentInfo", bi)
		case "ReplacementInfoList":
			return true, r.replacementInfoList(path+"/ReplacementInfoList", b)
		}
		return false, nil
	})
}

func (r *reader) bussinessDocumentInfo(path string, bi *BussinessDocumentInfo) error {
	return r.children(&bi.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
		switch local {
		case "DocumentInfo":
			return true, r.str(t, n, path, &bi.DocumentInfo)
		case "DocumentReceiver":
			return true, r.str(t, n, path, &bi.DocumentReceiver)
		case "ReceiverList":
			return true, r.children(&bi.ReceiverListExtra, func(t xml.StartElement, local string, n int) (bool, error) {
				if local != "Receiver" {
					return false, nil
				}
				bi.ReceiverList = append(bi.ReceiverList, Receiver{})
				rc := &bi.ReceiverList[len(bi.ReceiverList)-1]
				rcPath := path + "/ReceiverList/" + idx("Receiver", len(bi.ReceiverList)-1)
				return true, r.children(&rc.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
					switch local {
					case "ReceiverType":
						return true, r.str(t, n, rcPath, &rc.ReceiverType)
					case "OrganId":
						return true, r.str(t, n, rcPath, &rc.OrganId)
					}
					return false, nil
				})
			})
		}
		return false, nil
	})
}

func (r *reader) replacementInfoList(path string, b *Bussiness) error {
	return r.children(&b.ReplacementInfoListExtra, func(t xml.StartElement, local string, n int) (bool, error) {
		if local != "ReplacementInfo" {
			return false, nil
		}
		b.ReplacementInfoList = append(b.ReplacementInfoList, ReplacementInfo{})
		ri := &b.ReplacementInfoList[len(b.ReplacementInfoList)-1]
		riPath := path + "/" + idx("ReplacementInfo", len(b.ReplacementInfoList)-1)
		return true, r.children(&ri.Extra, func(t xml.StartElement, local string, n int) (bool, error) {
			switch local {
			case "DocumentId":
				return true, r.str(t, n, riPath, &ri.DocumentId)
			case "OrganIdList":
				return true, r.list(riPath+"/OrganIdList", "OrganId", &ri.OrganIdList, &ri.OrganIdListExtra)
			}
			return false, nil
		})
	})
}

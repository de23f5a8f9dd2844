package feedback

import "github.com/lienthong/lienthong/internal/vn"

// QuestionRecord is a question in the shape of the national portal's DongBoHoiDap service (Q&A
// synchronisation through the NDXP adapter; field names from OpenCPS, vn-standards §3.5).
//
// Unverified: whether MADONVI takes the agency identifier code (mã định danh) or the portal's own
// unit code, and whether HOIDAPID may be our tracking code; the portal's Q&A specification was not
// found. Nothing sends these records yet.
type QuestionRecord struct {
	ID         string `json:"HOIDAPID"`
	Field      string `json:"MaLinhVuc"`
	Content    string `json:"NOIDUNG"`
	AgencyCode string `json:"MADONVI"`
	AgencyName string `json:"TENDONVI"`
}

// AnswerRecord is an answer in the shape of DongBoKetQuaHoiDapGuiTuDVCQG. NGAYTRALOI is written
// yyyyMMddHHmmss in Vietnam's time, as the portal's dossier records are (unverified for Q&A).
type AnswerRecord struct {
	ID         string `json:"HOIDAPID"`
	AgencyCode string `json:"MADONVI"`
	Officer    string `json:"NGUOITRALOI"`
	Title      string `json:"CHUCVUNGUOITRALOI"`
	Date       string `json:"NGAYTRALOI"`
	Text       string `json:"NOIDUNGTRALOI"`
}

// QuestionRecord returns the item as a national portal Q&A record.
func (it *Item) QuestionRecord() QuestionRecord {
	return QuestionRecord{ID: it.Code, Field: it.Field, Content: it.Subject + "\n\n" + it.Content, AgencyCode: it.Agency, AgencyName: it.AgencyName}
}

// AnswerRecord returns the item's answer as a national portal record, or false when it has none.
func (it *Item) AnswerRecord() (AnswerRecord, bool) {
	if it.Answer == nil {
		return AnswerRecord{}, false
	}
	return AnswerRecord{ID: it.Code, AgencyCode: it.Agency, Officer: it.Answer.Officer, Title: it.Answer.Title,
		Date: it.Answer.At.In(vn.ICT).Format("20060102150405"), Text: it.Answer.Text}, true
}

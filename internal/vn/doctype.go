package vn

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// DocumentType is one of the 29 types of administrative document (loại văn bản hành chính) of
// Decree 30/2020/NĐ-CP art. 7, with the abbreviation Phụ lục III gives it for document numbers
// such as 123/QĐ-UBND. Công văn (18) and Thư công (29) have no abbreviation, so theirs is "".
type DocumentType struct {
	Number       int    // position in art. 7, 1–29
	Name         string // Vietnamese name, such as "Quyết định (cá biệt)"
	Abbreviation string // such as "QĐ" or "QyĐ"; "" for Công văn and Thư công
}

//go:embed doctypes.csv
var documentTypesCSV string

// documentTypes parses the embedded table once. A broken table is a build defect that the tests
// catch, so it panics rather than returning an error every caller would have to handle.
var documentTypes = sync.OnceValue(func() []DocumentType {
	types, err := parseDocumentTypes(documentTypesCSV)
	if err != nil {
		panic("vn: embedded doctypes.csv: " + err.Error())
	}
	return types
})

// DocumentTypes returns the 29 document types in the order of art. 7. The slice is a fresh copy
// that the caller may change.
func DocumentTypes() []DocumentType {
	return slices.Clone(documentTypes())
}

// DocumentTypeByNumber returns the document type with the given art. 7 number, 1–29.
func DocumentTypeByNumber(n int) (DocumentType, bool) {
	types := documentTypes()
	if n < 1 || n > len(types) {
		return DocumentType{}, false
	}
	return types[n-1], true
}

// DocumentTypeByAbbreviation returns the document type with the given abbreviation. The exact
// spelling ("QyĐ") is preferred, and a match ignoring case ("QYĐ", as some sites write it) is
// accepted too; D and Đ stay distinct, since DA (Dự án) and ĐA (Đề án) differ only there. The
// empty string matches nothing.
func DocumentTypeByAbbreviation(s string) (DocumentType, bool) {
	if s == "" {
		return DocumentType{}, false
	}
	types := documentTypes()
	for _, t := range types {
		if t.Abbreviation == s {
			return t, true
		}
	}
	for _, t := range types {
		if t.Abbreviation != "" && strings.EqualFold(t.Abbreviation, s) {
			return t, true
		}
	}
	return DocumentType{}, false
}

// parseDocumentTypes reads the number,name,abbreviation table and checks that the numbers run
// 1, 2, 3 … without gaps, every name is present and no two abbreviations clash, even ignoring case.
func parseDocumentTypes(text string) ([]DocumentType, error) {
	r := csv.NewReader(strings.NewReader(text))
	r.FieldsPerRecord = 3
	records, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(records) == 0 || !slices.Equal(records[0], []string{"number", "name", "abbreviation"}) {
		return nil, fmt.Errorf("want the header number,name,abbreviation")
	}
	types := make([]DocumentType, 0, len(records)-1)
	for i, rec := range records[1:] {
		line := i + 2
		n, err := strconv.Atoi(rec[0])
		if err != nil || n != i+1 {
			return nil, fmt.Errorf("line %d: want number %d, got %q", line, i+1, rec[0])
		}
		if rec[1] == "" {
			return nil, fmt.Errorf("line %d: empty name", line)
		}
		for _, t := range types {
			if rec[2] != "" && strings.EqualFold(t.Abbreviation, rec[2]) {
				return nil, fmt.Errorf("line %d: abbreviation %q clashes with type %d", line, rec[2], t.Number)
			}
		}
		types = append(types, DocumentType{Number: n, Name: rec[1], Abbreviation: rec[2]})
	}
	return types, nil
}

// CopyKind is a kind of copy (hình thức bản sao) of Decree 30/2020/NĐ-CP, each marked with its
// Phụ lục III abbreviation.
type CopyKind int

// The copy kinds.
const (
	CopyTrue     CopyKind = iota + 1 // bản sao y (SY): the full text of the original
	CopyExtract                      // bản trích sao (TrS): part of the text
	CopyFromCopy                     // bản sao lục (SL): made from a bản sao y
)

var copyKinds = [...]struct{ abbr, vi, en string }{
	CopyTrue:     {"SY", "Bản sao y", "true copy"},
	CopyExtract:  {"TrS", "Bản trích sao", "extract copy"},
	CopyFromCopy: {"SL", "Bản sao lục", "copy of a true copy"},
}

// Valid reports whether k is one of the three copy kinds.
func (k CopyKind) Valid() bool { return k >= CopyTrue && k <= CopyFromCopy }

// Abbreviation returns the mark of the copy kind, such as "TrS", or "" when k is not valid.
func (k CopyKind) Abbreviation() string {
	if !k.Valid() {
		return ""
	}
	return copyKinds[k].abbr
}

// Vietnamese returns the Vietnamese name, such as "Bản sao y", or "" when k is not valid.
func (k CopyKind) Vietnamese() string {
	if !k.Valid() {
		return ""
	}
	return copyKinds[k].vi
}

// String returns the English name, such as "true copy".
func (k CopyKind) String() string {
	if !k.Valid() {
		return "CopyKind(" + strconv.Itoa(int(k)) + ")"
	}
	return copyKinds[k].en
}

// CopyKindByAbbreviation returns the copy kind marked s: "SY", "TrS" or "SL", ignoring case.
func CopyKindByAbbreviation(s string) (CopyKind, bool) {
	for k := CopyTrue; k <= CopyFromCopy; k++ {
		if strings.EqualFold(copyKinds[k].abbr, s) {
			return k, true
		}
	}
	return 0, false
}

// Urgency is the urgency mark (độ khẩn) of a document. Its value is the edXML OtherInfo/Priority
// number, 0 (normal) to 3 (immediate).
type Urgency int

// The urgency levels, in increasing order.
const (
	UrgencyNormal     Urgency = iota // thường
	UrgencyUrgent                    // khẩn
	UrgencyVeryUrgent                // thượng khẩn
	UrgencyImmediate                 // hỏa tốc
)

var urgencyNames = [...][2]string{
	UrgencyNormal:     {"Thường", "normal"},
	UrgencyUrgent:     {"Khẩn", "urgent"},
	UrgencyVeryUrgent: {"Thượng khẩn", "very urgent"},
	UrgencyImmediate:  {"Hỏa tốc", "immediate"},
}

// UrgencyFromPriority returns the urgency for an edXML Priority value, 0–3.
func UrgencyFromPriority(p int) (Urgency, bool) {
	u := Urgency(p)
	return u, u.Valid()
}

// Valid reports whether u is one of the four urgency levels.
func (u Urgency) Valid() bool { return u >= UrgencyNormal && u <= UrgencyImmediate }

// Priority returns the edXML Priority value of u.
func (u Urgency) Priority() int { return int(u) }

// Vietnamese returns the Vietnamese name, such as "Thượng khẩn", or "" when u is not valid.
func (u Urgency) Vietnamese() string {
	if !u.Valid() {
		return ""
	}
	return urgencyNames[u][0]
}

// String returns the English name, such as "very urgent".
func (u Urgency) String() string {
	if !u.Valid() {
		return "Urgency(" + strconv.Itoa(int(u)) + ")"
	}
	return urgencyNames[u][1]
}

// Confidentiality is the secrecy grade (độ mật) of a document. Any grade above Unclassified makes
// it a state secret: it is kept off the national document axis and numbered in a separate series.
type Confidentiality int

// The secrecy grades, in increasing order.
const (
	Unclassified Confidentiality = iota // thường
	Confidential                        // mật
	Secret                              // tối mật
	TopSecret                           // tuyệt mật
)

var confidentialityNames = [...][2]string{
	Unclassified: {"Thường", "unclassified"},
	Confidential: {"Mật", "confidential"},
	Secret:       {"Tối mật", "secret"},
	TopSecret:    {"Tuyệt mật", "top secret"},
}

// Valid reports whether c is one of the four grades.
func (c Confidentiality) Valid() bool { return c >= Unclassified && c <= TopSecret }

// IsSecret reports whether c is a grade of state secret (Confidential, Secret or TopSecret).
func (c Confidentiality) IsSecret() bool { return c >= Confidential && c <= TopSecret }

// Vietnamese returns the Vietnamese name, such as "Tối mật", or "" when c is not valid.
func (c Confidentiality) Vietnamese() string {
	if !c.Valid() {
		return ""
	}
	return confidentialityNames[c][0]
}

// String returns the English name, such as "top secret".
func (c Confidentiality) String() string {
	if !c.Valid() {
		return "Confidentiality(" + strconv.Itoa(int(c)) + ")"
	}
	return confidentialityNames[c][1]
}

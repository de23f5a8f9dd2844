package vn

import (
	"strconv"
	"unicode/utf8"
)

// CodeKind names the kind of code a CodeError is about.
type CodeKind uint8

// The kinds of code this package parses.
const (
	KindAgencyCode        CodeKind = iota + 1 // mã định danh (QCVN 102)
	KindDossierCode                           // mã hồ sơ
	KindProcedureCode                         // mã thủ tục hành chính
	KindProcedureInstance                     // mã thủ tục tại một cơ quan
	KindDossierStatus                         // trạng thái hồ sơ
	KindAxisStatus                            // mã trạng thái edXML
)

// String returns the English name of the kind, such as "agency code".
func (k CodeKind) String() string {
	switch k {
	case KindAgencyCode:
		return "agency code"
	case KindDossierCode:
		return "dossier code"
	case KindProcedureCode:
		return "procedure code"
	case KindProcedureInstance:
		return "procedure instance code"
	case KindDossierStatus:
		return "dossier status"
	case KindAxisStatus:
		return "edXML status code"
	}
	return "code"
}

// Vietnamese returns the Vietnamese name of the kind, such as "mã định danh".
func (k CodeKind) Vietnamese() string {
	switch k {
	case KindAgencyCode:
		return "mã định danh"
	case KindDossierCode:
		return "mã hồ sơ"
	case KindProcedureCode:
		return "mã thủ tục hành chính"
	case KindProcedureInstance:
		return "mã thủ tục tại cơ quan"
	case KindDossierStatus:
		return "trạng thái hồ sơ"
	case KindAxisStatus:
		return "mã trạng thái edXML"
	}
	return "mã"
}

// CodeError reports why a code could not be parsed. Reason is a precise English explanation and
// ReasonVI the same explanation in Vietnamese, both safe to show to the person who typed the code.
type CodeError struct {
	Kind     CodeKind // what was being parsed
	Input    string   // the text as given
	Reason   string   // what is wrong, in English
	ReasonVI string   // what is wrong, in Vietnamese
}

// maxQuoted bounds how much of the input an error message repeats, so a hostile megabyte-long
// "code" does not end up in every log line.
const maxQuoted = 40

// Error returns an English message naming the kind, the (possibly shortened) input and the reason.
func (e *CodeError) Error() string {
	return "invalid " + e.Kind.String() + " " + quoteShort(e.Input) + ": " + e.Reason
}

// ErrorVI returns the Vietnamese counterpart of Error.
func (e *CodeError) ErrorVI() string {
	return e.Kind.Vietnamese() + " không hợp lệ " + quoteShort(e.Input) + ": " + e.ReasonVI
}

func quoteShort(s string) string {
	if utf8.RuneCountInString(s) <= maxQuoted {
		return strconv.Quote(s)
	}
	n := 0
	for i := range s {
		if n == maxQuoted {
			return strconv.Quote(s[:i]) + "…"
		}
		n++
	}
	return strconv.Quote(s)
}

func codeErr(kind CodeKind, input, reason, reasonVI string) error {
	return &CodeError{Kind: kind, Input: input, Reason: reason, ReasonVI: reasonVI}
}

// describeByte renders one input byte for an error message: ASCII quoted as 'x' (control bytes
// escaped), any other byte, which can only be part of a UTF-8 sequence, as its hex value.
func describeByte(c byte) string {
	if c < utf8.RuneSelf {
		return strconv.QuoteRune(rune(c))
	}
	return "byte 0x" + strconv.FormatUint(uint64(c), 16)
}

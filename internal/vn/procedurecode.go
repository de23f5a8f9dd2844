package vn

import (
	"strconv"
)

// ProcedureCode is a national administrative procedure code (mã thủ tục hành chính, mã TTHC) of the
// national procedure database, d.dddddd as in 1.001612 or 2.000815: a leading group digit 1–3 and
// a six-digit serial number. ProcedureCode is comparable; the zero value is not a valid code.
type ProcedureCode struct {
	group  uint8  // 1–3
	serial uint32 // 1–999999
}

// procedureCodeLen is the length of every procedure code, such as "1.001612".
const procedureCodeLen = 8

// ParseProcedureCode parses a national procedure code such as 1.001612. It requires exactly one
// digit 1–3, a '.', and six digits that are not all zero. Errors are *CodeError.
func ParseProcedureCode(s string) (ProcedureCode, error) {
	return parseProcedureCode(KindProcedureCode, s, s)
}

// parseProcedureCode parses the eight characters of a procedure code; input and kind are for errors.
func parseProcedureCode(kind CodeKind, input, s string) (ProcedureCode, error) {
	const example = "1.001612"
	if len(s) != procedureCodeLen || !plainASCII(s) {
		if reason, reasonVI, bad := formDefect(s, procedureCodeLen, example); bad {
			return ProcedureCode{}, codeErr(kind, input, reason, reasonVI)
		}
		n := strconv.Itoa(len(s))
		return ProcedureCode{}, codeErr(kind, input,
			"wrong length: want 8 characters like "+example+", got "+n,
			"sai độ dài: cần 8 ký tự như "+example+", nhận được "+n)
	}
	if s[0] < '1' || s[0] > '3' {
		return ProcedureCode{}, codeErr(kind, input,
			"procedure code must start with a digit 1–3, got "+describeByte(s[0]),
			"mã thủ tục phải bắt đầu bằng chữ số 1–3, nhận được "+describeByte(s[0]))
	}
	if s[1] != '.' {
		return ProcedureCode{}, codeErr(kind, input,
			"want '.' at position 2, got "+describeByte(s[1]),
			"cần dấu '.' ở vị trí 2, nhận được "+describeByte(s[1]))
	}
	serial, ok := digits(s[2:])
	if !ok {
		return ProcedureCode{}, codeErr(kind, input,
			"procedure serial number must be 6 digits, got "+strconv.Quote(s[2:]),
			"số hiệu thủ tục phải gồm 6 chữ số, nhận được "+strconv.Quote(s[2:]))
	}
	if serial == 0 {
		return ProcedureCode{}, codeErr(kind, input,
			"procedure serial number must not be 000000",
			"số hiệu thủ tục không được là 000000")
	}
	return ProcedureCode{group: s[0] - '0', serial: uint32(serial)}, nil
}

// String returns the code in its canonical form, such as "1.001612", or "" for the zero value.
func (p ProcedureCode) String() string {
	if p.IsZero() {
		return ""
	}
	var buf [procedureCodeLen]byte
	return string(p.appendTo(buf[:0]))
}

func (p ProcedureCode) appendTo(b []byte) []byte {
	b = append(b, '0'+p.group, '.')
	for d := uint32(100000); d > 0; d /= 10 {
		b = append(b, '0'+byte(p.serial/d%10))
	}
	return b
}

// IsZero reports whether p is the zero value, which is not a valid code.
func (p ProcedureCode) IsZero() bool { return p.group == 0 }

// Group returns the leading digit, 1–3. Its meaning is not documented in the sources we have.
func (p ProcedureCode) Group() int { return int(p.group) }

// Serial returns the six-digit serial number after the group digit, such as 1612 for 1.001612.
func (p ProcedureCode) Serial() int { return int(p.serial) }

// ProcedureInstance is a national procedure as carried out by one agency (mã thủ tục tại cơ
// quan): the national code followed by the agency identifier, 1.001612.000.00.00.H48, or in the
// newer short form by the level-1 code alone, 1.012784.H21. For the short form Agency holds the
// depth-1 code (000.00.00.H21) and ShortForm is true, so String gives back the text that was parsed;
// ShortForm has no meaning for a deeper Agency.
type ProcedureInstance struct {
	Procedure ProcedureCode
	Agency    AgencyCode
	ShortForm bool
}

// ParseProcedureInstance parses 1.001612.000.00.00.H48 or 1.012784.H21, applying the rules of
// ParseProcedureCode, ParseAgencyCode and ParseLevel1Code to the parts. Errors are *CodeError.
func ParseProcedureInstance(s string) (ProcedureInstance, error) {
	const kind = KindProcedureInstance
	if len(s) < procedureCodeLen {
		_, err := parseProcedureCode(kind, s, s)
		return ProcedureInstance{}, err
	}
	p, err := parseProcedureCode(kind, s, s[:procedureCodeLen])
	if err != nil {
		return ProcedureInstance{}, err
	}
	rest := s[procedureCodeLen:]
	if rest == "" || rest[0] != '.' {
		return ProcedureInstance{}, codeErr(kind, s,
			"want '.' and an agency code after the procedure code, like 1.001612.000.00.00.H48 or 1.012784.H21",
			"cần dấu '.' và mã định danh sau mã thủ tục, như 1.001612.000.00.00.H48 hoặc 1.012784.H21")
	}
	rest = rest[1:]
	var agency AgencyCode
	switch len(rest) {
	case 3:
		agency, err = ParseLevel1Code(rest)
	case agencyCodeLen:
		agency, err = ParseAgencyCode(rest)
	default:
		if len(rest) == agencyCodeLen+3 && rest[agencyCodeLen] == '.' {
			return ProcedureInstance{}, codeErr(kind, s,
				"this looks like a public service code (MaDVC) such as 2.000815.000.00.00.H55.02, not a procedure instance",
				"đây có vẻ là mã dịch vụ công (MaDVC) như 2.000815.000.00.00.H55.02, không phải mã thủ tục tại cơ quan")
		}
		n := strconv.Itoa(len(rest))
		return ProcedureInstance{}, codeErr(kind, s,
			"after the procedure code want a 13-character agency code like 000.00.00.H48 or a level-1 code like H21, got "+n+" characters",
			"sau mã thủ tục cần mã định danh 13 ký tự như 000.00.00.H48 hoặc mã cấp 1 như H21, nhận được "+n+" ký tự")
	}
	if err != nil {
		ce := err.(*CodeError)
		return ProcedureInstance{}, codeErr(kind, s, "agency part: "+ce.Reason, "phần mã cơ quan: "+ce.ReasonVI)
	}
	return ProcedureInstance{Procedure: p, Agency: agency, ShortForm: len(rest) == 3}, nil
}

// String returns the instance code in the form it was parsed or built in, such as
// "1.001612.000.00.00.H48" or "1.012784.H21", or "" when Procedure is the zero value.
func (pi ProcedureInstance) String() string {
	if pi.Procedure.IsZero() {
		return ""
	}
	var buf [procedureCodeLen + 1 + agencyCodeLen]byte
	b := pi.Procedure.appendTo(buf[:0])
	if pi.Agency.IsZero() {
		return string(b)
	}
	b = append(b, '.')
	if pi.ShortForm {
		b = pi.Agency.appendLevel1(b)
	} else {
		b = pi.Agency.appendTo(b)
	}
	return string(b)
}

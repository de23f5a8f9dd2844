package vn

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// AgencyCode is an agency identifier code (mã định danh) of QCVN 102:2016/BTTTT, written
// V1V2V3.Z1Z2.Y1Y2.L and read right to left: L is the level-1 code (one letter and two digits,
// such as H36 or G22), Y1Y2 the level-2 unit, Z1Z2 the level-3 unit and V1V2V3 the level-4 unit;
// a zero level means "no lower level". For example 000.00.00.H36 is the People's Committee of Lâm
// Đồng and 000.00.53.H48 a district under Quảng Ngãi.
//
// AgencyCode is a small comparable value, usable as a map key; two codes are equal exactly when
// their strings are equal. The zero value is not a valid code; IsZero reports it.
type AgencyCode struct {
	l4     uint16 // V1V2V3, 0–999
	prefix byte   // letter of the level-1 code, 'A'–'Z'; 0 only in the zero value
	l1     uint8  // number of the level-1 code, 1–99
	l2     uint8  // Y1Y2, 0–99
	l3     uint8  // Z1Z2, 0–99
}

// agencyCodeLen is the length of every agency code, such as "000.00.00.H36".
const agencyCodeLen = 13

// ValidAgencyCode reports whether s is a well-formed agency code, as ParseAgencyCode decides.
func ValidAgencyCode(s string) bool {
	_, err := ParseAgencyCode(s)
	return err == nil
}

// ParseAgencyCode parses a code of the exact shape ddd.dd.dd.Ldd. It rejects surrounding spaces,
// any other length or separator, a lower-case or missing letter, non-digits, a level-1 number of
// 00, and a non-zero level below a zero level (such as 001.00.05.H36). Errors are *CodeError.
// It does not allocate when s is valid.
func ParseAgencyCode(s string) (AgencyCode, error) {
	if c, ok := scanAgencyCode(s); ok {
		return c, nil
	}
	if err := explainAgencyCode(s); err != nil {
		return AgencyCode{}, err
	}
	// Unreachable while the two functions agree; never report success for a rejected code.
	return AgencyCode{}, agencyErr(s, "malformed", "sai định dạng")
}

// scanAgencyCode is the fast path of ParseAgencyCode: it accepts exactly the codes that
// explainAgencyCode finds nothing wrong with (FuzzParseAgencyCode checks that they agree).
func scanAgencyCode(s string) (AgencyCode, bool) {
	if len(s) != agencyCodeLen || s[3] != '.' || s[6] != '.' || s[9] != '.' {
		return AgencyCode{}, false
	}
	// Subtracting '0' wraps every byte that is not a digit to a value above 9.
	v1, v2, v3 := s[0]-'0', s[1]-'0', s[2]-'0'
	z1, z2, y1, y2 := s[4]-'0', s[5]-'0', s[7]-'0', s[8]-'0'
	p, n1, n2 := s[10], s[11]-'0', s[12]-'0'
	if v1 > 9 || v2 > 9 || v3 > 9 || z1 > 9 || z2 > 9 || y1 > 9 || y2 > 9 || n1 > 9 || n2 > 9 ||
		p < 'A' || p > 'Z' {
		return AgencyCode{}, false
	}
	c := AgencyCode{
		l4:     uint16(v1)*100 + uint16(v2)*10 + uint16(v3),
		prefix: p,
		l1:     n1*10 + n2,
		l2:     y1*10 + y2,
		l3:     z1*10 + z2,
	}
	if c.l1 == 0 || c.l2 == 0 && (c.l3 != 0 || c.l4 != 0) || c.l3 == 0 && c.l4 != 0 {
		return AgencyCode{}, false
	}
	return c, true
}

// explainAgencyCode returns the error for a string that is not a valid code, checking the rules in
// the order a person reading the code would (form, separators, levels 4 to 1, hierarchy), or nil
// if s is valid.
func explainAgencyCode(s string) error {
	if len(s) != agencyCodeLen || !plainASCII(s) {
		return agencyFormError(s, agencyCodeLen, "000.00.00.H36")
	}
	for _, i := range [...]int{3, 6, 9} {
		if s[i] != '.' {
			return agencyErr(s,
				"want '.' at position "+strconv.Itoa(i+1)+", got "+describeByte(s[i]),
				"cần dấu '.' ở vị trí "+strconv.Itoa(i+1)+", nhận được "+describeByte(s[i]))
		}
	}
	l4, ok := digits(s[0:3])
	if !ok {
		return levelDigitsError(s, 4, s[0:3])
	}
	l3, ok := digits(s[4:6])
	if !ok {
		return levelDigitsError(s, 3, s[4:6])
	}
	l2, ok := digits(s[7:9])
	if !ok {
		return levelDigitsError(s, 2, s[7:9])
	}
	c, err := parseLevel1(s, s[10:13])
	if err != nil {
		return err
	}
	c.l2, c.l3, c.l4 = uint8(l2), uint8(l3), uint16(l4)
	return checkHierarchy(s, c)
}

// ParseLevel1Code parses a bare level-1 code such as "H21" (one upper-case letter A–Z and two
// digits, 01–99) and returns the depth-1 agency code 000.00.00.H21. Errors are *CodeError.
func ParseLevel1Code(s string) (AgencyCode, error) {
	if len(s) != 3 || !plainASCII(s) {
		return AgencyCode{}, agencyFormError(s, 3, "H36")
	}
	return parseLevel1(s, s)
}

// NewAgencyCode builds a code from its parts: the level-1 letter and number (such as 'H', 36) and
// the level-2, level-3 and level-4 numbers, zero for "no such level". It applies the same rules as
// ParseAgencyCode and returns a *CodeError when they are broken.
func NewAgencyCode(prefix byte, l1, l2, l3, l4 int) (AgencyCode, error) {
	if prefix < 'A' || prefix > 'Z' || l1 < 1 || l1 > 99 || l2 < 0 || l2 > 99 || l3 < 0 || l3 > 99 || l4 < 0 || l4 > 999 {
		s := describeByte(prefix) + "/" + strconv.Itoa(l1) + "/" + strconv.Itoa(l2) + "/" + strconv.Itoa(l3) + "/" + strconv.Itoa(l4)
		return AgencyCode{}, agencyErr(s,
			"parts out of range: want letter A–Z, level 1 in 1–99, levels 2 and 3 in 0–99, level 4 in 0–999",
			"thành phần ngoài phạm vi: cần chữ cái A–Z, cấp 1 từ 1–99, cấp 2 và 3 từ 0–99, cấp 4 từ 0–999")
	}
	c := AgencyCode{prefix: prefix, l1: uint8(l1), l2: uint8(l2), l3: uint8(l3), l4: uint16(l4)}
	if err := checkHierarchy(c.String(), c); err != nil {
		return AgencyCode{}, err
	}
	return c, nil
}

// String returns the code in its canonical form, such as "000.00.53.H48", or "" for the zero value.
func (c AgencyCode) String() string {
	if c.IsZero() {
		return ""
	}
	var buf [agencyCodeLen]byte
	return string(c.appendTo(buf[:0]))
}

// appendTo appends the canonical form of a non-zero code to b.
func (c AgencyCode) appendTo(b []byte) []byte {
	b = append(b, '0'+byte(c.l4/100), '0'+byte(c.l4/10%10), '0'+byte(c.l4%10), '.',
		'0'+c.l3/10, '0'+c.l3%10, '.', '0'+c.l2/10, '0'+c.l2%10, '.')
	return c.appendLevel1(b)
}

func (c AgencyCode) appendLevel1(b []byte) []byte {
	return append(b, c.prefix, '0'+c.l1/10, '0'+c.l1%10)
}

// IsZero reports whether c is the zero value, which is not a valid code.
func (c AgencyCode) IsZero() bool { return c.prefix == 0 }

// Depth returns how many levels the code names: 1 for 000.00.00.H36, 2 for 000.00.05.H36, 3 for
// 000.02.05.H36 and 4 for 001.02.05.H36. The zero value has depth 0.
func (c AgencyCode) Depth() int {
	switch {
	case c.IsZero():
		return 0
	case c.l4 != 0:
		return 4
	case c.l3 != 0:
		return 3
	case c.l2 != 0:
		return 2
	}
	return 1
}

// Parent returns the code of the unit directly above c, found by zeroing the deepest non-zero
// level (001.02.05.H36 → 000.02.05.H36). A depth-1 code and the zero value have no parent.
func (c AgencyCode) Parent() (AgencyCode, bool) {
	switch c.Depth() {
	case 4:
		c.l4 = 0
	case 3:
		c.l3 = 0
	case 2:
		c.l2 = 0
	default:
		return AgencyCode{}, false
	}
	return c, true
}

// Root returns the level-1 code, such as "H36", or "" for the zero value.
func (c AgencyCode) Root() string {
	if c.IsZero() {
		return ""
	}
	var buf [3]byte
	return string(c.appendLevel1(buf[:0]))
}

// RootCode returns the depth-1 code at the top of c's tree, such as 000.00.00.H36 for
// 001.02.05.H36.
func (c AgencyCode) RootCode() AgencyCode {
	return AgencyCode{prefix: c.prefix, l1: c.l1}
}

// Prefix returns the letter of the level-1 code, such as 'H' (provincial People's Committees) or
// 'G' (central ministries and agencies); it is 0 for the zero value.
func (c AgencyCode) Prefix() byte { return c.prefix }

// Level returns the number at the given level: the two digits of the level-1 code for level 1,
// Y1Y2 for 2, Z1Z2 for 3 and V1V2V3 for 4. Other levels give -1.
func (c AgencyCode) Level(level int) int {
	switch level {
	case 1:
		return int(c.l1)
	case 2:
		return int(c.l2)
	case 3:
		return int(c.l3)
	case 4:
		return int(c.l4)
	}
	return -1
}

// IsAncestorOf reports whether c is a proper ancestor of other: other lies in c's subtree and is
// not c itself.
func (c AgencyCode) IsAncestorOf(other AgencyCode) bool {
	return c != other && other.Within(c)
}

// Within reports whether c equals root or lies below it. The zero value is within nothing, and
// nothing is within it.
func (c AgencyCode) Within(root AgencyCode) bool {
	if c.IsZero() || root.IsZero() || c.prefix != root.prefix || c.l1 != root.l1 {
		return false
	}
	// Valid codes never have a non-zero level below a zero one, so the first zero level of root
	// ends the comparison.
	return root.l2 == 0 || c.l2 == root.l2 &&
		(root.l3 == 0 || c.l3 == root.l3 &&
			(root.l4 == 0 || c.l4 == root.l4))
}

// parseLevel1 parses the three characters of a level-1 code; input is the whole text for errors.
func parseLevel1(input, s string) (AgencyCode, error) {
	p := s[0]
	switch {
	case 'a' <= p && p <= 'z':
		return AgencyCode{}, agencyErr(input,
			"level-1 code letter must be upper-case, got "+describeByte(p),
			"chữ cái của mã cấp 1 phải viết hoa, nhận được "+describeByte(p))
	case p < 'A' || p > 'Z':
		return AgencyCode{}, agencyErr(input,
			"level-1 code must start with a letter A–Z, got "+describeByte(p),
			"mã cấp 1 phải bắt đầu bằng một chữ cái A–Z, nhận được "+describeByte(p))
	}
	n, ok := digits(s[1:3])
	if !ok {
		return AgencyCode{}, agencyErr(input,
			"level-1 code must be a letter and 2 digits like H36, got "+strconv.Quote(s),
			"mã cấp 1 phải gồm một chữ cái và 2 chữ số như H36, nhận được "+strconv.Quote(s))
	}
	if n == 0 {
		return AgencyCode{}, agencyErr(input,
			"level-1 code number must be 01–99, got "+strconv.Quote(s),
			"số của mã cấp 1 phải từ 01 đến 99, nhận được "+strconv.Quote(s))
	}
	return AgencyCode{prefix: p, l1: uint8(n)}, nil
}

// checkHierarchy rejects a non-zero level below a zero level, naming the shallowest zero level
// and the first non-zero level under it.
func checkHierarchy(input string, c AgencyCode) error {
	levels := [5]int{2: int(c.l2), 3: int(c.l3), 4: int(c.l4)}
	for zero := 2; zero <= 3; zero++ {
		if levels[zero] != 0 {
			continue
		}
		for below := zero + 1; below <= 4; below++ {
			if levels[below] != 0 {
				return agencyErr(input,
					"non-zero level below a zero level: level "+levelPart(below, levels[below])+
						" is set but level "+levelPart(zero, 0)+" is zero",
					"cấp dưới khác 0 nằm dưới một cấp bằng 0: cấp "+levelPart(below, levels[below])+
						" có giá trị nhưng cấp "+levelPart(zero, 0)+" bằng 0")
			}
		}
		return nil
	}
	return nil
}

// levelPart renders "3 (Z1Z2 = 05)" for error messages.
func levelPart(level, n int) string {
	switch level {
	case 2:
		return "2 (Y1Y2 = " + pad(n, 2) + ")"
	case 3:
		return "3 (Z1Z2 = " + pad(n, 2) + ")"
	}
	return "4 (V1V2V3 = " + pad(n, 3) + ")"
}

func levelDigitsError(input string, level int, got string) error {
	name, width := "Y1Y2", "2"
	switch level {
	case 3:
		name = "Z1Z2"
	case 4:
		name, width = "V1V2V3", "3"
	}
	lv := strconv.Itoa(level)
	return agencyErr(input,
		"level "+lv+" ("+name+") must be "+width+" digits, got "+strconv.Quote(got),
		"cấp "+lv+" ("+name+") phải gồm "+width+" chữ số, nhận được "+strconv.Quote(got))
}

// agencyFormError explains why s is not wantLen plain ASCII characters, most specific cause first.
func agencyFormError(s string, wantLen int, example string) error {
	if reason, reasonVI, bad := formDefect(s, wantLen, example); bad {
		return agencyErr(s, reason, reasonVI)
	}
	return agencyErr(s,
		"wrong length: want "+strconv.Itoa(wantLen)+" characters like "+example+", got "+strconv.Itoa(len(s)),
		"sai độ dài: cần "+strconv.Itoa(wantLen)+" ký tự như "+example+", nhận được "+strconv.Itoa(len(s)))
}

// formDefect reports the first problem that makes s unreadable as a code whatever its length:
// emptiness, surrounding white space, or a character other than printable ASCII.
func formDefect(s string, wantLen int, example string) (reason, reasonVI string, bad bool) {
	if s == "" {
		return "empty; want " + strconv.Itoa(wantLen) + " characters like " + example,
			"trống; cần " + strconv.Itoa(wantLen) + " ký tự như " + example, true
	}
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) || unicode.IsSpace(last) {
		return "leading or trailing whitespace", "có khoảng trắng ở đầu hoặc cuối", true
	}
	pos := 0
	for _, r := range s {
		pos++
		if r > ' ' && r < 0x7f {
			continue
		}
		q := strconv.QuoteRune(r)
		return "character " + q + " at position " + strconv.Itoa(pos) + " is not allowed; use only ASCII letters, digits and punctuation",
			"ký tự " + q + " ở vị trí " + strconv.Itoa(pos) + " không được phép; chỉ dùng chữ cái, chữ số và dấu câu ASCII", true
	}
	return "", "", false
}

func agencyErr(input, reason, reasonVI string) error {
	return codeErr(KindAgencyCode, input, reason, reasonVI)
}

// plainASCII reports whether s holds only printable ASCII (no spaces, controls or UTF-8).
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// digits parses a short run of ASCII digits; it reports false for an empty string or any other byte.
func digits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// pad formats n with leading zeros to width digits.
func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

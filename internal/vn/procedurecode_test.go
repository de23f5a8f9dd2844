package vn

import (
	"errors"
	"testing"
)

func TestParseProcedureCode(t *testing.T) {
	for _, tt := range []struct {
		in            string
		group, serial int
	}{
		{"1.001612", 1, 1612}, {"2.000815", 2, 815}, {"3.000181", 3, 181}, {"1.999999", 1, 999999}, {"2.000001", 2, 1},
	} {
		p, err := ParseProcedureCode(tt.in)
		if err != nil {
			t.Errorf("ParseProcedureCode(%q): unexpected error %v", tt.in, err)
			continue
		}
		if p.String() != tt.in || p.Group() != tt.group || p.Serial() != tt.serial {
			t.Errorf("ParseProcedureCode(%q) = %q (group %d, serial %d), want group %d, serial %d",
				tt.in, p, p.Group(), p.Serial(), tt.group, tt.serial)
		}
	}
	for in, reason := range map[string]string{
		"":          "empty; want 8 characters like 1.001612",
		"1.00161":   "wrong length: want 8 characters like 1.001612, got 7",
		"1.0016120": "wrong length: want 8 characters like 1.001612, got 9",
		"1.001612 ": "leading or trailing whitespace",
		"4.001612":  "procedure code must start with a digit 1–3, got '4'",
		"0.001612":  "procedure code must start with a digit 1–3, got '0'",
		"A.001612":  "procedure code must start with a digit 1–3, got 'A'",
		"1,001612":  "want '.' at position 2, got ','",
		"1.00161a":  `procedure serial number must be 6 digits, got "00161a"`,
		"1.000000":  "procedure serial number must not be 000000",
		"1.00161２":  "character '２' at position 8 is not allowed; use only ASCII letters, digits and punctuation",
	} {
		_, err := ParseProcedureCode(in)
		var ce *CodeError
		if !errors.As(err, &ce) || ce.Reason != reason || ce.Kind != KindProcedureCode || ce.ReasonVI == "" {
			t.Errorf("ParseProcedureCode(%q) error = %v, want reason %q", in, err, reason)
		}
	}
	var zero ProcedureCode
	if zero.String() != "" || !zero.IsZero() {
		t.Errorf("zero ProcedureCode: String %q, IsZero %v", zero.String(), zero.IsZero())
	}
}

func TestParseProcedureInstance(t *testing.T) {
	tests := []struct {
		in, procedure, agency string
		short                 bool
	}{
		{"1.001612.000.00.00.H48", "1.001612", "000.00.00.H48", false},
		{"2.000815.000.00.53.H48", "2.000815", "000.00.53.H48", false},
		{"1.012784.H21", "1.012784", "000.00.00.H21", true},
		{"3.000181.G03", "3.000181", "000.00.00.G03", true},
	}
	for _, tt := range tests {
		pi, err := ParseProcedureInstance(tt.in)
		if err != nil {
			t.Errorf("ParseProcedureInstance(%q): unexpected error %v", tt.in, err)
			continue
		}
		if pi.Procedure.String() != tt.procedure || pi.Agency.String() != tt.agency || pi.ShortForm != tt.short {
			t.Errorf("ParseProcedureInstance(%q) = {%s %s %v}, want {%s %s %v}",
				tt.in, pi.Procedure, pi.Agency, pi.ShortForm, tt.procedure, tt.agency, tt.short)
		}
		if got := pi.String(); got != tt.in {
			t.Errorf("ParseProcedureInstance(%q).String() = %q", tt.in, got)
		}
	}
	invalid := map[string]string{
		"":                          "empty; want 8 characters like 1.001612",
		"1.0016":                    "wrong length: want 8 characters like 1.001612, got 6",
		"1.001612":                  "want '.' and an agency code after the procedure code, like 1.001612.000.00.00.H48 or 1.012784.H21",
		"1.001612-H48":              "want '.' and an agency code after the procedure code, like 1.001612.000.00.00.H48 or 1.012784.H21",
		"5.001612.H48":              "procedure code must start with a digit 1–3, got '5'",
		"1.001612.h48":              "agency part: level-1 code letter must be upper-case, got 'h'",
		"1.001612.H00":              `agency part: level-1 code number must be 01–99, got "H00"`,
		"1.001612.000.01.00.H48":    "agency part: non-zero level below a zero level: level 3 (Z1Z2 = 01) is set but level 2 (Y1Y2 = 00) is zero",
		"1.001612.H48.242":          "after the procedure code want a 13-character agency code like 000.00.00.H48 or a level-1 code like H21, got 7 characters",
		"2.000815.000.00.00.H55.02": "this looks like a public service code (MaDVC) such as 2.000815.000.00.00.H55.02, not a procedure instance",
	}
	for in, reason := range invalid {
		_, err := ParseProcedureInstance(in)
		var ce *CodeError
		if !errors.As(err, &ce) || ce.Reason != reason || ce.Kind != KindProcedureInstance || ce.Input != in || ce.ReasonVI == "" {
			t.Errorf("ParseProcedureInstance(%q) error = %#v, want reason %q", in, err, reason)
		}
	}
}

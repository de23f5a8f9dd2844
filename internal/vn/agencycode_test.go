package vn

import (
	"errors"
	"strings"
	"testing"
)

func mustAgency(tb testing.TB, s string) AgencyCode {
	tb.Helper()
	c, err := ParseAgencyCode(s)
	if err != nil {
		tb.Fatalf("ParseAgencyCode(%q): %v", s, err)
	}
	return c
}

func TestParseAgencyCodeValid(t *testing.T) {
	tests := []struct {
		in     string
		depth  int
		parent string // "" when there is none
		root   string
		prefix byte
		levels [4]int
	}{
		{"000.00.00.H36", 1, "", "H36", 'H', [4]int{36, 0, 0, 0}},
		{"000.00.05.H36", 2, "000.00.00.H36", "H36", 'H', [4]int{36, 5, 0, 0}},
		{"000.02.05.H36", 3, "000.00.05.H36", "H36", 'H', [4]int{36, 5, 2, 0}},
		{"001.02.05.H36", 4, "000.02.05.H36", "H36", 'H', [4]int{36, 5, 2, 1}},
		{"000.00.00.G22", 1, "", "G22", 'G', [4]int{22, 0, 0, 0}},
		{"000.00.18.G12", 2, "000.00.00.G12", "G12", 'G', [4]int{12, 18, 0, 0}},
		{"000.00.53.H48", 2, "000.00.00.H48", "H48", 'H', [4]int{48, 53, 0, 0}},
		{"000.00.00.K57", 1, "", "K57", 'K', [4]int{57, 0, 0, 0}},
		{"999.99.99.Z99", 4, "000.99.99.Z99", "Z99", 'Z', [4]int{99, 99, 99, 999}},
		{"000.00.00.A01", 1, "", "A01", 'A', [4]int{1, 0, 0, 0}},
	}
	for _, tt := range tests {
		c, err := ParseAgencyCode(tt.in)
		if err != nil {
			t.Errorf("ParseAgencyCode(%q): unexpected error %v", tt.in, err)
			continue
		}
		if got := c.String(); got != tt.in {
			t.Errorf("ParseAgencyCode(%q).String() = %q, want %q", tt.in, got, tt.in)
		}
		if got := c.Depth(); got != tt.depth {
			t.Errorf("%s.Depth() = %d, want %d", tt.in, got, tt.depth)
		}
		p, ok := c.Parent()
		if got := p.String(); got != tt.parent || ok != (tt.parent != "") {
			t.Errorf("%s.Parent() = %q, %v, want %q, %v", tt.in, got, ok, tt.parent, tt.parent != "")
		}
		if got := c.Root(); got != tt.root {
			t.Errorf("%s.Root() = %q, want %q", tt.in, got, tt.root)
		}
		if got := c.RootCode().String(); got != "000.00.00."+tt.root {
			t.Errorf("%s.RootCode() = %q, want %q", tt.in, got, "000.00.00."+tt.root)
		}
		if got := c.Prefix(); got != tt.prefix {
			t.Errorf("%s.Prefix() = %q, want %q", tt.in, got, tt.prefix)
		}
		for i, want := range tt.levels {
			if got := c.Level(i + 1); got != want {
				t.Errorf("%s.Level(%d) = %d, want %d", tt.in, i+1, got, want)
			}
		}
		if !ValidAgencyCode(tt.in) {
			t.Errorf("ValidAgencyCode(%q) = false, want true", tt.in)
		}
		if c.IsZero() {
			t.Errorf("%s.IsZero() = true", tt.in)
		}
	}
}

func TestParseAgencyCodeInvalid(t *testing.T) {
	tests := []struct {
		in, reason string
	}{
		{"", "empty; want 13 characters like 000.00.00.H36"},
		{"000.00.0.H36", "wrong length: want 13 characters like 000.00.00.H36, got 12"},
		{"00.00.00.H36", "wrong length: want 13 characters like 000.00.00.H36, got 12"},
		{"000.00.00.H36.", "wrong length: want 13 characters like 000.00.00.H36, got 14"},
		{"000.00.00.H360", "wrong length: want 13 characters like 000.00.00.H36, got 14"},
		{" 000.00.00.H36", "leading or trailing whitespace"},
		{"000.00.00.H36\n", "leading or trailing whitespace"},
		{"000.00.00.H36\u00a0", "leading or trailing whitespace"},
		{"000.00 00.H36", "character ' ' at position 7 is not allowed; use only ASCII letters, digits and punctuation"},
		{"000.00.00.Đ36", "character 'Đ' at position 11 is not allowed; use only ASCII letters, digits and punctuation"},
		{"000\u201800.00.H36", "character '‘' at position 4 is not allowed; use only ASCII letters, digits and punctuation"},
		{"000.00.00.H\x006", "character '\\x00' at position 12 is not allowed; use only ASCII letters, digits and punctuation"},
		{"000.00.00.H3\xff", "character '�' at position 13 is not allowed; use only ASCII letters, digits and punctuation"},
		{"000-00.00.H36", "want '.' at position 4, got '-'"},
		{"000.00,00.H36", "want '.' at position 7, got ','"},
		{"000.00.00-H36", "want '.' at position 10, got '-'"},
		{"0a0.00.00.H36", `level 4 (V1V2V3) must be 3 digits, got "0a0"`},
		{"000.0O.00.H36", `level 3 (Z1Z2) must be 2 digits, got "0O"`},
		{"000.00.+5.H36", `level 2 (Y1Y2) must be 2 digits, got "+5"`},
		{"000.00.00.h36", "level-1 code letter must be upper-case, got 'h'"},
		{"000.00.00.136", "level-1 code must start with a letter A–Z, got '1'"},
		{"000.00.00._36", "level-1 code must start with a letter A–Z, got '_'"},
		{"000.00.00.H3x", `level-1 code must be a letter and 2 digits like H36, got "H3x"`},
		{"000.00.00.HH6", `level-1 code must be a letter and 2 digits like H36, got "HH6"`},
		{"000.00.00.H00", `level-1 code number must be 01–99, got "H00"`},
		{"000.01.00.H36", "non-zero level below a zero level: level 3 (Z1Z2 = 01) is set but level 2 (Y1Y2 = 00) is zero"},
		{"001.00.05.H36", "non-zero level below a zero level: level 4 (V1V2V3 = 001) is set but level 3 (Z1Z2 = 00) is zero"},
		{"001.00.00.H36", "non-zero level below a zero level: level 4 (V1V2V3 = 001) is set but level 2 (Y1Y2 = 00) is zero"},
		{"000.05.00.G12", "non-zero level below a zero level: level 3 (Z1Z2 = 05) is set but level 2 (Y1Y2 = 00) is zero"},
	}
	for _, tt := range tests {
		c, err := ParseAgencyCode(tt.in)
		if err == nil {
			t.Errorf("ParseAgencyCode(%q) = %v, want error %q", tt.in, c, tt.reason)
			continue
		}
		var ce *CodeError
		if !errors.As(err, &ce) {
			t.Errorf("ParseAgencyCode(%q) error %T, want *CodeError", tt.in, err)
			continue
		}
		if ce.Reason != tt.reason {
			t.Errorf("ParseAgencyCode(%q) reason\n got %q\nwant %q", tt.in, ce.Reason, tt.reason)
		}
		if ce.Kind != KindAgencyCode || ce.Input != tt.in || ce.ReasonVI == "" {
			t.Errorf("ParseAgencyCode(%q) error = %+v, want kind agency code, the input and a Vietnamese reason", tt.in, ce)
		}
		if c != (AgencyCode{}) {
			t.Errorf("ParseAgencyCode(%q) returned %v with an error, want the zero value", tt.in, c)
		}
		if ValidAgencyCode(tt.in) {
			t.Errorf("ValidAgencyCode(%q) = true, want false", tt.in)
		}
	}
}

func TestCodeErrorMessages(t *testing.T) {
	_, err := ParseAgencyCode("000.00.H36")
	want := `invalid agency code "000.00.H36": wrong length: want 13 characters like 000.00.00.H36, got 10`
	if got := err.Error(); got != want {
		t.Errorf("Error()\n got %q\nwant %q", got, want)
	}
	wantVI := `mã định danh không hợp lệ "000.00.H36": sai độ dài: cần 13 ký tự như 000.00.00.H36, nhận được 10`
	if got := err.(*CodeError).ErrorVI(); got != wantVI {
		t.Errorf("ErrorVI()\n got %q\nwant %q", got, wantVI)
	}
	_, err = ParseAgencyCode(strings.Repeat("Đ", 100))
	if got := err.Error(); !strings.Contains(got, `"`+strings.Repeat("Đ", 40)+`"…`) || strings.Contains(got, strings.Repeat("Đ", 41)) {
		t.Errorf("Error() of a long input = %q, want the input cut to 40 characters", got)
	}
}

func TestParseLevel1Code(t *testing.T) {
	c, err := ParseLevel1Code("H21")
	if err != nil || c.String() != "000.00.00.H21" || c.Depth() != 1 {
		t.Errorf(`ParseLevel1Code("H21") = %v, %v, want 000.00.00.H21`, c, err)
	}
	for in, reason := range map[string]string{
		"":     "empty; want 3 characters like H36",
		"H2":   "wrong length: want 3 characters like H36, got 2",
		"H210": "wrong length: want 3 characters like H36, got 4",
		"h21":  "level-1 code letter must be upper-case, got 'h'",
		"H00":  `level-1 code number must be 01–99, got "H00"`,
		" H21": "leading or trailing whitespace",
	} {
		_, err := ParseLevel1Code(in)
		var ce *CodeError
		if !errors.As(err, &ce) || ce.Reason != reason {
			t.Errorf("ParseLevel1Code(%q) error = %v, want reason %q", in, err, reason)
		}
	}
}

func TestNewAgencyCode(t *testing.T) {
	c, err := NewAgencyCode('H', 48, 53, 0, 0)
	if err != nil || c != mustAgency(t, "000.00.53.H48") {
		t.Errorf("NewAgencyCode('H', 48, 53, 0, 0) = %v, %v, want 000.00.53.H48", c, err)
	}
	bad := []struct {
		prefix         byte
		l1, l2, l3, l4 int
	}{
		{'h', 48, 0, 0, 0}, {'H', 0, 0, 0, 0}, {'H', 100, 0, 0, 0}, {'H', 48, -1, 0, 0},
		{'H', 48, 1, 100, 0}, {'H', 48, 1, 1, 1000}, {'H', 48, 0, 1, 0}, {'H', 48, 1, 0, 1},
	}
	for _, b := range bad {
		if c, err := NewAgencyCode(b.prefix, b.l1, b.l2, b.l3, b.l4); err == nil {
			t.Errorf("NewAgencyCode(%q, %d, %d, %d, %d) = %v, want error", b.prefix, b.l1, b.l2, b.l3, b.l4, c)
		}
	}
}

func TestAgencyCodeTree(t *testing.T) {
	tests := []struct {
		c, root          string
		within, ancestor bool // c.Within(root), root.IsAncestorOf(c)
	}{
		{"000.00.00.H36", "000.00.00.H36", true, false},
		{"000.00.05.H36", "000.00.00.H36", true, true},
		{"001.02.05.H36", "000.00.00.H36", true, true},
		{"001.02.05.H36", "000.00.05.H36", true, true},
		{"001.02.05.H36", "000.02.05.H36", true, true},
		{"001.02.05.H36", "001.02.05.H36", true, false},
		{"001.02.05.H36", "002.02.05.H36", false, false},
		{"000.00.00.H36", "000.00.05.H36", false, false},
		{"000.02.06.H36", "000.00.05.H36", false, false},
		{"000.00.05.H37", "000.00.00.H36", false, false},
		{"000.00.05.G36", "000.00.00.H36", false, false},
		{"000.00.05.H36", "000.02.05.H36", false, false},
	}
	for _, tt := range tests {
		c, root := mustAgency(t, tt.c), mustAgency(t, tt.root)
		if got := c.Within(root); got != tt.within {
			t.Errorf("%s.Within(%s) = %v, want %v", tt.c, tt.root, got, tt.within)
		}
		if got := root.IsAncestorOf(c); got != tt.ancestor {
			t.Errorf("%s.IsAncestorOf(%s) = %v, want %v", tt.root, tt.c, got, tt.ancestor)
		}
	}
	var zero AgencyCode
	h36 := mustAgency(t, "000.00.00.H36")
	if zero.Within(zero) || zero.Within(h36) || h36.Within(zero) || zero.IsAncestorOf(h36) {
		t.Errorf("the zero AgencyCode must be within nothing and contain nothing")
	}
	if zero.String() != "" || zero.Root() != "" || zero.Depth() != 0 || !zero.IsZero() {
		t.Errorf("zero AgencyCode: String %q, Root %q, Depth %d, IsZero %v", zero.String(), zero.Root(), zero.Depth(), zero.IsZero())
	}
	if _, ok := zero.Parent(); ok {
		t.Errorf("zero AgencyCode has a parent")
	}
}

func TestAgencyCodeMapKey(t *testing.T) {
	m := map[AgencyCode]string{mustAgency(t, "000.00.00.G22"): "Văn phòng Chính phủ"}
	if got := m[mustAgency(t, "000.00.00.G22")]; got != "Văn phòng Chính phủ" {
		t.Errorf("map lookup by an equal code = %q", got)
	}
	p, _ := mustAgency(t, "000.00.18.G12").Parent()
	if p != mustAgency(t, "000.00.00.G12") {
		t.Errorf("Parent() = %v, want a value equal to the parsed 000.00.00.G12", p)
	}
}

func TestParseAgencyCodeAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseAgencyCode("001.02.05.H36"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ParseAgencyCode allocates %v times on success, want 0", allocs)
	}
}

func FuzzParseAgencyCode(f *testing.F) {
	for _, s := range []string{"000.00.00.H36", "001.02.05.H36", "000.01.00.H36", "000.00.00.h36", "", "000.00.53.H48-220921-0099", "999.99.99.Z99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, fast := scanAgencyCode(s)
		if explained := explainAgencyCode(s); fast != (explained == nil) {
			t.Fatalf("scanAgencyCode(%q) ok = %v but explainAgencyCode says %v", s, fast, explained)
		}
		c, err := ParseAgencyCode(s)
		if err != nil {
			var ce *CodeError
			if !errors.As(err, &ce) || ce.Reason == "" || ce.ReasonVI == "" || ce.Input != s {
				t.Fatalf("ParseAgencyCode(%q) error %#v, want a complete *CodeError", s, err)
			}
			return
		}
		if got := c.String(); got != s {
			t.Fatalf("ParseAgencyCode(%q).String() = %q", s, got)
		}
		if p, ok := c.Parent(); ok {
			if p.Depth() != c.Depth()-1 || !p.IsAncestorOf(c) || !ValidAgencyCode(p.String()) {
				t.Fatalf("%s has a bad parent %s", s, p)
			}
		} else if c.Depth() != 1 {
			t.Fatalf("%s of depth %d has no parent", s, c.Depth())
		}
		if !c.Within(c.RootCode()) {
			t.Fatalf("%s is not within its root", s)
		}
	})
}

func BenchmarkParseAgencyCode(b *testing.B) {
	for b.Loop() {
		if _, err := ParseAgencyCode("001.02.53.H48"); err != nil {
			b.Fatal(err)
		}
	}
}

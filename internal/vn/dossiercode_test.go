package vn

import (
	"errors"
	"testing"
	"time"
)

func TestParseDossierCode(t *testing.T) {
	tests := []struct {
		in     string
		agency string
		year   int
		month  time.Month
		day    int
		seq    int
	}{
		{"000.00.53.H48-220921-0099", "000.00.53.H48", 2022, time.September, 21, 99},
		{"000.00.00.G22-000101-0001", "000.00.00.G22", 2000, time.January, 1, 1},
		{"001.02.05.H36-240229-9999", "001.02.05.H36", 2024, time.February, 29, 9999},
		{"000.00.00.H29-991231-1234", "000.00.00.H29", 2099, time.December, 31, 1234},
	}
	for _, tt := range tests {
		d, err := ParseDossierCode(tt.in)
		if err != nil {
			t.Errorf("ParseDossierCode(%q): unexpected error %v", tt.in, err)
			continue
		}
		want := DossierCode{Agency: mustAgency(t, tt.agency), Year: tt.year, Month: tt.month, Day: tt.day, Seq: tt.seq}
		if d != want {
			t.Errorf("ParseDossierCode(%q) = %+v, want %+v", tt.in, d, want)
		}
		if got := d.String(); got != tt.in {
			t.Errorf("ParseDossierCode(%q).String() = %q", tt.in, got)
		}
		if got := FormatDossierCode(want.Agency, tt.year, tt.month, tt.day, tt.seq); got != tt.in {
			t.Errorf("FormatDossierCode(%v, %d, %d, %d, %d) = %q, want %q", want.Agency, tt.year, tt.month, tt.day, tt.seq, got, tt.in)
		}
		nd, err := NewDossierCode(want.Agency, tt.year, tt.month, tt.day, tt.seq)
		if err != nil || nd != want {
			t.Errorf("NewDossierCode(%v, %d, %d, %d, %d) = %+v, %v, want %+v", want.Agency, tt.year, tt.month, tt.day, tt.seq, nd, err, want)
		}
	}
}

func TestParseDossierCodeInvalid(t *testing.T) {
	tests := []struct{ in, reason string }{
		{"", "empty; want 25 characters like 000.00.53.H48-220921-0099"},
		{" 000.00.53.H48-220921-0099", "leading or trailing whitespace"},
		{"000.00.53.H48–220921-0099", "character '–' at position 14 is not allowed; use only ASCII letters, digits and punctuation"},
		{"000.00.53.H48-220921", "want 3 parts separated by '-' like 000.00.53.H48-220921-0099, got 2"},
		{"000.00.53.H48-220921-0099-1", "want 3 parts separated by '-' like 000.00.53.H48-220921-0099, got 4"},
		{"000.00.53.H48/220921/0099", "want 3 parts separated by '-' like 000.00.53.H48-220921-0099, got 1"},
		{"00.00.53.H48-220921-0099", "agency code part: wrong length: want 13 characters like 000.00.00.H36, got 12"},
		{"000.00.53.h48-220921-0099", "agency code part: level-1 code letter must be upper-case, got 'h'"},
		{"000.01.00.H48-220921-0099", "agency code part: non-zero level below a zero level: level 3 (Z1Z2 = 01) is set but level 2 (Y1Y2 = 00) is zero"},
		{"000.00.53.H48-20220921-0099", "date part must be 6 digits yyMMdd like 220921, got 8 characters"},
		{"000.00.53.H48-220921-99", "sequence part must be 4 digits like 0099, got 2 characters"},
		{"000.00.53.H48-220921-00099", "sequence part must be 4 digits like 0099, got 5 characters"},
		{"000.00.53.H48-22O921-0099", `date part must be 6 digits yyMMdd like 220921, got "22O921"`},
		{"000.00.53.H48-221321-0099", `date part "221321" is not a real calendar date`},
		{"000.00.53.H48-220001-0099", `date part "220001" is not a real calendar date`},
		{"000.00.53.H48-220900-0099", `date part "220900" is not a real calendar date`},
		{"000.00.53.H48-220931-0099", `date part "220931" is not a real calendar date`},
		{"000.00.53.H48-230229-0099", `date part "230229" is not a real calendar date`},
		{"000.00.53.H48-220921-00x9", `sequence part must be 4 digits like 0099, got "00x9"`},
		{"000.00.53.H48-220921-0000", "sequence number must be 0001–9999, got 0000"},
	}
	for _, tt := range tests {
		d, err := ParseDossierCode(tt.in)
		var ce *CodeError
		if !errors.As(err, &ce) {
			t.Errorf("ParseDossierCode(%q) = %v, %v, want *CodeError %q", tt.in, d, err, tt.reason)
			continue
		}
		if ce.Reason != tt.reason {
			t.Errorf("ParseDossierCode(%q) reason\n got %q\nwant %q", tt.in, ce.Reason, tt.reason)
		}
		if ce.Kind != KindDossierCode || ce.Input != tt.in || ce.ReasonVI == "" {
			t.Errorf("ParseDossierCode(%q) error = %+v, want kind dossier code, the input and a Vietnamese reason", tt.in, ce)
		}
	}
}

func TestNewDossierCodeInvalid(t *testing.T) {
	a := mustAgency(t, "000.00.53.H48")
	tests := []struct {
		agency   AgencyCode
		year     int
		month    time.Month
		day, seq int
		reason   string
	}{
		{AgencyCode{}, 2022, 9, 21, 1, "agency code is missing"},
		{a, 1999, 12, 31, 1, "date must be a real calendar date in 2000–2099"},
		{a, 2100, 1, 1, 1, "date must be a real calendar date in 2000–2099"},
		{a, 2100, 2, 29, 1, "date must be a real calendar date in 2000–2099"},
		{a, 2022, 2, 29, 1, "date must be a real calendar date in 2000–2099"},
		{a, 2022, 9, 21, 0, "sequence number must be 1–9999, got 0"},
		{a, 2022, 9, 21, 10000, "sequence number must be 1–9999, got 10000"},
	}
	for _, tt := range tests {
		_, err := NewDossierCode(tt.agency, tt.year, tt.month, tt.day, tt.seq)
		var ce *CodeError
		if !errors.As(err, &ce) || ce.Reason != tt.reason {
			t.Errorf("NewDossierCode(%v, %d, %d, %d, %d) error = %v, want reason %q", tt.agency, tt.year, tt.month, tt.day, tt.seq, err, tt.reason)
		}
	}
}

func TestDossierCodeReceivedOn(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	d, _ := ParseDossierCode("000.00.53.H48-220921-0099")
	if got, want := d.ReceivedOn(loc), time.Date(2022, 9, 21, 0, 0, 0, 0, loc); !got.Equal(want) {
		t.Errorf("ReceivedOn = %v, want %v", got, want)
	}
}

func TestParseDossierCodeAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := ParseDossierCode("000.00.53.H48-220921-0099"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("ParseDossierCode allocates %v times on success, want 0", allocs)
	}
}

func BenchmarkParseDossierCode(b *testing.B) {
	for b.Loop() {
		if _, err := ParseDossierCode("000.00.53.H48-220921-0099"); err != nil {
			b.Fatal(err)
		}
	}
}

package vn

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Đắk Lắk", "dak lak"},
		{"Lâm Đồng", "lam dong"},
		{"ỦY BAN NHÂN DÂN", "uy ban nhan dan"},
		{"Thừa Thiên Huế", "thua thien hue"},
		{"Bà Rịa-Vũng Tàu", "ba ria-vung tau"},
		{"Sở Tài nguyên và Môi trường tỉnh Lâm Đồng", "so tai nguyen va moi truong tinh lam dong"},
		{"  Quảng \t Ngãi\n", "quang ngai"},
		{"Hà\u00a0Nội", "ha noi"},                                // no-break space
		{"Hòa Bình", "hoa binh"},                                 // new tone placement
		{"Hoà Bình", "hoa binh"},                                 // old tone placement
		{"Khánh Hoà", "khanh hoa"},                               // old tone placement
		{"Ðà Nẵng", "da nang"},                                   // U+00D0 ETH typed for Đ
		{"\u0189ồng Nai", "dong nai"},                            // U+0189 African D typed for Đ
		{"Đa\u0306\u0301k La\u0306\u0301k", "dak lak"},           // NFD
		{"La\u0302m \u0110o\u0302\u0300ng", "lam dong"},          // NFD
		{"U\u0309Y BAN NHA\u0302N DA\u0302N", "uy ban nhan dan"}, // NFD upper case
		{"Nguye\u0302\u0303n Va\u0306n A", "nguyen van a"},
		{"tru\u031Bo\u031B\u0300ng", "truong"}, // NFD horn
		{"Hà\u200bNội", "hanoi"},               // zero-width space dropped
		{"\ufeffUBND", "ubnd"},                 // byte-order mark dropped
		{"Café Noël Ñandú", "cafe noel nandu"},
		{"ĐIỆN BIÊN", "dien bien"},
		{"", ""},
		{"   ", ""},
		{"ubnd tinh", "ubnd tinh"},
		{"UBND  Tỉnh", "ubnd tinh"},
		{"Số 123/QĐ-UBND", "so 123/qd-ubnd"},
		{"Москва", "москва"},
		{"bad\xffutf8", "bad\ufffdutf8"},
		{"\u212Bngström", "angstrom"}, // ANGSTROM SIGN lower-cases to å, which folds to a
	}
	for _, tt := range tests {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// vietnameseLetters lists every Vietnamese letter with a diacritic, by base letter, in lower case.
var vietnameseLetters = map[byte]string{
	'a': "àáảãạăằắẳẵặâầấẩẫậ",
	'd': "đ",
	'e': "èéẻẽẹêềếểễệ",
	'i': "ìíỉĩị",
	'o': "òóỏõọôồốổỗộơờớởỡợ",
	'u': "ùúủũụưừứửữự",
	'y': "ỳýỷỹỵ",
}

func TestFoldEveryVietnameseLetter(t *testing.T) {
	count := 0
	for base, letters := range vietnameseLetters {
		for _, r := range letters + strings.ToUpper(letters) {
			count++
			if got, want := Fold(string(r)), string(base); got != want {
				t.Errorf("Fold(%q U+%04X) = %q, want %q", r, r, got, want)
			}
		}
	}
	if count != 134 {
		t.Errorf("checked %d letters, want 134 (67 lower-case and 67 upper-case)", count)
	}
	// Every code point of the Vietnamese part of Latin Extended Additional is a vowel with marks.
	for r := rune(0x1ea0); r <= 0x1ef9; r++ {
		if foldRune(r) == 0 {
			t.Errorf("foldRune(%q U+%04X) = 0, want a base letter", r, r)
		}
	}
}

func TestFoldDecomposed(t *testing.T) {
	modifiers := map[byte][]string{
		'a': {"", "\u0306", "\u0302"}, // breve, circumflex
		'e': {"", "\u0302"},
		'i': {""},
		'o': {"", "\u0302", "\u031b"}, // circumflex, horn
		'u': {"", "\u031b"},
		'y': {""},
	}
	tones := []string{"", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
	for base, mods := range modifiers {
		for _, m := range mods {
			for _, tone := range tones {
				for _, b := range []string{string(base), strings.ToUpper(string(base))} {
					in := "x" + b + m + tone + "x"
					if got, want := Fold(in), "x"+string(base)+"x"; got != want {
						t.Errorf("Fold(%+q) = %q, want %q", in, got, want)
					}
				}
			}
		}
	}
}

func TestFoldASCIIFastPath(t *testing.T) {
	in := "uy ban nhan dan tinh lam dong"
	if allocs := testing.AllocsPerRun(100, func() { _ = Fold(in) }); allocs != 0 {
		t.Errorf("Fold of folded ASCII allocates %v times, want 0", allocs)
	}
	for _, s := range []string{"Ubnd", "a  b", " a", "a ", "a\tb", "a\nb"} {
		if isFoldedASCII(s) {
			t.Errorf("isFoldedASCII(%q) = true, want false", s)
		}
	}
}

func TestFoldedContains(t *testing.T) {
	hay := Fold("Ủy ban nhân dân huyện Bình Sơn, tỉnh Quảng Ngãi")
	tests := []struct {
		query string
		want  bool
	}{
		{"binh son", true},
		{"Bình Sơn", true},
		{"BÌNH  SƠN", true},
		{"Qua\u0309ng Nga\u0303i", true},
		{"", true},
		{"Bình Định", false},
	}
	for _, tt := range tests {
		if got := FoldedContains(hay, tt.query); got != tt.want {
			t.Errorf("FoldedContains(%q, %q) = %v, want %v", hay, tt.query, got, tt.want)
		}
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Đắk Lắk", "U\u0309Y BAN", "  a \u00a0 b ", "bad\xff", "\u212B", "İ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Fold(s)
		if again := Fold(got); again != got {
			t.Fatalf("Fold is not idempotent: Fold(%q) = %q, Fold of that = %q", s, got, again)
		}
		if !utf8.ValidString(got) || strings.TrimSpace(got) != got || strings.Contains(got, "  ") {
			t.Fatalf("Fold(%q) = %q: invalid UTF-8 or untidy spaces", s, got)
		}
		for _, r := range got {
			if unicode.Is(unicode.Mn, r) && r >= 0x300 && r <= 0x36f {
				t.Fatalf("Fold(%q) = %q keeps combining mark U+%04X", s, got, r)
			}
			if unicode.IsSpace(r) && r != ' ' {
				t.Fatalf("Fold(%q) = %q keeps white space U+%04X", s, got, r)
			}
		}
	})
}

func BenchmarkFold(b *testing.B) {
	inputs := []struct{ name, s string }{
		{"nfc", "Ủy ban nhân dân tỉnh Đắk Lắk - Văn phòng"}, // 40 characters
		{"nfd", "U\u0309y ban nha\u0302n da\u0302n ti\u0309nh \u0110a\u0306\u0301k La\u0306\u0301k - Va\u0306n pho\u0300ng"},
		{"ascii-folded", "uy ban nhan dan tinh dak lak - van phong"},
		{"ascii-upper", "UBND TINH DAK LAK - VAN PHONG TIEP NHAN"},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.s)))
			for b.Loop() {
				_ = Fold(in.s)
			}
		})
	}
}

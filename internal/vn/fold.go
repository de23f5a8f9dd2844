package vn

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Fold returns s in the form used for diacritic-insensitive search (tìm kiếm không dấu): lower
// case, every Vietnamese diacritic removed, Đ and đ mapped to d, runs of white space collapsed to a
// single space and the ends trimmed. It accepts both precomposed (NFC) letters such as "ắ" and
// decomposed (NFD) ones, a base letter followed by combining marks U+0300–U+036F, so
// "Đắk Lắk" → "dak lak" and "ỦY BAN NHÂN DÂN" → "uy ban nhan dan".
//
// Other Latin letters with diacritics (é, ñ, ç) fold to their base letter as well, the look-alike
// letters Ð (U+00D0) and Ɖ (U+0189) that careless typing puts in place of Đ fold to d, zero-width
// characters are dropped, and anything else is lower-cased and kept. Invalid UTF-8 becomes U+FFFD.
// Fold is idempotent, and returns s itself, without allocating, when s is already folded ASCII.
func Fold(s string) string {
	if isFoldedASCII(s) {
		return s
	}
	// Most inputs are names and titles; a constant-size buffer stays on the stack for them, so
	// the only allocation is the returned string.
	buf := make([]byte, 0, 128)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			case c <= ' ' && asciiSpace(c):
				buf = appendSpace(buf)
				continue
			}
			buf = append(buf, c)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if f := foldRune(r); f != 0 {
			buf = append(buf, f)
			continue
		}
		switch {
		case 0x300 <= r && r <= 0x36f, r == 0x200b, r == 0x200c, r == 0x200d, r == 0xfeff:
			// Combining marks carry the NFD diacritics; zero-width characters come from copy and paste.
			continue
		case unicode.IsSpace(r):
			buf = appendSpace(buf)
			continue
		}
		lr := unicode.ToLower(r)
		// Lower-casing can land on a letter the table folds (Å ANGSTROM SIGN → å); fold it too so
		// that Fold(Fold(s)) == Fold(s).
		if f := foldRune(lr); f != 0 {
			buf = append(buf, f)
			continue
		}
		buf = utf8.AppendRune(buf, lr)
	}
	if n := len(buf); n > 0 && buf[n-1] == ' ' {
		buf = buf[:n-1]
	}
	return string(buf)
}

// appendSpace appends one space for a run of white space, none at the start of the text.
func appendSpace(buf []byte) []byte {
	if n := len(buf); n == 0 || buf[n-1] == ' ' {
		return buf
	}
	return append(buf, ' ')
}

// FoldedContains reports whether haystackFolded, a string already passed through Fold (for
// example a stored search column), contains query once query is folded. An empty query matches.
func FoldedContains(haystackFolded, query string) bool {
	return strings.Contains(haystackFolded, Fold(query))
}

// isFoldedASCII reports whether s is ASCII that Fold would return unchanged: no upper case, no
// white space other than single inner spaces.
func isFoldedASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c > ' ' && c < utf8.RuneSelf && (c < 'A' || c > 'Z'):
		case c == ' ' && s[i+1] != ' ': // s does not end in a space, so s[i+1] exists
		case c < ' ' && !asciiSpace(c): // control characters are kept as they are
		default:
			return false
		}
	}
	return true
}

func asciiSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// Folding tables: byte k of a table is the base letter of the code point at the table's start plus
// k, or '_' when the code point has no single-letter base. They were generated from the Unicode
// canonical decompositions, with Đ, Ð, Ħ, ı, Ł, Ŀ, Ŧ and Ø added by hand, and fold_test.go checks
// every Vietnamese letter against a readable list.
const (
	// U+00C0–U+017F: Latin-1 Supplement letters and Latin Extended-A (Ă ă Đ đ Ĩ ĩ Ũ ũ).
	foldLatin = "" +
		"aaaaaa_ceeeeiiiidnooooo_ouuuuy__aaaaaa_ceeeeiiiidnooooo_ouuuuy_y" +
		"aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii__jjkk_lllllll" +
		"lllnnnnnn___oooooo__rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzz_"
	foldLatinStart = 0xc0
	// U+1E00–U+1EFF: Latin Extended Additional, whose second half (from U+1EA0) holds the
	// Vietnamese letters with tone marks (ạ ả ấ … ỹ).
	foldExtended = "" +
		"aabbbbbbccddddddddddeeeeeeeeeeffgghhhhhhhhhhiiiikkkkkkllllllllmm" +
		"mmmmnnnnnnnnoooooooopppprrrrrrrrssssssssssttttttttuuuuuuuuuuvvvv" +
		"wwwwwwwwwwxxxxyyzzzzzzhtwy______aaaaaaaaaaaaaaaaaaaaaaaaeeeeeeee" +
		"eeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy______"
	foldExtendedStart = 0x1e00
)

// foldRune returns the ASCII base letter of r, or 0 when r is not a letter with a diacritic.
func foldRune(r rune) byte {
	var c byte
	switch {
	case r < foldLatinStart:
		return 0
	case r < foldLatinStart+rune(len(foldLatin)):
		c = foldLatin[r-foldLatinStart]
	case r >= foldExtendedStart && r < foldExtendedStart+rune(len(foldExtended)):
		c = foldExtended[r-foldExtendedStart]
	case r == 'Ơ', r == 'ơ':
		return 'o'
	case r == 'Ư', r == 'ư':
		return 'u'
	case r == 'Ɖ':
		return 'd'
	default:
		return 0
	}
	if c == '_' {
		return 0
	}
	return c
}

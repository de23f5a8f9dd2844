package vn

import (
	"strings"
	"testing"
)

func TestDocumentTypes(t *testing.T) {
	// The table of vn-calendar-and-rules.md §2 (Decree 30/2020/NĐ-CP art. 7 and Phụ lục III).
	want := []DocumentType{
		{1, "Nghị quyết (cá biệt)", "NQ"}, {2, "Quyết định (cá biệt)", "QĐ"}, {3, "Chỉ thị", "CT"},
		{4, "Quy chế", "QC"}, {5, "Quy định", "QyĐ"}, {6, "Thông cáo", "TC"}, {7, "Thông báo", "TB"},
		{8, "Hướng dẫn", "HD"}, {9, "Chương trình", "CTr"}, {10, "Kế hoạch", "KH"}, {11, "Phương án", "PA"},
		{12, "Đề án", "ĐA"}, {13, "Dự án", "DA"}, {14, "Báo cáo", "BC"}, {15, "Biên bản", "BB"},
		{16, "Tờ trình", "TTr"}, {17, "Hợp đồng", "HĐ"}, {18, "Công văn", ""}, {19, "Công điện", "CĐ"},
		{20, "Bản ghi nhớ", "BGN"}, {21, "Bản thỏa thuận", "BTT"}, {22, "Giấy ủy quyền", "GUQ"},
		{23, "Giấy mời", "GM"}, {24, "Giấy giới thiệu", "GGT"}, {25, "Giấy nghỉ phép", "GNP"},
		{26, "Phiếu gửi", "PG"}, {27, "Phiếu chuyển", "PC"}, {28, "Phiếu báo", "PB"}, {29, "Thư công", ""},
	}
	got := DocumentTypes()
	if len(got) != 29 {
		t.Fatalf("DocumentTypes() has %d types, want 29", len(got))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("DocumentTypes()[%d] = %+v, want %+v", i, got[i], want[i])
		}
		byNumber, ok := DocumentTypeByNumber(want[i].Number)
		if !ok || byNumber != want[i] {
			t.Errorf("DocumentTypeByNumber(%d) = %+v, %v, want %+v", want[i].Number, byNumber, ok, want[i])
		}
		if want[i].Abbreviation == "" {
			continue
		}
		byAbbr, ok := DocumentTypeByAbbreviation(want[i].Abbreviation)
		if !ok || byAbbr != want[i] {
			t.Errorf("DocumentTypeByAbbreviation(%q) = %+v, %v, want %+v", want[i].Abbreviation, byAbbr, ok, want[i])
		}
	}
	got[0].Name = "changed"
	if DocumentTypes()[0].Name != "Nghị quyết (cá biệt)" {
		t.Errorf("changing the slice DocumentTypes returned changed the package's table")
	}
}

func TestDocumentTypeLookups(t *testing.T) {
	for _, n := range []int{0, -1, 30} {
		if dt, ok := DocumentTypeByNumber(n); ok {
			t.Errorf("DocumentTypeByNumber(%d) = %+v, want none", n, dt)
		}
	}
	tests := []struct {
		abbr   string
		number int // 0 for no match
	}{
		{"QYĐ", 5}, {"qyđ", 5}, {"TTR", 16}, {"ĐA", 12}, {"DA", 13}, {"HD", 8}, {"HĐ", 17},
		{"", 0}, {"QD", 0}, {"CV", 0}, {"SY", 0}, {"QĐ-UBND", 0},
	}
	for _, tt := range tests {
		dt, ok := DocumentTypeByAbbreviation(tt.abbr)
		if ok != (tt.number != 0) || dt.Number != tt.number {
			t.Errorf("DocumentTypeByAbbreviation(%q) = %+v, %v, want number %d", tt.abbr, dt, ok, tt.number)
		}
	}
}

func TestParseDocumentTypesRejects(t *testing.T) {
	for name, text := range map[string]string{
		"no header":       "1,Nghị quyết,NQ\n",
		"gap":             "number,name,abbreviation\n1,Nghị quyết,NQ\n3,Chỉ thị,CT\n",
		"empty name":      "number,name,abbreviation\n1,,NQ\n",
		"clash":           "number,name,abbreviation\n1,Chương trình,CTr\n2,Khác,CTR\n",
		"too many fields": "number,name,abbreviation\n1,Nghị quyết,NQ,x\n",
	} {
		if _, err := parseDocumentTypes(text); err == nil {
			t.Errorf("parseDocumentTypes(%s) succeeded, want an error", name)
		}
	}
	if _, err := parseDocumentTypes(documentTypesCSV); err != nil {
		t.Errorf("the embedded doctypes.csv does not parse: %v", err)
	}
}

func TestCopyKinds(t *testing.T) {
	tests := []struct {
		k            CopyKind
		abbr, vi, en string
	}{
		{CopyTrue, "SY", "Bản sao y", "true copy"},
		{CopyExtract, "TrS", "Bản trích sao", "extract copy"},
		{CopyFromCopy, "SL", "Bản sao lục", "copy of a true copy"},
	}
	for _, tt := range tests {
		if tt.k.Abbreviation() != tt.abbr || tt.k.Vietnamese() != tt.vi || tt.k.String() != tt.en || !tt.k.Valid() {
			t.Errorf("CopyKind %d = %q %q %q, want %q %q %q", tt.k, tt.k.Abbreviation(), tt.k.Vietnamese(), tt.k.String(), tt.abbr, tt.vi, tt.en)
		}
		for _, s := range []string{tt.abbr, strings.ToUpper(tt.abbr)} {
			if k, ok := CopyKindByAbbreviation(s); !ok || k != tt.k {
				t.Errorf("CopyKindByAbbreviation(%q) = %v, %v, want %v", s, k, ok, tt.k)
			}
		}
	}
	if k, ok := CopyKindByAbbreviation("SS"); ok {
		t.Errorf("CopyKindByAbbreviation(SS) = %v, want none", k)
	}
	if CopyKind(0).Valid() || CopyKind(4).Abbreviation() != "" || CopyKind(4).String() != "CopyKind(4)" {
		t.Errorf("invalid copy kinds are not reported as such")
	}
}

func TestUrgency(t *testing.T) {
	tests := []struct {
		u        Urgency
		priority int
		vi, en   string
	}{
		{UrgencyNormal, 0, "Thường", "normal"},
		{UrgencyUrgent, 1, "Khẩn", "urgent"},
		{UrgencyVeryUrgent, 2, "Thượng khẩn", "very urgent"},
		{UrgencyImmediate, 3, "Hỏa tốc", "immediate"},
	}
	for _, tt := range tests {
		u, ok := UrgencyFromPriority(tt.priority)
		if !ok || u != tt.u || u.Priority() != tt.priority || u.Vietnamese() != tt.vi || u.String() != tt.en {
			t.Errorf("UrgencyFromPriority(%d) = %v (%q, %q), %v, want %q, %q", tt.priority, u, u.Vietnamese(), u.String(), ok, tt.vi, tt.en)
		}
	}
	for _, p := range []int{-1, 4} {
		if u, ok := UrgencyFromPriority(p); ok || u.Vietnamese() != "" {
			t.Errorf("UrgencyFromPriority(%d) = %v, %v, want invalid", p, u, ok)
		}
	}
}

func TestConfidentiality(t *testing.T) {
	tests := []struct {
		c      Confidentiality
		vi, en string
		secret bool
	}{
		{Unclassified, "Thường", "unclassified", false},
		{Confidential, "Mật", "confidential", true},
		{Secret, "Tối mật", "secret", true},
		{TopSecret, "Tuyệt mật", "top secret", true},
	}
	for _, tt := range tests {
		if !tt.c.Valid() || tt.c.Vietnamese() != tt.vi || tt.c.String() != tt.en || tt.c.IsSecret() != tt.secret {
			t.Errorf("Confidentiality %d = %q %q secret %v, want %q %q %v", tt.c, tt.c.Vietnamese(), tt.c.String(), tt.c.IsSecret(), tt.vi, tt.en, tt.secret)
		}
	}
	if c := Confidentiality(4); c.Valid() || c.IsSecret() || c.String() != "Confidentiality(4)" {
		t.Errorf("Confidentiality(4) is reported as valid")
	}
}

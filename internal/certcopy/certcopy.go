// Package certcopy issues e-certified copies from originals (chứng thực bản sao điện tử từ bản
// chính, national procedure 2.000815): an officer of a certifying agency (a commune People's
// Committee, a district Justice Office) scans the original the applicant presents; the node issues
// a PDF of the scanned pages followed by a certification page (the certification statement, the
// register number, book, date, officer, fee, and a QR code linking to the public verification
// page), signed with the agency's key (PAdES). Anyone holding the copy can check it at
// {PublicURL}/verify/{code}: authentic, revoked or unknown, and whether a file is byte-identical
// to the one issued.
package certcopy

import (
	"crypto/rand"
	"strconv"
	"strings"
	"time"
)

// Copy is an e-certified copy (bản sao điện tử được chứng thực từ bản chính).
type Copy struct {
	// Code is the public verification code: 12 characters of the RFC 4648 base32 alphabet.
	Code   string `json:"code"`
	Agency string `json:"agency"`
	// AgencyName is filled from the registry when the copy is read.
	AgencyName string `json:"agency_name,omitempty"`
	// RegisterYear and RegisterNumber place the copy in the agency's certification register (sổ
	// chứng thực): numbers start at 1 each year and have no gaps. RegisterLabel is the number as
	// printed ("Số chứng thực: 12/2026/SCT-BS").
	RegisterYear   int    `json:"register_year"`
	RegisterNumber int    `json:"register_number"`
	RegisterLabel  string `json:"register_label"`
	// Book is the register book (quyển số).
	Book                string    `json:"book"`
	ApplicantName       string    `json:"applicant_name"`
	ApplicantIDNumber   string    `json:"applicant_id_number"`
	OriginalDescription string    `json:"original_description"`
	Pages               int       `json:"pages"`
	Fee                 int64     `json:"fee"`
	OfficerLogin        string    `json:"officer_login"`
	OfficerName         string    `json:"officer_name"`
	OfficerTitle        string    `json:"officer_title"`
	IssuedAt            time.Time `json:"issued_at"`
	// PDF is the signed copy in the file store; Scans are the scanned pages, in order.
	PDF   FileRef   `json:"pdf"`
	Scans []FileRef `json:"scans"`
	// RevokedAt is set when the agency withdrew the copy, with who did and why.
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
	RevokedBy    string     `json:"revoked_by,omitempty"`
	RevokeReason string     `json:"revoke_reason,omitempty"`
	// VerifyURL is the public verification page.
	VerifyURL string `json:"verify_url,omitempty"`
}

// FileRef is a stored file: its SHA-256, size and media type.
type FileRef struct {
	SHA256      string `json:"sha256"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type"`
}

// Revoked reports whether the copy was withdrawn.
func (c *Copy) Revoked() bool { return c.RevokedAt != nil }

// Public is what the verification page shows anyone with the code: the applicant's identity
// number and the officer's login are left out.
type Public struct {
	Code                string     `json:"code"`
	Agency              string     `json:"agency"`
	AgencyName          string     `json:"agency_name"`
	RegisterLabel       string     `json:"register_label"`
	Book                string     `json:"book"`
	ApplicantName       string     `json:"applicant_name"`
	OriginalDescription string     `json:"original_description"`
	Pages               int        `json:"pages"`
	OfficerName         string     `json:"officer_name"`
	OfficerTitle        string     `json:"officer_title"`
	IssuedAt            time.Time  `json:"issued_at"`
	PDFSHA256           string     `json:"pdf_sha256"`
	RevokedAt           *time.Time `json:"revoked_at,omitempty"`
	RevokeReason        string     `json:"revoke_reason,omitempty"`
}

// Public returns the copy's public view.
func (c *Copy) Public() Public {
	return Public{Code: c.Code, Agency: c.Agency, AgencyName: c.AgencyName, RegisterLabel: c.RegisterLabel, Book: c.Book,
		ApplicantName: c.ApplicantName, OriginalDescription: c.OriginalDescription, Pages: c.Pages, OfficerName: c.OfficerName,
		OfficerTitle: c.OfficerTitle, IssuedAt: c.IssuedAt, PDFSHA256: c.PDF.SHA256, RevokedAt: c.RevokedAt, RevokeReason: c.RevokeReason}
}

// FeeSchedule is the certification fee (lệ phí chứng thực) of a copy by its page count.
//
// Unverified: the defaults are our reading of Circular 226/2016/TT-BTC for certifying copies from
// originals — 2,000 đồng per page for the first two pages, 1,000 đồng per page from the third,
// at most 200,000 đồng per copy — and may have been amended; configure them.
type FeeSchedule struct {
	// FirstPages pages cost FirstPageFee each; the rest OtherPageFee each; the total is capped at
	// Cap (0: no cap). Amounts are in đồng.
	FirstPages   int   `json:"first_pages"`
	FirstPageFee int64 `json:"first_page_fee"`
	OtherPageFee int64 `json:"other_page_fee"`
	Cap          int64 `json:"cap"`
}

// DefaultFees is the fee schedule used when Options.Fees is zero (unverified; see FeeSchedule).
var DefaultFees = FeeSchedule{FirstPages: 2, FirstPageFee: 2000, OtherPageFee: 1000, Cap: 200000}

// Fee returns the fee of a copy of pages pages.
func (f FeeSchedule) Fee(pages int) int64 {
	if pages <= 0 {
		return 0
	}
	first := min(pages, f.FirstPages)
	fee := int64(first)*f.FirstPageFee + int64(pages-first)*f.OtherPageFee
	if f.Cap > 0 {
		fee = min(fee, f.Cap)
	}
	return fee
}

// DefaultRegisterFormat prints the register number: {n} is the number, {year} the year, {book}
// the book and {agency} the agency's code.
//
// Unverified: the "…/SCT/BS" style follows the certification statement of Decree 23/2015/NĐ-CP as
// we read it; check it against the forms in force (Decree 118/2025 and its circulars).
const DefaultRegisterFormat = "Số chứng thực: {n}/{year}/SCT-BS"

// FormatRegister fills a register format.
func FormatRegister(format string, n, year int, book, agency string) string {
	return strings.NewReplacer("{n}", strconv.Itoa(n), "{year}", strconv.Itoa(year), "{book}", book, "{agency}", agency).Replace(format)
}

// FormatDong writes an amount of đồng with dots between thousands, as Vietnamese documents do:
// 12.000 đồng.
func FormatDong(v int64) string {
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(c)
	}
	return b.String() + " đồng"
}

// codeAlphabet is RFC 4648 base32: no 0, 1, 8 or 9 to mistake for O, I, B or g.
const codeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// CodeLength is the length of a verification code (60 random bits).
const CodeLength = 12

func newCode() string {
	var b [CodeLength]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = codeAlphabet[b[i]&31]
	}
	return string(b[:])
}

// NormalizeCode returns a code as stored: upper case, without spaces or hyphens (people copy codes
// in groups). ok is false when it cannot be a code.
func NormalizeCode(s string) (string, bool) {
	s = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.TrimSpace(s)))
	if len(s) != CodeLength {
		return s, false
	}
	for _, c := range s {
		if !strings.ContainsRune(codeAlphabet, c) {
			return s, false
		}
	}
	return s, true
}

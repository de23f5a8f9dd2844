package signature

import (
	"time"

	"github.com/lienthong/lienthong/internal/pdf"
	"github.com/lienthong/lienthong/internal/vn"
)

// Decree 30/2020 Phụ lục I places an electronic document's signatures as on paper: the leader's
// signature image with his name and signing time in the signer's block (lower right of the last
// page), and the agency's red seal image over about the left third of it. Times are ISO 8601 in
// Vietnam's zone (2026-01-15T09:30:00+07:00).

// ISOTime formats t as Decree 30 asks: ISO 8601 with the +07:00 offset.
func ISOTime(t time.Time) string { return t.In(vn.ICT).Format("2006-01-02T15:04:05-07:00") }

// Size of the signer's block, in points, and its distance from the right and bottom edges.
const (
	blockW, blockH       = 190.0, 80.0
	blockRight, blockLow = 60.0, 90.0
	sealSize             = 78.0
)

// SignerBlock is the rectangle of the signer's block on a page of the given size.
func SignerBlock(w, h float64) [4]float64 {
	return [4]float64{w - blockRight - blockW, blockLow, w - blockRight, blockLow + blockH}
}

// SealPlace is the rectangle of the agency's seal: a square over the left third of the signer's block.
func SealPlace(w, h float64) [4]float64 {
	b := SignerBlock(w, h)
	x0 := b[0] + blockW/3 - sealSize // the seal's right edge a third into the block
	y0 := b[1] + (blockH-sealSize)/2
	return [4]float64{x0, y0, x0 + sealSize, y0 + sealSize}
}

// LeaderAppearance is a leader's visible signature: his signature image (PNG; may be empty), name
// and signing time, in the signer's block of the last page.
func LeaderAppearance(image []byte, name string, at time.Time) (*Appearance, error) {
	img, err := pdf.SignatureStamp(image, []string{name, ISOTime(at)}, blockW, blockH)
	if err != nil {
		return nil, err
	}
	return &Appearance{Image: img, Place: SignerBlock}, nil
}

// SealAppearance is the agency's visible signature at issue: the red seal with the agency's name,
// overlapping the left third of the leader's signature on the last page.
func SealAppearance(agencyName string) (*Appearance, error) {
	img, err := pdf.SealStamp(agencyName, sealSize)
	if err != nil {
		return nil, err
	}
	return &Appearance{Image: img, Place: SealPlace}, nil
}

package pdf

import (
	"bytes"
	"fmt"
	"sync/atomic"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
)

var qrSeq atomic.Int64

// QR writes a QR code of content (a verification link), sizeMM wide, at the left margin, with the
// caption lines beside it in small type; the next element goes below both. The code uses medium
// error correction (15 % of it may be damaged), which survives printing and rescanning.
func (d *Doc) QR(content string, sizeMM float64, caption ...string) error {
	png, err := qrcode.Encode(content, qrcode.Medium, 512)
	if err != nil {
		return fmt.Errorf("pdf: QR code: %w", err)
	}
	name := fmt.Sprintf("qr-%d", qrSeq.Add(1))
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	d.f.RegisterImageOptionsReader(name, opt, bytes.NewReader(png))
	if err := d.f.Error(); err != nil {
		return fmt.Errorf("pdf: QR code: %w", err)
	}
	_, pageH := d.f.GetPageSize()
	if d.f.GetY()+sizeMM > pageH-20 {
		d.f.AddPage()
	}
	y := d.f.GetY()
	d.f.ImageOptions(name, d.left, y, sizeMM, sizeMM, false, opt, 0, "")
	d.font("", 9)
	d.f.SetXY(d.left+sizeMM+4, y+2)
	for _, line := range caption {
		d.f.SetX(d.left + sizeMM + 4)
		d.f.MultiCell(d.width-sizeMM-4, 4.5, line, "", "L", false)
	}
	d.f.SetY(max(y+sizeMM, d.f.GetY()) + 3)
	d.font("", d.fontSize)
	return nil
}

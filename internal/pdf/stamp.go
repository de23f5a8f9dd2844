package pdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // signature images may be scanned as JPEG
	"image/png"
	"math"
	"strings"
	"sync"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// The appearance of a visible digital signature is a picture (Decree 30/2020 Phụ lục I: the
// signer's signature image, and the agency's seal image in red overlapping it). These functions
// draw those pictures as PNG, with the same DejaVu font as the documents, so that Vietnamese names
// render the same everywhere.

// Stamp dimensions, in pixels: 4 pixels per PDF point gives a sharp print at the sizes used.
const stampScale = 4

var (
	faceOnce sync.Once
	faceFont *opentype.Font
	faceErr  error
)

func stampFont() (*opentype.Font, error) {
	faceOnce.Do(func() {
		b, err := fonts.ReadFile("fonts/DejaVuSerif.ttf")
		if err != nil {
			faceErr = err
			return
		}
		faceFont, faceErr = opentype.Parse(b)
	})
	return faceFont, faceErr
}

func newFace(size float64) (font.Face, error) {
	f, err := stampFont()
	if err != nil {
		return nil, err
	}
	return opentype.NewFace(f, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
}

// SignatureStamp draws a signer's visible signature: the handwritten signature image (PNG or JPEG;
// may be empty) above the given lines of text (name, title, signing time), on a transparent
// background, widthPt × heightPt points large.
func SignatureStamp(signatureImage []byte, lines []string, widthPt, heightPt float64) ([]byte, error) {
	w, h := int(widthPt*stampScale), int(heightPt*stampScale)
	if w < 40 || h < 40 {
		return nil, fmt.Errorf("pdf: stamp of %.0f×%.0f pt is too small", widthPt, heightPt)
	}
	canvas := image.NewNRGBA(image.Rect(0, 0, w, h))
	lineH := int(9.5 * stampScale)
	textTop := h - lineH*len(lines) - stampScale*2
	if len(signatureImage) > 0 {
		src, _, err := image.Decode(bytes.NewReader(signatureImage))
		if err != nil {
			return nil, fmt.Errorf("pdf: the signature image is not a PNG or JPEG picture: %w", err)
		}
		fit(canvas, src, image.Rect(0, 0, w, max(textTop, h/3)))
	}
	face, err := newFace(8 * stampScale)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	ink := image.NewUniform(color.NRGBA{R: 0x10, G: 0x20, B: 0x80, A: 0xff})
	for i, line := range lines {
		drawCentered(canvas, face, ink, line, textTop+lineH*(i+1)-stampScale*2)
	}
	return encodePNG(canvas)
}

// SealStamp draws an agency's seal in red: two rings, the agency's name around the top of the
// inner ring and a star in the centre, sizePt points across. It stands for the seal image that
// Decree 30/2020 places over a third of the signer's signature.
func SealStamp(agencyName string, sizePt float64) ([]byte, error) {
	n := int(sizePt * stampScale)
	if n < 80 {
		return nil, fmt.Errorf("pdf: seal of %.0f pt is too small", sizePt)
	}
	canvas := image.NewNRGBA(image.Rect(0, 0, n, n))
	red := color.NRGBA{R: 0xd0, G: 0x10, B: 0x10, A: 0xe0}
	c := float64(n) / 2
	ring(canvas, c, c, c-2, c-2-float64(stampScale)*1.6, red)
	ring(canvas, c, c, c*0.68, c*0.68-float64(stampScale)*0.8, red)
	star(canvas, c, c, c*0.22, red)

	face, err := newFace(6.5 * stampScale)
	if err != nil {
		return nil, err
	}
	defer face.Close()
	// The name runs clockwise around the ring, centred on the top.
	letters := []rune(strings.ToUpper(agencyName))
	radius := c * 0.83
	advances := make([]float64, len(letters))
	total := 0.0
	for i, r := range letters {
		a, _ := face.GlyphAdvance(r)
		advances[i] = float64(a) / 64
		total += advances[i]
	}
	span := math.Min(total/radius, 1.9*math.Pi) // radians used by the text
	scale := span / (total / radius)
	angle := -math.Pi/2 - span/2
	for i, r := range letters {
		step := advances[i] / radius * scale
		mid := angle + step/2
		glyph(canvas, face, r, c+radius*math.Cos(mid), c+radius*math.Sin(mid), mid+math.Pi/2, red)
		angle += step
	}
	return encodePNG(canvas)
}

func encodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fit draws src scaled to fit inside r, centred, keeping its proportions.
func fit(dst draw.Image, src image.Image, r image.Rectangle) {
	sb := src.Bounds()
	if sb.Dx() == 0 || sb.Dy() == 0 {
		return
	}
	k := math.Min(float64(r.Dx())/float64(sb.Dx()), float64(r.Dy())/float64(sb.Dy()))
	w, h := int(float64(sb.Dx())*k), int(float64(sb.Dy())*k)
	x0, y0 := r.Min.X+(r.Dx()-w)/2, r.Min.Y+(r.Dy()-h)/2
	xdraw.CatmullRom.Scale(dst, image.Rect(x0, y0, x0+w, y0+h), src, sb, draw.Over, nil)
}

func drawCentered(dst draw.Image, face font.Face, ink image.Image, s string, baseline int) {
	d := &font.Drawer{Dst: dst, Src: ink, Face: face}
	width := d.MeasureString(s).Ceil()
	d.Dot = fixed.P((dst.Bounds().Dx()-width)/2, baseline)
	d.DrawString(s)
}

// ring paints the pixels between two radii.
func ring(dst *image.NRGBA, cx, cy, outer, inner float64, c color.NRGBA) {
	b := dst.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			d := math.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy)
			if d <= outer && d >= inner {
				dst.SetNRGBA(x, y, c)
			}
		}
	}
}

// star paints a filled five-pointed star of radius r.
func star(dst *image.NRGBA, cx, cy, r float64, c color.NRGBA) {
	var pts [10][2]float64
	for i := range pts {
		rad := r
		if i%2 == 1 {
			rad = r * 0.4
		}
		a := -math.Pi/2 + float64(i)*math.Pi/5
		pts[i] = [2]float64{cx + rad*math.Cos(a), cy + rad*math.Sin(a)}
	}
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			if inside(pts[:], float64(x)+0.5, float64(y)+0.5) {
				dst.SetNRGBA(x, y, c)
			}
		}
	}
}

// inside is the even-odd point-in-polygon test.
func inside(poly [][2]float64, x, y float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a[1] > y) != (b[1] > y) && x < (b[0]-a[0])*(y-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// glyph draws one letter centred on (x, y), turned by angle radians.
func glyph(dst *image.NRGBA, face font.Face, r rune, x, y, angle float64, c color.NRGBA) {
	m := face.Metrics()
	size := (m.Ascent + m.Descent).Ceil() * 2
	tile := image.NewAlpha(image.Rect(0, 0, size, size))
	d := &font.Drawer{Dst: tile, Src: image.Opaque, Face: face}
	adv, _ := face.GlyphAdvance(r)
	d.Dot = fixed.P(size/2-adv.Ceil()/2, size/2+(m.Ascent.Ceil()-m.Descent.Ceil())/2)
	d.DrawString(string(r))
	sin, cos := math.Sin(angle), math.Cos(angle)
	half := float64(size) / 2
	// Map every destination pixel near (x, y) back into the tile (nearest neighbour is enough at
	// this resolution).
	for dy := -half; dy < half; dy++ {
		for dx := -half; dx < half; dx++ {
			tx := cos*dx + sin*dy + half
			ty := -sin*dx + cos*dy + half
			a := tile.AlphaAt(int(tx), int(ty)).A
			if a == 0 {
				continue
			}
			px, py := int(x+dx), int(y+dy)
			if !(image.Point{px, py}.In(dst.Bounds())) {
				continue
			}
			dst.SetNRGBA(px, py, color.NRGBA{R: c.R, G: c.G, B: c.B, A: uint8(uint16(a) * uint16(c.A) / 255)})
		}
	}
}

package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func TestSignatureStampDrawsImageAndText(t *testing.T) {
	sig := image.NewNRGBA(image.Rect(0, 0, 200, 60))
	for x := 10; x < 190; x++ {
		sig.SetNRGBA(x, 30+x%7, color.NRGBA{A: 255})
	}
	var sigPNG bytes.Buffer
	if err := png.Encode(&sigPNG, sig); err != nil {
		t.Fatal(err)
	}
	out, err := SignatureStamp(sigPNG.Bytes(), []string{"Nguyễn Văn Bình", "2026-11-27T09:30:00+07:00"}, 170, 80)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 170*stampScale || b.Dy() != 80*stampScale {
		t.Fatalf("size %v", b)
	}
	top, bottom := inked(img, 0, img.Bounds().Dy()/2), inked(img, img.Bounds().Dy()/2, img.Bounds().Dy())
	if top == 0 || bottom == 0 {
		t.Fatalf("inked pixels: image half %d, text half %d; want both drawn", top, bottom)
	}
	if _, err := SignatureStamp([]byte("not a picture"), nil, 170, 80); err == nil {
		t.Fatal("a signature image that is not a picture was accepted")
	}
}

func TestSealStampIsRedAndRound(t *testing.T) {
	out, err := SealStamp("Ủy ban nhân dân tỉnh Lâm Đồng", 90)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	n := img.Bounds().Dx()
	if _, _, _, a := img.At(2, 2).RGBA(); a != 0 {
		t.Fatal("the corner of the seal is painted; want transparent outside the ring")
	}
	r, g, _, a := img.At(n/2, n/2).RGBA()
	if a == 0 || r <= g {
		t.Fatalf("the centre (star) is not red: r=%d g=%d a=%d", r, g, a)
	}
	if inked(img, 0, n/5) == 0 {
		t.Fatal("no lettering around the top of the seal")
	}
}

func inked(img image.Image, y0, y1 int) int {
	n := 0
	for y := y0; y < y1; y++ {
		for x := 0; x < img.Bounds().Dx(); x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a > 0 {
				n++
			}
		}
	}
	return n
}

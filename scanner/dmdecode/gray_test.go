package dmdecode

import (
	"image"
	"image/color"
	"math/rand/v2"
	"testing"
)

// TestToGrayFastPaths checks that the per-type conversions give exactly
// what the generic path (lumaOverWhite of At) gives, on sub-images too.
func TestToGrayFastPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	r := image.Rect(0, 0, 37, 23)
	u16 := func() uint16 { return uint16(rng.Uint32()) }
	g16 := image.NewGray16(r)
	n64 := image.NewNRGBA64(r)
	r64 := image.NewRGBA64(r)
	for y := 0; y < r.Dy(); y++ {
		for x := 0; x < r.Dx(); x++ {
			g16.SetGray16(x, y, color.Gray16{Y: u16()})
			n64.SetNRGBA64(x, y, color.NRGBA64{R: u16(), G: u16(), B: u16(), A: u16()})
			a := u16()
			r64.SetRGBA64(x, y, color.RGBA64{R: a / 3, G: a / 2, B: a, A: a}) // premultiplied: each <= A
		}
	}
	sub := image.Rect(5, 3, 30, 20)
	tests := []struct {
		name string
		img  image.Image
	}{
		{name: "gray16", img: g16},
		{name: "nrgba64", img: n64},
		{name: "rgba64", img: r64},
		{name: "gray16 sub-image", img: g16.SubImage(sub)},
		{name: "nrgba64 sub-image", img: n64.SubImage(sub)},
		{name: "rgba64 sub-image", img: r64.SubImage(sub)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := toGray(tc.img)
			b := tc.img.Bounds()
			for y := 0; y < b.Dy(); y++ {
				for x := 0; x < b.Dx(); x++ {
					if got, want := g.Pix[y*g.Stride+x], lumaOverWhite(tc.img.At(b.Min.X+x, b.Min.Y+y)); got != want {
						t.Fatalf("(%d,%d): %d, want %d", x, y, got, want)
					}
				}
			}
		})
	}
}

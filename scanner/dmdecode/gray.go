package dmdecode

import (
	"image"
	"image/color"
	"math"

	"github.com/medtrace/medtrace/scanner"
)

// toGray converts img to 8-bit luminance, fast for the formats decoders and
// cameras produce.
func toGray(img image.Image) *Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	g := &Gray{Pix: make([]byte, w*h), Stride: w, W: w, H: h}
	switch m := img.(type) {
	case *image.Gray:
		for y := 0; y < h; y++ {
			copy(g.Pix[y*w:(y+1)*w], m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X):])
		}
	case *image.YCbCr:
		for y := 0; y < h; y++ {
			off := m.YOffset(b.Min.X, b.Min.Y+y)
			copy(g.Pix[y*w:(y+1)*w], m.Y[off:off+w])
		}
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X)*4:]
			for x := 0; x < w; x++ {
				p := row[x*4 : x*4+3]
				g.Pix[y*w+x] = byte((19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16)
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X)*4:]
			for x := 0; x < w; x++ {
				p := row[x*4 : x*4+4]
				// Composite over white so transparent backgrounds read as paper.
				a := uint32(p[3])
				l := (19595*uint32(p[0]) + 38470*uint32(p[1]) + 7471*uint32(p[2]) + 1<<15) >> 16
				g.Pix[y*w+x] = byte((l*a + 255*(255-a)) / 255)
			}
		}
	case *image.Paletted:
		var lut [256]byte
		for i, c := range m.Palette {
			lut[i] = lumaOverWhite(c)
		}
		for y := 0; y < h; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X):]
			for x := 0; x < w; x++ {
				g.Pix[y*w+x] = lut[row[x]]
			}
		}
	case *image.Gray16:
		for y := 0; y < h; y++ {
			row := m.Pix[(y+b.Min.Y-m.Rect.Min.Y)*m.Stride+(b.Min.X-m.Rect.Min.X)*2:]
			for x := 0; x < w; x++ {
				g.Pix[y*w+x] = row[x*2] // the high byte, as lumaOverWhite
			}
		}
	case *image.NRGBA64, *image.RGBA64:
		// 16-bit PNGs: the same arithmetic as lumaOverWhite without a
		// color.Color per pixel (which costs an allocation each).
		pix, stride, pre := []byte(nil), 0, false
		if n, ok := m.(*image.NRGBA64); ok {
			pix, stride = n.Pix[(b.Min.Y-n.Rect.Min.Y)*n.Stride+(b.Min.X-n.Rect.Min.X)*8:], n.Stride
		} else {
			r := m.(*image.RGBA64)
			pix, stride, pre = r.Pix[(b.Min.Y-r.Rect.Min.Y)*r.Stride+(b.Min.X-r.Rect.Min.X)*8:], r.Stride, true
		}
		for y := 0; y < h; y++ {
			row := pix[y*stride:]
			for x := 0; x < w; x++ {
				p := row[x*8 : x*8+8]
				r, gg, bb, a := uint32(p[0])<<8|uint32(p[1]), uint32(p[2])<<8|uint32(p[3]), uint32(p[4])<<8|uint32(p[5]), uint32(p[6])<<8|uint32(p[7])
				if !pre {
					r, gg, bb = r*a/0xffff, gg*a/0xffff, bb*a/0xffff
				}
				l := (19595*r + 38470*gg + 7471*bb + 1<<15) >> 16
				g.Pix[y*w+x] = byte((l + (0xffff - a)) >> 8)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				g.Pix[y*w+x] = lumaOverWhite(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return g
}

// lumaOverWhite is the luminance of c composited over white paper.
func lumaOverWhite(c color.Color) byte {
	r, gg, bb, a := c.RGBA() // premultiplied, 16 bit
	l := (19595*r + 38470*gg + 7471*bb + 1<<15) >> 16
	return byte((l + (0xffff - a)) >> 8)
}

// NewGray wraps a luminance plane (e.g. a camera's Y plane) without copying.
func NewGray(pix []byte, stride, w, h int) *Gray {
	return &Gray{Pix: pix, Stride: stride, W: w, H: h}
}

// compact returns a copy with Stride == W that the decoder may modify.
func (g *Gray) compact() *Gray {
	c := &Gray{Pix: make([]byte, g.W*g.H), Stride: g.W, W: g.W, H: g.H}
	for y := 0; y < g.H; y++ {
		copy(c.Pix[y*g.W:(y+1)*g.W], g.Pix[y*g.Stride:y*g.Stride+g.W])
	}
	return c
}

func (g *Gray) inverted() *Gray {
	c := &Gray{Pix: make([]byte, len(g.Pix)), Stride: g.W, W: g.W, H: g.H}
	for i, v := range g.Pix {
		c.Pix[i] = 255 - v
	}
	return c
}

// down shrinks by an integer factor with a box filter.
func (g *Gray) down(f int) *Gray {
	w, h := g.W/f, g.H/f
	c := &Gray{Pix: make([]byte, w*h), Stride: w, W: w, H: h}
	n := uint32(f * f)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s uint32
			for dy := 0; dy < f; dy++ {
				row := g.Pix[(y*f+dy)*g.Stride+x*f:]
				for dx := 0; dx < f; dx++ {
					s += uint32(row[dx])
				}
			}
			c.Pix[y*w+x] = byte(s / n)
		}
	}
	return c
}

// up enlarges by an integer factor with bilinear interpolation.
func (g *Gray) up(f int) *Gray {
	w, h := g.W*f, g.H*f
	c := &Gray{Pix: make([]byte, w*h), Stride: w, W: w, H: h}
	for y := 0; y < h; y++ {
		sy := (float64(y)+0.5)/float64(f) - 0.5
		for x := 0; x < w; x++ {
			sx := (float64(x)+0.5)/float64(f) - 0.5
			c.Pix[y*w+x] = g.bilinear(sx, sy)
		}
	}
	return c
}

func (g *Gray) at(x, y int) byte {
	if x < 0 {
		x = 0
	} else if x >= g.W {
		x = g.W - 1
	}
	if y < 0 {
		y = 0
	} else if y >= g.H {
		y = g.H - 1
	}
	return g.Pix[y*g.Stride+x]
}

func (g *Gray) bilinear(x, y float64) byte {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	a := float64(g.at(x0, y0))*(1-fx) + float64(g.at(x0+1, y0))*fx
	b := float64(g.at(x0, y0+1))*(1-fx) + float64(g.at(x0+1, y0+1))*fx
	return byte(a*(1-fy) + b*fy + 0.5)
}

// erase returns a copy of g with the quadrilateral (grown by a margin)
// filled with its surroundings' brightest level, so that a found symbol is
// not found again.
func (g *Gray) erase(corners []scanner.Point) *Gray {
	c := &Gray{Pix: append([]byte(nil), g.Pix...), Stride: g.Stride, W: g.W, H: g.H}
	if len(corners) < 3 {
		// Without a position nothing can be erased: blank everything so the
		// search ends.
		for i := range c.Pix {
			c.Pix[i] = 255
		}
		return c
	}
	var cx, cy float64
	for _, p := range corners {
		cx += p.X
		cy += p.Y
	}
	cx /= float64(len(corners))
	cy /= float64(len(corners))
	// Grow the polygon by 15% around its centre.
	poly := make([]scanner.Point, len(corners))
	minX, minY, maxX, maxY := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for i, p := range corners {
		q := scanner.Point{X: cx + (p.X-cx)*1.3, Y: cy + (p.Y-cy)*1.3}
		poly[i] = q
		minX, minY = math.Min(minX, q.X), math.Min(minY, q.Y)
		maxX, maxY = math.Max(maxX, q.X), math.Max(maxY, q.Y)
	}
	x0, y0 := clamp(int(minX), 0, g.W-1), clamp(int(minY), 0, g.H-1)
	x1, y1 := clamp(int(maxX)+1, 0, g.W-1), clamp(int(maxY)+1, 0, g.H-1)
	var fill byte = 255
	for y := y0; y <= y1; y++ {
		for x := x0; x <= x1; x++ {
			if inPoly(poly, float64(x), float64(y)) {
				c.Pix[y*c.Stride+x] = fill
			}
		}
	}
	return c
}

func clamp(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}

func inPoly(poly []scanner.Point, x, y float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a.Y > y) != (b.Y > y) && x < (b.X-a.X)*(y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}

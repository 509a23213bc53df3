package dmdecode

import "github.com/medtrace/medtrace/scanner"

// Dot-printed symbols (inkjet, dot-peen, a vial's dot matrix) have no
// connected finder: each dark module is a separate dot. The dots locator
// smooths the image (against the noise such prints come with), binarizes
// it and closes the gaps between neighbouring dots (a morphological
// closing at about a third of a module), so the finder becomes one solid
// L again and the grid can be fitted and sampled as for a printed symbol.

// blur3 returns g smoothed with a 3x3 box filter.
func (g *Gray) blur3() *Gray {
	w, h := g.W, g.H
	tmp := make([]uint16, w*h)
	for y := 0; y < h; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+w]
		t := tmp[y*w : (y+1)*w]
		for x := 0; x < w; x++ {
			l, r := max(x-1, 0), min(x+1, w-1)
			t[x] = uint16(row[l]) + uint16(row[x]) + uint16(row[r])
		}
	}
	c := &Gray{Pix: make([]byte, w*h), Stride: w, W: w, H: h}
	for y := 0; y < h; y++ {
		u, m, d := tmp[max(y-1, 0)*w:], tmp[y*w:], tmp[min(y+1, h-1)*w:]
		o := c.Pix[y*w : (y+1)*w]
		for x := range o {
			o[x] = byte((uint32(u[x]) + uint32(m[x]) + uint32(d[x]) + 4) / 9)
		}
	}
	return c
}

// morph dilates (dark grows, dilate=true) or erodes b with a (2r+1)-pixel
// square, as two separable passes; the window is clipped at the border, so
// a closing never takes dark away.
func (b *binImage) morph(r int, dilate bool) *binImage {
	w, h := b.w, b.h
	want := byte(0) // a pixel takes the value found anywhere in its window
	if dilate {
		want = 1
	}
	pass := func(src []byte, n, stride, lines, lineStride int) []byte {
		dst := make([]byte, len(src))
		for l := 0; l < lines; l++ {
			base := l * lineStride
			// last is the index of the latest pixel equal to want.
			last := -1 << 30
			// Seed with the window ahead of the first pixel.
			for i := 0; i < min(r, n); i++ {
				if src[base+i*stride] == want {
					last = i
				}
			}
			for i := 0; i < n; i++ {
				if j := i + r; j < n && src[base+j*stride] == want {
					last = j
				}
				v := 1 - want
				if last >= i-r {
					v = want
				}
				dst[base+i*stride] = v
			}
		}
		return dst
	}
	p := pass(b.pix, w, 1, h, w)
	p = pass(p, h, w, w, 1)
	return &binImage{pix: p, w: w, h: h}
}

// closed returns b closed with a (2r+1)-pixel square: gaps of up to 2r
// pixels between dark areas fill, light areas wider than that stay. The
// image is taken as surrounded by light (padded by r while closing), so
// dark neither grows towards the border nor is taken away there.
func (b *binImage) closed(r int) *binImage {
	pw, ph := b.w+2*r, b.h+2*r
	p := &binImage{pix: make([]byte, pw*ph), w: pw, h: ph}
	for y := 0; y < b.h; y++ {
		copy(p.pix[(y+r)*pw+r:], b.pix[y*b.w:(y+1)*b.w])
	}
	p = p.morph(r, true).morph(r, false)
	out := &binImage{pix: make([]byte, b.w*b.h), w: b.w, h: b.h}
	for y := 0; y < b.h; y++ {
		copy(out.pix[y*b.w:(y+1)*b.w], p.pix[(y+r)*pw+r:])
	}
	return out
}

// locateDots runs the locator on the smoothed, binarized image closed with
// radius r.
func (d *Decoder) locateDots(g *Gray, r int) (scanner.Read, error) {
	return d.locateIn(binarize(g.blur3(), 24, false).closed(r))
}

// locateUp runs the locator on g enlarged f times (bilinear), for symbols
// of under two pixels per module, and maps the corners back; images that
// would be enlarged beyond 4 megapixels are left alone.
func (d *Decoder) locateUp(g *Gray, f int) (scanner.Read, error) {
	if g.W*g.H*f*f > 4_000_000 {
		return scanner.Read{}, scanner.ErrNotFound
	}
	r, err := d.locate(g.up(f), false)
	if err != nil {
		return r, err
	}
	k := 1 / float64(f)
	for i := range r.Corners {
		r.Corners[i].X *= k
		r.Corners[i].Y *= k
	}
	for i := range d.more {
		for j := range d.more[i].Corners {
			d.more[i].Corners[j].X *= k
			d.more[i].Corners[j].Y *= k
		}
	}
	return r, nil
}

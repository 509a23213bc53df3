package dmdecode

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/medtrace/medtrace/scanner/dmencode"
)

// The helpers below make test images: a symbol from dmencode, then
// distortions written here (scale, rotate, blur, noise, invert, mirror,
// perspective, low contrast, JPEG, clutter), so tests need no files.

func symbolImage(tb testing.TB, data string, gs1 bool, shape dmencode.Shape, module, quiet int) *image.Gray {
	tb.Helper()
	s, err := dmencode.Encode([]byte(data), gs1, shape)
	if err != nil {
		tb.Fatal(err)
	}
	return s.Image(module, quiet)
}

func newCanvas(w, h int, level byte) *image.Gray {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = level
	}
	return img
}

// paste draws src into dst at (x, y), rotated by deg degrees about its
// centre with bilinear sampling; pixels outside src keep dst.
func paste(dst, src *image.Gray, x, y int, deg float64) {
	sb := src.Bounds()
	cx, cy := float64(sb.Dx())/2, float64(sb.Dy())/2
	a := deg * math.Pi / 180
	cos, sin := math.Cos(a), math.Sin(a)
	r := math.Hypot(cx, cy)
	g := &Gray{Pix: src.Pix, Stride: src.Stride, W: sb.Dx(), H: sb.Dy()}
	for dy := -int(r) - 1; dy <= int(r)+1; dy++ {
		for dx := -int(r) - 1; dx <= int(r)+1; dx++ {
			px, py := x+int(cx)+dx, y+int(cy)+dy
			if px < 0 || py < 0 || px >= dst.Rect.Dx() || py >= dst.Rect.Dy() {
				continue
			}
			fx := cos*float64(dx) + sin*float64(dy) + cx - 0.5
			fy := -sin*float64(dx) + cos*float64(dy) + cy - 0.5
			if fx < -0.5 || fy < -0.5 || fx > float64(sb.Dx())-0.5 || fy > float64(sb.Dy())-0.5 {
				continue
			}
			dst.Pix[py*dst.Stride+px] = g.bilinear(fx, fy)
		}
	}
}

func rotated(src *image.Gray, deg float64) *image.Gray {
	b := src.Bounds()
	side := int(math.Hypot(float64(b.Dx()), float64(b.Dy()))) + 4
	dst := newCanvas(side, side, 255)
	paste(dst, src, (side-b.Dx())/2, (side-b.Dy())/2, deg)
	return dst
}

func scaled(src *image.Gray, k float64) *image.Gray {
	b := src.Bounds()
	w, h := int(float64(b.Dx())*k), int(float64(b.Dy())*k)
	dst := image.NewGray(image.Rect(0, 0, w, h))
	g := &Gray{Pix: src.Pix, Stride: src.Stride, W: b.Dx(), H: b.Dy()}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if k < 1 { // area average when shrinking
				x0, x1 := int(float64(x)/k), int(float64(x+1)/k)
				y0, y1 := int(float64(y)/k), int(float64(y+1)/k)
				var s, n int
				for yy := y0; yy < y1 && yy < b.Dy(); yy++ {
					for xx := x0; xx < x1 && xx < b.Dx(); xx++ {
						s += int(src.Pix[yy*src.Stride+xx])
						n++
					}
				}
				if n > 0 {
					dst.Pix[y*dst.Stride+x] = byte(s / n)
				}
				continue
			}
			dst.Pix[y*dst.Stride+x] = g.bilinear((float64(x)+0.5)/k-0.5, (float64(y)+0.5)/k-0.5)
		}
	}
	return dst
}

func blurred(src *image.Gray, radius int) *image.Gray {
	b := src.Bounds()
	dst := image.NewGray(b)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			var s, n int
			for dy := -radius; dy <= radius; dy++ {
				for dx := -radius; dx <= radius; dx++ {
					xx, yy := x+dx, y+dy
					if xx >= 0 && yy >= 0 && xx < b.Dx() && yy < b.Dy() {
						s += int(src.Pix[yy*src.Stride+xx])
						n++
					}
				}
			}
			dst.Pix[y*dst.Stride+x] = byte(s / n)
		}
	}
	return dst
}

func noisy(src *image.Gray, amp int, seed uint64) *image.Gray {
	rng := rand.New(rand.NewPCG(seed, 7))
	dst := image.NewGray(src.Bounds())
	for i, v := range src.Pix {
		n := int(v) + rng.IntN(2*amp+1) - amp
		dst.Pix[i] = byte(max(0, min(255, n)))
	}
	return dst
}

func inverted(src *image.Gray) *image.Gray {
	dst := image.NewGray(src.Bounds())
	for i, v := range src.Pix {
		dst.Pix[i] = 255 - v
	}
	return dst
}

func mirrored(src *image.Gray) *image.Gray {
	b := src.Bounds()
	dst := image.NewGray(b)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			dst.Pix[y*dst.Stride+x] = src.Pix[y*src.Stride+b.Dx()-1-x]
		}
	}
	return dst
}

// contrast maps black to lo and white to hi.
func contrast(src *image.Gray, lo, hi byte) *image.Gray {
	dst := image.NewGray(src.Bounds())
	for i, v := range src.Pix {
		dst.Pix[i] = byte(int(lo) + int(v)*(int(hi)-int(lo))/255)
	}
	return dst
}

// unevenLight darkens the image with a gradient from left to right.
func unevenLight(src *image.Gray) *image.Gray {
	b := src.Bounds()
	dst := image.NewGray(b)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			f := 0.35 + 0.65*float64(x)/float64(b.Dx())
			dst.Pix[y*dst.Stride+x] = byte(float64(src.Pix[y*src.Stride+x]) * f)
		}
	}
	return dst
}

// perspective maps src onto a trapezoid (top edge shrunk by k each side).
func perspective(src *image.Gray, k float64) *image.Gray {
	b := src.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	dst := newCanvas(b.Dx(), b.Dy(), 255)
	m := squareToQuad(pt{w * k, h * 0.05}, pt{w * (1 - k), h * 0.05}, pt{w, h}, pt{0, h})
	g := &Gray{Pix: src.Pix, Stride: src.Stride, W: b.Dx(), H: b.Dy()}
	// Forward-map a fine grid of source points (simple and adequate here).
	for v := 0.0; v < 1; v += 0.25 / h {
		for u := 0.0; u < 1; u += 0.25 / w {
			p := m.apply(u, v)
			x, y := int(p.x), int(p.y)
			if x >= 0 && y >= 0 && x < b.Dx() && y < b.Dy() {
				dst.Pix[y*dst.Stride+x] = g.bilinear(u*w-0.5, v*h-0.5)
			}
		}
	}
	return dst
}

func jpegged(tb testing.TB, src *image.Gray, quality int) image.Image {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatal(err)
	}
	img, err := jpeg.Decode(&buf)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// clutterFrame makes a w x h camera-like frame: a textured background with
// text-like blobs, boxes and lines; seed makes it repeatable.
func clutterFrame(w, h int, seed uint64) *image.Gray {
	rng := rand.New(rand.NewPCG(seed, 11))
	img := newCanvas(w, h, 0)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Pix[y*img.Stride+x] = byte(150 + 60*x/w + rng.IntN(20))
		}
	}
	fill := func(x0, y0, x1, y1 int, v byte) {
		for y := max(0, y0); y < min(h, y1); y++ {
			for x := max(0, x0); x < min(w, x1); x++ {
				img.Pix[y*img.Stride+x] = v
			}
		}
	}
	for i := 0; i < 60; i++ { // boxes and labels
		x, y := rng.IntN(w), rng.IntN(h)
		fill(x, y, x+40+rng.IntN(300), y+20+rng.IntN(150), byte(200+rng.IntN(55)))
	}
	for i := 0; i < 120; i++ { // lines of "text"
		x, y := rng.IntN(w), rng.IntN(h)
		size := 6 + rng.IntN(14)
		for c := 0; c < 5+rng.IntN(25); c++ {
			fill(x+c*size, y, x+c*size+size*2/3, y+size, byte(rng.IntN(60)))
		}
	}
	for i := 0; i < 30; i++ { // rules
		x, y := rng.IntN(w), rng.IntN(h)
		if rng.IntN(2) == 0 {
			fill(x, y, x+rng.IntN(600), y+1+rng.IntN(3), byte(rng.IntN(80)))
		} else {
			fill(x, y, x+1+rng.IntN(3), y+rng.IntN(400), byte(rng.IntN(80)))
		}
	}
	return img
}

// bent warps src as if printed on a curved pack: rows sag by up to amp
// pixels in the middle, columns by amp/2.
func bent(src *image.Gray, amp float64) *image.Gray {
	b := src.Bounds()
	w, h := float64(b.Dx()), float64(b.Dy())
	dst := newCanvas(b.Dx(), b.Dy(), 255)
	g := &Gray{Pix: src.Pix, Stride: src.Stride, W: b.Dx(), H: b.Dy()}
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			sy := float64(y) - amp*math.Sin(math.Pi*float64(x)/w)
			sx := float64(x) - amp/2*math.Sin(math.Pi*float64(y)/h)
			if sx >= 0 && sy >= 0 && sx < w-1 && sy < h-1 {
				dst.Pix[y*dst.Stride+x] = g.bilinear(sx, sy)
			}
		}
	}
	return dst
}

package dmdecode

import (
	"bytes"
	"context"
	"flag"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/dmencode"
)

// The kinds of real photographs the decoder used to miss (issue 15), made
// here deterministically: a symbol is drawn in its own plane (module units,
// the symbol at [0,cols]x[0,rows]) as square modules or inkjet dots, with
// what lies around it (screen, bezel, a printed frame), and every image
// pixel is mapped back into that plane through the distortion's inverse
// (perspective, a page's bend, a cylinder) with 4x4 supersampling; blur
// and noise come after.

// scene describes one test image.
type scene struct {
	sym  *dmencode.Symbol
	w, h int
	// toPlane maps an image point to plane coordinates in modules; ok is
	// false where the image shows background.
	toPlane func(x, y float64) (u, v float64, ok bool)
	// dots draws each dark module as a disc of radius 0.5*dotSize (in
	// modules), its centre jittered by up to jitter modules; 0 draws
	// square modules.
	dotSize, dotVar, jitter float64
	seed                    uint64
	dark, light             float64 // ink and paper levels (0-255)
	background              float64
	// frame draws a rectangle line around the symbol gap modules from its
	// edges, width modules wide (gap 0: none).
	frameGap, frameWidth float64
	// bezel draws a dark band from bezelAt modules outside the symbol to
	// bezelAt+bezelWidth (a phone's screen edge).
	bezelAt, bezelWidth float64
	// screen adds a phone screen's pixel grid: dark lines every
	// 1/screenPitch module.
	screenPitch float64
}

// render draws the scene.
func (s scene) render() *image.Gray {
	rng := rand.New(rand.NewPCG(s.seed, 3))
	type dot struct{ dx, dy, r float64 }
	dots := make([][]dot, s.sym.Rows)
	for r := range dots {
		dots[r] = make([]dot, s.sym.Cols)
		for c := range dots[r] {
			dots[r][c] = dot{(rng.Float64()*2 - 1) * s.jitter, (rng.Float64()*2 - 1) * s.jitter,
				0.5 * s.dotSize * (1 + (rng.Float64()*2-1)*s.dotVar)}
		}
	}
	darkAt := func(u, v float64) bool {
		c, r := int(math.Floor(u)), int(math.Floor(v))
		if s.dotSize == 0 {
			return r >= 0 && c >= 0 && r < s.sym.Rows && c < s.sym.Cols && s.sym.Modules[r][c]
		}
		for rr := r - 1; rr <= r+1; rr++ {
			for cc := c - 1; cc <= c+1; cc++ {
				if rr < 0 || cc < 0 || rr >= s.sym.Rows || cc >= s.sym.Cols || !s.sym.Modules[rr][cc] {
					continue
				}
				d := dots[rr][cc]
				if math.Hypot(u-(float64(cc)+0.5+d.dx), v-(float64(rr)+0.5+d.dy)) <= d.r {
					return true
				}
			}
		}
		return false
	}
	level := func(x, y float64) float64 {
		u, v, ok := s.toPlane(x, y)
		if !ok {
			return s.background
		}
		// Distance outside the symbol's rectangle (0 inside).
		out := math.Max(math.Max(-u, u-float64(s.sym.Cols)), math.Max(-v, v-float64(s.sym.Rows)))
		switch {
		case s.bezelWidth > 0 && out >= s.bezelAt+s.bezelWidth:
			return s.background
		case s.bezelWidth > 0 && out >= s.bezelAt:
			return 15
		case s.frameGap > 0 && out >= s.frameGap && out < s.frameGap+s.frameWidth:
			return s.dark
		}
		if s.screenPitch > 0 {
			fu, fv := u*s.screenPitch, v*s.screenPitch
			if fu-math.Floor(fu) < 0.15 || fv-math.Floor(fv) < 0.15 {
				if darkAt(u, v) {
					return s.dark
				}
				return s.light - 45
			}
		}
		if darkAt(u, v) {
			return s.dark
		}
		return s.light
	}
	img := image.NewGray(image.Rect(0, 0, s.w, s.h))
	for y := 0; y < s.h; y++ {
		for x := 0; x < s.w; x++ {
			var sum float64
			for j := 0; j < 4; j++ {
				for i := 0; i < 4; i++ {
					sum += level(float64(x)+(float64(i)+0.5)/4, float64(y)+(float64(j)+0.5)/4)
				}
			}
			img.Pix[y*img.Stride+x] = byte(math.Round(sum / 16))
		}
	}
	return img
}

// invert returns the inverse of a homography.
func (m homography) invert() homography {
	// Matrix [[a11 a21 a31] [a12 a22 a32] [a13 a23 a33]] on (u, v, 1).
	a, b, c := m.a11, m.a21, m.a31
	d, e, f := m.a12, m.a22, m.a32
	g, h, i := m.a13, m.a23, m.a33
	A, B, C := e*i-f*h, -(d*i - f*g), d*h-e*g
	D, E, F := -(b*i - c*h), a*i-c*g, -(a*h - b*g)
	G, H, I := b*f-c*e, -(a*f - c*d), a*e-b*d
	// Inverse = adj / det; the scale does not matter for a homography.
	return homography{a11: A, a21: D, a31: G, a12: B, a22: E, a32: H, a13: C, a23: F, a33: I}
}

// quadPlane maps an image point to the plane for a symbol whose plane
// rectangle [-m, cols+m]x[-m, rows+m] appears as the quadrilateral q
// (top-left, top-right, bottom-right, bottom-left).
func quadPlane(sym *dmencode.Symbol, m float64, q [4]pt) func(x, y float64) (float64, float64, bool) {
	inv := squareToQuad(q[0], q[1], q[2], q[3]).invert()
	w, h := float64(sym.Cols)+2*m, float64(sym.Rows)+2*m
	return func(x, y float64) (float64, float64, bool) {
		p := inv.apply(x, y)
		if p.x < 0 || p.y < 0 || p.x > 1 || p.y > 1 {
			return 0, 0, false
		}
		return p.x*w - m, p.y*h - m, true
	}
}

// cylinderPlane wraps the plane around a vertical cylinder of radius R
// pixels whose axis is at x = cx, module pixels per module along the
// surface, the symbol's left edge at arc angle a0 (radians, 0 faces the
// camera) and its top at y0, then rotates the picture by deg about (cx, cy).
func cylinderPlane(R, cx, cy, y0, module, a0, deg float64) func(x, y float64) (float64, float64, bool) {
	rad := deg * math.Pi / 180
	cos, sin := math.Cos(rad), math.Sin(rad)
	return func(x, y float64) (float64, float64, bool) {
		dx, dy := x-cx, y-cy
		x, y = cx+cos*dx+sin*dy, cy-sin*dx+cos*dy
		s := (x - cx) / R
		if s <= -1 || s >= 1 {
			return 0, 0, false
		}
		a := math.Asin(s)
		return (a - a0) * R / module, (y - y0) / module, true
	}
}

// bentPlane maps a page bent like a sheet lying over a bump: points sag
// by amp*sin along both axes (as bent() does), the symbol at module pixels
// per module with its top-left at (x0, y0).
func bentPlane(w, h, x0, y0, module, amp float64) func(x, y float64) (float64, float64, bool) {
	return func(x, y float64) (float64, float64, bool) {
		sy := y - amp*math.Sin(math.Pi*x/w)
		sx := x - amp/2*math.Sin(math.Pi*y/h)
		return (sx - x0) / module, (sy - y0) / module, true
	}
}

func mustEncode(tb testing.TB, data string, gs1 bool, shape dmencode.Shape) *dmencode.Symbol {
	tb.Helper()
	s, err := dmencode.Encode([]byte(data), gs1, shape)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// realKind is one test image of a kind issue 15 lists.
type realKind struct {
	name    string
	data    string
	minRows int // the symbol must have at least this many rows (region count)
	img     func(sym *dmencode.Symbol) image.Image
}

// realKinds lists the cases of TestDecodeRealKinds.
func realKinds() []realKind {
	pack := func(serial string) string {
		return "0109506000134352172912311" + "0AB12C" + "\x1d" + "21" + serial
	}
	// A long GS1 message: a 2x2-region symbol (32x32 and up).
	big := "0109506000134352172912311" + "0LOT-2026-11-A" + "\x1d" + "21" + strings.Repeat("XK7Q9", 8) + "\x1d" + "7103DE" + "\x1d" + "91" + strings.Repeat("ABCD1234", 3)
	return []realKind{
		// A phone's screen photographed at an angle: strong perspective,
		// the screen's black bezel two modules from the symbol, the
		// screen's pixel grid, a little blur.
		{name: "phone screen tilted left", data: pack("PH0NE1"), img: func(sym *dmencode.Symbol) image.Image {
			q := [4]pt{{150, 90}, {420, 150}, {410, 330}, {140, 420}}
			return noisy(blurred(scene{sym: sym, w: 560, h: 500, toPlane: quadPlane(sym, 6, q), dark: 40, light: 215,
				background: 120, bezelAt: 2, bezelWidth: 4, screenPitch: 3, seed: 1}.render(), 1), 12, 1)
		}},
		{name: "phone screen tilted back", data: pack("PH0NE2"), img: func(sym *dmencode.Symbol) image.Image {
			q := [4]pt{{210, 120}, {390, 130}, {470, 400}, {110, 390}}
			return noisy(blurred(scene{sym: sym, w: 580, h: 500, toPlane: quadPlane(sym, 6, q), dark: 35, light: 225,
				background: 90, bezelAt: 2, bezelWidth: 3, screenPitch: 4, seed: 2}.render(), 1), 10, 2)
		}},
		{name: "phone screen rotated and tilted", data: pack("PH0NE3"), img: func(sym *dmencode.Symbol) image.Image {
			q := [4]pt{{300, 60}, {520, 250}, {330, 430}, {120, 210}}
			return noisy(scene{sym: sym, w: 640, h: 480, toPlane: quadPlane(sym, 5, q), dark: 50, light: 200,
				background: 160, bezelAt: 1.5, bezelWidth: 3, screenPitch: 3, seed: 3}.render(), 15, 3)
		}},
		// The far side of the screen 0.4 and 0.22 times as tall as the
		// near side: the corners from the symbol's hull are off by
		// modules, the lines fitted to its edges are not.
		{name: "phone screen steep tilt", data: pack("PH0NE4"), img: func(sym *dmencode.Symbol) image.Image {
			q := [4]pt{{100, 100}, {400, 190}, {400, 310}, {100, 400}}
			return noisy(blurred(scene{sym: sym, w: 520, h: 500, toPlane: quadPlane(sym, 6, q), dark: 40, light: 215,
				background: 120, bezelAt: 2, bezelWidth: 4, screenPitch: 3, seed: 15}.render(), 1), 12, 15)
		}},
		{name: "phone screen very steep tilt", data: pack("PH0NE5"), img: func(sym *dmencode.Symbol) image.Image {
			q := [4]pt{{100, 100}, {400, 217}, {400, 283}, {100, 400}}
			return noisy(blurred(scene{sym: sym, w: 520, h: 500, toPlane: quadPlane(sym, 6, q), dark: 40, light: 215,
				background: 120, bezelAt: 2, bezelWidth: 4, screenPitch: 3, seed: 16}.render(), 1), 12, 16)
		}},
		// A large symbol of 2x2 data regions inkjet-printed as separate
		// dots, with heavy noise.
		{name: "inkjet dots 2x2 regions", data: big, minRows: 32, img: func(sym *dmencode.Symbol) image.Image {
			m := 9.0
			q := [4]pt{{40, 40}, {40 + m*float64(sym.Cols+4), 40}, {40 + m*float64(sym.Cols+4), 40 + m*float64(sym.Rows+4)}, {40, 40 + m*float64(sym.Rows+4)}}
			return noisy(scene{sym: sym, w: int(m*float64(sym.Cols+4)) + 80, h: int(m*float64(sym.Rows+4)) + 80, toPlane: quadPlane(sym, 2, q),
				dotSize: 0.7, dotVar: 0.2, jitter: 0.1, dark: 30, light: 220, background: 220, seed: 4}.render(), 70, 4)
		}},
		{name: "inkjet dots 2x2 regions rotated", data: big, minRows: 32, img: func(sym *dmencode.Symbol) image.Image {
			m := 7.0
			side := m * float64(sym.Cols+4)
			c, a := 260.0, 0.35
			q := [4]pt{}
			for i, d := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
				x, y := d[0]*side/2, d[1]*side/2
				q[i] = pt{c + x*math.Cos(a) - y*math.Sin(a), c + x*math.Sin(a) + y*math.Cos(a)}
			}
			return noisy(blurred(scene{sym: sym, w: 520, h: 520, toPlane: quadPlane(sym, 2, q),
				dotSize: 0.65, dotVar: 0.25, jitter: 0.12, dark: 40, light: 210, background: 210, seed: 5}.render(), 1), 60, 5)
		}},
		// Smaller dots (half a module across) in stronger noise.
		{name: "inkjet small dots in heavy noise", data: big, minRows: 32, img: func(sym *dmencode.Symbol) image.Image {
			m := 8.0
			q := [4]pt{{40, 40}, {40 + m*float64(sym.Cols+4), 40}, {40 + m*float64(sym.Cols+4), 40 + m*float64(sym.Rows+4)}, {40, 40 + m*float64(sym.Rows+4)}}
			return noisy(scene{sym: sym, w: int(m*float64(sym.Cols+4)) + 80, h: int(m*float64(sym.Rows+4)) + 80, toPlane: quadPlane(sym, 2, q),
				dotSize: 0.5, dotVar: 0.2, jitter: 0.1, dark: 30, light: 220, background: 220, seed: 17}.render(), 80, 17)
		}},
		// A curved page with a frame printed close around the symbol (one
		// module from the finder).
		{name: "curved page framed", data: pack("CURVE1"), img: func(sym *dmencode.Symbol) image.Image {
			return noisy(scene{sym: sym, w: 320, h: 320, toPlane: bentPlane(320, 320, 70, 70, 8, 7),
				frameGap: 1, frameWidth: 0.4, dark: 25, light: 235, background: 235, seed: 6}.render(), 8, 6)
		}},
		{name: "curved page framed 2x2 regions", data: big, minRows: 32, img: func(sym *dmencode.Symbol) image.Image {
			return noisy(scene{sym: sym, w: 460, h: 460, toPlane: bentPlane(460, 460, 50, 50, 7, 8),
				frameGap: 1.2, frameWidth: 0.5, dark: 25, light: 235, background: 235, seed: 7}.render(), 8, 7)
		}},
		{name: "curved page thick frame", data: pack("CURVE3"), img: func(sym *dmencode.Symbol) image.Image {
			return scene{sym: sym, w: 300, h: 300, toPlane: bentPlane(300, 300, 60, 60, 8, 6),
				frameGap: 0.8, frameWidth: 1, dark: 20, light: 230, background: 230, seed: 8}.render()
		}},
		// Dot-printed codes on a vial: wrapped around a cylinder whose
		// radius is a few times the symbol's width, uneven dots.
		{name: "vial dots", data: pack("VIAL01"), img: func(sym *dmencode.Symbol) image.Image {
			return noisy(scene{sym: sym, w: 400, h: 300, toPlane: cylinderPlane(230, 200, 150, 70, 7, -0.42, 0),
				dotSize: 0.8, dotVar: 0.2, jitter: 0.08, dark: 40, light: 200, background: 200, seed: 9}.render(), 20, 9)
		}},
		{name: "vial dots off centre", data: pack("VIAL02"), img: func(sym *dmencode.Symbol) image.Image {
			return noisy(scene{sym: sym, w: 400, h: 300, toPlane: cylinderPlane(180, 200, 150, 80, 6, -0.15, 0),
				dotSize: 0.75, dotVar: 0.25, jitter: 0.1, dark: 50, light: 190, background: 190, seed: 10}.render(), 20, 10)
		}},
		{name: "vial dots rotated", data: pack("VIAL03"), img: func(sym *dmencode.Symbol) image.Image {
			return noisy(blurred(scene{sym: sym, w: 400, h: 400, toPlane: cylinderPlane(200, 200, 200, 130, 7, -0.4, 12),
				dotSize: 0.8, dotVar: 0.2, jitter: 0.1, dark: 45, light: 205, background: 205, seed: 11}.render(), 1), 15, 11)
		}},
		// A vial lying on its side: the rows crowd towards the edges.
		{name: "vial dots lying", data: pack("VIAL04"), img: func(sym *dmencode.Symbol) image.Image {
			return noisy(scene{sym: sym, w: 400, h: 400, toPlane: cylinderPlane(190, 200, 200, 125, 7, -0.35, 90),
				dotSize: 0.8, dotVar: 0.2, jitter: 0.08, dark: 45, light: 200, background: 200, seed: 19}.render(), 15, 19)
		}},
		// Very small codes: under two pixels per module, blurred, noisy,
		// rotated.
		{name: "small 1.6px rotated", data: pack("SMALL1"), img: func(sym *dmencode.Symbol) image.Image {
			m := 1.6
			c, a, side := 60.0, 0.2, m*float64(sym.Cols+4)
			q := [4]pt{}
			for i, d := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
				x, y := d[0]*side/2, d[1]*side/2
				q[i] = pt{c + x*math.Cos(a) - y*math.Sin(a), c + x*math.Sin(a) + y*math.Cos(a)}
			}
			return noisy(scene{sym: sym, w: 120, h: 120, toPlane: quadPlane(sym, 2, q), dark: 30, light: 220, background: 220, seed: 12}.render(), 10, 12)
		}},
		{name: "small 1.4px", data: pack("SMALL2"), img: func(sym *dmencode.Symbol) image.Image {
			m := 1.4
			side := m * float64(sym.Cols+4)
			q := [4]pt{{20.3, 20.6}, {20.3 + side, 20.6}, {20.3 + side, 20.6 + side}, {20.3, 20.6 + side}}
			return noisy(scene{sym: sym, w: 80, h: 80, toPlane: quadPlane(sym, 2, q), dark: 40, light: 210, background: 210, seed: 13}.render(), 8, 13)
		}},
		{name: "small 1.2px rotated", data: pack("SMALL4"), img: func(sym *dmencode.Symbol) image.Image {
			m := 1.2
			c, a, side := 60.0, 0.3, m*float64(sym.Cols+4)
			q := [4]pt{}
			for i, d := range [4][2]float64{{-1, -1}, {1, -1}, {1, 1}, {-1, 1}} {
				x, y := d[0]*side/2, d[1]*side/2
				q[i] = pt{c + x*math.Cos(a) - y*math.Sin(a), c + x*math.Sin(a) + y*math.Cos(a)}
			}
			return noisy(scene{sym: sym, w: 120, h: 120, toPlane: quadPlane(sym, 2, q), dark: 30, light: 220, background: 220, seed: 18}.render(), 10, 18)
		}},
		{name: "small 1.8px perspective", data: pack("SMALL3"), img: func(sym *dmencode.Symbol) image.Image {
			q := [4]pt{{30, 28}, {85, 33}, {82, 90}, {27, 84}}
			return noisy(scene{sym: sym, w: 120, h: 120, toPlane: quadPlane(sym, 2, q), dark: 35, light: 215, background: 215, seed: 14}.render(), 10, 14)
		}},
	}
}

// TestDecodeRealKinds reads the kinds of photographs issue 15 lists, each
// with several variants; every case must give exactly its text. Then every
// strategy runs on its own over the same image (the inverting ones see it
// inverted): a strategy may find nothing, but none may read anything but
// the symbol's text. (Before the frame check the locator on the 2x
// enlarged tilted phone screen read a 10x10 symbol out of the screen's
// pixel grid.)
func TestDecodeRealKinds(t *testing.T) {
	d := New(Options{Budget: NoBudget})
	for _, tc := range realKinds() {
		t.Run(tc.name, func(t *testing.T) {
			gs1 := strings.HasPrefix(tc.data, "01")
			sym := mustEncode(t, tc.data, gs1, dmencode.ShapeSquare)
			if sym.Rows < tc.minRows {
				t.Fatalf("symbol has %d rows, want at least %d", sym.Rows, tc.minRows)
			}
			img := tc.img(sym)
			if *dumpKinds != "" {
				dumpKind(t, *dumpKinds, tc.name, img, tc.data)
			}
			reads, err := d.Decode(context.Background(), img)
			if err != nil {
				t.Fatalf("decode (%dx%d symbol): %v", sym.Rows, sym.Cols, err)
			}
			want := scanner.SymGS1DataMatrix
			if string(reads[0].Data) != tc.data || reads[0].Symbology != want {
				t.Fatalf("got %s %q, want %s %q", reads[0].Symbology, reads[0].Data, want, tc.data)
			}
			g := toGray(img)
			for _, s := range d.strategies(g) {
				r, err := s.run(d, g)
				if err == nil && string(r.Data) != tc.data {
					t.Errorf("strategy %s read %s %q", s.name, r.Symbology, r.Data)
				}
			}
		})
	}
}

// dumpKinds, when set, is a folder the real-kind test images are written
// to, as NAME.png with the expected bytes in NAME.txt (the shared corpus's
// layout): to look at them, and for tools/dmcompare (make bench).
var dumpKinds = flag.String("dump-kinds", "", "write TestDecodeRealKinds' images and expected texts into this folder")

func dumpKind(t *testing.T, dir, name string, img image.Image, data string) {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
	if err := os.WriteFile(base+".png", buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(base+".txt", []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

package dmdecode

import (
	"math"
	"sort"

	"github.com/makiuchi-d/gozxing"

	"github.com/medtrace/medtrace/scanner"
)

// The locator finds Data Matrix symbols where gozxing's white-rectangle
// detector cannot (clutter, rotation, small or large modules, DMRE): it
// binarizes the image, labels the dark connected components, fits a
// quadrilateral to each component's convex hull, looks for the solid
// L-shaped finder along two adjacent sides, chooses the symbol size whose
// timing pattern (alternating modules on the two other sides) matches best,
// samples the module grid through a perspective transform and hands it to
// gozxing's decoder, which checks it with Reed-Solomon.

// symbolSizes returns the ECC 200 symbol sizes (rows, columns), DMRE
// included.
func symbolSizes() [48][2]int {
	return [48][2]int{
		{10, 10}, {12, 12}, {14, 14}, {16, 16}, {18, 18}, {20, 20}, {22, 22}, {24, 24}, {26, 26}, {32, 32},
		{36, 36}, {40, 40}, {44, 44}, {48, 48}, {52, 52}, {64, 64}, {72, 72}, {80, 80}, {88, 88}, {96, 96},
		{104, 104}, {120, 120}, {132, 132}, {144, 144},
		{8, 18}, {8, 32}, {12, 26}, {12, 36}, {16, 36}, {16, 48},
		{8, 48}, {8, 64}, {8, 80}, {8, 96}, {8, 120}, {8, 144}, {12, 64}, {12, 88}, {16, 64}, {20, 36},
		{20, 44}, {20, 64}, {22, 48}, {24, 48}, {24, 64}, {26, 40}, {26, 48}, {26, 64},
	}
}

// binImage is a binarized image: 1 = dark.
type binImage struct {
	pix  []byte
	w, h int
}

func (b *binImage) get(x, y int) bool {
	return x >= 0 && y >= 0 && x < b.w && y < b.h && b.pix[y*b.w+x] != 0
}

// binarize thresholds g against the mean of a local window (computed from an
// integral image over blocks), like a hybrid binarizer but with a contrast
// floor so flat areas stay white.
func binarize(g *Gray, minContrast int, fillFlat bool) *binImage {
	const bs = 8
	bw, bh := (g.W+bs-1)/bs, (g.H+bs-1)/bs
	sum := make([]int32, bw*bh)
	cnt := make([]int32, bw*bh)
	mn := make([]uint8, bw*bh)
	mx := make([]uint8, bw*bh)
	for i := range mn {
		mn[i] = 255
	}
	// Block statistics from every other row: enough for a threshold, and
	// half the work.
	for y := 0; y < g.H; y += 2 {
		row := g.Pix[y*g.Stride : y*g.Stride+g.W]
		base := (y / bs) * bw
		for bx := 0; bx < bw; bx++ {
			x0 := bx * bs
			x1 := min(x0+bs, g.W)
			var s int32
			lo, hi := mn[base+bx], mx[base+bx]
			for _, v := range row[x0:x1] {
				s += int32(v)
				lo = min(lo, v)
				hi = max(hi, v)
			}
			sum[base+bx] += s
			cnt[base+bx] += int32(x1 - x0)
			mn[base+bx], mx[base+bx] = lo, hi
		}
	}
	mean := sum
	for i := range mean {
		mean[i] /= cnt[i]
	}
	// Sensor noise makes every block's extremes differ by more than the
	// contrast floor, and flat areas would turn into specks: raise the
	// floor to about the spread of the image's noise.
	minContrast = max(minContrast, 4*noiseLevel(g))
	// Threshold per block: from the 5x5 neighbouring blocks; blocks whose
	// neighbourhood has too little contrast are white.
	thr := make([]int16, bw*bh)
	for by := 0; by < bh; by++ {
		for bx := 0; bx < bw; bx++ {
			var s, n int32
			lo, hi := uint8(255), uint8(0)
			for y := max(0, by-2); y <= min(bh-1, by+2); y++ {
				for x := max(0, bx-2); x <= min(bw-1, bx+2); x++ {
					i := y*bw + x
					s += mean[i]
					n++
					lo = min(lo, mn[i])
					hi = max(hi, mx[i])
				}
			}
			if int(hi)-int(lo) < minContrast {
				thr[by*bw+bx] = -1
			} else {
				// Midway between the local mean and the midrange copes with
				// symbols that are mostly dark or mostly light.
				thr[by*bw+bx] = int16((s/n + (int32(lo)+int32(hi))/2) / 2)
			}
		}
	}
	// With fillFlat, flat blocks (inside a large module, or plain
	// background) take the threshold of their nearest contrasted
	// neighbours, so big modules stay solid; blocks far from any contrast,
	// and all flat blocks without fillFlat, stay white.
	flat := make([]bool, len(thr))
	for i, t := range thr {
		flat[i] = t < 0
	}
	passes := 0
	if fillFlat {
		passes = 8
	}
	next := make([]int16, len(thr))
	for pass := 0; pass < passes; pass++ {
		changed := false
		copy(next, thr)
		for by := 0; by < bh; by++ {
			for bx := 0; bx < bw; bx++ {
				i := by*bw + bx
				if thr[i] >= 0 {
					continue
				}
				var s, n int32
				if bx > 0 && thr[i-1] >= 0 {
					s, n = s+int32(thr[i-1]), n+1
				}
				if bx+1 < bw && thr[i+1] >= 0 {
					s, n = s+int32(thr[i+1]), n+1
				}
				if by > 0 && thr[i-bw] >= 0 {
					s, n = s+int32(thr[i-bw]), n+1
				}
				if by+1 < bh && thr[i+bw] >= 0 {
					s, n = s+int32(thr[i+bw]), n+1
				}
				if n > 0 {
					next[i] = int16(s / n)
					changed = true
				}
			}
		}
		thr, next = next, thr
		if !changed {
			break
		}
	}
	out := &binImage{pix: make([]byte, g.W*g.H), w: g.W, h: g.H}
	for y := 0; y < g.H; y++ {
		row := g.Pix[y*g.Stride : y*g.Stride+g.W]
		orow := out.pix[y*g.W : (y+1)*g.W]
		tb := thr[(y/bs)*bw : (y/bs+1)*bw]
		for bx, t := range tb {
			if t < 0 {
				continue
			}
			x0 := bx * bs
			x1 := min(x0+bs, g.W)
			o := orow[x0:x1]
			if flat[(y/bs)*bw+bx] {
				// A flat block is one colour: decide it by its mean, so
				// noise in plain areas makes no specks.
				if mean[(y/bs)*bw+bx] <= int32(t) {
					for i := range o {
						o[i] = 1
					}
				}
				continue
			}
			t32 := int32(t)
			for i, v := range row[x0:x1] {
				// Branch-free: 1 when v <= t.
				o[i] = byte(((t32 - int32(v)) >> 31) + 1)
			}
		}
	}
	return out
}

// noiseLevel estimates an image's pixel noise: the median absolute
// difference between horizontally neighbouring pixels on every eighth row
// (edges are too few to move the median; for uniform noise of ±a it is
// about 0.59a).
func noiseLevel(g *Gray) int {
	var hist [256]int
	n := 0
	for y := 0; y < g.H; y += 8 {
		row := g.Pix[y*g.Stride : y*g.Stride+g.W]
		for x := 1; x < len(row); x++ {
			d := int(row[x]) - int(row[x-1])
			if d < 0 {
				d = -d
			}
			hist[d]++
			n++
		}
	}
	for v, c := 0, 0; v < 256; v++ {
		if c += hist[v]; 2*c >= n {
			return v
		}
	}
	return 0
}

// run is a horizontal run of dark pixels [x0, x1) on row y.
type run struct {
	x0, x1, y int32
	parent    int32
}

// component is a connected set of dark pixels.
type component struct {
	runs                   []int32 // x0, x1, y triples
	pixels                 int
	minX, minY, maxX, maxY int32
}

func find(runs []run, i int32) int32 {
	for runs[i].parent != i {
		runs[i].parent = runs[runs[i].parent].parent
		i = runs[i].parent
	}
	return i
}

// components labels 8-connected dark components by union-find over runs.
func components(b *binImage, minSide int) []component {
	runs := make([]run, 0, 1024)
	prevStart, prevEnd := 0, 0
	for y := 0; y < b.h; y++ {
		row := b.pix[y*b.w : (y+1)*b.w]
		start := len(runs)
		for x := 0; x < b.w; {
			if row[x] == 0 {
				x++
				continue
			}
			x0 := x
			for x < b.w && row[x] != 0 {
				x++
			}
			id := int32(len(runs))
			runs = append(runs, run{x0: int32(x0), x1: int32(x), y: int32(y), parent: id})
			// Join with overlapping runs of the previous row (8-connected).
			for p := prevStart; p < prevEnd; p++ {
				pr := &runs[p]
				if pr.x1 < int32(x0) {
					continue
				}
				if pr.x0 > int32(x) {
					break
				}
				ra, rb := find(runs, int32(p)), find(runs, id)
				if ra != rb {
					if ra < rb {
						runs[rb].parent = ra
					} else {
						runs[ra].parent = rb
					}
				}
			}
		}
		prevStart, prevEnd = start, len(runs)
	}
	// Per-root statistics first; runs are gathered only for components big
	// enough to be a symbol (clutter has many small ones).
	type stat struct {
		pixels                 int
		minX, minY, maxX, maxY int32
		keep                   int32 // index in out, or -1
	}
	roots := make([]int32, len(runs))
	st := make([]stat, len(runs))
	for i := range runs {
		r := find(runs, int32(i))
		roots[i] = r
		ru := runs[i]
		s := &st[r]
		if s.pixels == 0 {
			s.minX, s.minY, s.maxX, s.maxY = ru.x0, ru.y, ru.x1, ru.y+1
		}
		s.pixels += int(ru.x1 - ru.x0)
		s.minX, s.maxX = min(s.minX, ru.x0), max(s.maxX, ru.x1)
		s.minY, s.maxY = min(s.minY, ru.y), max(s.maxY, ru.y+1)
	}
	var out []component
	for i := range runs {
		s := &st[i]
		s.keep = -1
		if s.pixels > 0 && (int(s.maxX-s.minX) >= minSide || int(s.maxY-s.minY) >= minSide) {
			s.keep = int32(len(out))
			out = append(out, component{pixels: s.pixels, minX: s.minX, minY: s.minY, maxX: s.maxX, maxY: s.maxY})
		}
	}
	for i, r := range roots {
		if k := st[r].keep; k >= 0 {
			ru := runs[i]
			out[k].runs = append(out[k].runs, ru.x0, ru.x1, ru.y)
		}
	}
	return out
}

type pt struct{ x, y float64 }

func (p pt) sub(q pt) pt            { return pt{p.x - q.x, p.y - q.y} }
func (p pt) add(q pt) pt            { return pt{p.x + q.x, p.y + q.y} }
func (p pt) mul(k float64) pt       { return pt{p.x * k, p.y * k} }
func (p pt) dot(q pt) float64       { return p.x*q.x + p.y*q.y }
func (p pt) cross(q pt) float64     { return p.x*q.y - p.y*q.x }
func (p pt) dist(q pt) float64      { return math.Hypot(p.x-q.x, p.y-q.y) }
func (p pt) toPoint() scanner.Point { return scanner.Point{X: p.x, Y: p.y} }

// hull returns the convex hull (counter-clockwise in image coordinates) of a
// component's pixel corners.
func hull(c component) []pt {
	// Only the leftmost and rightmost pixel of each row can be on the hull.
	rows := int(c.maxY - c.minY)
	lo := make([]int32, rows)
	hi := make([]int32, rows)
	for i := range lo {
		lo[i], hi[i] = math.MaxInt32, -1
	}
	for i := 0; i+2 < len(c.runs); i += 3 {
		y := c.runs[i+2] - c.minY
		lo[y] = min(lo[y], c.runs[i])
		hi[y] = max(hi[y], c.runs[i+1])
	}
	// Pixel corners lie on the horizontal lines y = minY..maxY; on each line
	// only the leftmost and rightmost corner can be on the hull, and taking
	// the lines in order gives the points sorted by (y, x) without a sort.
	ps := make([]pt, 0, 2*(rows+1))
	for l := 0; l <= rows; l++ {
		x0, x1 := int32(math.MaxInt32), int32(-1)
		if l > 0 && hi[l-1] >= 0 { // bottom edge of the row above
			x0, x1 = min(x0, lo[l-1]), max(x1, hi[l-1])
		}
		if l < rows && hi[l] >= 0 { // top edge of this row
			x0, x1 = min(x0, lo[l]), max(x1, hi[l])
		}
		if x1 < 0 {
			continue
		}
		y := float64(int32(l) + c.minY)
		ps = append(ps, pt{float64(x0), y})
		if x1 != x0 {
			ps = append(ps, pt{float64(x1), y})
		}
	}
	if len(ps) < 3 {
		return ps
	}
	h := make([]pt, 0, 2*len(ps))
	for _, p := range ps {
		for len(h) >= 2 && h[len(h)-1].sub(h[len(h)-2]).cross(p.sub(h[len(h)-2])) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	lower := len(h) + 1
	for i := len(ps) - 2; i >= 0; i-- {
		p := ps[i]
		for len(h) >= lower && h[len(h)-1].sub(h[len(h)-2]).cross(p.sub(h[len(h)-2])) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, p)
	}
	return h[:len(h)-1]
}

// quad fits four corners to a convex hull: the minimum-area enclosing
// rectangle gives the orientation, and for each of its corners the hull
// point farthest in that corner's direction is taken.
func quad(h []pt) ([4]pt, bool) {
	var q [4]pt
	if len(h) < 4 {
		return q, false
	}
	bestArea := math.Inf(1)
	var ux, uy pt
	for i := range h {
		e := h[(i+1)%len(h)].sub(h[i])
		l := math.Hypot(e.x, e.y)
		if l == 0 {
			continue
		}
		u := e.mul(1 / l)
		v := pt{-u.y, u.x}
		a0, a1, b0, b1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, p := range h {
			a, b := p.dot(u), p.dot(v)
			a0, a1, b0, b1 = math.Min(a0, a), math.Max(a1, a), math.Min(b0, b), math.Max(b1, b)
		}
		if area := (a1 - a0) * (b1 - b0); area < bestArea {
			bestArea, ux, uy = area, u, v
		}
	}
	if math.IsInf(bestArea, 1) || bestArea < 16 {
		return q, false
	}
	dirs := [4]pt{ux.mul(-1).add(uy.mul(-1)), ux.add(uy.mul(-1)), ux.add(uy), ux.mul(-1).add(uy)}
	for k, d := range dirs {
		best := math.Inf(-1)
		for _, p := range h {
			if s := p.dot(d); s > best {
				best, q[k] = s, p
			}
		}
	}
	return q, true
}

// homography maps the unit square to a quadrilateral (p0 = (0,0), p1 = (1,0),
// p2 = (1,1), p3 = (0,1)).
type homography struct{ a11, a12, a13, a21, a22, a23, a31, a32, a33 float64 }

func squareToQuad(p0, p1, p2, p3 pt) homography {
	dx3 := p0.x - p1.x + p2.x - p3.x
	dy3 := p0.y - p1.y + p2.y - p3.y
	if dx3 == 0 && dy3 == 0 {
		return homography{p1.x - p0.x, p1.y - p0.y, 0, p2.x - p1.x, p2.y - p1.y, 0, p0.x, p0.y, 1}
	}
	dx1, dx2 := p1.x-p2.x, p3.x-p2.x
	dy1, dy2 := p1.y-p2.y, p3.y-p2.y
	den := dx1*dy2 - dx2*dy1
	a13 := (dx3*dy2 - dx2*dy3) / den
	a23 := (dx1*dy3 - dx3*dy1) / den
	return homography{p1.x - p0.x + a13*p1.x, p1.y - p0.y + a13*p1.y, a13,
		p3.x - p0.x + a23*p3.x, p3.y - p0.y + a23*p3.y, a23, p0.x, p0.y, 1}
}

func (m homography) apply(u, v float64) pt {
	d := m.a13*u + m.a23*v + m.a33
	return pt{(m.a11*u + m.a21*v + m.a31) / d, (m.a12*u + m.a22*v + m.a32) / d}
}

// gridFit is one hypothesis of where a symbol's modules are.
type gridFit struct {
	h          homography
	rows, cols int
	score      float64
	corners    [4]pt // top-left, top-right, bottom-right, bottom-left (finder at left and bottom)
	ma, mb     pt    // one module along the finder's arms (for refining)
	rank       float64
}

func (b *binImage) sample(p pt) bool {
	return b.get(int(math.Floor(p.x)), int(math.Floor(p.y)))
}

// score tells how well the module grid matches a Data Matrix frame: solid
// finder on the left column and bottom row, alternating timing on the top
// row and right column.
func (f *gridFit) scoreOn(b *binImage) float64 {
	ok, n := 0, 0
	cu, rv := 1/float64(f.cols), 1/float64(f.rows)
	for c := 0; c < f.cols; c++ {
		u := (float64(c) + 0.5) * cu
		if b.sample(f.h.apply(u, 1-0.5*rv)) {
			ok++
		}
		if b.sample(f.h.apply(u, 0.5*rv)) == (c%2 == 0) {
			ok++
		}
		n += 2
	}
	for r := 0; r < f.rows; r++ {
		v := (float64(r) + 0.5) * rv
		if b.sample(f.h.apply(0.5*cu, v)) {
			ok++
		}
		if b.sample(f.h.apply(1-0.5*cu, v)) == (r%2 == 1) {
			ok++
		}
		n += 2
	}
	return float64(ok) / float64(n)
}

// timingPeek scores the first modules of the timing patterns next to the
// top-left and bottom-right corners only: a cheap test that rejects most
// wrong sizes before scoreOn.
func (f *gridFit) timingPeek(b *binImage) float64 {
	ok, n := 0, 0
	cu, rv := 1/float64(f.cols), 1/float64(f.rows)
	for c := 0; c < min(f.cols, 12); c++ {
		if b.sample(f.h.apply((float64(c)+0.5)*cu, 0.5*rv)) == (c%2 == 0) {
			ok++
		}
		n++
	}
	for r := f.rows - 1; r >= max(0, f.rows-12); r-- {
		if b.sample(f.h.apply(1-0.5*cu, (float64(r)+0.5)*rv)) == (r%2 == 1) {
			ok++
		}
		n++
	}
	return float64(ok) / float64(n)
}

func (f *gridFit) bits(b *binImage) *gozxing.BitMatrix {
	m, _ := gozxing.NewBitMatrix(f.cols, f.rows)
	cu, rv := 1/float64(f.cols), 1/float64(f.rows)
	for r := 0; r < f.rows; r++ {
		for c := 0; c < f.cols; c++ {
			if b.sample(f.h.apply((float64(c)+0.5)*cu, (float64(r)+0.5)*rv)) {
				m.Set(c, r)
			}
		}
	}
	return m
}

// sideDark is the fraction of dark pixels along the segment p->q, pulled
// towards centre by inset pixels.
func sideDark(b *binImage, p, q, centre pt, inset float64) float64 {
	mid := p.add(q).mul(0.5)
	d := centre.sub(mid)
	l := math.Hypot(d.x, d.y)
	if l == 0 {
		return 0
	}
	off := d.mul(inset / l)
	n := int(p.dist(q))
	if n < 8 {
		n = 8
	}
	if n > 64 {
		n = 64
	}
	dark := 0
	for i := 0; i < n; i++ {
		t := (float64(i) + 0.5) / float64(n)
		s := p.add(q.sub(p).mul(t)).add(off)
		if b.sample(s) {
			dark++
		}
	}
	return float64(dark) / float64(n)
}

// sideDarkDeep is the fraction of points along p->q from which a dark
// pixel is found moving towards centre, starting inset and going at most
// depth pixels in.
func sideDarkDeep(b *binImage, p, q, centre pt, inset, depth float64) float64 {
	mid := p.add(q).mul(0.5)
	d := centre.sub(mid)
	l := math.Hypot(d.x, d.y)
	if l == 0 {
		return 0
	}
	in := d.mul(1 / l)
	n := min(max(int(p.dist(q)), 8), 64)
	dark := 0
	for i := 0; i < n; i++ {
		s := p.add(q.sub(p).mul((float64(i) + 0.5) / float64(n)))
		for k := inset; k <= inset+depth; k++ {
			if b.sample(s.add(in.mul(k))) {
				dark++
				break
			}
		}
	}
	return float64(dark) / float64(n)
}

// locate runs the locator over g.
// With fillFlat, blocks without contrast take their neighbours' threshold
// (solid large modules, at some cost in clutter); otherwise they are white.
func (d *Decoder) locate(g *Gray, fillFlat bool) (scanner.Read, error) {
	return d.locateIn(binarize(g, 24, fillFlat))
}

const maxLocatorCandidates = 40

func (d *Decoder) locateIn(b *binImage) (scanner.Read, error) {
	comps := components(b, 8)
	type cand struct {
		q      [4]pt
		v      int // index of the finder's corner in q
		weight float64
	}
	var cands []cand
	for _, c := range comps {
		w, h := float64(c.maxX-c.minX), float64(c.maxY-c.minY)
		if w > float64(b.w)*0.98 && h > float64(b.h)*0.98 && c.pixels > b.w*b.h*3/4 {
			continue
		}
		// A finder L with its data is at least ~8 modules on a side and
		// covers a good part but not all of its bounding box.
		fill := float64(c.pixels) / (w * h)
		if fill < 0.08 || fill > 0.92 {
			continue
		}
		hl := hull(c)
		qr, ok := quad(hl)
		if !ok {
			continue
		}
		for _, q := range [][4]pt{qr} {
			var centre pt
			for _, p := range q {
				centre = centre.add(p.mul(0.25))
			}
			side := math.Min(q[0].dist(q[1]), q[1].dist(q[2]))
			inset := math.Max(0.8, side/80)
			dark := [4]float64{}
			for i := 0; i < 4; i++ {
				dark[i] = sideDark(b, q[i], q[(i+1)%4], centre, inset)
			}
			// A finder arm on a curved surface bows away from the chord
			// between its ends: next to a solid side, look for it a little
			// deeper inside (for symbols big enough to show a bend; small
			// blobs in clutter would only add candidates).
			for i := 0; i < 4 && side >= 60; i++ {
				if dark[i] >= 0.3 && dark[i] < 0.8 && (dark[(i+1)%4] >= 0.8 || dark[(i+3)%4] >= 0.8) {
					if sideDarkDeep(b, q[i], q[(i+1)%4], centre, inset, side/12) >= 0.9 {
						dark[i] = 0.8
					}
				}
			}
			for v := 0; v < 4; v++ {
				// Sides v-1 -> v and v -> v+1 must be solid; the others not.
				s1, s2 := dark[(v+3)%4], dark[v]
				o1, o2 := dark[(v+1)%4], dark[(v+2)%4]
				if s1 < 0.8 || s2 < 0.8 || (o1 > 0.9 && o2 > 0.9) {
					continue
				}
				cands = append(cands, cand{q: q, v: v, weight: s1 + s2 - 0.5*(o1+o2) + math.Log(float64(c.pixels))/20})
			}
		}
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].weight > cands[j].weight })
	if len(cands) > maxLocatorCandidates {
		cands = cands[:maxLocatorCandidates]
	}
	var firstErr error
	var found []scanner.Read
	for _, c := range cands {
		if d.overrun(d.deadline, 0) {
			break
		}
		if len(found) > 0 && (!d.opts.All || len(found) >= d.opts.MaxSymbols || insideAny(found, c.q)) {
			if !d.opts.All {
				break
			}
			continue
		}
		r, err := d.fitAndDecode(b, c.q, c.v)
		if err == nil {
			found = append(found, r)
			continue
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if len(found) > 0 {
		// With All, the other symbols of this pass wait in d.more: one pass
		// finds a whole case of packs.
		d.more = append(d.more, found[1:]...)
		return found[0], nil
	}
	if firstErr == nil {
		firstErr = scanner.ErrNotFound
	}
	return scanner.Read{}, firstErr
}

// insideAny reports whether the centre of q lies in a symbol already read.
func insideAny(reads []scanner.Read, q [4]pt) bool {
	var c pt
	for _, p := range q {
		c = c.add(p.mul(0.25))
	}
	for _, r := range reads {
		if len(r.Corners) >= 3 && inPoly(r.Corners, c.x, c.y) {
			return true
		}
	}
	return false
}

// fitAndDecode tries the symbol sizes and fourth-corner positions for a
// finder at corner v of q and decodes the best-matching grids.
func (d *Decoder) fitAndDecode(b *binImage, q [4]pt, v int) (scanner.Read, error) {
	V := q[v]
	A := q[(v+3)%4] // along one arm
	B := q[(v+1)%4] // along the other arm
	if A.sub(V).cross(B.sub(V)) < 0 {
		// Make V->A the "up" arm of an unmirrored symbol (y grows
		// downwards), so the first decode attempt is the likely one.
		A, B = B, A
	}
	Ch := q[(v+2)%4]
	Cp := A.add(B).sub(V)
	lenA, lenB := V.dist(A), V.dist(B)
	// Count the dark modules of the two timing patterns once, at a few
	// depths below the edge: a size whose counts match is taken even when
	// uneven module widths spoil the even-spacing scores.
	colRuns, rowRuns := map[int]bool{}, map[int]bool{}
	for _, C := range []pt{Ch, Cp} {
		h := squareToQuad(A, C, B, V)
		for _, depth := range []float64{0.012, 0.025, 0.04, 0.06} {
			colRuns[2*darkRuns(b, h, lenB, func(t float64) (float64, float64) { return t, depth })] = true
			rowRuns[2*darkRuns(b, h, lenA, func(t float64) (float64, float64) { return 1 - depth, t })] = true
		}
	}
	var fits []gridFit
	for _, sz := range symbolSizes() {
		for k, o := range [2][2]int{{sz[0], sz[1]}, {sz[1], sz[0]}} {
			rows, cols := o[0], o[1] // rows along V->A, columns along V->B
			if k == 1 && rows == cols {
				continue // a square has one orientation
			}
			mA, mB := lenA/float64(rows), lenB/float64(cols)
			if mA < 0.9 || mB < 0.9 || mA/mB > 1.6 || mB/mA > 1.6 {
				continue
			}
			ua, ub := A.sub(V).mul(1/lenA), B.sub(V).mul(1/lenB)
			// A quick look with the two guesses of the fourth corner; only
			// promising sizes get the full search around it.
			counted := colRuns[cols] && rowRuns[rows]
			best := gridFit{score: -1}
			for _, C := range []pt{Ch, Cp} {
				f := gridFit{h: squareToQuad(A, C, B, V), rows: rows, cols: cols, corners: [4]pt{A, C, B, V}}
				if !counted && f.timingPeek(b) < 0.6 {
					continue
				}
				if s := f.scoreOn(b); s > best.score {
					f.score = s
					best = f
				}
			}
			if best.score < 0.65 && !counted {
				continue
			}
			best.ma, best.mb = ua.mul(mA), ub.mul(mB)
			// Timing patterns with exactly the size's number of dark
			// modules are strong evidence for that size.
			best.rank = best.score
			if counted {
				best.rank += 0.3
			}
			fits = append(fits, best)
		}
	}
	// The most promising sizes are tried as found (clean images decode
	// here), then with their corners refined.
	sort.Slice(fits, func(i, j int) bool { return fits[i].rank > fits[j].rank })
	if len(fits) > 4 {
		fits = fits[:4]
	}
	for _, f := range fits {
		if f.score < 0.9 {
			continue
		}
		corners := make([]scanner.Point, 4)
		for i, p := range f.corners {
			corners[i] = p.toPoint()
		}
		if r, err := d.decodeBits(f.bits(b), corners, true); err == nil {
			return r, nil
		}
	}
	kept := fits[:0]
	var extra []gridFit
	for _, f := range fits {
		counted := f.rank > f.score+0.1
		if counted {
			// Climbing assumes even spacing; keep the unclimbed fit too for
			// the timing-measured sampling.
			extra = append(extra, f)
		}
		f = climb(b, f, f.ma, f.mb)
		if f.score >= 0.8 || counted {
			kept = append(kept, f)
		}
	}
	fits = kept
	sort.Slice(fits, func(i, j int) bool { return fits[i].score > fits[j].score })
	fits = append(fits, extra...)
	var firstErr error
	for _, f := range fits {
		corners := make([]scanner.Point, 4)
		for i, p := range f.corners {
			corners[i] = p.toPoint()
		}
		r, err := d.decodeBits(f.bits(b), corners, true)
		if err == nil {
			return r, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		// Unevenly printed or stretched symbols: place the columns and rows
		// where the timing patterns actually change colour.
		if m := f.timingBits(b); m != nil {
			if r, err := d.decodeBits(m, corners, true); err == nil {
				return r, nil
			}
		}
		// Symbols of several data regions on a curved or creased surface:
		// fit each region to its own finder and timing pattern.
		if m := f.regionBits(b); m != nil {
			if r, err := d.decodeBits(m, corners, true); err == nil {
				return r, nil
			}
		}
	}
	// Strong perspective: the corners where lines fitted to the traced
	// outer edges meet, every size scored on them.
	if len(fits) > 0 {
		if r, err := d.lineFitDecode(b, fits[0], [4]pt{A, Ch, B, V}); err == nil {
			return r, nil
		}
	}
	// A bent symbol: follow its traced edges, from the finder's corners
	// and either guess of the fourth (the best fit gives a size to try
	// besides the one counted on the traced edges). Only symbols big
	// enough to show a bend: small blobs in clutter would only cost time.
	if len(fits) > 0 && math.Min(lenA, lenB) >= 60 {
		f := fits[0]
		for _, C := range []pt{Cp, Ch} {
			f.corners = [4]pt{A, C, B, V}
			corners := []scanner.Point{A.toPoint(), C.toPoint(), B.toPoint(), V.toPoint()}
			if r, err := d.traceDecode(b, f, corners); err == nil {
				return r, nil
			}
		}
	}
	if firstErr == nil {
		firstErr = scanner.ErrNotFound
	}
	return scanner.Read{}, firstErr
}

// regionCounts returns how many data regions a symbol of rows x cols has
// vertically and horizontally (ISO/IEC 16022 Table 7, ISO/IEC 21471).
func regionCounts(rows, cols int) (int, int) {
	if rows == cols {
		switch {
		case rows >= 120:
			return 6, 6
		case rows >= 64:
			return 4, 4
		case rows >= 32:
			return 2, 2
		}
		return 1, 1
	}
	r, c := rows, cols
	if r > c {
		r, c = c, r
	}
	n := 1
	switch c {
	case 32, 36, 40, 44, 48:
		n = 2
	case 64, 80, 88, 96:
		n = 4
	case 120, 144:
		n = 6
	}
	if r == 8 && c == 18 || c == 26 {
		n = 1
	}
	if rows > cols {
		return n, 1
	}
	return 1, n
}

// regionBits samples a multi-region symbol region by region, each through
// its own perspective fitted (by hill climbing) to that region's finder and
// timing pattern. It returns nil for single-region symbols.
func (f *gridFit) regionBits(b *binImage) *gozxing.BitMatrix {
	nr, nc := regionCounts(f.rows, f.cols)
	if nr*nc == 1 || f.rows%nr != 0 || f.cols%nc != 0 {
		return nil
	}
	rh, rw := f.rows/nr, f.cols/nc
	m, _ := gozxing.NewBitMatrix(f.cols, f.rows)
	for i := 0; i < nr; i++ {
		for j := 0; j < nc; j++ {
			r0, c0 := i*rh, j*rw
			at := func(c, r int) pt { return f.h.apply(float64(c)/float64(f.cols), float64(r)/float64(f.rows)) }
			g := gridFit{rows: rh, cols: rw, ma: f.ma, mb: f.mb,
				corners: [4]pt{at(c0, r0), at(c0+rw, r0), at(c0+rw, r0+rh), at(c0, r0+rh)}}
			g.h = squareToQuad(g.corners[0], g.corners[1], g.corners[2], g.corners[3])
			g.score = g.scoreOn(b)
			g = climbAll(b, g)
			cu, rv := 1/float64(rw), 1/float64(rh)
			for r := 0; r < rh; r++ {
				for c := 0; c < rw; c++ {
					if b.sample(g.h.apply((float64(c)+0.5)*cu, (float64(r)+0.5)*rv)) {
						m.Set(c0+c, r0+r)
					}
				}
			}
		}
	}
	return m
}

// climbAll hill-climbs all four corners of a fit in steps from half a
// module down to an eighth.
func climbAll(b *binImage, f gridFit) gridFit {
	dirs := [8][2]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {1, -1}, {-1, 1}, {-1, -1}}
	for round := 0; round < 2; round++ {
		for k := 0; k < 4; k++ {
			step := 0.5
			for iter := 0; iter < 10 && step >= 0.125; iter++ {
				improved := false
				for _, d := range dirs {
					c := f.corners
					c[k] = c[k].add(f.ma.mul(d[0] * step)).add(f.mb.mul(d[1] * step))
					g := gridFit{h: squareToQuad(c[0], c[1], c[2], c[3]), rows: f.rows, cols: f.cols, corners: c, ma: f.ma, mb: f.mb}
					if g.score = g.scoreOn(b); g.score > f.score {
						f, improved = g, true
					}
				}
				if !improved {
					step /= 2
				}
			}
		}
	}
	return f
}

// climb improves a fit by hill climbing on its corners: the fourth corner
// (C, opposite the finder) moves first, in steps from one module down to
// an eighth, then the ends of the finder arms in finer steps.
func climb(b *binImage, f gridFit, ma, mb pt) gridFit {
	try := func(corners [4]pt) gridFit {
		g := gridFit{h: squareToQuad(corners[0], corners[1], corners[2], corners[3]), rows: f.rows, cols: f.cols, corners: corners, ma: f.ma, mb: f.mb}
		g.score = g.scoreOn(b)
		return g
	}
	dirs := [8][2]float64{{1, 0}, {-1, 0}, {0, 1}, {0, -1}, {1, 1}, {1, -1}, {-1, 1}, {-1, -1}}
	for _, k := range []int{1, 0, 2} { // C, then A, then B (corners are A, C, B, V)
		step := 1.0
		if k != 1 {
			step = 0.5
		}
		for iter := 0; iter < 12 && step >= 0.125; iter++ {
			improved := false
			for _, d := range dirs {
				c := f.corners
				c[k] = c[k].add(ma.mul(d[0] * step)).add(mb.mul(d[1] * step))
				if g := try(c); g.score > f.score {
					f, improved = g, true
				}
			}
			if !improved {
				step /= 2
			}
		}
	}
	return f
}

// timingCentres measures the centres of the n alternating modules along a
// line of the grid (param(t) gives the grid coordinates at t in [0,1]);
// the dark modules are at even indices when firstDark, else at odd ones.
// Only dark runs are measured (a light end module merges with the quiet
// zone); light centres lie between their dark neighbours. It returns nil
// unless exactly the expected number of dark runs is found.
func timingCentres(b *binImage, f *gridFit, n int, firstDark bool, param func(t float64) (float64, float64)) []float64 {
	// Sample one module beyond each end: the fitted corners may cut the
	// end modules short.
	steps := 12 * (n + 2)
	e := 1 / float64(n)
	at := func(i float64) float64 { return -e + (1+2*e)*i/float64(steps) }
	var dark [][2]int // dark runs: start, end (exclusive) in steps
	in := false
	for i := 0; i < steps; i++ {
		u, v := param(at(float64(i) + 0.5))
		d := b.sample(f.h.apply(u, v))
		switch {
		case d && !in:
			// A light gap shorter than a quarter module is noise.
			if len(dark) > 0 && i-dark[len(dark)-1][1] < 3 {
				dark[len(dark)-1][1] = i + 1
			} else {
				dark = append(dark, [2]int{i, i + 1})
			}
		case d:
			dark[len(dark)-1][1] = i + 1
		}
		in = d
	}
	// Drop dark specks shorter than a quarter module.
	kept := dark[:0]
	for _, r := range dark {
		if r[1]-r[0] >= 3 {
			kept = append(kept, r)
		}
	}
	first := 1
	if firstDark {
		first = 0
	}
	want := (n - first + 1) / 2
	if len(kept) != want || want < 2 {
		return nil
	}
	out := make([]float64, n)
	for k, r := range kept {
		out[first+2*k] = at(float64(r[0]+r[1]) / 2)
	}
	for i := 1 - first; i < n; i += 2 {
		switch {
		case i > 0 && i < n-1:
			out[i] = (out[i-1] + out[i+1]) / 2
		case i == 0:
			out[0] = out[1] - (out[3]-out[1])/2
		default:
			out[i] = out[i-1] + (out[i-1]-out[i-3])/2
		}
	}
	return out
}

// timingBits samples the grid at the module centres measured on the top and
// right timing patterns rather than at even spacing.
func (f *gridFit) timingBits(b *binImage) *gozxing.BitMatrix {
	v0 := 0.5 / float64(f.rows)
	u1 := 1 - 0.5/float64(f.cols)
	us := timingCentres(b, f, f.cols, true, func(t float64) (float64, float64) { return t, v0 })
	vs := timingCentres(b, f, f.rows, false, func(t float64) (float64, float64) { return u1, t })
	if us == nil && vs == nil {
		return nil
	}
	even := func(n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = (float64(i) + 0.5) / float64(n)
		}
		return out
	}
	if us == nil {
		us = even(f.cols)
	}
	if vs == nil {
		vs = even(f.rows)
	}
	m, _ := gozxing.NewBitMatrix(f.cols, f.rows)
	for r, v := range vs {
		for c, u := range us {
			if b.sample(f.h.apply(u, v)) {
				m.Set(c, r)
			}
		}
	}
	return m
}

// darkRuns counts the dark runs along a line of grid coordinates (param(t)
// for t in [-0.03, 1.03]) sampled twice per pixel over length pixels;
// gaps and specks under a pixel are ignored.
func darkRuns(b *binImage, h homography, length float64, param func(t float64) (float64, float64)) int {
	steps := int(2*length*1.06) + 8
	n, darkLen, lightLen, inDark := 0, 0, 0, false
	for i := 0; i < steps; i++ {
		u, v := param(-0.03 + 1.06*(float64(i)+0.5)/float64(steps))
		if b.sample(h.apply(u, v)) {
			darkLen++
			lightLen = 0
			if !inDark && darkLen >= 2 {
				inDark = true
				n++
			}
			continue
		}
		lightLen++
		if lightLen >= 2 {
			inDark, darkLen = false, 0
		}
	}
	return n
}

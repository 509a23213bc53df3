package dmdecode

import (
	"math"
	"sort"

	"github.com/medtrace/medtrace/scanner"
)

// Strong perspective (a phone's screen photographed at an angle) makes the
// corners the locator takes from a symbol's convex hull inexact, most of
// all the fourth corner, which no dark module marks: the timing patterns
// end in light modules. The outer edges themselves stay straight lines
// under perspective, so each is traced (the finder arms as solid edges,
// the timing patterns as the envelope of their dark modules), a straight
// line is fitted to it, outliers dropped, and the corners are where the
// lines meet.

// line is a straight line through p with unit direction d.
type line struct{ p, d pt }

// fitLine fits a line to pts by total least squares, drops the points
// farther than tol from it and fits again; ok is false when fewer than
// half the points remain.
func fitLine(pts []pt, tol float64) (line, bool) {
	fit := func(ps []pt) line {
		var c pt
		for _, p := range ps {
			c = c.add(p)
		}
		c = c.mul(1 / float64(len(ps)))
		var sxx, sxy, syy float64
		for _, p := range ps {
			q := p.sub(c)
			sxx, sxy, syy = sxx+q.x*q.x, sxy+q.x*q.y, syy+q.y*q.y
		}
		a := 0.5 * math.Atan2(2*sxy, sxx-syy)
		return line{p: c, d: pt{math.Cos(a), math.Sin(a)}}
	}
	if len(pts) < 4 {
		return line{}, false
	}
	l := fit(pts)
	for round := 0; round < 2; round++ {
		kept := make([]pt, 0, len(pts))
		for _, p := range pts {
			if math.Abs(p.sub(l.p).cross(l.d)) <= tol {
				kept = append(kept, p)
			}
		}
		if len(kept) < len(pts)/2 {
			return line{}, false
		}
		l = fit(kept)
	}
	return l, true
}

// meet returns where lines a and b cross; ok is false for lines that are
// nearly parallel.
func meet(a, b line) (pt, bool) {
	den := a.d.cross(b.d)
	if math.Abs(den) < 0.2 { // under ~11 degrees apart
		return pt{}, false
	}
	t := b.p.sub(a.p).cross(b.d) / den
	return a.p.add(a.d.mul(t)), true
}

// lineFit returns f with its corners moved to the crossings of lines fitted
// to its four traced outer edges; ok is false when an edge cannot be
// traced or the corners move by more than two modules.
func (f gridFit) lineFit(b *binImage) (gridFit, bool) {
	A, C, B, V := f.corners[0], f.corners[1], f.corners[2], f.corners[3]
	centre := A.add(B).add(C).add(V).mul(0.25)
	module := (math.Hypot(f.ma.x, f.ma.y) + math.Hypot(f.mb.x, f.mb.y)) / 2
	if module < 1 {
		return f, false
	}
	edges := [4]struct {
		p, q  pt
		solid bool
	}{{A, C, false}, {C, B, false}, {V, B, true}, {A, V, true}}
	var ls [4]line
	for i, e := range edges {
		pts := outerEdge(b, e.p, e.q, centre, module, e.solid)
		if pts == nil {
			return f, false
		}
		l, ok := fitLine(pts, math.Max(0.35*module, 0.8))
		if !ok {
			return f, false
		}
		ls[i] = l
	}
	top, right, bottom, left := ls[0], ls[1], ls[2], ls[3]
	var c [4]pt
	var ok [4]bool
	c[0], ok[0] = meet(top, left)
	c[1], ok[1] = meet(top, right)
	c[2], ok[2] = meet(right, bottom)
	c[3], ok[3] = meet(bottom, left)
	for i := range c {
		if !ok[i] || c[i].dist(f.corners[i]) > 2*module {
			return f, false
		}
	}
	g := gridFit{h: squareToQuad(c[0], c[1], c[2], c[3]), rows: f.rows, cols: f.cols, corners: c, ma: f.ma, mb: f.mb}
	g.score = g.scoreOn(b)
	return g, true
}

// lineFitDecode fits lines to the outer edges of the symbol whose hull
// corners are q (A, C, B, V as in gridFit; f gives the module size),
// scores every symbol size on the corners where they meet and decodes the
// best-scoring grids, at even spacing and at the module centres measured
// on the timing patterns.
func (d *Decoder) lineFitDecode(b *binImage, f gridFit, q [4]pt) (scanner.Read, error) {
	f.corners = q
	g, ok := f.lineFit(b)
	if !ok {
		return scanner.Read{}, scanner.ErrNotFound
	}
	lenA, lenB := g.corners[3].dist(g.corners[0]), g.corners[3].dist(g.corners[2])
	var fits []gridFit
	for _, sz := range symbolSizes() {
		for k, o := range [2][2]int{{sz[0], sz[1]}, {sz[1], sz[0]}} {
			rows, cols := o[0], o[1]
			if k == 1 && rows == cols {
				continue
			}
			mA, mB := lenA/float64(rows), lenB/float64(cols)
			if mA < 0.9 || mB < 0.9 || mA/mB > 2.5 || mB/mA > 2.5 {
				continue
			}
			h := gridFit{h: g.h, rows: rows, cols: cols, corners: g.corners, ma: f.ma, mb: f.mb}
			if h.score = h.scoreOn(b); h.score >= 0.75 {
				fits = append(fits, h)
			}
		}
	}
	sort.Slice(fits, func(i, j int) bool { return fits[i].score > fits[j].score })
	corners := make([]scanner.Point, 4)
	for i, p := range g.corners {
		corners[i] = p.toPoint()
	}
	err := error(scanner.ErrNotFound)
	for _, h := range fits[:min(len(fits), 2)] {
		var r scanner.Read
		if r, err = d.decodeBits(h.bits(b), corners, true); err == nil {
			return r, nil
		}
		if m := h.timingBits(b); m != nil {
			if r, err = d.decodeBits(m, corners, true); err == nil {
				return r, nil
			}
		}
	}
	return scanner.Read{}, err
}

// outerEdge finds points on the outer edge of a symbol near the chord
// p0->p1 (centre inside the symbol): from each of traceSamples points of
// the chord's middle seven eighths it walks outwards along the chord's
// normal, from 1.5 modules inside, and takes the last dark pixel before
// the first light stretch of three quarters of a module. Walking out from
// inside, it stops in the quiet zone and never reaches a frame or a screen
// bezel beyond it. On a timing edge (solid=false) a point in a light
// module stops short, so the edge is the outer envelope over a window of
// about two modules. It returns nil when under half the points are found.
func outerEdge(b *binImage, p0, p1, centre pt, module float64, solid bool) []pt {
	d := p1.sub(p0)
	l := math.Hypot(d.x, d.y)
	if l == 0 {
		return nil
	}
	n := pt{-d.y / l, d.x / l}
	if n.dot(centre.sub(p0.add(d.mul(0.5)))) > 0 {
		n = n.mul(-1)
	}
	quiet := math.Max(0.75*module, 1.5)
	off := make([]float64, traceSamples+1)
	found := 0
	for i := range off {
		off[i] = math.NaN()
		t := float64(i) / traceSamples
		if t < 1.0/16 || t > 15.0/16 {
			continue // the neighbouring edges' modules
		}
		p := p0.add(d.mul(t))
		last, light := math.NaN(), 0.0
		for s := -1.5 * module; s <= 3*module; s += 0.5 {
			if b.sample(p.add(n.mul(s))) {
				last, light = s, 0
				continue
			}
			if light += 0.5; light >= quiet && !math.IsNaN(last) {
				break
			}
		}
		if !math.IsNaN(last) && light >= quiet {
			off[i] = last + 0.25
			found++
		}
	}
	if found < traceSamples/2 {
		return nil
	}
	w := 0
	if !solid {
		w = int(math.Ceil(1.2 * module / (l / traceSamples)))
	}
	var pts []pt
	for i := range off {
		best := math.NaN()
		for j := max(0, i-w); j <= min(len(off)-1, i+w); j++ {
			if !math.IsNaN(off[j]) && (math.IsNaN(best) || off[j] > best) {
				best = off[j]
			}
		}
		if math.IsNaN(off[i]) && solid || math.IsNaN(best) {
			continue
		}
		t := float64(i) / traceSamples
		if t < 1.0/16 || t > 15.0/16 {
			continue
		}
		pts = append(pts, p0.add(d.mul(t)).add(n.mul(best)))
	}
	return pts
}

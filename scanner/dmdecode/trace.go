package dmdecode

import (
	"math"

	"github.com/makiuchi-d/gozxing"

	"github.com/medtrace/medtrace/scanner"
)

// traceSamples is how many segments each traced edge has.
const traceSamples = 64

// tracedEdge is an outer edge of a symbol measured in the image: pts[i]
// lies on the edge at chord parameter i/traceSamples; n is the chord's
// outward normal.
type tracedEdge struct {
	pts []pt
	n   pt
}

func (e tracedEdge) at(t float64) pt {
	x := t * traceSamples
	i := int(math.Floor(x))
	if i < 0 {
		return e.pts[0]
	}
	if i >= traceSamples {
		return e.pts[traceSamples]
	}
	f := x - float64(i)
	return e.pts[i].mul(1 - f).add(e.pts[i+1].mul(f))
}

// traceEdge finds the outer edge of the symbol along the chord p0->p1:
// at each point of the chord it searches along the normal pointing away
// from centre, from out pixels outside to in pixels inside, for the first
// dark pixel. A timing edge (solid=false) has light modules where the
// search runs deeper: its edge is the outer envelope over a window of
// about two modules. It returns false when too little of the edge is
// found.
func traceEdge(b *binImage, p0, p1, centre pt, out, in, module float64, solid bool) (tracedEdge, bool) {
	d := p1.sub(p0)
	l := math.Hypot(d.x, d.y)
	if l == 0 {
		return tracedEdge{}, false
	}
	n := pt{-d.y / l, d.x / l}
	if n.dot(centre.sub(p0.add(d.mul(0.5)))) > 0 {
		n = n.mul(-1)
	}
	off := make([]float64, traceSamples+1)
	found := 0
	for i := range off {
		p := p0.add(d.mul(float64(i) / traceSamples))
		off[i] = math.NaN()
		for s := out; s >= -in; s -= 0.5 {
			if b.sample(p.add(n.mul(s))) {
				off[i] = s + 0.25
				found++
				break
			}
		}
	}
	if found < traceSamples/2 {
		return tracedEdge{}, false
	}
	w := 1
	if !solid {
		w = int(math.Ceil(1.2 * module / (l / traceSamples)))
	}
	e := tracedEdge{pts: make([]pt, len(off)), n: n}
	for i := range off {
		best := math.NaN()
		for j := max(0, i-w); j <= min(len(off)-1, i+w); j++ {
			if !math.IsNaN(off[j]) && (math.IsNaN(best) || off[j] > best) {
				best = off[j]
			}
		}
		if math.IsNaN(best) {
			best = 0
		}
		e.pts[i] = p0.add(d.mul(float64(i) / traceSamples)).add(n.mul(best))
	}
	return e, true
}

// runs counts the dark runs along the edge, half a module inside it
// (a timing pattern has one per two modules); specks and gaps under a
// pixel are ignored.
func (e tracedEdge) runs(b *binImage, module float64) int {
	length := 0.0
	for i := 1; i < len(e.pts); i++ {
		length += e.pts[i].dist(e.pts[i-1])
	}
	steps := int(2*length) + 8
	inset := e.n.mul(-0.5 * module)
	n, darkLen, lightLen, inDark := 0, 0, 0, false
	for i := 0; i < steps; i++ {
		if b.sample(e.at((float64(i) + 0.5) / float64(steps)).add(inset)) {
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

// traceDecode reads a bent symbol (a pack's curved surface) by following
// its traced outer edges instead of straight lines between corners. The
// four edges of fit f (finder arms and timing edges) span a Coons patch;
// the size is the fit's or the one counted on the traced timing edges.
// The grid is sampled through the patch and, for symbols of several data
// regions, region by region through perspectives started from the patch
// and climbed onto each region's own finder and timing pattern.
func (d *Decoder) traceDecode(b *binImage, f gridFit, corners []scanner.Point) (scanner.Read, error) {
	A, C, B, V := f.corners[0], f.corners[1], f.corners[2], f.corners[3]
	centre := A.add(B).add(C).add(V).mul(0.25)
	module := (math.Hypot(f.ma.x, f.ma.y) + math.Hypot(f.mb.x, f.mb.y)) / 2
	out, in := 4*module, 2*module
	top, ok1 := traceEdge(b, A, C, centre, out, in, module, false)
	bottom, ok2 := traceEdge(b, V, B, centre, out, in, module, true)
	left, ok3 := traceEdge(b, A, V, centre, out, in, module, true)
	right, ok4 := traceEdge(b, C, B, centre, out, in, module, false)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return scanner.Read{}, scanner.ErrNotFound
	}
	p00 := top.at(0).add(left.at(0)).mul(0.5)
	p10 := top.at(1).add(right.at(0)).mul(0.5)
	p11 := bottom.at(1).add(right.at(1)).mul(0.5)
	p01 := bottom.at(0).add(left.at(1)).mul(0.5)
	coons := func(u, v float64) pt {
		lin := top.at(u).mul(1 - v).add(bottom.at(u).mul(v)).add(left.at(v).mul(1 - u)).add(right.at(v).mul(u))
		bil := p00.mul((1 - u) * (1 - v)).add(p10.mul(u * (1 - v))).add(p11.mul(u * v)).add(p01.mul((1 - u) * v))
		return lin.sub(bil)
	}
	sizes := [][2]int{{f.rows, f.cols}}
	rows, cols := 2*right.runs(b, module), 2*top.runs(b, module)
	if rows != f.rows || cols != f.cols {
		for _, sz := range symbolSizes() {
			if sz == [2]int{rows, cols} || sz == [2]int{cols, rows} {
				sizes = append(sizes, [2]int{rows, cols})
				break
			}
		}
	}
	err := error(scanner.ErrNotFound)
	for _, sz := range sizes {
		rows, cols := sz[0], sz[1]
		cu, rv := 1/float64(cols), 1/float64(rows)
		m, _ := gozxing.NewBitMatrix(cols, rows)
		for r := 0; r < rows; r++ {
			for c := 0; c < cols; c++ {
				if b.sample(coons((float64(c)+0.5)*cu, (float64(r)+0.5)*rv)) {
					m.Set(c, r)
				}
			}
		}
		var r scanner.Read
		if r, err = d.decodeBits(m, corners, true); err == nil {
			return r, nil
		}
		nr, nc := regionCounts(rows, cols)
		if nr*nc == 1 || rows%nr != 0 || cols%nc != 0 {
			continue
		}
		rh, rw := rows/nr, cols/nc
		rm, _ := gozxing.NewBitMatrix(cols, rows)
		for i := 0; i < nr; i++ {
			for j := 0; j < nc; j++ {
				r0, c0 := i*rh, j*rw
				at := func(c, r int) pt { return coons(float64(c)*cu, float64(r)*rv) }
				g := gridFit{rows: rh, cols: rw,
					corners: [4]pt{at(c0, r0), at(c0+rw, r0), at(c0+rw, r0+rh), at(c0, r0+rh)}}
				g.ma = g.corners[0].sub(g.corners[3]).mul(1 / float64(rh))
				g.mb = g.corners[2].sub(g.corners[3]).mul(1 / float64(rw))
				g.h = squareToQuad(g.corners[0], g.corners[1], g.corners[2], g.corners[3])
				g.score = g.scoreOn(b)
				g = climbAll(b, g)
				for r := 0; r < rh; r++ {
					for c := 0; c < rw; c++ {
						if b.sample(g.h.apply((float64(c)+0.5)/float64(rw), (float64(r)+0.5)/float64(rh))) {
							rm.Set(c0+c, r0+r)
						}
					}
				}
			}
		}
		if r, err = d.decodeBits(rm, corners, true); err == nil {
			return r, nil
		}
	}
	return scanner.Read{}, err
}

package dmdecode

import (
	"testing"

	"github.com/makiuchi-d/gozxing/datamatrix/encoder"

	"github.com/medtrace/medtrace/scanner/dmencode"
)

// TestRegionCounts checks the data-region table against gozxing's symbol
// table for every size its encoder knows (all but DMRE), and that every
// size, DMRE included, divides into equal regions.
func TestRegionCounts(t *testing.T) {
	seen := 0
	for _, shape := range []encoder.SymbolShapeHint{encoder.SymbolShapeHint_FORCE_SQUARE, encoder.SymbolShapeHint_FORCE_RECTANGLE} {
		for n := 1; n <= 1558; n++ {
			info, err := encoder.SymbolInfo_Lookup(n, shape, nil, nil, false)
			if err != nil || info == nil {
				break
			}
			rows, cols := info.GetSymbolHeight(), info.GetSymbolWidth()
			wantR, wantC := rows/(info.GetMatrixHeight()+2), cols/(info.GetMatrixWidth()+2)
			if r, c := regionCounts(rows, cols); r != wantR || c != wantC {
				t.Errorf("%dx%d: regions %dx%d, want %dx%d", rows, cols, r, c, wantR, wantC)
			}
			seen++
		}
	}
	if seen == 0 {
		t.Fatal("no sizes checked")
	}
	for _, sz := range symbolSizes() {
		r, c := regionCounts(sz[0], sz[1])
		if sz[0]%r != 0 || sz[1]%c != 0 {
			t.Errorf("%dx%d does not divide into %dx%d regions", sz[0], sz[1], r, c)
		}
	}
}

func TestTimingCentres(t *testing.T) {
	// A 16-module timing row with uneven widths (4,4,4,4,3,...,3,2,2,2,2
	// pixels), drawn on row 1 of a 3-row image.
	widths := []int{4, 4, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 2, 2, 2, 2}
	w := 0
	for _, x := range widths {
		w += x
	}
	b := &binImage{pix: make([]byte, (w+8)*3), w: w + 8, h: 3}
	x := 4
	for i, wd := range widths {
		for k := 0; k < wd; k++ {
			if i%2 == 0 {
				b.pix[(w+8)+x+k] = 1
			}
		}
		x += wd
	}
	f := &gridFit{h: squareToQuad(pt{4, 1}, pt{float64(4 + w), 1}, pt{float64(4 + w), 2}, pt{4, 2}), rows: 1, cols: 16}
	got := timingCentres(b, f, 16, true, func(u float64) (float64, float64) { return u, 0.5 })
	if got == nil {
		t.Fatal("no centres")
	}
	x = 0
	for i, wd := range widths {
		want := (float64(x) + float64(wd)/2) / float64(w)
		if d := got[i] - want; d > 1/float64(w) || d < -1/float64(w) {
			t.Errorf("module %d centre %.3f, want %.3f", i, got[i], want)
		}
		x += wd
	}
	if timingCentres(b, f, 14, true, func(u float64) (float64, float64) { return u, 0.5 }) != nil {
		t.Error("accepted a wrong module count")
	}
}

// TestLocatorFilledReadsHugeModules: inside 40-pixel modules the 8x8
// blocks have no contrast; only the filled binarization keeps them solid.
func TestLocatorFilledReadsHugeModules(t *testing.T) {
	g := toGray(symbolImage(t, packCode, true, dmencode.ShapeSquare, 40, 4))
	d := New(Options{Budget: NoBudget})
	r, err := d.locate(g, true)
	if err != nil || string(r.Data) != packCode {
		t.Fatalf("filled locator: %q, %v", r.Data, err)
	}
}

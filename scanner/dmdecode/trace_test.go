package dmdecode

import (
	"strings"
	"testing"

	"github.com/medtrace/medtrace/scanner/dmencode"
)

// TestTraceDecode: the traced timing edges give the symbol's size even when
// the fit handed in has a wrong one, and the patch samples the grid.
func TestTraceDecode(t *testing.T) {
	tests := []struct {
		name  string
		data  string
		shape dmencode.Shape
	}{
		{name: "single region", data: "0123456789ABCDEF", shape: dmencode.ShapeSquare},
		{name: "2x2 regions", data: strings.Repeat("0123456789ABCDEFGHIJ", 6), shape: dmencode.ShapeSquare},
		{name: "rectangle", data: "ABCDEFGHIJKLMNOPQRSTUV", shape: dmencode.ShapeRectangle},
	}
	const mod, quiet = 6, 4
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := symbolImage(t, tc.data, false, tc.shape, mod, quiet)
			cols, rows := img.Rect.Dx()/mod-2*quiet, img.Rect.Dy()/mod-2*quiet
			b := binarize(toGray(img), 24, false)
			x0, y0 := float64(quiet*mod), float64(quiet*mod)
			x1, y1 := x0+float64(cols*mod), y0+float64(rows*mod)
			A, C, B, V := pt{x0, y0}, pt{x1, y0}, pt{x1, y1}, pt{x0, y1}
			// A wrong size: only the counted one can decode.
			f := gridFit{rows: rows + 2, cols: cols + 2, corners: [4]pt{A, C, B, V}, ma: pt{0, -mod}, mb: pt{mod, 0}}
			r, err := New(Options{Budget: NoBudget}).traceDecode(b, f, nil)
			if err != nil || string(r.Data) != tc.data {
				t.Fatalf("%dx%d: got %q, %v", rows, cols, r.Data, err)
			}
		})
	}
}

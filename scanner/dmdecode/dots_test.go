package dmdecode

import (
	"strings"
	"testing"
)

// TestClosed: a closing fills gaps of up to 2r pixels between dark areas,
// keeps wider light areas, and does not grow what is dark.
func TestClosed(t *testing.T) {
	tests := []struct {
		name    string
		r       int
		in, out string
	}{
		{name: "gap of 2 fills at r=1", r: 1, in: "..##..##..", out: "..######.."},
		{name: "gap of 3 stays at r=1", r: 1, in: "..##...##.", out: "..##...##."},
		{name: "gap of 4 fills at r=2", r: 2, in: "..#....#..", out: "..######.."},
		{name: "lone dot kept", r: 2, in: "....#.....", out: "....#....."},
		{name: "edge stays light", r: 1, in: "#.#.......", out: "###......."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// One row, and the same as a column.
			for _, vertical := range []bool{false, true} {
				n := len(tc.in)
				b := &binImage{pix: make([]byte, n), w: n, h: 1}
				if vertical {
					b.w, b.h = 1, n
				}
				for i, c := range tc.in {
					if c == '#' {
						b.pix[i] = 1
					}
				}
				c := b.closed(tc.r)
				var got strings.Builder
				for _, v := range c.pix {
					got.WriteByte(".#"[v])
				}
				if got.String() != tc.out {
					t.Errorf("vertical=%v: got %s, want %s", vertical, got.String(), tc.out)
				}
			}
		})
	}
}

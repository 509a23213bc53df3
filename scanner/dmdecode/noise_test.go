package dmdecode

import (
	"image"
	"testing"
)

// TestNoiseLevel: the median difference of neighbouring pixels is 0 for
// clean images however sharp their edges, and grows with the noise
// (about 0.59a for uniform noise of ±a).
func TestNoiseLevel(t *testing.T) {
	tests := []struct {
		name   string
		img    *image.Gray
		lo, hi int
	}{
		{name: "flat", img: newCanvas(200, 100, 128), lo: 0, hi: 0},
		{name: "clean symbol", img: symbolImage(t, packCode, true, 0, 3, 4), lo: 0, hi: 0},
		{name: "noise 12", img: noisy(newCanvas(200, 100, 128), 12, 1), lo: 6, hi: 8},
		{name: "noise 40", img: noisy(newCanvas(200, 100, 128), 40, 2), lo: 21, hi: 26},
		// White clips half the noise of the light modules and quiet zone.
		{name: "noisy symbol", img: noisy(symbolImage(t, packCode, true, 0, 6, 4), 20, 3), lo: 4, hi: 12},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := toGray(tc.img)
			if n := noiseLevel(g); n < tc.lo || n > tc.hi {
				t.Errorf("noise level %d, want %d-%d", n, tc.lo, tc.hi)
			}
		})
	}
}

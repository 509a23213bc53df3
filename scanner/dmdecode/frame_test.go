package dmdecode

import (
	"testing"

	"github.com/makiuchi-d/gozxing"
)

// TestFrameScore: the share of a grid's outer modules that match the
// finder and timing pattern, and the least a decoded grid needs.
func TestFrameScore(t *testing.T) {
	frame := func(w, h int, flip int) *gozxing.BitMatrix {
		b, _ := gozxing.NewBitMatrix(w, h)
		for x := 0; x < w; x++ {
			b.Set(x, h-1)
			if x%2 == 0 {
				b.Set(x, 0)
			}
		}
		for y := 0; y < h; y++ {
			b.Set(0, y)
			if y%2 == 1 {
				b.Set(w-1, y)
			}
		}
		// Spoil flip modules of the top timing pattern (not the corner).
		for x := 1; x <= flip; x++ {
			b.Flip(x, 0)
		}
		return b
	}
	tests := []struct {
		name     string
		grid     *gozxing.BitMatrix
		score    float64
		minScore float64
		accepted bool
	}{
		{name: "clean 10x10", grid: frame(10, 10, 0), score: 1, minScore: 0.9, accepted: true},
		{name: "10x10 with 4 bad timing modules", grid: frame(10, 10, 4), score: 36.0 / 40, minScore: 0.9, accepted: true},
		{name: "10x10 with 5 bad timing modules", grid: frame(10, 10, 5), score: 35.0 / 40, minScore: 0.9},
		{name: "clean 22x22", grid: frame(22, 22, 0), score: 1, minScore: 0.75, accepted: true},
		{name: "22x22 with 20 bad timing modules", grid: frame(22, 22, 20), score: 68.0 / 88, minScore: 0.75, accepted: true},
		{name: "16x48 rectangle", grid: frame(48, 16, 0), score: 1, minScore: 0.75, accepted: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, m := frameScore(tc.grid), minFrameScore(tc.grid)
			if s != tc.score || m != tc.minScore || (s >= m) != tc.accepted {
				t.Errorf("score %.3f (want %.3f), least %.2f (want %.2f), accepted %v (want %v)", s, tc.score, m, tc.minScore, s >= m, tc.accepted)
			}
		})
	}
	empty, _ := gozxing.NewBitMatrix(12, 12)
	if s := frameScore(empty); s != 0.25 {
		t.Errorf("an empty 12x12 grid scores %.3f, want 0.25 (the light half of the timing patterns)", s)
	}
}

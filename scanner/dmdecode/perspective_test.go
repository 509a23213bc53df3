package dmdecode

import (
	"math"
	"testing"
)

func TestFitLine(t *testing.T) {
	tests := []struct {
		name string
		pts  []pt
		ok   bool
		p, d pt // a point on the line and its direction (either sign)
	}{
		{name: "horizontal", pts: []pt{{0, 5}, {1, 5}, {2, 5}, {3, 5}, {4, 5}}, ok: true, p: pt{0, 5}, d: pt{1, 0}},
		{name: "vertical", pts: []pt{{7, 0}, {7, 1}, {7, 2}, {7, 3}, {7, 4}}, ok: true, p: pt{7, 0}, d: pt{0, 1}},
		{name: "diagonal with an outlier dropped", pts: []pt{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}, {2, 9}}, ok: true, p: pt{0, 0}, d: pt{math.Sqrt2 / 2, math.Sqrt2 / 2}},
		{name: "too few points", pts: []pt{{0, 0}, {1, 1}, {2, 2}}},
		{name: "scattered", pts: []pt{{0, 0}, {10, 40}, {20, 0}, {30, 40}, {40, 0}, {50, 40}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, ok := fitLine(tc.pts, 1)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if !ok {
				return
			}
			if math.Abs(l.d.cross(tc.d)) > 1e-9 {
				t.Errorf("direction %v, want %v", l.d, tc.d)
			}
			if dist := math.Abs(tc.p.sub(l.p).cross(l.d)); dist > 1e-9 {
				t.Errorf("line passes %.3g from %v", dist, tc.p)
			}
		})
	}
}

func TestMeet(t *testing.T) {
	tests := []struct {
		name string
		a, b line
		ok   bool
		at   pt
	}{
		{name: "square corner", a: line{pt{0, 3}, pt{1, 0}}, b: line{pt{5, 0}, pt{0, 1}}, ok: true, at: pt{5, 3}},
		{name: "oblique", a: line{pt{0, 0}, pt{math.Sqrt2 / 2, math.Sqrt2 / 2}}, b: line{pt{4, 0}, pt{0, 1}}, ok: true, at: pt{4, 4}},
		{name: "parallel", a: line{pt{0, 0}, pt{1, 0}}, b: line{pt{0, 1}, pt{1, 0}}},
		{name: "nearly parallel", a: line{pt{0, 0}, pt{1, 0}}, b: line{pt{0, 1}, pt{math.Cos(0.1), math.Sin(0.1)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := meet(tc.a, tc.b)
			if ok != tc.ok {
				t.Fatalf("ok = %v, want %v", ok, tc.ok)
			}
			if ok && p.dist(tc.at) > 1e-9 {
				t.Errorf("meet at %v, want %v", p, tc.at)
			}
		})
	}
}

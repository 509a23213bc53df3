package gs1

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestProblemCap checks that no call lists more than MaxProblems problems:
// past the cap the list ends with one more, a CodeMoreProblems warning
// counting those left out, as package packcode does. A cut list still holds
// an error when one was found (and none when all were warnings) and keeps
// the input order; at the cap exactly, nothing is cut.
func TestProblemCap(t *testing.T) {
	manyRepeats := make([]Element, 0, 100)
	for i := 0; i < 100; i++ {
		manyRepeats = append(manyRepeats, Element{AI: "10", Value: fmt.Sprint("B", i), Pos: i * 10})
	}
	manyUnknown := make([]Element, 0, 60)
	for i := 0; i < 60; i++ {
		manyUnknown = append(manyUnknown, Element{AI: "01", Value: "0950600013435X"})
	}
	tests := []struct {
		name     string
		run      func() []Problem
		total    int  // problems found; the list is cut when > MaxProblems
		firstErr Code // code of the first listed problem
		warnOnly bool // every problem found is a warning
	}{
		{"element string of separators", func() []Problem {
			_, ps := ParseElementString(strings.Repeat("\x1d", MaxInputLen-1), Options{})
			return ps
		}, MaxInputLen - 1, CodeBadSyntax, false},
		{"exactly MaxProblems", func() []Problem {
			_, ps := ParseElementString(strings.Repeat("\x1d", MaxProblems), Options{})
			return ps
		}, MaxProblems, CodeBadSyntax, false},
		{"one over MaxProblems", func() []Problem {
			_, ps := ParseElementString(strings.Repeat("\x1d", MaxProblems+1), Options{})
			return ps
		}, MaxProblems + 1, CodeBadSyntax, false},
		{"warnings then one error", func() []Problem {
			_, ps := ParseElementString(strings.Repeat("0109506000134352\x1d", 60)+"01095060001343X2", Options{})
			return ps
		}, 61, CodeRedundantSeparator, false},
		{"warnings only", func() []Problem {
			_, ps := ParseElementString(strings.Repeat("0109506000134352\x1d", 60)+"0109506000134352", Options{})
			return ps
		}, 60, CodeRedundantSeparator, true},
		{"element string of bad values", func() []Problem {
			_, ps := ParseElementString(strings.Repeat("20A2", MaxInputLen/4), Options{})
			return ps
		}, MaxInputLen / 4, CodeNotNumeric, false},
		{"bracketed bad AIs", func() []Problem {
			_, ps := ParseBracketed(strings.Repeat("(1A)", 100), Options{})
			return ps
		}, 100, CodeBadAI, false},
		{"digital link repeated query AIs", func() []Problem {
			_, ps := ParseDigitalLink("https://a/01/09506000134352?"+strings.Repeat("99=A&", 80), Options{})
			return ps
		}, 79, CodeDuplicateAI, false},
		{"validate repeats", func() []Problem {
			return Validate(manyRepeats, Options{SkipRequisite: true})
		}, 99, CodeRepeatedAI, false},
		{"digital link URI of bad values", func() []Problem {
			_, err := DigitalLinkURI("", manyUnknown)
			var pe *ProblemsError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a *ProblemsError", err)
			}
			return pe.Problems
		}, 60, CodeNotNumeric, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := tc.run()
			if len(ps) == 0 || ps[0].Code != tc.firstErr {
				t.Fatalf("first problem %s, want %s", problemsText(ps), tc.firstErr)
			}
			if HasErrors(ps) == tc.warnOnly {
				t.Errorf("HasErrors %v for a list of %d with warnOnly %v: %s", HasErrors(ps), len(ps), tc.warnOnly, problemsText(ps))
			}
			for i := 1; i < len(ps); i++ {
				if ps[i].Pos >= 0 && ps[i].Pos < ps[i-1].Pos {
					t.Errorf("problem %d at %d comes after one at %d", i, ps[i].Pos, ps[i-1].Pos)
				}
			}
			if tc.total <= MaxProblems {
				if len(ps) != tc.total {
					t.Fatalf("%d problems, want all %d", len(ps), tc.total)
				}
				for _, p := range ps {
					if p.Code == CodeMoreProblems {
						t.Errorf("a list not cut says %q", p.Message)
					}
				}
				return
			}
			if len(ps) != MaxProblems+1 {
				t.Fatalf("%d problems, want %d", len(ps), MaxProblems+1)
			}
			last := ps[len(ps)-1]
			want := fmt.Sprintf("%d more problems are not listed; this does not look like GS1 data.", tc.total-MaxProblems)
			if last.Code != CodeMoreProblems || !last.Warning || last.Message != want || last.Omitted != tc.total-MaxProblems {
				t.Errorf("last problem %+v, want a %s warning %q", last, CodeMoreProblems, want)
			}
			for _, p := range ps[:len(ps)-1] {
				if p.Code == CodeMoreProblems || p.Message == "" || p.Omitted != 0 {
					t.Errorf("listed problem %+v", p)
				}
			}
		})
	}
}

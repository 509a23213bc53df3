package gs1

import (
	"strings"
	"testing"
)

// TestDLSequencesGenerated checks the generated path sequences of every
// Digital Link primary key: the key alone plus every ordered subset of each
// qualifier alternative, each valid, none twice, sorted by the space-joined
// AIs as GS1's engine sorts them; entries that are not keys have none.
func TestDLSequencesGenerated(t *testing.T) {
	keys := 0
	for i := range aiTable {
		e := &aiTable[i]
		t.Run(e.AI, func(t *testing.T) {
			if !e.DLPKey {
				if e.dlSeqs != nil {
					t.Fatalf("AI %s is not a primary key but has sequences %v", e.AI, e.dlSeqs)
				}
				return
			}
			keys++
			want := map[string]bool{e.AI: true}
			for _, alt := range e.DLQualifiers {
				var walk func(k int, acc []string)
				walk = func(k int, acc []string) {
					if k == len(alt) {
						want[strings.Join(acc, " ")] = true
						return
					}
					walk(k+1, acc)
					walk(k+1, append(append([]string(nil), acc...), alt[k]))
				}
				walk(0, []string{e.AI})
			}
			if len(e.dlSeqs) != len(want) {
				t.Fatalf("AI %s: %d sequences, want %d: %v", e.AI, len(e.dlSeqs), len(want), e.dlSeqs)
			}
			prev := ""
			for j, seq := range e.dlSeqs {
				k := strings.Join(seq, " ")
				if !want[k] {
					t.Errorf("AI %s: unexpected sequence %q", e.AI, k)
				}
				if !validPathSeq(seq) {
					t.Errorf("AI %s: sequence %q is not a valid path", e.AI, k)
				}
				if j > 0 && k <= prev {
					t.Errorf("AI %s: %q not after %q", e.AI, k, prev)
				}
				prev = k
			}
		})
	}
	if keys < 10 {
		t.Errorf("only %d Digital Link primary keys in the table", keys)
	}
}

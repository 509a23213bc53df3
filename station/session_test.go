package station

import (
	"strings"
	"testing"

	"github.com/medtrace/medtrace/trace"
)

// TestWarehouseNestedPack checks a session that packs packs into a case and
// the case into a pallet (what TestRoleScenarios does on the real ledger):
// the case may go into the pallet once, each item counts once, and a ship
// moves only the pallet (shipping the case too would take it out of the
// pallet on the ledger).
func TestWarehouseNestedPack(t *testing.T) {
	const caseSSCC, palletSSCC, otherSSCC = "340123450000000017", "340123450000000024", "340123450000000031"
	pack := func(serial string) Code {
		return Code{Valid: true, Scheme: "gs1", GTIN: "09501101530003", Serial: serial}
	}
	unit := func(sscc string) Code { return Code{Valid: true, Scheme: "gs1", SSCC: sscc} }
	tests := []struct {
		name     string
		kind     trace.Kind
		scans    []any // a Code to scan, a Mode to switch to, or "finish" (F8)
		outcomes string
		counts   SessionCounts
		events   string // kind:SSCC-or-serial[children], in order
	}{
		{"ship a pallet holding a case packed here", trace.KindShip,
			[]any{ModePack, unit(caseSSCC), pack("A"), pack("B"), "finish", unit(palletSSCC), unit(caseSSCC), pack("C"), "finish"},
			"parent child child parent child child",
			SessionCounts{Cases: 2, Packs: 3, Aggregations: 2},
			"pack:" + caseSSCC + "[09501101530003/A 09501101530003/B] pack:" + palletSSCC + "[" + caseSSCC + " 09501101530003/C] ship:" + palletSSCC},
		{"a case goes into one pallet only", trace.KindShip,
			[]any{ModePack, unit(caseSSCC), pack("A"), "finish", unit(palletSSCC), unit(caseSSCC), "finish", unit(otherSSCC), unit(caseSSCC), pack("B"), "finish"},
			"parent child parent child parent duplicate child",
			SessionCounts{Cases: 3, Packs: 2, Aggregations: 3, Duplicates: 1},
			"pack:" + caseSSCC + "[09501101530003/A] pack:" + palletSSCC + "[" + caseSSCC + "] pack:" + otherSSCC + "[09501101530003/B] ship:" + palletSSCC + " ship:" + otherSSCC},
		{"a case scanned as an item and packed into a pallet travels in it", trace.KindShip,
			[]any{unit(caseSSCC), ModePack, unit(caseSSCC), pack("A"), "finish", unit(palletSSCC), unit(caseSSCC), "finish"},
			"added parent child parent child",
			SessionCounts{Cases: 2, Packs: 1, Aggregations: 2},
			"pack:" + caseSSCC + "[09501101530003/A] pack:" + palletSSCC + "[" + caseSSCC + "] ship:" + palletSSCC},
		{"receiving: a case packed here is made here, what went into it arrived", trace.KindReceive,
			[]any{unit(otherSSCC), pack("A"), ModePack, unit(caseSSCC), pack("B"), pack("C"), "finish"},
			"added added parent child child",
			SessionCounts{Cases: 2, Packs: 3, Aggregations: 1},
			"receive:" + otherSSCC + " receive:A receive:B receive:C pack:" + caseSSCC + "[09501101530003/B 09501101530003/C]"},
		{"receiving: cases packed into a pallet here", trace.KindReceive,
			[]any{ModePack, unit(caseSSCC), pack("A"), "finish", unit(palletSSCC), unit(caseSSCC), pack("B"), "finish"},
			"parent child parent child child",
			SessionCounts{Cases: 2, Packs: 2, Aggregations: 2},
			"receive:A receive:B pack:" + caseSSCC + "[09501101530003/A] pack:" + palletSSCC + "[" + caseSSCC + " 09501101530003/B]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSession(tc.kind, "4098765000003", site, testNow)
			var outs []string
			for _, x := range tc.scans {
				switch x := x.(type) {
				case Code:
					out, _ := s.Add(x)
					outs = append(outs, out)
				case Mode:
					s.SetMode(x)
				case string:
					s.FinishAggregation()
				}
			}
			if got := strings.Join(outs, " "); got != tc.outcomes {
				t.Errorf("outcomes %q, want %q", got, tc.outcomes)
			}
			if got := s.Counts(); got != tc.counts {
				t.Errorf("counts %+v, want %+v", got, tc.counts)
			}
			var evs []string
			for _, ev := range s.Events(testNow) {
				if reason, bad := trace.CheckEvent(ev); bad {
					t.Errorf("CheckEvent refuses %+v: %s", ev, reason.Message)
				}
				item := ev.SSCC
				if item == "" {
					item = ev.Serial
				}
				if len(ev.Children) > 0 {
					item += "[" + strings.Join(ev.Children, " ") + "]"
				}
				evs = append(evs, string(ev.Kind)+":"+item)
			}
			if got := strings.Join(evs, " "); got != tc.events {
				t.Errorf("events\n%s\nwant\n%s", got, tc.events)
			}
		})
	}
}

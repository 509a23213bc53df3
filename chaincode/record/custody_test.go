package record

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// custodyRow is one row of the trace core's testdata/custody.tsv.
type custodyRow struct {
	held, actor, at string
	kind            Kind
	want            string
}

func loadCustody(t *testing.T) []custodyRow {
	t.Helper()
	f, err := os.Open("../../trace/testdata/custody.tsv")
	must(t, err)
	defer func() { _ = f.Close() }() // read only: nothing to lose
	var out []custodyRow
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != 5 {
			t.Fatalf("custody.tsv: %q", line)
		}
		out = append(out, custodyRow{c[0], c[1], c[2], Kind(c[3]), c[4]})
	}
	must(t, sc.Err())
	if len(out) < 40 {
		t.Fatalf("custody.tsv has %d rows", len(out))
	}
	return out
}

// TestCustody runs the custody table through the recorder: each forgery
// (an organisation × an action × where the pack is) refused with its code,
// beside the honest path. The ledger's integration tests run the same
// table on the real network.
func TestCustody(t *testing.T) {
	msp := map[string]string{"man": mspMan, "dist": mspDist, "phar": mspPhar, "reg": mspReg}
	gln := map[string]string{"man": glnMan, "man-b": glnManB, "dist": glnDist, "dist-b": glnDistB,
		"phar": glnPhar, "phar-b": glnPharB, "reg": glnReg}
	sscc := 100
	yes := true
	for _, r := range loadCustody(t) {
		t.Run(r.held+"/"+r.actor+"@"+r.at+"/"+string(r.kind), func(t *testing.T) {
			w := newWorld(t)
			// Bring pack S1 to where the row says it is, by honest events.
			switch r.held {
			case "man", "dist", "phar":
				w.stockAt(r.held, "S1")
			case "man>dist":
				w.stockAt("man", "S1")
				w.ok(mspMan, w.ship(glnMan, "S1", glnDist))
			case "dist>phar":
				w.stockAt("dist", "S1")
				w.ok(mspDist, w.ship(glnDist, "S1", glnPhar))
			case "phar*":
				w.stockAt("phar", "S1")
				w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1"))
			default:
				t.Fatalf("unknown place %q", r.held)
			}
			at, ok := gln[r.at]
			if !ok || msp[r.actor] == "" {
				t.Fatalf("unknown actor %q or place %q", r.actor, r.at)
			}
			var ev Event
			switch r.kind {
			case KindShip:
				to := glnDist
				if r.actor == "dist" {
					to = glnPhar
				}
				ev = w.ship(at, "S1", to)
			case KindPack:
				sscc++
				ev = w.unit(KindPack, at, gs1(fmt.Sprintf("3402000000000%04d", sscc)), PackKey(gtinA, "S1"))
			case KindInspect:
				ev = w.on(KindInspect, at, gtinA, "S1")
				ev.Conformant = &yes
			default:
				ev = w.on(r.kind, at, gtinA, "S1")
			}
			res := w.record(msp[r.actor], ev)[0]
			got := "ok"
			if res.Status != StatusAccepted {
				got = res.Reason
				if res.Message == "" || res.Message[0] < 'A' || res.Message[0] > 'Z' {
					t.Fatalf("refusal %q is not a sentence", res.Message)
				}
			}
			if got != r.want {
				t.Fatalf("%s by %s at %s of a pack held %s: got %s (%s), want %s", r.kind, r.actor, r.at, r.held, got, res.Message, r.want)
			}
			v := w.verify(gtinA, "S1", "", "")
			switch {
			case got == "ok" && r.kind == KindReceive:
				if v.Holder == nil || *v.Holder != (Party{MSP: msp[r.actor], GLN: at}) || v.Consignee != nil {
					t.Fatalf("after the receive: holder %+v, consignee %+v", v.Holder, v.Consignee)
				}
			case got == "ok" && r.kind == KindShip:
				if v.Holder == nil || v.Holder.MSP != msp[r.actor] || v.Consignee == nil || v.Consignee.GLN != ev.Counterparty {
					t.Fatalf("after the ship: holder %+v, consignee %+v", v.Holder, v.Consignee)
				}
			case got != "ok" && v.Holder == nil:
				t.Fatal("the verification names no holder")
			}
		})
	}
}

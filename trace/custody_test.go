package trace

import (
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace/tracetest"
)

// CustodyRow is one row of testdata/custody.tsv.
type custodyRow struct {
	held, actor, at string
	kind            Kind
	want            string
}

func loadCustody(t *testing.T) []custodyRow {
	t.Helper()
	var out []custodyRow
	for _, c := range tracetest.Table(t, "testdata/custody.tsv", 5, 40) {
		out = append(out, custodyRow{c[0], c[1], c[2], Kind(c[3]), c[4]})
	}
	return out
}

// TestCustody runs the custody table on the core's rules: the state
// machine, the undo rule, then the custody rule.
func TestCustody(t *testing.T) {
	msp := map[string]string{"man": "ManufacturerMSP", "dist": "DistributorMSP", "phar": "PharmacyMSP", "reg": "RegulatorMSP"}
	gln := func(place string) string { return "GLN-" + place }
	tx := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for _, r := range loadCustody(t) {
		t.Run(r.held+"/"+r.actor+"@"+r.at+"/"+string(r.kind), func(t *testing.T) {
			p := PackFacts{GTIN: "04012345000016", Serial: "S1", Status: PackActive}
			switch {
			case strings.Contains(r.held, ">"):
				from, to, _ := strings.Cut(r.held, ">")
				p.Status, p.Holder, p.Consignee, p.Dest = PackInTransit, Party{msp[from], gln(from)}, Party{msp[to], gln(to)}, gln(to)
			case strings.HasSuffix(r.held, "*"):
				h := strings.TrimSuffix(r.held, "*")
				p.Status, p.Holder, p.DispensedAt, p.DispensedOn, p.DispensedTx = PackDispensed, Party{msp[h], gln(h)}, gln(h), tx, tx
			default:
				p.Holder = Party{msp[r.held], gln(r.held)}
			}
			a := Actor{MSP: msp[r.actor], GLN: gln(r.at), Regulator: r.actor == "reg", BrandOwner: r.actor == "man"}
			alert, refused := StepRefusal(p, r.kind)
			if !refused && r.kind == KindUndoDispense {
				alert, refused = UndoRefusal(p, a.GLN, tx, tx)
			}
			if !refused {
				alert, refused = p.CustodyRefusal(r.kind, a)
			}
			got := "ok"
			if refused {
				got = alert.Code
				if !strings.Contains(alert.Message, "S1") && r.kind != KindReceive || alert.Message == "" {
					t.Fatalf("refusal %q does not name the pack", alert.Message)
				}
			}
			if got != r.want {
				t.Fatalf("got %s (%s), want %s", got, alert.Message, r.want)
			}
		})
	}
}

func TestEventTimeRefusal(t *testing.T) {
	tx := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		at        time.Time
		lag, skew time.Duration
		want      string
	}{
		{"now", tx, 0, 0, ""},
		{"an offline day", tx.Add(-24 * time.Hour), 0, 0, ""},
		{"at the default lag", tx.Add(-72 * time.Hour), 0, 0, ""},
		{"beyond the default lag", tx.Add(-72*time.Hour - time.Second), 0, 0, ReasonTooOld},
		{"beyond a ledger's own lag", tx.Add(-25 * time.Hour), 24 * time.Hour, 0, ReasonTooOld},
		{"within the skew", tx.Add(5 * time.Minute), 0, 0, ""},
		{"beyond the skew", tx.Add(5*time.Minute + time.Second), 0, 0, ReasonInFuture},
		{"beyond a ledger's own skew", tx.Add(2 * time.Minute), 0, time.Minute, ReasonInFuture},
		{"months back", tx.AddDate(0, -3, 0), 0, 0, ReasonTooOld},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, refused := EventTimeRefusal(tt.at, tx, tt.lag, tt.skew)
			if got := map[bool]string{true: a.Code}[refused]; got != tt.want {
				t.Fatalf("got %q (%s), want %q", got, a.Message, tt.want)
			}
			if refused && (a.Message == "" || a.Message[0] < 'A' || a.Message[0] > 'Z') {
				t.Fatalf("message %q is not a sentence", a.Message)
			}
		})
	}
}

func TestUndoRefusal(t *testing.T) {
	disp := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	p := PackFacts{GTIN: "04012345000016", Serial: "S1", Status: PackDispensed, DispensedAt: "P", DispensedOn: disp, DispensedTx: disp}
	tests := []struct {
		name   string
		p      PackFacts
		place  string
		at, tx time.Time
		want   string
	}{
		{"the next day", p, "P", disp.Add(24 * time.Hour), disp.Add(24 * time.Hour), ""},
		{"at the window's edge", p, "P", disp.Add(UndoWindow), disp.Add(UndoWindow), ""},
		{"late by ledger time, back-dated to look early", p, "P", disp.Add(time.Second), disp.Add(UndoWindow + time.Minute), ReasonUndoTooLate},
		{"elsewhere", p, "Q", disp, disp, ReasonUndoOtherLocation},
		{"dated before the dispense", p, "P", disp.Add(-time.Hour), disp, ReasonBadEvent},
		{"old record without ledger time", PackFacts{GTIN: p.GTIN, Serial: "S1", Status: PackDispensed, DispensedAt: "P", DispensedOn: disp},
			"P", disp.Add(11 * 24 * time.Hour), disp.Add(11 * 24 * time.Hour), ReasonUndoTooLate},
		{"not dispensed", PackFacts{GTIN: p.GTIN, Serial: "S1", Status: PackActive}, "P", disp, disp, ReasonNotDispensed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, refused := UndoRefusal(tt.p, tt.place, tt.at, tt.tx)
			if got := map[bool]string{true: a.Code}[refused]; got != tt.want {
				t.Fatalf("got %q (%s), want %q", got, a.Message, tt.want)
			}
		})
	}
}

package trace

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestCheckEvent(t *testing.T) {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	gtin, sscc, gln := "04012345000016", "340200000000000012", "4012345000009"
	yes := true
	ev := func(k Kind, f func(*Event)) Event {
		e := Event{Kind: k, Time: t0, Location: gln, GTIN: gtin, Serial: "S1"}
		if f != nil {
			f(&e)
		}
		return e
	}
	unit := func(e *Event) { e.GTIN, e.Serial, e.SSCC = "", "", sscc }
	const cnCode = "81234561234567890123"
	cn := func(e *Event) { e.GTIN, e.Serial = CNPackOf(cnCode) }
	tests := []struct {
		name string
		ev   Event
		want string // "" = well formed, else the reason code
	}{
		{"commission", ev(KindCommission, func(e *Event) { e.Batch, e.Expiry = "L1", "2028-12-31" }), ""},
		{"commission without expiry", ev(KindCommission, func(e *Event) { e.Batch = "L1" }), ReasonBadEvent},
		{"pack with canonical children", ev(KindPack, func(e *Event) { unit(e); e.Children = []string{PackKey(gtin, "S1"), "340200000000000029"} }), ""},
		{"pack with a bracketed child", ev(KindPack, func(e *Event) { unit(e); e.Children = []string{"(01)" + gtin + "(21)S1"} }), ReasonBadEvent},
		{"pack without children", ev(KindPack, unit), ReasonBadEvent},
		{"pack listing a child twice", ev(KindPack, func(e *Event) { unit(e); e.Children = []string{PackKey(gtin, "S1"), PackKey(gtin, "S1")} }), ReasonBadEvent},
		{"unpack all", ev(KindUnpack, unit), ""},
		{"ship a unit", ev(KindShip, func(e *Event) { unit(e); e.Counterparty = "4054321000016" }), ""},
		{"ship to a bad GLN", ev(KindShip, func(e *Event) { e.Counterparty = "4054321000017" }), ReasonBadEvent},
		{"ship a unit and a pack", ev(KindShip, func(e *Event) { e.SSCC = sscc }), ReasonBadEvent},
		{"receive", ev(KindReceive, nil), ""},
		{"dispense", ev(KindDispense, nil), ""},
		{"dispense without a place", ev(KindDispense, func(e *Event) { e.Location = "" }), ReasonBadEvent},
		{"dispense with a bad GTIN", ev(KindDispense, func(e *Event) { e.GTIN = "04012345000017" }), ReasonBadEvent},
		{"undo", ev(KindUndoDispense, nil), ""},
		{"destroy", ev(KindDestroy, nil), ""},
		{"stolen", ev(KindStolen, nil), ""},
		{"sample", ev(KindSample, nil), ""},
		{"export", ev(KindExport, nil), ""},
		{"recall", Event{Kind: KindRecall, Time: t0, GTIN: gtin, Batch: "L1"}, ""},
		{"recall naming a serial", Event{Kind: KindRecall, Time: t0, GTIN: gtin, Batch: "L1", Serial: "S1"}, ReasonBadEvent},
		{"withdraw a recall", Event{Kind: KindWithdrawRecall, Time: t0, GTIN: gtin, Batch: "L1", Note: "tests passed"}, ""},
		{"withdraw a recall without a reason", Event{Kind: KindWithdrawRecall, Time: t0, GTIN: gtin, Batch: "L1", Note: "  "}, ReasonBadEvent},
		{"withdraw a recall without a batch", Event{Kind: KindWithdrawRecall, Time: t0, GTIN: gtin, Note: "ok"}, ReasonBadEvent},
		{"withdraw a recall naming an SSCC", Event{Kind: KindWithdrawRecall, Time: t0, GTIN: gtin, Batch: "L1", SSCC: sscc, Note: "ok"}, ReasonBadEvent},
		{"withdraw a recall naming children", Event{Kind: KindWithdrawRecall, Time: t0, GTIN: gtin, Batch: "L1", Children: []string{PackKey(gtin, "S1")}, Note: "ok"}, ReasonBadEvent},
		{"withdraw a China batch's recall", Event{Kind: KindWithdrawRecall, Time: t0, GTIN: "CN8123456", Batch: "L1", Note: "ok"}, ""},
		{"inspect", ev(KindInspect, func(e *Event) { e.Conformant = &yes }), ""},
		{"inspect without an outcome", ev(KindInspect, nil), ReasonBadEvent},
		{"no time", ev(KindDispense, func(e *Event) { e.Time = time.Time{} }), ReasonBadEvent},
		{"unknown kind", ev("teleport", nil), ReasonBadEvent},
		{"commission a China code", ev(KindCommission, func(e *Event) { cn(e); e.Batch, e.Expiry = "L1", "2028-12-31" }), ""},
		{"commission a China code without batch", ev(KindCommission, func(e *Event) { cn(e); e.Expiry = "2028-12-31" }), ReasonBadEvent},
		{"commission a China code without expiry", ev(KindCommission, func(e *Event) { cn(e); e.Batch = "L1" }), ReasonBadEvent},
		{"dispense a China code", ev(KindDispense, cn), ""},
		{"ship a China code", ev(KindShip, func(e *Event) { cn(e); e.Counterparty = "4054321000016" }), ""},
		{"receive a China code", ev(KindReceive, cn), ""},
		{"undo a China code", ev(KindUndoDispense, cn), ""},
		{"China code with a short serial", ev(KindDispense, func(e *Event) { cn(e); e.Serial = "123" }), ReasonBadEvent},
		{"China product not starting with 8", ev(KindDispense, func(e *Event) { cn(e); e.GTIN = "CN1234567" }), ReasonBadEvent},
		{"pack China codes into a case", ev(KindPack, func(e *Event) { unit(e); e.Children = []string{cnCode, PackKey(gtin, "S1")} }), ""},
		{"pack a China product/serial child", ev(KindPack, func(e *Event) { unit(e); e.Children = []string{"CN8123456/1234567890123"} }), ReasonBadEvent},
		{"recall a China batch", Event{Kind: KindRecall, Time: t0, GTIN: "CN8123456", Batch: "L1"}, ""},
		{"commission a GS1 pack linking its China code", ev(KindCommission, func(e *Event) { e.Batch, e.Expiry, e.Link = "L1", "2028-12-31", cnCode }), ""},
		{"commission a China pack linking its GS1 code", ev(KindCommission, func(e *Event) { cn(e); e.Batch, e.Expiry, e.Link = "L1", "2028-12-31", PackKey(gtin, "S1") }), ""},
		{"link two GS1 codes", ev(KindCommission, func(e *Event) { e.Batch, e.Expiry, e.Link = "L1", "2028-12-31", PackKey(gtin, "S2") }), ReasonBadEvent},
		{"link two China codes", ev(KindCommission, func(e *Event) { cn(e); e.Batch, e.Expiry, e.Link = "L1", "2028-12-31", "81234561234567890124" }), ReasonBadEvent},
		{"link an SSCC", ev(KindCommission, func(e *Event) { e.Batch, e.Expiry, e.Link = "L1", "2028-12-31", sscc }), ReasonBadEvent},
		{"link a malformed code", ev(KindCommission, func(e *Event) { e.Batch, e.Expiry, e.Link = "L1", "2028-12-31", "8123" }), ReasonBadEvent},
		{"link on a dispense", ev(KindDispense, func(e *Event) { e.Link = cnCode }), ReasonBadEvent},
		{"inspect a China code", ev(KindInspect, func(e *Event) { cn(e); e.Conformant = &yes }), ""},
		{"serial too long", ev(KindDispense, func(e *Event) { e.Serial = "123456789012345678901" }), ReasonBadEvent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, bad := CheckEvent(tt.ev)
			got := ""
			if bad {
				got = a.Code
				if a.Message == "" {
					t.Fatal("a refusal without a sentence")
				}
			}
			if got != tt.want {
				t.Fatalf("CheckEvent = %q (%s), want %q", got, a.Message, tt.want)
			}
			err := tt.ev.Check()
			var be *BadEventError
			if (err != nil) != bad || (bad && !errors.As(err, &be)) {
				t.Fatalf("Check = %v", err)
			}
		})
	}
}

// FuzzCheckEvent feeds any event JSON to CheckEvent: it never panics, and
// an event it accepts has a valid kind, time and, for pack events,
// canonical children.
func FuzzCheckEvent(f *testing.F) {
	f.Add([]byte(`{"kind":"dispense","time":"2026-11-02T09:00:00Z","location":"4012345000009","gtin":"04012345000016","serial":"S1"}`))
	f.Add([]byte(`{"kind":"pack","time":"2026-11-02T09:00:00Z","location":"4012345000009","sscc":"340200000000000012","children":["04012345000016/S1"]}`))
	f.Add([]byte(`{"kind":"recall","time":"2026-11-02T09:00:00Z","gtin":"04012345000016","batch":"L1"}`))
	f.Add([]byte(`{"kind":"commission","time":"2026-11-02T09:00:00Z","location":"4012345000009","gtin":"CN8123456","serial":"1234567890123","batch":"L1","expiry":"2028-12-31"}`))
	f.Add([]byte(`{"kind":"pack","time":"2026-11-02T09:00:00Z","location":"4012345000009","sscc":"340200000000000012","children":["81234561234567890123"]}`))
	f.Add([]byte(`{"kind":"commission","time":"2026-11-02T09:00:00Z","location":"4012345000009","gtin":"04012345000016","serial":"S1","batch":"L1","expiry":"2028-12-31","link":"81234561234567890123"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev Event
		if json.Unmarshal(b, &ev) != nil {
			return
		}
		if _, bad := CheckEvent(ev); bad {
			return
		}
		if !ev.Kind.Valid() || ev.Time.IsZero() {
			t.Fatalf("accepted %s", b)
		}
		if ev.Serial != "" {
			if err := CheckPack(ev.GTIN, ev.Serial); err != nil {
				t.Fatalf("accepted pack %s/%s: %v", ev.GTIN, ev.Serial, err)
			}
		}
		for _, ref := range ev.Children {
			if _, err := ParseChildRef(ref); err != nil {
				t.Fatalf("accepted child %q: %v", ref, err)
			}
		}
		if ev.Link != "" {
			if c, err := ParseChildRef(ev.Link); err != nil || c.IsUnit() || ev.Kind != KindCommission {
				t.Fatalf("accepted link %q on a %s: %v", ev.Link, ev.Kind, err)
			}
		}
	})
}

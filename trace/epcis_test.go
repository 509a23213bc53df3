package trace

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/medtrace/medtrace/trace/tracetest"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// sharedEPCIS is the EPCIS 2.0 data beside the project root (not part of it).
const sharedEPCIS = "../../shared/epcis"

// epcisSchema compiles the EPCIS 2.0 schema, skipping when the shared data
// is absent.
func epcisSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	sch := tracetest.EPCISSchema(t, sharedEPCIS)
	if sch == nil {
		t.Skipf("%s is absent", sharedEPCIS)
	}
	return sch
}

func validateEPCIS(t *testing.T, sch *jsonschema.Schema, b []byte) error {
	t.Helper()
	return tracetest.ValidateEPCIS(t, sch, b)
}

// TestEPCISSchemaCatchesInvalid proves the validator bites: the schema's
// own invalid examples fail, a valid one passes.
func TestEPCISSchemaCatchesInvalid(t *testing.T) {
	sch := epcisSchema(t)
	for _, name := range []string{"ObjectEvent_with_non_standard_bizStep.json", "ObjectEvent_with_invalid_action.json",
		"ObjectEvent_with_invalid_eventTime_format.json", "EPCISDocument_without_context.json"} {
		t.Run(name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(sharedEPCIS, "invalid", name))
			must(t, err)
			if validateEPCIS(t, sch, b) == nil {
				t.Fatal("an invalid document validated")
			}
		})
	}
	t.Run("valid example", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(sharedEPCIS, "examples", "Example_9.6.1-ObjectEvent.jsonld"))
		must(t, err)
		if err := validateEPCIS(t, sch, b); err != nil {
			t.Fatal(err)
		}
	})
}

// epcisCases is one event of every kind, with the EPCIS type, business
// step, disposition and action it must be recorded with.
func epcisCases() []struct {
	ev                      Event
	typ, step, disp, action string
} {
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	yes, no := true, false
	gtin, sscc, gln, gln2 := "04012345000016", "340200000000000012", "4012345000009", "4054321000016"
	one := func(k Kind) Event {
		return Event{ID: "0190a0b0-0000-7000-8000-000000000001", Kind: k, Time: t0, Location: gln, GTIN: gtin, Serial: "S/8&9"}
	}
	unit := func(k Kind, children ...string) Event {
		return Event{ID: "0190a0b0-0000-7000-8000-000000000002", Kind: k, Time: t0, Location: gln, SSCC: sscc, Children: children}
	}
	com := one(KindCommission)
	com.Batch, com.Expiry = "L1", "2028-12-31"
	ship, recv := unit(KindShip), one(KindReceive)
	ship.Counterparty, recv.Counterparty = gln2, gln2
	insp, insp2 := one(KindInspect), one(KindInspect)
	insp.Conformant, insp.Note = &no, "seal broken"
	insp2.Conformant = &yes
	rec := Event{ID: "0190a0b0-0000-7000-8000-000000000003", Kind: KindRecall, Time: t0, GTIN: gtin, Batch: "L1"}
	wd := Event{ID: "0190a0b0-0000-7000-8000-000000000004", Kind: KindWithdrawRecall, Time: t0, GTIN: gtin, Batch: "L1", Note: "tests passed"}
	return []struct {
		ev                      Event
		typ, step, disp, action string
	}{
		{com, "ObjectEvent", "commissioning", "active", "ADD"},
		{unit(KindPack, PackKey(gtin, "S1"), "340200000000000029"), "AggregationEvent", "packing", "in_progress", "ADD"},
		{unit(KindUnpack), "AggregationEvent", "unpacking", "in_progress", "DELETE"},
		{ship, "ObjectEvent", "shipping", "in_transit", "OBSERVE"},
		{recv, "ObjectEvent", "receiving", "in_progress", "OBSERVE"},
		{one(KindDispense), "ObjectEvent", "dispensing", "dispensed", "OBSERVE"},
		{one(KindUndoDispense), "ObjectEvent", BizStepUndoDispensing, "active", "OBSERVE"},
		{one(KindDestroy), "ObjectEvent", "destroying", "destroyed", "OBSERVE"},
		{one(KindStolen), "ObjectEvent", "", "stolen", "OBSERVE"},
		{rec, "ObjectEvent", "", "recalled", "OBSERVE"},
		{wd, "ObjectEvent", BizStepRecallWithdrawal, "active", "OBSERVE"},
		{one(KindSample), "ObjectEvent", "sampling", "non_sellable_other", "OBSERVE"},
		{one(KindExport), "ObjectEvent", "decommissioning", "inactive", "OBSERVE"},
		{insp, "ObjectEvent", "inspecting", "non_conformant", "OBSERVE"},
		{insp2, "ObjectEvent", "inspecting", "conformant", "OBSERVE"},
	}
}

// TestEPCISEvent renders one event of every kind, validates it against the
// EPCIS 2.0 schema and checks its CBV vocabulary and identifiers.
func TestEPCISEvent(t *testing.T) {
	sch := epcisSchema(t)
	for _, c := range epcisCases() {
		t.Run(string(c.ev.Kind)+"/"+c.disp, func(t *testing.T) {
			b, err := EPCISEvent(c.ev, c.ev.Time.Add(time.Second))
			must(t, err)
			if err := validateEPCIS(t, sch, b); err != nil {
				t.Fatalf("fails the EPCIS schema: %v\n%s", err, b)
			}
			var doc struct {
				Type, EventID, BizStep, Disposition, Action, EventTimeZoneOffset string
				EPCList, ChildEPCs                                               []string
				ILMD                                                             map[string]string
			}
			must(t, json.Unmarshal(b, &doc))
			if doc.Type != c.typ || doc.BizStep != c.step || doc.Disposition != c.disp || doc.Action != c.action {
				t.Fatalf("got %s/%s/%s/%s, want %s/%s/%s/%s", doc.Type, doc.BizStep, doc.Disposition, doc.Action, c.typ, c.step, c.disp, c.action)
			}
			if doc.EventID != EventURI(c.ev.ID) || doc.EventTimeZoneOffset != "+01:00" {
				t.Fatalf("eventID %s, offset %s", doc.EventID, doc.EventTimeZoneOffset)
			}
			switch c.ev.Kind {
			case KindCommission:
				if doc.ILMD["cbvmda:lotNumber"] != "L1" || doc.EPCList[0] != "https://id.gs1.org/01/04012345000016/21/S%2F8%269" {
					t.Fatalf("commissioning %s", b)
				}
			case KindPack:
				if len(doc.ChildEPCs) != 2 || doc.ChildEPCs[1] != "https://id.gs1.org/00/340200000000000029" {
					t.Fatalf("children %v", doc.ChildEPCs)
				}
			}
		})
	}
}

// TestEPCISDocument validates a document of every kind against the schema.
func TestEPCISDocument(t *testing.T) {
	sch := epcisSchema(t)
	var evs []Event
	for _, c := range epcisCases() {
		evs = append(evs, c.ev)
	}
	b, err := EPCISDocument(evs, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	must(t, err)
	if err := validateEPCIS(t, sch, b); err != nil {
		t.Fatalf("fails the EPCIS schema: %v\n%s", err, b)
	}
	if !bytes.Contains(b, []byte(`"medtrace:note": "seal broken"`)) {
		t.Fatalf("the inspection's note is missing:\n%s", b)
	}
}

// TestEPCISCNCode renders events about China packs: the pack is named by
// urn:medtrace:cndc:<code>, a China batch by its class URN, a China child
// of a case likewise; each event passes the EPCIS 2.0 schema.
func TestEPCISCNCode(t *testing.T) {
	sch := epcisSchema(t)
	const code = "81234561234567890123"
	product, serial := CNPackOf(code)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	com := Event{ID: "0190a0b0-0000-7000-8000-000000000011", Kind: KindCommission, Time: t0, Location: "4012345000009",
		GTIN: product, Serial: serial, Batch: "L 1", Expiry: "2028-12-31"}
	pk := Event{ID: "0190a0b0-0000-7000-8000-000000000012", Kind: KindPack, Time: t0, Location: "4012345000009",
		SSCC: "340200000000000012", Children: []string{code}}
	rec := Event{ID: "0190a0b0-0000-7000-8000-000000000013", Kind: KindRecall, Time: t0, GTIN: product, Batch: "L 1"}
	tests := []struct {
		name string
		ev   Event
		want string // the URI naming the China pack or batch
	}{
		{"commission", com, "urn:medtrace:cndc:" + code},
		{"pack", pk, "urn:medtrace:cndc:" + code},
		{"recall", rec, "urn:medtrace:cndc:class:8123456:lot:L%201"},
	}
	t.Run("a GS1 commission links its China code", func(t *testing.T) {
		ev := com
		ev.GTIN, ev.Serial, ev.Link = "04012345000016", "S1", code
		b, err := EPCISEvent(ev, t0)
		must(t, err)
		if err := validateEPCIS(t, sch, b); err != nil {
			t.Fatalf("fails the EPCIS schema: %v\n%s", err, b)
		}
		var doc struct {
			EPCList []string
			ILMD    map[string]string
		}
		must(t, json.Unmarshal(b, &doc))
		if len(doc.EPCList) != 1 || doc.EPCList[0] != SGTINURI("04012345000016", "S1") || doc.ILMD[EPCISLinkKey] != "urn:medtrace:cndc:"+code {
			t.Fatalf("epcList %v, ilmd %v", doc.EPCList, doc.ILMD)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EPCISEvent(tt.ev, t0)
			must(t, err)
			if err := validateEPCIS(t, sch, b); err != nil {
				t.Fatalf("fails the EPCIS schema: %v\n%s", err, b)
			}
			var doc struct {
				EPCList, ChildEPCs []string
				QuantityList       []struct{ EPCClass string }
			}
			must(t, json.Unmarshal(b, &doc))
			var got []string
			got = append(append(got, doc.EPCList...), doc.ChildEPCs...)
			for _, q := range doc.QuantityList {
				got = append(got, q.EPCClass)
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Fatalf("names %v, want %s\n%s", got, tt.want, b)
			}
		})
	}
}

package record

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/medtrace/medtrace/trace"
)

// TestEPCISEvents records one event of every kind and checks the history's
// EPCIS 2.0 rendering of each stored event (the trace core's tests validate
// the encoder against the EPCIS schema).
func TestEPCISEvents(t *testing.T) {
	w := newWorld(t)
	yes, no := true, false
	w.stockAt("dist", "S1", "S2", "S4", "S5", "S7", "S/8&9")
	w.stock("S3", "S6")
	ship := w.unit(KindShip, glnDist, ssccCase)
	ship.Counterparty = glnPhar
	recv := w.on(KindReceive, glnPhar, gtinA, "S2")
	recv.Counterparty = glnDist
	insp := w.on(KindInspect, glnReg, gtinA, "S3")
	insp.Conformant, insp.Note = &no, "seal broken"
	insp2 := w.on(KindInspect, "", gtinA, "S3")
	insp2.Conformant = &yes
	steps := []struct {
		msp    string
		ev     Event
		typ    string
		step   string
		disp   string
		action string
	}{
		{mspDist, w.unit(KindPack, glnDist, ssccCase, PackKey(gtinA, "S1"), PackKey(gtinA, "S/8&9")), "AggregationEvent", "packing", "in_progress", "ADD"},
		{mspDist, w.unit(KindPack, glnDist, ssccPal, ssccCase), "AggregationEvent", "packing", "in_progress", "ADD"},
		{mspDist, w.unit(KindUnpack, glnDist, ssccPal), "AggregationEvent", "unpacking", "in_progress", "DELETE"},
		{mspDist, ship, "ObjectEvent", "shipping", "in_transit", "OBSERVE"},
		{mspPhar, w.unit(KindReceive, glnPhar, ssccCase), "ObjectEvent", "receiving", "in_progress", "OBSERVE"},
		{mspDist, w.ship(glnDist, "S2", glnPhar), "ObjectEvent", "shipping", "in_transit", "OBSERVE"},
		{mspPhar, recv, "ObjectEvent", "receiving", "in_progress", "OBSERVE"},
		{mspPhar, w.on(KindDispense, glnPhar, gtinA, "S2"), "ObjectEvent", "dispensing", "dispensed", "OBSERVE"},
		{mspPhar, w.on(KindUndoDispense, glnPhar, gtinA, "S2"), "ObjectEvent", trace.BizStepUndoDispensing, "active", "OBSERVE"},
		{mspReg, insp, "ObjectEvent", "inspecting", "non_conformant", "OBSERVE"},
		{mspReg, insp2, "ObjectEvent", "inspecting", "conformant", "OBSERVE"},
		{mspDist, w.on(KindDestroy, glnDist, gtinA, "S4"), "ObjectEvent", "destroying", "destroyed", "OBSERVE"},
		{mspDist, w.on(KindStolen, glnDist, gtinA, "S5"), "ObjectEvent", "", "stolen", "OBSERVE"},
		{mspMan, w.on(KindSample, glnMan, gtinA, "S6"), "ObjectEvent", "sampling", "non_sellable_other", "OBSERVE"},
		{mspDist, w.on(KindExport, glnDist, gtinA, "S7"), "ObjectEvent", "decommissioning", "inactive", "OBSERVE"},
		{mspMan, w.recall(gtinA, "L1"), "ObjectEvent", "", "recalled", "OBSERVE"},
	}
	ids := []string{}
	for _, s := range steps {
		w.ok(s.msp, s.ev)
		ids = append(ids, s.ev.ID)
	}
	h := w.history(gtinA, "S1")
	ids = append(ids, h[0].EventID) // a commissioning
	st, _ := w.tx(mspReg)
	// stored reads an event's record and renders it as EPCIS 2.0, as History does.
	stored := func(t *testing.T, id string) (*eventRec, json.RawMessage) {
		t.Helper()
		rec, err := newOverlay(st).event(id)
		must(t, err)
		if rec == nil {
			t.Fatalf("event %s not recorded", id)
		}
		if rec.EPCIS != nil {
			t.Fatalf("event %s stored as an EPCIS document; want the compact event", id)
		}
		doc, _, err := rec.document(id)
		must(t, err)
		return rec, doc
	}
	for i, id := range ids {
		t.Run(id, func(t *testing.T) {
			_, epcis := stored(t, id)
			var doc struct {
				Type, EventID, BizStep, Disposition, Action string
				ILMD                                        map[string]string
				EPCList                                     []string
				ChildEPCs                                   []string
				BizLocation                                 *struct{ ID string }
			}
			must(t, json.Unmarshal(epcis, &doc))
			if doc.EventID != "urn:uuid:"+id {
				t.Fatalf("eventID %s", doc.EventID)
			}
			if i < len(steps) {
				s := steps[i]
				if doc.Type != s.typ || doc.BizStep != s.step || doc.Disposition != s.disp || doc.Action != s.action {
					t.Fatalf("got %s/%s/%s/%s, want %s/%s/%s/%s", doc.Type, doc.BizStep, doc.Disposition, doc.Action, s.typ, s.step, s.disp, s.action)
				}
				stays := map[Kind]bool{KindPack: true, KindUnpack: true, KindReceive: true, KindUndoDispense: true, KindInspect: true}[s.ev.Kind] && s.ev.Location != ""
				if (doc.BizLocation != nil) != stays {
					t.Fatalf("%s: bizLocation %v, want one: %v", s.ev.Kind, doc.BizLocation, stays)
				}
				return
			}
			if doc.ILMD["cbvmda:lotNumber"] != "L1" || doc.ILMD["cbvmda:itemExpirationDate"] != "2028-12-31" ||
				doc.EPCList[0] != trace.SGTINURI(gtinA, "S1") {
				t.Fatalf("commissioning %s", epcis)
			}
		})
	}
	t.Run("Digital Link URIs", func(t *testing.T) {
		_, epcis := stored(t, steps[0].ev.ID)
		if !bytes.Contains(epcis, []byte(`"https://id.gs1.org/01/04012345000016/21/S%2F8%269"`)) ||
			!bytes.Contains(epcis, []byte(`"parentID":"https://id.gs1.org/00/340200000000000012"`)) {
			t.Fatalf("EPC URIs in %s", epcis)
		}
	})
}

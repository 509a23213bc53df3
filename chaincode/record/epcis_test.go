package trace

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// sharedEPCIS is the EPCIS 2.0 data beside the project root (not part of it).
const sharedEPCIS = "../../../shared/epcis"

// lookaheadRegexp supports the one construct of the EPCIS schema Go's
// regexp lacks: a leading negative lookahead "^(?!(X))".
type lookaheadRegexp struct {
	src string
	re  *regexp.Regexp
	neg bool
}

func (r *lookaheadRegexp) MatchString(s string) bool { return r.re.MatchString(s) != r.neg }
func (r *lookaheadRegexp) String() string            { return r.src }

func compileLookahead(s string) (jsonschema.Regexp, error) {
	if inner, ok := strings.CutPrefix(s, "^(?!"); ok && strings.HasSuffix(inner, ")") {
		re, err := regexp.Compile("^" + strings.TrimSuffix(inner, ")"))
		return &lookaheadRegexp{s, re, true}, err
	}
	re, err := regexp.Compile(s)
	return &lookaheadRegexp{s, re, false}, err
}

// epcisSchema compiles the EPCIS 2.0 JSON schema, skipping when the shared
// data is absent.
func epcisSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(sharedEPCIS, "EPCIS-JSON-Schema.json")
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("%s is absent", path)
	}
	must(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	must(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseRegexpEngine(compileLookahead)
	const url = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"
	must(t, c.AddResource(url, doc))
	sch, err := c.Compile(url)
	must(t, err)
	return sch
}

func validateEPCIS(t *testing.T, sch *jsonschema.Schema, b []byte) error {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	must(t, err)
	return sch.Validate(inst)
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

// TestEPCISEvents records one event of every kind and validates each stored
// event against the EPCIS 2.0 schema, and checks its CBV vocabulary.
func TestEPCISEvents(t *testing.T) {
	sch := epcisSchema(t)
	w := newWorld(t)
	yes, no := true, false
	w.stock("S1", "S2", "S3", "S4", "S5", "S6", "S7", "S/8&9")
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
		{mspDist, ship, "ObjectEvent", "shipping", "in_transit", "OBSERVE"},
		{mspPhar, w.unit(KindReceive, glnPhar, ssccCase), "ObjectEvent", "receiving", "in_progress", "OBSERVE"},
		{mspDist, w.unit(KindPack, glnDist, ssccPal, ssccCase), "AggregationEvent", "packing", "in_progress", "ADD"},
		{mspDist, w.unit(KindUnpack, glnDist, ssccPal), "AggregationEvent", "unpacking", "in_progress", "DELETE"},
		{mspPhar, recv, "ObjectEvent", "receiving", "in_progress", "OBSERVE"},
		{mspPhar, w.on(KindDispense, glnPhar, gtinA, "S2"), "ObjectEvent", "dispensing", "dispensed", "OBSERVE"},
		{mspPhar, w.on(KindUndoDispense, glnPhar, gtinA, "S2"), "ObjectEvent", BizStepUndoDispensing, "active", "OBSERVE"},
		{mspReg, insp, "ObjectEvent", "inspecting", "non_conformant", "OBSERVE"},
		{mspReg, insp2, "ObjectEvent", "inspecting", "conformant", "OBSERVE"},
		{mspPhar, w.on(KindDestroy, glnPhar, gtinA, "S4"), "ObjectEvent", "destroying", "destroyed", "OBSERVE"},
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
	cfg, err := LoadConfig(st)
	must(t, err)
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
		doc, err := rec.document(cfg, id)
		must(t, err)
		return rec, doc
	}
	for i, id := range ids {
		t.Run(id, func(t *testing.T) {
			rec, epcis := stored(t, id)
			if err := validateEPCIS(t, sch, epcis); err != nil {
				t.Fatalf("%s event fails the EPCIS schema: %v\n%s", rec.Kind, err, epcis)
			}
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
				doc.EPCList[0] != "urn:epc:id:sgtin:4012345.000001.S1" {
				t.Fatalf("commissioning %s", epcis)
			}
		})
	}
	t.Run("EPC URIs", func(t *testing.T) {
		_, epcis := stored(t, steps[0].ev.ID)
		if !bytes.Contains(epcis, []byte(`"urn:epc:id:sgtin:4012345.000001.S%2F8%269"`)) ||
			!bytes.Contains(epcis, []byte(`"parentID":"urn:epc:id:sscc:4020000.3000000001"`)) {
			t.Fatalf("EPC URIs in %s", epcis)
		}
	})
}

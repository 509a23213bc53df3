package ledger

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
	"github.com/medtrace/medtrace/trace/tracetest"
)

// The chaincode's pack record is read here from write sets (packrecord.go).
// The trace core's testdata/wire/pack-record.json is one as the chaincode
// writes it; this test and the chaincode's both check their types against
// it, so the two sides cannot drift apart unnoticed.
const wireFixtures = "../trace/testdata/wire"

// TestPackRecord reads the chaincode's pack record fixture (the chaincode's
// wire test checks its own type against the same file): every key the
// client reads is there, and it makes the state offline copies keep.
func TestPackRecord(t *testing.T) {
	var r packRecord
	readRecordFixture(t, "pack-record.json", &packRecord{}, &r)
	want := trace.PackChange{GTIN: "04012345000016", Serial: "S7KY6LYLZJM8", Batch: "L1", Expiry: "2028-12-31",
		Status: trace.PackDispensed, LastEvent: "ni:///sha-256;EJAtD15oaIazSJh-tHeOKa-HHtfJAbQJgUPwqXo2fGA?ver=medtrace1",
		LastKind: trace.KindDispense, LastTime: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC), LastPlace: "4054321000016",
		Holder: &trace.Party{MSP: "PharmacyMSP", GLN: "4054321000016"}} // dispensed: no consignee
	if got := r.change(); !reflect.DeepEqual(got, want) {
		t.Fatalf("change %+v, want %+v", got, want)
	}
}

// TestPackRecordLastEvent covers how a record names its latest event.
func TestPackRecordLastEvent(t *testing.T) {
	tests := []struct {
		name   string
		record string
		want   string
	}{
		{"kept in the log", `{"ev":["u1",""],"lg":[{"i":"c1"}]}`, "c1"},
		{"under its own key", `{"ev":["","u2"],"lg":[{"i":"c1"}]}`, "u2"},
		{"written before the mark", `{"ev":["c1","c2"],"lg":[{"i":"c1"},{"i":"c2"}]}`, "c2"},
		{"no events", `{}`, ""},
		{"before custody was kept", `{"st":"in-transit","l":"4012345000009","d":"4054321000016","ev":["u1"]}`, "u1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r packRecord
			if err := json.Unmarshal([]byte(tt.record), &r); err != nil {
				t.Fatal(err)
			}
			if got := r.change().LastEvent; got != tt.want {
				t.Fatalf("last event %q, want %q", got, tt.want)
			}
		})
	}
}

// TestUnitRecord reads the chaincode's unit record fixture as TestPackRecord
// reads the pack's.
func TestUnitRecord(t *testing.T) {
	var r unitRecord
	readRecordFixture(t, "unit-record.json", &unitRecord{}, &r)
	want := trace.UnitChange{SSCC: "340123450000000012", Status: trace.PackInTransit, Location: "4012345000009", Parent: "340123450000000029",
		Children: []string{"04012345000016/S1", "340123450000000036", "81234561234567890123"},
		Holder:   &trace.Party{MSP: "ManufacturerMSP", GLN: "4012345000009"}, Consignee: &trace.Party{MSP: "DistributorMSP", GLN: "4054321000016"}}
	if got := r.change(); !reflect.DeepEqual(got, want) {
		t.Fatalf("change %+v, want %+v", got, want)
	}
}

// readRecordFixture reads the chaincode's record fixture name: every key the
// client's type reads (full, filled in every field) must be there; the
// fixture is decoded into into.
func readRecordFixture(t *testing.T, name string, full, into any) {
	t.Helper()
	fixture, err := os.ReadFile(filepath.Join(wireFixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	tracetest.Fill(reflect.ValueOf(full))
	b, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	have := tracetest.JSONPaths(t, fixture)
	for _, p := range tracetest.JSONPaths(t, b) {
		if !slices.Contains(have, p) {
			t.Errorf("the client reads %q, which %s lacks", p, name)
		}
	}
	if err := json.Unmarshal(fixture, into); err != nil {
		t.Fatal(err)
	}
}

// TestPackRecordCompact reads the chaincode's pack record as it writes it
// now (pack-record-compact.json: the full fixture without what its key and
// log say again; the chaincode's wire test makes it from the full one): the
// state offline copies keep is the full record's.
func TestPackRecordCompact(t *testing.T) {
	read := func(name string) trace.PackChange {
		b, err := os.ReadFile(filepath.Join(wireFixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := decodePackRecord(trace.PackStateKey("04012345000016", "S7KY6LYLZJM8"), b)
		if err != nil {
			t.Fatal(err)
		}
		return r.change()
	}
	full, compact := read("pack-record.json"), read("pack-record-compact.json")
	if !reflect.DeepEqual(compact, full) || compact.LastEvent == "" || compact.GTIN == "" || compact.LastKind == "" {
		t.Fatalf("compact record %+v, full %+v", compact, full)
	}
	if _, err := decodePackRecord("u:340123450000000012", []byte(`{"st":"active"}`)); err == nil {
		t.Fatal("a record without its GTIN under a key that names none was read")
	}
}

// TestPackRecordCommissioned reads a commissioned pack's record as the
// chaincode writes it: no GTIN, serial, holder (its commissioner), latest
// event or event ID, and the commissioning without the batch and expiry.
func TestPackRecordCommissioned(t *testing.T) {
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	ev := trace.Event{Kind: trace.KindCommission, Time: at, Location: "4012345000009", GTIN: "04012345000016", Serial: "S1", Batch: "L1", Expiry: "2028-12-31"}
	rec := `{"b":"L1","x":"2028-12-31","st":"active","o":"ManufacturerMSP","l":"4012345000009","ev":[""],` +
		`"lg":[{"tx":"ab12","tt":"2026-11-02T09:00:01Z","e":{"kind":"commission","time":"2026-11-02T09:00:00Z","location":"4012345000009"}}],"ix":true}`
	r, err := decodePackRecord(trace.PackStateKey(ev.GTIN, ev.Serial), []byte(rec))
	if err != nil {
		t.Fatal(err)
	}
	want := trace.PackChange{GTIN: ev.GTIN, Serial: ev.Serial, Batch: "L1", Expiry: "2028-12-31", Status: trace.PackActive,
		LastEvent: trace.ContentID(ev), LastKind: trace.KindCommission, LastTime: at, LastPlace: "4012345000009",
		Holder: &trace.Party{MSP: "ManufacturerMSP", GLN: "4012345000009"}}
	if got := r.change(); !reflect.DeepEqual(got, want) {
		t.Fatalf("change %+v, want %+v", got, want)
	}
}

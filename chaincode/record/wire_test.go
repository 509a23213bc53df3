package record

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/trace/tracetest"
)

// The wire types are the trace core's. The pack and unit records are this
// package's storage format, which clients read from write sets (package
// ledger): the trace core's testdata/wire/pack-record.json and
// unit-record.json are one each, and this test and ledger's both check
// their types against them.
const wireFixtures = "../../trace/testdata/wire"

func TestPackRecordWire(t *testing.T) {
	tests := []struct {
		name string
		v    any
	}{
		{"pack-record", &pack{}}, // clients read pack records from write sets
		{"unit-record", &unit{}}, // and unit records
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixture, err := os.ReadFile(filepath.Join(wireFixtures, tt.name+".json"))
			if err != nil {
				t.Fatal(err)
			}
			dec := json.NewDecoder(bytes.NewReader(fixture))
			dec.DisallowUnknownFields()
			if err := dec.Decode(tt.v); err != nil {
				t.Fatalf("the fixture has a key the type lacks: %v", err)
			}
			tracetest.Fill(reflect.ValueOf(tt.v))
			full, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tracetest.JSONPaths(t, full), tracetest.JSONPaths(t, fixture); !slices.Equal(got, want) {
				t.Fatalf("key paths differ:\n type    %v\n fixture %v", got, want)
			}
		})
	}
}

// packFixtureKey is the key the pack record fixtures are stored under.
var packFixtureKey = packKey("04012345000016", "S7KY6LYLZJM8")

// TestPackRecordCompact: the chaincode writes a pack record without what
// its key and its log say again (packrecord.go); the trace core's
// pack-record-compact.json is the full fixture so written, and read back
// it is the same record. Package ledger reads the same file.
func TestPackRecordCompact(t *testing.T) {
	full, err := os.ReadFile(filepath.Join(wireFixtures, "pack-record.json"))
	must(t, err)
	p := readPack(t, packFixtureKey, full)
	derived := map[string]bool{}
	for _, e := range p.Log {
		if ContentID(new(e.Event.Event("", p.GTIN, p.Serial))) == e.ID {
			derived[e.ID] = true
		}
	}
	if len(derived) != len(p.Log) {
		t.Fatalf("%d of the fixture's %d logged events have their content ID", len(derived), len(p.Log))
	}
	compact, err := encodePack(p, derived)
	must(t, err)
	want, err := os.ReadFile(filepath.Join(wireFixtures, "pack-record-compact.json"))
	must(t, err)
	if got := string(compact); got != strings.TrimSpace(string(want)) {
		t.Fatalf("written as\n%s\nthe fixture is\n%s", got, want)
	}
	if len(compact) >= len(full) {
		t.Fatalf("compact %d bytes, full %d", len(compact), len(full))
	}
	if back := readPack(t, packFixtureKey, compact); !reflect.DeepEqual(back, p) {
		t.Fatalf("read back\n%+v\nwant\n%+v", back, p)
	}
}

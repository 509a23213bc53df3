package record

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
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

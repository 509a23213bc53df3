package record

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"
)

// The wire types are the trace core's. The pack record is this package's
// storage format, which clients read from write sets (package ledger):
// the trace core's testdata/wire/pack-record.json is one, and this test and
// ledger's both check their types against it.
const wireFixtures = "../../trace/testdata/wire"

// jsonPaths lists every key path of a JSON document ("results[].status").
func jsonPaths(t *testing.T, b []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				out = append(out, prefix+k)
				if prefix+k != "epcis" { // the EPCIS document is opaque here
					walk(prefix+k+".", e)
				}
			}
		case []any:
			for _, e := range x {
				walk(prefix[:len(prefix)-1]+"[].", e)
			}
		}
	}
	walk("", v)
	slices.Sort(out)
	return slices.Compact(out)
}

// fill sets every field of v (a pointer) to a non-zero value, recursively;
// a struct type nested in itself (Contents) is left zero the second time.
func fill(v reflect.Value, stack ...reflect.Type) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fill(v.Elem(), stack...)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)))
			return
		}
		if slices.Contains(stack, v.Type()) {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), append(stack, v.Type())...)
			}
		}
	case reflect.Slice:
		if v.Type() == reflect.TypeOf(json.RawMessage{}) {
			v.SetBytes([]byte(`{"type":"ObjectEvent"}`))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), stack...)
		v.Set(s)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Uint32, reflect.Int32:
		v.Set(reflect.ValueOf(1).Convert(v.Type()))
	}
}

func TestPackRecordWire(t *testing.T) {
	tests := []struct {
		name string
		v    any
	}{
		{"pack-record", &pack{}}, // clients read pack records from write sets
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
			fill(reflect.ValueOf(tt.v))
			full, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := jsonPaths(t, full), jsonPaths(t, fixture); !slices.Equal(got, want) {
				t.Fatalf("key paths differ:\n type    %v\n fixture %v", got, want)
			}
		})
	}
}

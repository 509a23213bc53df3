package trace

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

// testdata/wire holds one full example of each wire type as the chaincode
// writes it and the client reads it. Changing a type's JSON changes what
// every peer, client and offline copy exchanges: this test makes such a
// change visible (update the fixture with it, on purpose).

func TestWireTypes(t *testing.T) {
	tests := []struct {
		name string
		v    any
	}{
		{"Event", &Event{}},
		{"BatchResult", &BatchResult{}},
		{"Verification", &Verification{}},
		{"HistoryEntry", &HistoryEntry{}},
		{"Contents", &Contents{}},
		{"Emission", &Emission{}},
		{"Page", &Page{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fixture, err := os.ReadFile(filepath.Join("testdata", "wire", tt.name+".json"))
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

// TestContentID pins the content ID encoding to hand-checked IDs (made with
// Python's hashlib): changing it would split every replay from its original.
func TestContentID(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "wire", "content-ids.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Event Event  `json:"event"`
		ID    string `json:"id"`
	}
	if err := json.Unmarshal(b, &cases); err != nil || len(cases) == 0 {
		t.Fatalf("fixture: %v (%d cases)", err, len(cases))
	}
	for _, c := range cases {
		t.Run(string(c.Event.Kind)+" "+c.Event.Serial+c.Event.SSCC, func(t *testing.T) {
			if got := ContentID(c.Event); got != c.ID {
				t.Fatalf("ContentID = %s, want %s", got, c.ID)
			}
			if got := c.Event.WithContentID().ID; got != c.ID {
				t.Fatalf("WithContentID().ID = %s", got)
			}
			for _, id := range []string{"", c.Event.ID, c.ID, `odd "id" <&>`} {
				ev := c.Event
				ev.ID = id
				body, cid := EncodeWithContentID(ev)
				if cid != c.ID {
					t.Fatalf("EncodeWithContentID with ID %q: content ID %s", id, cid)
				}
				if id == "" {
					ev.ID = c.ID
				}
				ev.Time = ev.Time.UTC()
				want, _ := json.Marshal(ev)
				if !bytes.Equal(body, want) {
					t.Fatalf("EncodeWithContentID with ID %q:\n got %s\nwant %s", id, body, want)
				}
			}
		})
	}
}

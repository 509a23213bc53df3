package trace

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestEncodeBatch: an event whose ID is its content ID is sent without it,
// any other (a UUID, a wrong content ID) with it; every one decodes back to
// the event, its ID filled in from its content where it was left out.
func TestEncodeBatch(t *testing.T) {
	base := Event{Kind: KindCommission, Time: time.Date(2026, 11, 2, 9, 0, 0, 0, time.FixedZone("CET", 3600)),
		Location: "4012345000009", GTIN: "04012345000016", Serial: "S1", Batch: "L1", Expiry: "2028-12-31"}
	wrong := base.WithContentID()
	wrong.Serial = "S2" // its ID no longer its content's
	uuid := base
	utc := base
	utc.Time = base.Time.UTC()
	uuid.ID = "0190a0b0-0000-7000-8000-000000000001"
	tests := []struct {
		name   string
		ev     Event
		withID bool
	}{
		{"content ID: left out", base.WithContentID(), false},
		{"content ID, time in UTC: left out", utc.WithContentID(), false},
		{"UUID: kept", uuid, true},
		{"not its content ID: kept", wrong, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := EncodeBatch([]Event{tt.ev, tt.ev})
			if err != nil {
				t.Fatal(err)
			}
			var back []Event
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("%s: %v", b, err)
			}
			if got := bytes.Contains(b, []byte(`"id"`)); got != tt.withID || len(back) != 2 {
				t.Fatalf("sent %s", b)
			}
			for _, e := range back {
				if e.ID == "" {
					e.ID = ContentID(e)
				}
				if e.ID != tt.ev.ID || !e.Time.Equal(tt.ev.Time) || e.Time.Format(time.RFC3339) != tt.ev.Time.Format(time.RFC3339) || e.Serial != tt.ev.Serial {
					t.Fatalf("decoded %+v, want %+v", e, tt.ev)
				}
			}
		})
	}
}

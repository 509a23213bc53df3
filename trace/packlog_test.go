package trace

import (
	"maps"
	"reflect"
	"testing"
	"time"
)

// TestEventBody keeps EventBody in step with Event: every field but the
// three a pack's record holds, under the same JSON name.
func TestEventBody(t *testing.T) {
	fields := func(v any) map[string]reflect.Type {
		out := map[string]reflect.Type{}
		for f := range reflect.TypeOf(v).Fields() {
			out[f.Tag.Get("json")] = f.Type
		}
		return out
	}
	want := fields(Event{})
	for _, tag := range []string{"id", "gtin,omitempty", "serial,omitempty"} {
		if _, ok := want[tag]; !ok {
			t.Fatalf("Event has no field tagged %q", tag)
		}
		delete(want, tag)
	}
	if got := fields(EventBody{}); !maps.Equal(got, want) {
		t.Fatalf("EventBody fields %v, want %v", got, want)
	}
}

func TestSplitPackStateKey(t *testing.T) {
	tests := []struct {
		key, gtin, serial string
		ok                bool
	}{
		{"p:04012345000016:S1", "04012345000016", "S1", true},
		{"p:04012345000016:A:B", "04012345000016", "A:B", true}, // GS1 serials may hold ':'
		{"p:CN8123456:12345678901", "CN8123456", "12345678901", true},
		{"u:340123450000000012", "", "", false},
		{"p:04012345000016", "", "", false},
		{"p::S1", "", "", false},
		{"p:04012345000016:", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			g, s, ok := SplitPackStateKey(tt.key)
			if ok != tt.ok || (ok && (g != tt.gtin || s != tt.serial)) {
				t.Fatalf("got %q %q %v", g, s, ok)
			}
			if ok && PackStateKey(g, s) != tt.key {
				t.Fatalf("PackStateKey(%q, %q) = %q", g, s, PackStateKey(g, s))
			}
		})
	}
}

func FuzzSplitPackStateKey(f *testing.F) {
	f.Add("p:04012345000016:S1")
	f.Add("p:CN8123456:1:2")
	f.Fuzz(func(t *testing.T, key string) {
		if g, s, ok := SplitPackStateKey(key); ok && PackStateKey(g, s) != key {
			t.Fatalf("%q split into %q %q", key, g, s)
		}
	})
}

// TestLoggedEventID: a logged event without its ID is named by its content
// ID, computed from its body and its pack; one that kept its ID by that.
func TestLoggedEventID(t *testing.T) {
	ev := Event{Kind: KindDispense, Time: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC), Location: "4054321000016", GTIN: "04012345000016", Serial: "S1"}
	want := ContentID(ev)
	tests := []struct {
		name string
		l    LoggedEvent
		want string
	}{
		{"computed", LoggedEvent{Event: BodyOf(&ev)}, want},
		{"kept", LoggedEvent{ID: "u1", Event: BodyOf(&ev)}, "u1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.EventID(ev.GTIN, ev.Serial); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
	if LastLogged([]string{"u1"}, []LoggedEvent{{ID: "c1"}}) != nil || LastLogged([]string{""}, nil) != nil {
		t.Fatal("LastLogged named an event the log does not hold last")
	}
}

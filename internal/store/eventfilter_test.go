package store

import (
	"context"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

func TestEventFilter(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, Options{})
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	evs := []trace.Event{
		{Kind: trace.KindDispense, Time: t0, GTIN: "09501101530003", Serial: "A"},
		{Kind: trace.KindDispense, Time: t0.Add(time.Minute), GTIN: "09501101530003", Serial: "AB"},
		{Kind: trace.KindPack, Time: t0.Add(2 * time.Minute), SSCC: "040987650000001239", Children: []string{"09501101530003/A"}},
		{Kind: trace.KindShip, Time: t0.Add(3 * time.Minute), SSCC: "040987650000001239"},
	}
	for _, ev := range evs {
		if _, err := s.Enqueue(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	kinds := func(qs []Queued) (out []trace.Kind) {
		for _, q := range qs {
			out = append(out, q.Event.Kind)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		f    EventFilter
		want []trace.Kind
	}{
		{"all", EventFilter{}, []trace.Kind{trace.KindDispense, trace.KindDispense, trace.KindPack, trace.KindShip}},
		{"oldest two", EventFilter{Limit: 2}, []trace.Kind{trace.KindDispense, trace.KindDispense}},
		{"newest two, in capture order", EventFilter{Limit: 2, Newest: true}, []trace.Kind{trace.KindPack, trace.KindShip}},
		{"a pack, as itself and as a child, not a longer serial", EventFilter{Key: "09501101530003/A"}, []trace.Kind{trace.KindDispense, trace.KindPack}},
		{"an SSCC", EventFilter{Key: "040987650000001239"}, []trace.Kind{trace.KindPack, trace.KindShip}},
		{"newest of a key", EventFilter{Key: "040987650000001239", Limit: 1, Newest: true}, []trace.Kind{trace.KindShip}},
		{"unknown key", EventFilter{Key: "nothing"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			qs, err := s.Events(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			got := kinds(qs)
			if len(got) != len(tc.want) {
				t.Fatalf("kinds %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("kinds %v, want %v", got, tc.want)
				}
			}
		})
	}
}

package store

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// TestFindingsSurviveRestart stores findings, closes the store, opens it
// again from the same folder and reads them back unchanged.
func TestFindingsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	s, err := Open(ctx, dir, Options{})
	must(t, err)
	t0 := time.Date(2026, 12, 6, 9, 30, 0, 0, time.UTC)
	in := []Finding{
		{Time: t0, Inspector: "Li Wei", Location: "9521234000013", Raw: []byte("]d2\x1d0109506000134352"), GTIN: "09506000134352",
			Serial: "S1", Batch: "B1", Expiry: "2027-01-31", Reason: "active", Offline: true, AsOf: t0.Add(-time.Hour),
			Conformant: true, Note: "sealed, label intact", Photo: "/tmp/p.jpg", EventID: "ev-1"},
		{Time: t0.Add(time.Minute), Inspector: "Li Wei", Raw: []byte("00395060001343520000"), SSCC: "395060001343520000",
			Reason: "unknown", Conformant: false, Note: "外箱破损"},
	}
	for i := range in {
		out, err := s.SaveFinding(ctx, in[i])
		must(t, err)
		if out.ID == 0 {
			t.Fatalf("finding %d: no ID", i)
		}
		in[i].ID = out.ID
	}
	must(t, s.Close())
	s2, err := Open(ctx, dir, Options{})
	must(t, err)
	defer mustClose(t, s2)
	got, err := s2.Findings(ctx, 0)
	must(t, err)
	if len(got) != len(in) {
		t.Fatalf("%d findings after restart, want %d", len(got), len(in))
	}
	for i := range in {
		t.Run(in[i].Note, func(t *testing.T) {
			g, w := got[i], in[i]
			if string(g.Raw) != string(w.Raw) || g.Inspector != w.Inspector || g.Location != w.Location || g.GTIN != w.GTIN ||
				g.Serial != w.Serial || g.Batch != w.Batch || g.Expiry != w.Expiry || g.SSCC != w.SSCC || g.Reason != w.Reason ||
				g.Offline != w.Offline || !g.AsOf.Equal(w.AsOf) || !g.Time.Equal(w.Time) || g.Conformant != w.Conformant ||
				g.Note != w.Note || g.Photo != w.Photo || g.EventID != w.EventID || g.ID != w.ID {
				t.Errorf("read back\n%+v\nwant\n%+v", g, w)
			}
		})
	}
	last, err := s2.Findings(ctx, 1)
	must(t, err)
	if len(last) != 1 || last[0].ID != in[1].ID {
		t.Errorf("limit 1: %+v, want the newest finding", last)
	}
}

func TestFindingRefused(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	t0 := time.Date(2026, 12, 6, 9, 30, 0, 0, time.UTC)
	for _, c := range []struct {
		name    string
		f       Finding
		tooLong bool
	}{
		{"no time", Finding{Note: "x"}, false},
		{"note too long", Finding{Time: t0, Note: strings.Repeat("药", MaxNoteRunes+1)}, true},
		{"photo path too long", Finding{Time: t0, Photo: strings.Repeat("p", MaxTextBytes+1)}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := s.SaveFinding(ctx, c.f); err == nil || errors.Is(err, ErrTooLong) != c.tooLong {
				t.Errorf("err %v, want an error (too long: %v)", err, c.tooLong)
			}
		})
	}
	if fs, err := s.Findings(ctx, 0); err != nil || len(fs) != 0 {
		t.Errorf("after refusals: %d findings, %v; want none stored", len(fs), err)
	}
	if _, err := s.SaveFinding(ctx, Finding{Time: t0, Note: strings.Repeat("药", MaxNoteRunes)}); err != nil {
		t.Errorf("a note of exactly %d characters: %v", MaxNoteRunes, err)
	}
}

func TestAlerts(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	t0 := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	records := []Alert{
		{Time: t0, Kind: "double-dispense", Code: "already-dispensed", Message: "pack was already dispensed", Source: "refusal",
			EventID: "ev-1", EventKind: trace.KindDispense, GTIN: "09506000134352", Serial: "S1", Place: "9521234000013"},
		{Time: t0.Add(time.Hour), Kind: "unknown-serial", Code: "unknown-pack", Source: "scan", GTIN: "09506000134352", Serial: "S9"},
		{Time: t0.Add(2 * time.Hour), Kind: "unannounced", Code: "not-shipped", Source: "refusal", EventID: "ev-2",
			EventKind: trace.KindReceive, SSCC: "395060001343520000"},
	}
	for _, a := range records {
		added, err := s.RecordAlert(ctx, a)
		must(t, err)
		if !added {
			t.Fatalf("%s: not added", a.Kind)
		}
	}
	t.Run("the same refused event again is not stored twice", func(t *testing.T) {
		added, err := s.RecordAlert(ctx, records[0])
		must(t, err)
		if added {
			t.Error("added again")
		}
	})
	t.Run("a scan alert has no event and may repeat", func(t *testing.T) {
		added, err := s.RecordAlert(ctx, records[1])
		must(t, err)
		if !added {
			t.Error("a second scan of the unknown serial was not recorded")
		}
	})
	for _, c := range []struct {
		name string
		f    AlertFilter
		want []string // kinds, newest first
	}{
		{"all", AlertFilter{}, []string{"unannounced", "unknown-serial", "unknown-serial", "double-dispense"}},
		{"one kind", AlertFilter{Kinds: []string{"double-dispense"}}, []string{"double-dispense"}},
		{"two kinds", AlertFilter{Kinds: []string{"double-dispense", "unannounced"}}, []string{"unannounced", "double-dispense"}},
		{"since", AlertFilter{Since: t0.Add(90 * time.Minute)}, []string{"unannounced"}},
		{"by serial", AlertFilter{Text: "S1"}, []string{"double-dispense"}},
		{"by sscc", AlertFilter{Text: " 395060001343520000 "}, []string{"unannounced"}},
		{"by place", AlertFilter{Text: "9521234000013"}, []string{"double-dispense"}},
		{"limit", AlertFilter{Limit: 1}, []string{"unannounced"}},
		{"nothing", AlertFilter{Text: "nope"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Alerts(ctx, c.f)
			must(t, err)
			var kinds []string
			for _, a := range got {
				kinds = append(kinds, a.Kind)
			}
			if strings.Join(kinds, ",") != strings.Join(c.want, ",") {
				t.Errorf("got %v, want %v", kinds, c.want)
			}
		})
	}
	got, err := s.Alerts(ctx, AlertFilter{Kinds: []string{"double-dispense"}})
	must(t, err)
	if g := got[0]; g.EventID != "ev-1" || g.EventKind != trace.KindDispense || g.Code != "already-dispensed" || !g.Time.Equal(t0) ||
		g.Message != records[0].Message || g.Place != records[0].Place {
		t.Errorf("read back %+v", g)
	}
	if _, err := s.RecordAlert(ctx, Alert{Time: t0, Kind: "other", Source: "scan", Message: strings.Repeat("x", MaxTextBytes+1)}); !errors.Is(err, ErrTooLong) {
		t.Errorf("long message: %v, want ErrTooLong", err)
	}
}

func TestRecallsList(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if rs, err := s.Recalls(ctx, 0); err != nil || len(rs) != 0 {
		t.Fatalf("empty copy: %v %v", rs, err)
	}
	_, err := s.ApplyChanges(ctx, Changes{Block: 12, Time: t0, Recalls: []RecallCopy{
		{GTIN: "09506000134352", Batch: "B1", Reason: "contamination", Block: 11, Time: t0},
		{GTIN: "09506000134352", Batch: "B2", Reason: "mislabelled", Block: 12, Time: t0.Add(time.Hour)},
	}}, Apply{Checkpoint: "events"})
	must(t, err)
	rs, err := s.Recalls(ctx, 0)
	must(t, err)
	if len(rs) != 2 || rs[0].Batch != "B2" || rs[1].Batch != "B1" || rs[0].Reason != "mislabelled" || !rs[1].Time.Equal(t0) {
		t.Errorf("recalls %+v, want B2 then B1", rs)
	}
}

package record

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// mixedEvents records pack S1's commissioning and receipt (at the
// distributor) with content IDs and its shipment, between them, with a UUID
// (kept under its own key).
func mixedEvents(w *world) (commission, ship, receive Event) {
	w.t.Helper()
	commission = byContent(commissionS1(w))
	w.ok(mspMan, commission)
	w.now = w.now.Add(time.Hour)
	ship = w.ship(glnMan, "S1", glnDist)
	w.ok(mspMan, ship)
	w.now = w.now.Add(time.Hour)
	receive = byContent(w.on(KindReceive, glnDist, gtinA, "S1"))
	w.ok(mspDist, receive)
	return commission, ship, receive
}

// byContent gives ev its content ID.
func byContent(ev Event) Event {
	ev.ID = ContentID(&ev)
	return ev
}

func TestContentID(t *testing.T) {
	w := newWorld(t)
	a := commissionS1(w)
	tests := []struct {
		name string
		b    func() Event
		same bool
	}{
		{"other ID, same content", func() Event { e := a; e.ID = "00000000-0000-7000-8000-999999999999"; return e }, true},
		{"same instant in another zone", func() Event { e := a; e.Time = e.Time.In(time.FixedZone("CET", 3600)); return e }, true},
		{"one nanosecond later", func() Event { e := a; e.Time = e.Time.Add(time.Nanosecond); return e }, false},
		{"other serial", func() Event { e := a; e.Serial = "S2"; return e }, false},
		{"other kind", func() Event { e := a; e.Kind = KindDispense; return e }, false},
		{"a note", func() Event { e := a; e.Note = "x"; return e }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := tt.b()
			if got := ContentID(&a) == ContentID(&b); got != tt.same {
				t.Fatalf("same ID = %v, want %v (%s, %s)", got, tt.same, ContentID(&a), ContentID(&b))
			}
		})
	}
	id := ContentID(&a)
	if !isContentID(id) || checkEventID(id) != nil || isContentID(strings.Replace(id, "medtrace1", "CBV2.0", 1)) {
		t.Fatalf("%s: form not recognised", id)
	}
}

// TestContentAddressedEvents checks events whose ID is the hash of their
// content: kept in their pack's record, one key per event (and the holder
// index's key of an organisation that comes to read the pack, holders.go).
func TestContentAddressedEvents(t *testing.T) {
	t.Run("accepted, one key, replays found in the pack", func(t *testing.T) {
		w := newWorld(t)
		e := byContent(commissionS1(w))
		st, tx := w.tx(mspMan)
		raw, err := json.Marshal([]Event{e, e})
		must(t, err)
		res, em, err := Record(st, tx, raw)
		must(t, err)
		st.commit()
		if r := res.Results; r[0].Status != StatusAccepted || r[1].Status != StatusDuplicate || r[1].TxID != tx.ID {
			t.Fatalf("in one batch: %+v", r)
		}
		if len(st.writes) != 2 || st.writes[packKey(gtinA, "S1")] == nil || st.writes[productKey(mspMan, gtinA)] == nil {
			t.Fatalf("wrote %d keys, want only the pack's and its commissioner's product key", len(st.writes))
		}
		if em.TxID != tx.ID || len(packChanges(t, st.writes)) != 1 || packChanges(t, st.writes)[0].LastEvent != e.ID {
			t.Fatalf("emission %+v", em)
		}
		later, em2, err := w.submit(mspMan, e)
		must(t, err)
		if r := later.Results[0]; r.Status != StatusDuplicate || r.TxID != tx.ID {
			t.Fatalf("replay in a later batch: %+v (first tx %s)", r, tx.ID)
		}
		if len(em2.Recalls)+len(w.packsWritten()) != 0 {
			t.Fatalf("a replay changed something: %+v", em2)
		}
	})
	t.Run("ID not matching the content", func(t *testing.T) {
		w := newWorld(t)
		e := byContent(commissionS1(w))
		e.Batch = "L2"
		st, tx := w.tx(mspMan)
		raw, err := json.Marshal([]Event{e})
		must(t, err)
		res, _, err := Record(st, tx, raw)
		must(t, err)
		if r := res.Results[0]; r.Status != StatusRejected || r.Reason != ReasonBadEvent || !strings.Contains(r.Message, "hash of the event's content") {
			t.Fatalf("got %+v", r)
		}
		if len(st.writes) != 0 {
			t.Fatalf("a rejected content-addressed event wrote %d keys", len(st.writes))
		}
	})
	t.Run("a rejection is judged again", func(t *testing.T) {
		w := newWorld(t)
		d := byContent(w.on(KindDispense, glnPhar, gtinA, "S1"))
		if r := w.record(mspPhar, d)[0]; r.Status != StatusRejected || r.Reason != ReasonUnknownPack {
			t.Fatalf("before commissioning: %+v", r)
		}
		w.stockAt("phar", "S1")
		if r := w.record(mspPhar, d)[0]; r.Status != StatusAccepted {
			t.Fatalf("after commissioning: %+v", r)
		}
		if v := w.verify(gtinA, "S1", "", ""); v.Status != PackDispensed || v.LastEvent != d.ID {
			t.Fatalf("%+v", v)
		}
	})
	t.Run("state machine and undo window", func(t *testing.T) {
		w := newWorld(t)
		w.ok(mspMan, byContent(commissionS1(w)))
		w.toPhar("S1")
		w.ok(mspPhar, byContent(w.on(KindDispense, glnPhar, gtinA, "S1")))
		w.now = w.now.Add(time.Minute)
		if r := w.record(mspPhar, byContent(w.on(KindDispense, glnPhar, gtinA, "S1")))[0]; r.Reason != ReasonAlreadyDispensed {
			t.Fatalf("dispense twice: %+v", r)
		}
		if r := w.record(mspPhar2, byContent(w.on(KindUndoDispense, glnPhar2, gtinA, "S1")))[0]; r.Reason != ReasonUndoOtherLocation {
			t.Fatalf("undo elsewhere: %+v", r)
		}
		w.now = w.now.Add(11 * 24 * time.Hour)
		if r := w.record(mspPhar, byContent(w.on(KindUndoDispense, glnPhar, gtinA, "S1")))[0]; r.Reason != ReasonUndoTooLate {
			t.Fatalf("undo too late: %+v", r)
		}
	})
	t.Run("history mixes pack-kept and keyed events", func(t *testing.T) {
		w := newWorld(t)
		c, s, r := mixedEvents(w)
		// The pack keeps its events without ID, GTIN and serial; what it
		// gives back is the event as sent, to the byte of its hash.
		st, _ := w.tx(mspReg)
		ov := newOverlay(st)
		p, err := ov.pack(gtinA, "S1")
		must(t, err)
		for _, e := range []Event{c, r} {
			rec, err := ov.packEventRec(p, e.ID)
			must(t, err)
			var got Event
			must(t, json.Unmarshal(rec.Raw, &got))
			if ContentID(&got) != e.ID || got.ID != e.ID || got.GTIN != gtinA || got.Serial != "S1" {
				t.Fatalf("stored %s comes back as %+v", e.ID, got)
			}
		}
		h := w.history(gtinA, "S1")
		if len(h) != 3 {
			t.Fatalf("%d entries, want 3", len(h))
		}
		for i, want := range []Event{c, s, r} {
			if h[i].EventID != want.ID || h[i].Kind != want.Kind || !h[i].EventTime.Equal(want.Time) || h[i].TxID == "" {
				t.Fatalf("entry %d: %+v, want %s %s", i, h[i], want.Kind, want.ID)
			}
			if !strings.Contains(string(h[i].EPCIS), fmt.Sprintf(`"eventID":%q`, trace.EventURI(want.ID))) {
				t.Fatalf("entry %d EPCIS: %s", i, h[i].EPCIS)
			}
		}
	})
	t.Run("case events keep their event key", func(t *testing.T) {
		w := newWorld(t)
		w.stockAt("dist", "S1", "S2")
		p := byContent(w.unit(KindPack, glnDist, ssccCase, PackKey(gtinA, "S1"), PackKey(gtinA, "S2")))
		st, tx := w.tx(mspDist)
		raw, err := json.Marshal([]Event{p})
		must(t, err)
		res, _, err := Record(st, tx, raw)
		must(t, err)
		st.commit()
		if res.Results[0].Status != StatusAccepted || st.writes[eventKey(p.ID)] == nil {
			t.Fatalf("%+v; keys %d", res.Results[0], len(st.writes))
		}
		if r := w.record(mspDist, p)[0]; r.Status != StatusDuplicate || r.TxID != tx.ID {
			t.Fatalf("replay: %+v", r)
		}
	})
}

// TestPackRecordFormats reads pack records written before content-addressed
// events were named in Events by loggedMark (each ID in full, in Events and
// in Log) and keeps working on them.
func TestPackRecordFormats(t *testing.T) {
	w := newWorld(t)
	c, s, r := mixedEvents(w)

	key := packKey(gtinA, "S1")
	p := readPack(t, key, w.st.m[key])
	if want := []string{loggedMark, s.ID, loggedMark}; !slices.Equal(p.Events, want) {
		t.Fatalf("stored events %q, want %q", p.Events, want)
	}
	// The same pack as the earlier format stored it.
	var old map[string]any
	must(t, json.Unmarshal(w.st.m[key], &old))
	old["ev"] = []string{c.ID, s.ID, r.ID}
	for _, e := range old["lg"].([]any) {
		e.(map[string]any)["e"].(map[string]any)["id"] = ""
	}
	b, err := json.Marshal(old)
	must(t, err)
	w.st.m[key] = b

	check := func(t *testing.T, want ...Event) {
		t.Helper()
		h := w.history(gtinA, "S1")
		if len(h) != len(want) {
			t.Fatalf("history has %d entries, want %d", len(h), len(want))
		}
		for i, e := range want {
			if h[i].EventID != e.ID || h[i].Kind != e.Kind {
				t.Fatalf("entry %d: %s %s, want %s %s", i, h[i].Kind, h[i].EventID, e.Kind, e.ID)
			}
		}
		if v := w.verify(gtinA, "S1", "", ""); v.LastEvent != want[len(want)-1].ID {
			t.Fatalf("last event %s, want %s", v.LastEvent, want[len(want)-1].ID)
		}
	}
	t.Run("earlier record", func(t *testing.T) {
		check(t, c, s, r)
		if res := w.record(mspDist, r)[0]; res.Status != StatusDuplicate {
			t.Fatalf("replay: %+v", res)
		}
	})
	t.Run("earlier record with an event added", func(t *testing.T) {
		w.now = w.now.Add(time.Hour)
		d := byContent(w.ship(glnDist, "S1", glnPhar))
		_, _, err := w.submit(mspDist, d)
		must(t, err)
		if p := w.packsWritten(); len(p) != 1 || p[0].LastEvent != d.ID {
			t.Fatalf("pack written %+v", p)
		}
		check(t, c, s, r, d)
		p = readPack(t, key, w.st.m[key])
		if want := []string{c.ID, s.ID, r.ID, loggedMark}; !slices.Equal(p.Events, want) {
			t.Fatalf("stored events %q, want %q", p.Events, want)
		}
	})
	// A record from before custody was kept names no holder or consignee:
	// they are the organisations whose locations it is at and was shipped
	// to, and the first write names them.
	t.Run("record from before custody", func(t *testing.T) {
		var old map[string]any
		must(t, json.Unmarshal(w.st.m[key], &old))
		delete(old, "h")
		delete(old, "cn")
		delete(old, "ix") // custody came before the holder index
		b, err := json.Marshal(old)
		must(t, err)
		w.st.m[key] = b
		v := w.verify(gtinA, "S1", "", "")
		if v.Status != PackInTransit || v.Holder == nil || *v.Holder != (Party{MSP: mspDist, GLN: glnDist}) ||
			v.Consignee == nil || *v.Consignee != (Party{MSP: mspPhar, GLN: glnPhar}) {
			t.Fatalf("old record: status %s holder %+v consignee %+v", v.Status, v.Holder, v.Consignee)
		}
		if res := w.record(mspPhar2, w.on(KindReceive, glnPhar2, gtinA, "S1"))[0]; res.Reason != ReasonNotConsignee {
			t.Fatalf("receive by another pharmacy: %+v", res)
		}
		w.ok(mspPhar, w.on(KindReceive, glnPhar, gtinA, "S1"))
		p := readPack(t, key, w.st.m[key])
		if p.Holder != mspPhar || p.Consignee != "" || p.Location != glnPhar {
			t.Fatalf("after the receive: holder %q consignee %q at %s", p.Holder, p.Consignee, p.Location)
		}
	})
}

// TestContentIDFixture checks ContentID against the IDs that package ledger
// (the client) is checked against too, so the two cannot drift apart.
func TestContentIDFixture(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(wireFixtures, "content-ids.json"))
	must(t, err)
	var cases []struct {
		Event Event  `json:"event"`
		ID    string `json:"id"`
	}
	must(t, json.Unmarshal(b, &cases))
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range cases {
		t.Run(string(c.Event.Kind)+" "+c.Event.Serial+c.Event.SSCC, func(t *testing.T) {
			if got := ContentID(&c.Event); got != c.ID {
				t.Fatalf("ContentID = %s, want %s", got, c.ID)
			}
		})
	}
}

// TestEventsSentWithoutID: an event sent without an ID (trace.EncodeBatch
// leaves out a content ID) is recorded under its content ID, in its pack's
// record or, about an SSCC, under its own key with its ID; sent again with
// the ID, or without, it is the same event.
func TestEventsSentWithoutID(t *testing.T) {
	w := newWorld(t)
	w.stockAt("dist", "S1", "S2")
	recv := byContent(w.on(KindReceive, glnPhar, gtinA, "S9"))
	tests := []struct {
		name string
		msp  string
		ev   Event
		want Status
	}{
		{"a pack's event", mspDist, byContent(w.ship(glnDist, "S1", glnPhar)), StatusAccepted},
		{"an SSCC's event", mspDist, byContent(w.unit(KindPack, glnDist, ssccCase, PackKey(gtinA, "S2"))), StatusAccepted},
		{"a refused one", mspPhar, recv, StatusRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := trace.EncodeBatch([]Event{tt.ev})
			must(t, err)
			if strings.Contains(string(b), `"id"`) {
				t.Fatalf("sent %s", b)
			}
			st, tx := w.tx(tt.msp)
			res, _, err := Record(st, tx, b)
			must(t, err)
			st.commit()
			if r := res.Results[0]; r.Status != tt.want || r.EventID != tt.ev.ID {
				t.Fatalf("result %+v, want %s for %s", r, tt.want, tt.ev.ID)
			}
			if tt.want != StatusAccepted {
				return
			}
			withID, err := json.Marshal([]Event{tt.ev})
			must(t, err)
			for _, again := range [][]byte{b, withID} {
				st, tx := w.tx(tt.msp)
				res, _, err := Record(st, tx, again)
				must(t, err)
				if r := res.Results[0]; r.Status != StatusDuplicate || r.EventID != tt.ev.ID {
					t.Fatalf("sent again as %s: %+v", again, r)
				}
			}
			if tt.ev.SSCC != "" {
				rst, _ := w.tx(mspReg)
				rec, err := newOverlay(rst).event(tt.ev.ID)
				must(t, err)
				var kept Event
				must(t, json.Unmarshal(rec.Raw, &kept))
				if kept.ID != tt.ev.ID {
					t.Fatalf("kept as %s", rec.Raw)
				}
			}
		})
	}
}

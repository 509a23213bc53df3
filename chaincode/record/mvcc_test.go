package record

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestConcurrentBatchesDoNotConflict endorses two batches on the same state
// (as the peer does for concurrent transactions) and checks that neither
// writes a key the other reads, so both commit without an MVCC conflict,
// and that a key both write (a product key of the holder index) gets the
// same value from each, so neither write is lost. It also pins the cost:
// per commissioned pack the pack's key and (UUID events) the event's, and
// one product key per transaction.
func TestConcurrentBatchesDoNotConflict(t *testing.T) {
	tests := []struct {
		name string
		a, b func(w *world) (string, []Event)
	}{
		{"commission vs commission same batch",
			func(w *world) (string, []Event) { return mspMan, w.commissions("A", 100) },
			func(w *world) (string, []Event) { return mspMan, w.commissions("B", 100) }},
		{"dispense vs commission",
			func(w *world) (string, []Event) {
				return mspPhar, []Event{w.on(KindDispense, glnPhar, gtinA, "S1"), w.on(KindDispense, glnPhar, gtinA, "S2")}
			},
			func(w *world) (string, []Event) { return mspMan, w.commissions("C", 10) }},
		{"ship vs dispense other packs",
			func(w *world) (string, []Event) { return mspDist, []Event{w.ship(glnDist, "S3", glnPhar)} },
			func(w *world) (string, []Event) { return mspPhar, []Event{w.on(KindDispense, glnPhar, gtinA, "S1")} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.stockAt("phar", "S1", "S2")
			w.stockAt("dist", "S3")
			run := func(f func(w *world) (string, []Event)) *txState {
				msp, evs := f(w)
				b, err := json.Marshal(evs)
				must(t, err)
				st, tx := w.tx(msp)
				res, _, err := Record(st, tx, b)
				must(t, err)
				for _, r := range res.Results {
					if r.Status != StatusAccepted {
						t.Fatalf("%+v", r)
					}
				}
				return st
			}
			a, b := run(tt.a), run(tt.b)
			for k := range a.writes {
				if b.reads[k] || (b.writes[k] != nil && string(b.writes[k]) != string(a.writes[k])) {
					t.Errorf("key %q written by one batch and read, or written otherwise, by the other", k)
				}
			}
			for k := range b.writes {
				if a.reads[k] {
					t.Errorf("key %q written by the second batch and read by the first", k)
				}
			}
		})
	}
	t.Run("keys per commissioned pack", func(t *testing.T) {
		w := newWorld(t)
		b, err := json.Marshal(w.commissions("K", 100))
		must(t, err)
		st, tx := w.tx(mspMan)
		_, _, err = Record(st, tx, b)
		must(t, err)
		if len(st.writes) != 201 { // the pack, its event; the product key of its commissioner
			t.Fatalf("%d keys written for 100 packs, want 201", len(st.writes))
		}
		for k := range st.writes {
			if !strings.HasPrefix(k, prefixPack) && !strings.HasPrefix(k, prefixEvent) && k != productKey(mspMan, gtinA) {
				t.Fatalf("unexpected key %q", k)
			}
		}
	})
}

// commissions makes n commissioning events of gtinA batch L1 with serials prefix+i.
func (w *world) commissions(prefix string, n int) []Event {
	evs := make([]Event, n)
	for i := range evs {
		evs[i] = w.commission(gtinA, fmt.Sprintf("%s%d", prefix, i), "L1", "2028-12-31")
	}
	return evs
}

func TestEmission(t *testing.T) {
	w := newWorld(t)
	evs := w.commissions("E", 3)
	evs = append(evs, w.on(KindDispense, glnPhar, gtinA, "E0"))
	res, em, err := w.submit(mspMan, evs...)
	must(t, err)
	if em.TxID != res.TxID || len(em.Recalls) != 0 {
		t.Fatalf("emission %+v", em)
	}
	if r := res.Results; r[0].Status != StatusAccepted || r[3].Status != StatusRejected {
		t.Fatalf("results %+v", r)
	}
	if p := w.packsWritten(); len(p) != 3 || p[0].Status != PackActive || p[0].Batch != "L1" || p[0].LastEvent != evs[0].ID {
		t.Fatalf("packs %+v", p)
	}
	_, em, err = w.submit(mspMan, w.recall(gtinA, "L1"))
	must(t, err)
	if len(em.Recalls) != 1 || em.Recalls[0].Batch != "L1" || len(w.packsWritten()) != 0 {
		t.Fatalf("recall emission %+v", em)
	}
}

func FuzzRecord(f *testing.F) {
	f.Add([]byte(`[{"id":"00000000-0000-7000-8000-000000000001","kind":"commission","time":"2026-11-02T09:00:00Z","location":"4012345000009","gtin":"04012345000010","serial":"S1","batch":"L1","expiry":"2028-12-31"}]`))
	f.Add([]byte(`[{"id":"00000000-0000-7000-8000-000000000002","kind":"pack","time":"2026-11-02T09:00:00Z","location":"4020000000017","sscc":"340200000000000013","children":["04012345000010/S1","340200000000000020"]}]`))
	f.Add([]byte(`[{"id":"ni:///sha-256;abc","kind":"ship","time":"2026-11-02T09:00:00Z","sscc":"340200000000000013"}]`))
	f.Add([]byte(`[{},{"id":1}]`))
	f.Add([]byte(`[{"id":"00000000-0000-7000-8000-000000000003","kind":"dispense","time":"2026-11-02T09:00:00Z","location":"4020000000024","gtin":"04012345000010","serial":"S1"}]`))
	f.Fuzz(func(t *testing.T, batch []byte) {
		// Every input also runs with content IDs: each event that decodes
		// gets its content ID, remembering the pack that would keep it.
		packOf := map[string]string{}
		var evs []json.RawMessage
		if json.Unmarshal(batch, &evs) == nil {
			for i, raw := range evs {
				var ev Event
				if json.Unmarshal(raw, &ev) == nil {
					ev.ID = ContentID(&ev)
					packOf[ev.ID] = packKey(ev.GTIN, ev.Serial)
					evs[i], _ = json.Marshal(&ev)
				}
			}
			if b, err := json.Marshal(evs); err == nil {
				fuzzRecord(t, b, packOf)
			}
		}
		fuzzRecord(t, batch, nil)
	})
}

// fuzzRecord records batch as every role; packOf names the pack of each
// content-addressed event.
func fuzzRecord(t *testing.T, batch []byte, packOf map[string]string) {
	w := newWorld(t)
	w.stock("S1")
	for _, msp := range []string{mspMan, mspDist, mspPhar, mspReg} {
		st, tx := w.tx(msp)
		res, em, err := Record(st, tx, batch)
		if err != nil {
			if len(st.writes) != 0 {
				t.Fatalf("failed request wrote %d keys", len(st.writes))
			}
			continue
		}
		if len(res.Results) == 0 {
			t.Fatal("no results")
		}
		var accepted []string
		for _, r := range res.Results {
			if r.Status == StatusAccepted && r.TxID == tx.ID {
				accepted = append(accepted, r.EventID)
			}
			if r.Status == StatusRejected && r.Reason == "" {
				t.Fatalf("rejection without reason: %+v", r)
			}
		}
		st.commit()
		// Every accepted event is stored compact and must render as
		// EPCIS 2.0 JSON when read.
		rst, _ := w.tx(mspReg)
		if len(em.Recalls) > len(res.Results) {
			t.Fatal("more recalls than events")
		}
		for _, id := range accepted {
			ov := newOverlay(rst)
			var p *pack
			if k, ok := packOf[id]; ok && packScopedKey(k) {
				if p, err = load(ov, ov.packs, k); err != nil || p == nil {
					t.Fatalf("accepted event %q: pack %s %v, %v", id, k, p, err)
				}
			}
			rec, err := ov.packEventRec(p, id)
			if err != nil || rec == nil {
				t.Fatalf("accepted event %q: record %v, %v", id, rec, err)
			}
			doc, _, err := rec.document(id)
			if err != nil || !json.Valid(doc) {
				t.Fatalf("accepted event %q does not render: %v\n%s", id, err, doc)
			}
		}
	}
	if v := w.verify(gtinA, "S1", "", ""); v.Status == PackUnknown {
		t.Fatal("the stocked pack vanished")
	}
}

// packScopedKey reports whether k names a pack (an event with GTIN and
// serial); events without one are kept under their own key.
func packScopedKey(k string) bool {
	return !strings.HasSuffix(k, ":") && !strings.HasPrefix(k, prefixPack+":")
}

func FuzzSplitChild(f *testing.F) {
	for _, s := range []string{"340200000000000013", "04012345000010/S1", "04012345000010/", "x", "04012345000010/a/b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sscc, gtin, serial, err := splitChild(s)
		if err != nil {
			return
		}
		if sscc != "" {
			if sscc != s || checkSSCC(sscc) != nil {
				t.Fatalf("%q -> sscc %q", s, sscc)
			}
			return
		}
		if PackKey(gtin, serial) != s || checkGTIN(gtin) != nil {
			t.Fatalf("%q -> %q %q", s, gtin, serial)
		}
	})
}

// BenchmarkRecord measures the chaincode's own work per event (in memory,
// no peer): commissioning batches, with content IDs (as MedTrace sends)
// and with UUIDs.
func BenchmarkRecord(b *testing.B) {
	for _, run := range []struct {
		n       int
		content bool
	}{{1, true}, {100, true}, {500, true}, {100, false}} {
		n := run.n
		name := fmt.Sprintf("commission-batch-%d", n)
		if !run.content {
			name = fmt.Sprintf("commission-uuid-batch-%d", n)
		}
		b.Run(name, func(b *testing.B) {
			w := newWorld(b)
			for i := 0; i < b.N; i++ {
				evs := w.commissions(fmt.Sprintf("B%d-", i), n)
				if run.content {
					for j := range evs {
						evs[j] = byContent(evs[j])
					}
				}
				raw, err := json.Marshal(evs)
				must(b, err)
				st, tx := w.tx(mspMan)
				if _, _, err := Record(st, tx, raw); err != nil {
					b.Fatal(err)
				}
				st.commit()
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
		})
	}
	// Custody's cost: ships of 100 packs the manufacturer holds, each
	// checked for holder, site and consignee (the packs are commissioned
	// with the timer stopped).
	b.Run("ship-batch-100", func(b *testing.B) {
		w := newWorld(b)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			evs := w.commissions(fmt.Sprintf("S%d-", i), 100)
			w.ok(mspMan, evs...)
			for j := range evs {
				evs[j] = byContent(w.ship(glnMan, evs[j].Serial, glnDist))
			}
			raw, err := json.Marshal(evs)
			must(b, err)
			st, tx := w.tx(mspMan)
			b.StartTimer()
			res, _, err := Record(st, tx, raw)
			if err != nil || res.Results[0].Status != StatusAccepted {
				b.Fatal(err, res.Results[0])
			}
			st.commit()
		}
		b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
	})
}

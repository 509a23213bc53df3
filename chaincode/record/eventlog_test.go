package record

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// The bounds the tests hold records and write sets to: a record keeps
// fewer than inlineEvents+chunkEvents entries (each content-addressed one
// about 400 bytes with its event), a chunk chunkEvents.
const (
	maxRecordBytes = 16 << 10
	maxChunkBytes  = 8 << 10
	maxWriteBytes  = maxRecordBytes + maxChunkBytes + 1<<10 // and an event key
)

// recordTx records evs in one transaction as msp, commits it, and returns
// the transaction (its reads and writes) and the results.
func (w *world) recordTx(msp string, evs ...Event) (*txState, []Result) {
	w.t.Helper()
	raw, err := json.Marshal(evs)
	must(w.t, err)
	st, tx := w.tx(msp)
	res, _, err := Record(st, tx, raw)
	must(w.t, err)
	st.commit()
	return st, res.Results
}

// stored decodes the committed record of pack gtin/serial.
func (w *world) stored(gtin, serial string) *pack {
	w.t.Helper()
	var p pack
	must(w.t, json.Unmarshal(w.st.m[packKey(gtin, serial)], &p))
	return &p
}

// chunkReads counts the event list chunks a transaction read.
func chunkReads(st *txState) int {
	n := 0
	for k := range st.reads {
		if strings.HasPrefix(k, prefixChunk) {
			n++
		}
	}
	return n
}

// historyIDs is pack gtin/serial's history as event IDs.
func (w *world) historyIDs(gtin, serial string) []string {
	w.t.Helper()
	var ids []string
	for _, h := range w.history(gtin, serial) {
		ids = append(ids, h.EventID)
	}
	return ids
}

func ids(evs []Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

// checkBounded fails unless pack gtin/serial's stored record is within
// the bounds and its chunks and record together hold want, in order.
func checkBounded(t *testing.T, w *world, gtin, serial string, want []string) {
	t.Helper()
	key := packKey(gtin, serial)
	p := w.stored(gtin, serial)
	if n := len(w.st.m[key]); n > maxRecordBytes {
		t.Errorf("record is %d bytes, more than %d", n, maxRecordBytes)
	}
	if len(p.Events) >= inlineEvents+chunkEvents || len(p.Events) < min(len(want), inlineEvents) || len(p.Log) > len(p.Events) {
		t.Errorf("record holds %d entries and %d events inline", len(p.Events), len(p.Log))
	}
	if want := (len(want) - len(p.Events)) / chunkEvents; p.Chunks != want {
		t.Errorf("record counts %d chunks, want %d", p.Chunks, want)
	}
	var got []string
	for n := range p.Chunks {
		b := w.st.m[chunkKey(key, n)]
		if len(b) == 0 || len(b) > maxChunkBytes {
			t.Fatalf("chunk %d is %d bytes", n, len(b))
		}
		var c eventChunk
		must(t, json.Unmarshal(b, &c))
		if len(c.Events) != chunkEvents {
			t.Fatalf("chunk %d holds %d entries", n, len(c.Events))
		}
		entries(c.Events, c.Log, func(id string, _ *packEvent) { got = append(got, id) })
	}
	entries(p.Events, p.Log, func(id string, _ *packEvent) { got = append(got, id) })
	if !slices.Equal(got, want) {
		t.Errorf("chunks and record hold %d events, want %d (first difference at %d)", len(got), len(want), firstDiff(got, want))
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestBusyPack records 1,000 events on one pack, one per transaction:
// content-addressed inspections with a UUID one every tenth. The record
// and every write set stay bounded, no new event reads a chunk, History
// lists them all in order, and replays of the oldest are found.
func TestBusyPack(t *testing.T) {
	w := newWorld(t)
	first := byContent(commissionS1(w))
	_, res := w.recordTx(mspMan, first)
	if res[0].Status != StatusAccepted {
		t.Fatalf("commission: %+v", res[0])
	}
	firstTxID := res[0].TxID
	sent := []Event{first}
	yes, no := true, false
	maxRecord, maxWrite := 0, 0
	for i := 1; i < 1000; i++ {
		w.now = w.now.Add(time.Second)
		e := w.on(KindInspect, glnReg, gtinA, "S1")
		e.Conformant = &yes
		if i == 999 {
			e.Conformant = &no
		}
		if i%10 != 0 {
			e = byContent(e)
		}
		st, res := w.recordTx(mspReg, e)
		if res[0].Status != StatusAccepted {
			t.Fatalf("event %d: %+v", i, res[0])
		}
		sent = append(sent, e)
		size, chunks, events := 0, 0, 0
		for k, v := range st.writes {
			size += len(k) + len(v)
			switch k[:2] {
			case prefixChunk:
				chunks++
			case prefixEvent:
				events++
			}
			if k[:2] == prefixPack {
				maxRecord = max(maxRecord, len(v))
			}
		}
		maxWrite = max(maxWrite, size)
		if chunks > 1 || len(st.writes) != 1+chunks+events || (events == 1) != (i%10 == 0) {
			t.Fatalf("event %d wrote %d keys: %v", i, len(st.writes), slices.Sorted(maps.Keys(st.writes)))
		}
		if size > maxWriteBytes {
			t.Fatalf("event %d wrote %d bytes, more than %d", i, size, maxWriteBytes)
		}
		if n := chunkReads(st); n != 0 {
			t.Fatalf("event %d, new and later than every event moved out, read %d chunks", i, n)
		}
	}
	t.Logf("largest record %d bytes, largest write set %d bytes", maxRecord, maxWrite)
	checkBounded(t, w, gtinA, "S1", ids(sent))

	t.Run("history lists every event in order", func(t *testing.T) {
		if got := w.historyIDs(gtinA, "S1"); !slices.Equal(got, ids(sent)) {
			t.Fatalf("history has %d events, want %d (first difference at %d)", len(got), len(sent), firstDiff(got, ids(sent)))
		}
	})
	t.Run("verify names the last event", func(t *testing.T) {
		v := w.verify(gtinA, "S1", "", "")
		if v.LastEvent != sent[999].ID || len(v.Alerts) != 1 || v.Alerts[0].Code != ReasonNonconformant {
			t.Fatalf("verify: %+v", v)
		}
	})
	replays := []struct {
		name string
		ev   Event
		msp  string
	}{
		{"the very first event", sent[0], mspMan},
		{"an event in the middle", sent[501], mspReg},
		{"the last event moved out", sent[(w.stored(gtinA, "S1").Chunks*chunkEvents)-1], mspReg},
		{"the newest event", sent[999], mspReg},
		{"an early UUID event", sent[10], mspReg},
	}
	for _, tt := range replays {
		t.Run("replay of "+tt.name, func(t *testing.T) {
			st, res := w.recordTx(tt.msp, tt.ev)
			if res[0].Status != StatusDuplicate || res[0].TxID == "" {
				t.Fatalf("replay: %+v", res[0])
			}
			if tt.ev.ID == first.ID && res[0].TxID != firstTxID {
				t.Fatalf("replay names transaction %s, recorded in %s", res[0].TxID, firstTxID)
			}
			if len(st.writes) != 0 {
				t.Fatalf("a replay wrote %v", slices.Sorted(maps.Keys(st.writes)))
			}
			t.Logf("read %d chunks", chunkReads(st))
		})
	}
	t.Run("a new event dated among moved-out ones", func(t *testing.T) {
		e := byContent(sent[3]) // same pack, kind and place
		e.Time = sent[3].Time.Add(time.Second / 2)
		e = byContent(e)
		st, res := w.recordTx(mspReg, e)
		if res[0].Status != StatusAccepted {
			t.Fatalf("backdated event: %+v", res[0])
		}
		if n, most := chunkReads(st), w.stored(gtinA, "S1").Chunks; n == 0 || n > most {
			t.Fatalf("read %d chunks of %d", n, most)
		}
		if r := w.record(mspReg, e)[0]; r.Status != StatusDuplicate {
			t.Fatalf("its replay: %+v", r)
		}
		sent = append(sent, e)
		checkBounded(t, w, gtinA, "S1", ids(sent))
	})
}

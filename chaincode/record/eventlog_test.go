package record

import (
	"bytes"
	"encoding/json"
	"github.com/medtrace/medtrace/trace"
	"maps"
	"math/bits"
	"os"
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
	return readPack(w.t, packKey(gtin, serial), w.st.m[packKey(gtin, serial)])
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
			// A binary search for the first chunk that may hold it, then
			// that chunk (the events were recorded in time order).
			if n, most := chunkReads(st), bits.Len(uint(w.stored(gtinA, "S1").Chunks))+1; n > most {
				t.Fatalf("read %d chunks, more than %d", n, most)
			}
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
		// Once it has moved out among later events, its replay is found.
		for range inlineEvents + chunkEvents {
			w.now = w.now.Add(time.Second)
			n := w.on(KindInspect, glnReg, gtinA, "S1")
			n.Conformant = &yes
			n = byContent(n)
			w.ok(mspReg, n)
			sent = append(sent, n)
		}
		checkBounded(t, w, gtinA, "S1", ids(sent))
		if p := w.stored(gtinA, "S1"); p.logged(e.ID) != nil {
			t.Fatal("the backdated event is still in the record")
		}
		if r := w.record(mspReg, e)[0]; r.Status != StatusDuplicate {
			t.Fatalf("its replay from a chunk: %+v", r)
		}
		if got := w.historyIDs(gtinA, "S1"); !slices.Equal(got, ids(sent)) {
			t.Fatalf("history has %d events, want %d (first difference at %d)", len(got), len(sent), firstDiff(got, ids(sent)))
		}
	})
}

// TestBatchOnBusyPack records 999 inspections of one pack in one
// transaction, then a replay of the first among them: the write set is the
// record and its chunks, each bounded, and the replay is found.
func TestBatchOnBusyPack(t *testing.T) {
	w := newWorld(t)
	first := byContent(commissionS1(w))
	w.ok(mspMan, first)
	sent := []Event{first}
	yes := true
	var batch []Event
	for range 999 {
		w.now = w.now.Add(time.Second)
		e := w.on(KindInspect, glnReg, gtinA, "S1")
		e.Conformant = &yes
		batch = append(batch, byContent(e))
	}
	sent = append(sent, batch...)
	st, res := w.recordTx(mspReg, append(batch, batch[0])...)
	for i, r := range res[:999] {
		if r.Status != StatusAccepted {
			t.Fatalf("event %d: %+v", i, r)
		}
	}
	if r := res[999]; r.Status != StatusDuplicate {
		t.Fatalf("replay within the batch: %+v", r)
	}
	for k, v := range st.writes {
		if k[:2] != prefixChunk && k[:2] != prefixPack || len(v) > maxRecordBytes {
			t.Fatalf("wrote %s (%d bytes)", k, len(v))
		}
	}
	checkBounded(t, w, gtinA, "S1", ids(sent))
	if got := w.historyIDs(gtinA, "S1"); !slices.Equal(got, ids(sent)) {
		t.Fatalf("history has %d events, want %d (first difference at %d)", len(got), len(sent), firstDiff(got, ids(sent)))
	}
	for _, e := range []Event{first, batch[0], batch[500]} {
		if r := w.record(mspMan, e)[0]; r.Status != StatusDuplicate {
			t.Fatalf("replay in a later transaction: %+v", r)
		}
	}
}

// TestBusyLinkedPack: a pack with two codes (china.go) inspected 60 times
// under each name. Each record keeps its own list, bounded; History under
// either name lists all of both in order.
func TestBusyLinkedPack(t *testing.T) {
	w := cnWorld(t)
	const linked = "81234561234567890101"
	cg, cs := trace.CNPackOf(linked)
	c := w.commission(gtinA, "L1", "B1", "2028-12-31")
	c.Link = linked
	c.ID = ""
	c = c.WithContentID()
	w.ok(mspMan, c)
	gs1Events, cnEvents, all := []Event{c}, []Event{}, []Event{c}
	yes := true
	for i := range 120 {
		w.now = w.now.Add(time.Second)
		g, s := gtinA, "L1"
		if i%2 == 1 {
			g, s = cg, cs
		}
		e := w.on(KindInspect, glnReg, g, s)
		e.Conformant = &yes
		e = byContent(e)
		w.ok(mspReg, e)
		all = append(all, e)
		if i%2 == 1 {
			cnEvents = append(cnEvents, e)
		} else {
			gs1Events = append(gs1Events, e)
		}
	}
	checkBounded(t, w, gtinA, "L1", ids(gs1Events))
	checkBounded(t, w, cg, cs, ids(cnEvents))
	for _, name := range [][2]string{{gtinA, "L1"}, {cg, cs}} {
		if got := w.historyIDs(name[0], name[1]); !slices.Equal(got, ids(all)) {
			t.Fatalf("history of %s/%s has %d events, want %d (first difference at %d)", name[0], name[1], len(got), len(all), firstDiff(got, ids(all)))
		}
	}
	for _, e := range []Event{c, cnEvents[0], gs1Events[1]} {
		if r := w.record(mspReg, e)[0]; r.Status != StatusDuplicate {
			t.Fatalf("replay of %s/%s's %s: %+v", e.GTIN, e.Serial, e.Kind, r)
		}
	}
}

// TestBusyUnit packs pack S1 into a case and unpacks it 20 times: the
// case's record keeps a bounded list, its chunks and record hold every
// event in order, and the pack's History lists them all.
func TestBusyUnit(t *testing.T) {
	w := newWorld(t)
	w.stockAt("dist", "S1")
	before := w.historyIDs(gtinA, "S1")
	var unitEvents []string
	for range 20 {
		w.now = w.now.Add(time.Second)
		p := w.unit(KindPack, glnDist, ssccCase, PackKey(gtinA, "S1"))
		u := w.unit(KindUnpack, glnDist, ssccCase)
		w.ok(mspDist, p)
		w.ok(mspDist, u)
		unitEvents = append(unitEvents, p.ID, u.ID)
	}
	key := unitKey(ssccCase)
	var u unit
	must(t, json.Unmarshal(w.st.m[key], &u))
	if len(u.Events) >= inlineEvents+chunkEvents || u.Chunks == 0 {
		t.Fatalf("unit record holds %d entries, %d chunks", len(u.Events), u.Chunks)
	}
	var got []string
	for n := range u.Chunks {
		var c eventChunk
		must(t, json.Unmarshal(w.st.m[chunkKey(key, n)], &c))
		got = append(got, c.Events...)
	}
	if got = append(got, u.Events...); !slices.Equal(got, unitEvents) {
		t.Fatalf("unit chunks and record hold %d events, want %d", len(got), len(unitEvents))
	}
	if got, want := w.historyIDs(gtinA, "S1"), append(before, unitEvents...); !slices.Equal(got, want) {
		t.Fatalf("pack history has %d events, want %d", len(got), len(want))
	}
	checkBounded(t, w, gtinA, "S1", append(before, unitEvents...))
}

// legacyFixture is the state the chaincode of commit e317498 (before event
// lists were bounded) left after pack S1's life: commissioned, shipped and
// received with UUIDs, packed into a case and unpacked, then inspected 40
// times (the sixth with a UUID, the last nonconformant), so that its log
// filled up (MaxPackLog) and the last 8 content-addressed inspections went
// to keys of their own; with its History then and the world's time.
const legacyFixture = "testdata/legacy-busy-pack.json"

// loadLegacy is a world whose state is the legacy fixture's, and the
// fixture's History.
func loadLegacy(t *testing.T) (*world, []HistoryEntry) {
	b, err := os.ReadFile(legacyFixture)
	must(t, err)
	var fx struct {
		Now     time.Time                  `json:"now"`
		History []HistoryEntry             `json:"history"`
		State   map[string]json.RawMessage `json:"state"`
	}
	must(t, json.Unmarshal(b, &fx))
	w := newWorld(t)
	w.st.m = map[string][]byte{}
	for k, v := range fx.State {
		var c bytes.Buffer
		must(t, json.Compact(&c, v))
		w.st.m[k] = c.Bytes()
	}
	w.now = fx.Now.Add(time.Minute)
	return w, fx.History
}

// storedEvents are the events of pack S1's history as sent, read from
// where the record says they are.
func storedEvents(t *testing.T, w *world, h []HistoryEntry) []Event {
	st, _ := w.tx(mspReg)
	ov := newOverlay(st)
	p, err := ov.pack(gtinA, "S1")
	must(t, err)
	var out []Event
	for _, e := range h {
		rec, err := ov.packEventRec(p, e.EventID)
		if err != nil || rec == nil {
			t.Fatalf("event %s: %v %v", e.EventID, rec, err)
		}
		var ev Event
		must(t, json.Unmarshal(rec.Raw, &ev))
		out = append(out, ev)
	}
	return out
}

// TestOldRecords: a record written before event lists were bounded reads
// as it did (History to the byte, Verify, replays of every event), and its
// next write moves its older entries to chunks without losing any.
func TestOldRecords(t *testing.T) {
	w, want := loadLegacy(t)
	if p := w.stored(gtinA, "S1"); len(p.Log) != MaxPackLog || len(p.Events) != len(want) || p.Chunks != 0 {
		t.Fatalf("fixture: log %d, events %d, chunks %d", len(p.Log), len(p.Events), p.Chunks)
	}
	old := storedEvents(t, w, want)
	sameHistory := func(t *testing.T, want []HistoryEntry) {
		t.Helper()
		got, err := json.Marshal(w.history(gtinA, "S1"))
		must(t, err)
		exp, err := json.Marshal(want)
		must(t, err)
		if !bytes.Equal(got, exp) {
			t.Fatalf("history differs:\n got  %.400s\n want %.400s", got, exp)
		}
	}
	replays := func(t *testing.T, evs []Event) {
		t.Helper()
		for i, e := range evs {
			if r := w.record(mspReg, e)[0]; r.Status != StatusDuplicate {
				t.Fatalf("replay of event %d (%s %s): %+v", i, e.Kind, e.ID, r)
			}
		}
	}
	t.Run("read as written", func(t *testing.T) {
		sameHistory(t, want)
		if v := w.verify(gtinA, "S1", "", ""); v.LastEvent != old[len(old)-1].ID || len(v.Alerts) != 1 || v.Alerts[0].Code != ReasonNonconformant {
			t.Fatalf("verify: %+v", v)
		}
		replays(t, old)
	})
	var added Event
	t.Run("the next write moves older entries to chunks", func(t *testing.T) {
		yes := true
		added = w.on(KindInspect, glnReg, gtinA, "S1")
		added.Conformant = &yes
		added = byContent(added)
		st, res := w.recordTx(mspReg, added)
		if res[0].Status != StatusAccepted {
			t.Fatalf("new event: %+v", res[0])
		}
		if _, ok := st.writes[eventKey(added.ID)]; ok {
			t.Fatal("the new event went to a key of its own")
		}
		p := w.stored(gtinA, "S1")
		if !p.Keyed || p.Chunks == 0 {
			t.Fatalf("record after its first write: keyed %v, %d chunks, %d entries", p.Keyed, p.Chunks, len(p.Events))
		}
		checkBounded(t, w, gtinA, "S1", append(ids(old), added.ID))
		h := w.history(gtinA, "S1")
		sameHistory(t, append(slices.Clone(want), h[len(h)-1]))
		if h[len(h)-1].EventID != added.ID {
			t.Fatalf("last entry %s, want %s", h[len(h)-1].EventID, added.ID)
		}
		if v := w.verify(gtinA, "S1", "", ""); v.LastEvent != added.ID || len(v.Alerts) != 0 {
			t.Fatalf("verify: %+v", v)
		}
	})
	t.Run("replays after it", func(t *testing.T) {
		replays(t, append(old, added))
	})
}

// FuzzEventList drives one pack through a sequence of transactions the
// input picks: new inspections with content IDs or UUIDs, inspections
// dated among earlier events, and replays of earlier events. Whatever the
// sequence, the record stays bounded, its chunks and record hold every
// accepted event in order, History lists them in that order, and every
// replay is answered as a duplicate.
func FuzzEventList(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 2, 0x83, 0})
	f.Add(slices.Repeat([]byte{0}, 40))
	f.Add(append(slices.Repeat([]byte{0x80, 1, 0}, 20), 2, 0, 3, 5, 0x82, 1))
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 300 {
			ops = ops[:300]
		}
		w := newWorld(t)
		first := byContent(commissionS1(w))
		w.ok(mspMan, first)
		sent := []Event{first}
		yes := true
		var batch []Event
		var want []Status
		send := func() {
			if len(batch) == 0 {
				return
			}
			res := w.record(mspReg, batch...)
			for i, r := range res {
				if r.Status != want[i] {
					t.Fatalf("%s %s: %+v, want %s", batch[i].Kind, batch[i].ID, r, want[i])
				}
			}
			batch, want = nil, nil
			w.now = w.now.Add(time.Second)
		}
		for i := 0; i < len(ops); i++ {
			op := ops[i]
			if op&0x80 != 0 {
				send()
			}
			e := w.on(KindInspect, glnReg, gtinA, "S1")
			e.Conformant = &yes
			e.Time = w.now.Add(time.Duration(len(batch)) * time.Millisecond)
			switch op & 3 {
			case 1: // a UUID event
			case 2, 3: // a replay, or a new event dated just after an earlier one
				i++
				k := 0
				if i < len(ops) {
					k = int(ops[i]) % len(sent)
				}
				if op&3 == 2 {
					batch, want = append(batch, sent[k]), append(want, StatusDuplicate)
					continue
				}
				e.Time = sent[k].Time.Add(time.Duration(i+1) * time.Nanosecond)
				e = byContent(e)
			default:
				e = byContent(e)
			}
			batch, want, sent = append(batch, e), append(want, StatusAccepted), append(sent, e)
		}
		send()
		checkBounded(t, w, gtinA, "S1", ids(sent))
		if got := w.historyIDs(gtinA, "S1"); !slices.Equal(got, ids(sent)) {
			t.Fatalf("history has %d events, want %d (first difference at %d)", len(got), len(sent), firstDiff(got, ids(sent)))
		}
		for _, e := range []Event{sent[0], sent[len(sent)/2], sent[len(sent)-1]} {
			if r := w.record(mspReg, e)[0]; r.Status != StatusDuplicate {
				t.Fatalf("replay of %s: %+v", e.ID, r)
			}
		}
	})
}

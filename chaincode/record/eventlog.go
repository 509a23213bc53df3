package record

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// A pack's and a logistic unit's event list is bounded. The record keeps
// its newest entries inline: at least inlineEvents, fewer than
// inlineEvents+chunkEvents. When a write would leave it with more, the
// oldest chunkEvents entries (a pack's with the content-addressed events
// among them) move to a chunk key of their own, written once and never
// rewritten; the record counts its chunks (Chunks). So a record's size and
// each event's write set stay bounded however many events a pack has,
// while History still reads every event (the chunks, oldest first, then
// the record) and a replay of any earlier event is still found.
//
// A replay must be found without reading chunks for every new event: the
// record keeps the latest event time among the content-addressed events it
// moved out (Moved). A content ID is the hash of the event's content,
// time included, so an event later than that cannot be in a chunk and
// needs no chunk read. Each chunk also keeps that time as it was when the
// chunk was written, which never decreases from one chunk to the next: an
// earlier event (a replay, or a new event dated before others already
// moved out) can only be in the chunks from the first whose time is not
// before it, found by binary search, and is looked for from there on.
//
// Records written before the list was bounded are read as they are and
// written in this form: their first write moves their older entries to
// chunks. Such a record whose log had filled up (MaxPackLog) kept later
// content-addressed events under their own event keys; it is marked
// (Keyed) and a replay on it also looks there.
const (
	// inlineEvents is how many entries a record keeps inline at least: a
	// pack's usual life (commission, packing and unpacking, a few ships and
	// receipts, dispense, an undo, some inspections) stays under
	// inlineEvents+chunkEvents entries, so it never has a chunk and each of
	// its events reads and writes its record alone, as before.
	inlineEvents = 16
	// chunkEvents is how many entries move out at a time, into one chunk:
	// a pack's chunk holds up to 16 content-addressed events (200-400
	// bytes each: 3.5 kB of inspections).
	// Larger chunks mean fewer keys for History and for a replay of an old
	// event to read, and a larger record between moves.
	chunkEvents = 16
)

// prefixChunk starts the keys of moved-out event list chunks:
// "l:" + the record's key + "#" + the chunk's number. No pack, unit or
// event key starts with it, so the Export scans and the clients' reading
// of pack records from write sets never meet one.
const prefixChunk = "l:"

func chunkKey(recordKey string, n int) string {
	return prefixChunk + recordKey + "#" + strconv.Itoa(n)
}

// eventList is a pack record's event list: the newest entries, their
// content-addressed events, and how to find the older ones.
type eventList struct {
	// Events are the accepted events' IDs, oldest first (after those in
	// chunks); loggedMark stands for the next entry of Log, so those IDs
	// are stored once.
	Events []string `json:"ev"`
	// Log holds the content-addressed events among Events (see
	// ContentID); the others are under their own event keys.
	Log []packEvent `json:"lg,omitempty"`
	// Chunks is how many chunks of older entries the record has
	// (chunkKey 0 to Chunks-1, oldest first).
	Chunks int `json:"ec,omitempty"`
	// Moved is the latest event time of the content-addressed events in
	// the chunks: a later event cannot be one of them.
	Moved time.Time `json:"mt,omitzero"`
	// Keyed marks a record written before lists were bounded whose log
	// had filled up: some of its content-addressed events are under their
	// own event keys.
	Keyed bool `json:"ky,omitempty"`
}

// eventChunk is a chunk of a pack's or unit's older event list entries,
// as the record held them.
type eventChunk struct {
	Events []string    `json:"ev"`
	Log    []packEvent `json:"lg,omitempty"`
	// Moved is the record's Moved once this chunk was written: no event
	// in this chunk or an older one is later.
	Moved time.Time `json:"mt,omitzero"`
}

// logEntry is one event of a pack's list: its ID and, when the list holds
// the event itself, the event and the pack (product and serial) whose
// record holds it.
type logEntry struct {
	ID     string
	Logged *packEvent
	GTIN   string
	Serial string
}

// entries walks events and log as a record or chunk holds them: each ID
// with its log entry when it has one (named by loggedMark, or in records
// written before the mark by its ID).
func entries(events []string, log []packEvent, visit func(id string, logged *packEvent)) {
	next := 0
	for _, id := range events {
		if next < len(log) && (id == loggedMark || id == log[next].ID) {
			visit(log[next].ID, &log[next])
			next++
			continue
		}
		visit(id, nil)
	}
}

// logged returns the content-addressed event id from the chunk, or nil.
func (c *eventChunk) logged(id string) *packEvent {
	for i := range c.Log {
		if c.Log[i].ID == id {
			return &c.Log[i]
		}
	}
	return nil
}

// chunkIndex is what a replay check reads of a chunk: the IDs and
// transactions of its content-addressed events and its Moved. Decoding
// only that skips the events themselves, most of a chunk's bytes.
type chunkIndex struct {
	Log []struct {
		ID   string `json:"i"`
		TxID string `json:"tx"`
	} `json:"lg"`
	Moved time.Time `json:"mt"`
}

// chunkIndex reads chunk n of the record under key as a chunkIndex; a
// chunk the record counts but the state lacks is an error.
func (ov *overlay) chunkIndex(key string, n int) (*chunkIndex, error) {
	k := chunkKey(key, n)
	c, err := load(ov, ov.indexes, k)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("event list chunk %s is missing", k)
	}
	return c, nil
}

// chunk reads chunk n of the record under key; a chunk the record counts
// but the state lacks is an error.
func (ov *overlay) chunk(key string, n int) (*eventChunk, error) {
	k := chunkKey(key, n)
	c, err := load(ov, ov.chunks, k)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, fmt.Errorf("event list chunk %s is missing", k)
	}
	return c, nil
}

func (ov *overlay) putChunk(k string, c *eventChunk) {
	ov.chunks[k], ov.dirty[k] = c, true
}

// priorEvent finds the content-addressed event id, of time t, among pack
// p's events and returns the transaction that recorded it: in its record,
// else, when t is not after the latest event moved out, in the chunks
// that may hold an event of time t. "" when p has no such event.
func (ov *overlay) priorEvent(p *pack, id string, t time.Time) (string, error) {
	if p == nil {
		return "", nil
	}
	if pe := p.logged(id); pe != nil {
		return pe.TxID, nil
	}
	if p.Chunks == 0 || t.After(p.Moved) {
		return "", nil
	}
	key := packKey(p.GTIN, p.Serial)
	// The first chunk whose Moved is not before t: none before it holds
	// an event as late as t.
	lo, hi := 0, p.Chunks-1 // the last chunk's Moved is p.Moved, not before t
	for lo < hi {
		mid := (lo + hi) / 2
		c, err := ov.chunkIndex(key, mid)
		if err != nil {
			return "", err
		}
		if c.Moved.Before(t) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	for n := lo; n < p.Chunks; n++ {
		c, err := ov.chunkIndex(key, n)
		if err != nil {
			return "", err
		}
		for _, e := range c.Log {
			if e.ID == id {
				return e.TxID, nil
			}
		}
	}
	return "", nil
}

// chunkedEvent searches pack p's chunks for content-addressed event id,
// newest first.
func (ov *overlay) chunkedEvent(p *pack, id string) (*packEvent, error) {
	key := packKey(p.GTIN, p.Serial)
	for n := p.Chunks - 1; n >= 0; n-- {
		c, err := ov.chunk(key, n)
		if err != nil {
			return nil, err
		}
		if pe := c.logged(id); pe != nil {
			return pe, nil
		}
	}
	return nil, nil
}

// packEntries lists all of pack p's events, oldest first: its chunks',
// then its record's.
func (ov *overlay) packEntries(p *pack) ([]logEntry, error) {
	key := packKey(p.GTIN, p.Serial)
	out := make([]logEntry, 0, p.Chunks*chunkEvents+len(p.Events))
	add := func(id string, pe *packEvent) {
		out = append(out, logEntry{ID: id, Logged: pe, GTIN: p.GTIN, Serial: p.Serial})
	}
	for n := range p.Chunks {
		c, err := ov.chunk(key, n)
		if err != nil {
			return nil, err
		}
		entries(c.Events, c.Log, add)
	}
	entries(p.Events, p.Log, add)
	return out, nil
}

// compactPack moves pack p's oldest entries (record key) to chunks until
// fewer than inlineEvents+chunkEvents remain inline.
func (ov *overlay) compactPack(key string, p *pack) {
	for len(p.Events) >= inlineEvents+chunkEvents {
		c := &eventChunk{Events: make([]string, 0, chunkEvents)}
		entries(p.Events[:chunkEvents], p.Log, func(id string, pe *packEvent) {
			if pe == nil {
				c.Events = append(c.Events, id)
				return
			}
			c.Events = append(c.Events, loggedMark)
			c.Log = append(c.Log, *pe)
			if pe.Event.Time.After(p.Moved) {
				p.Moved = pe.Event.Time
			}
		})
		c.Moved = p.Moved
		ov.putChunk(chunkKey(key, p.Chunks), c)
		p.Chunks++
		p.Events = slices.Clone(p.Events[chunkEvents:])
		p.Log = slices.Clone(p.Log[len(c.Log):])
	}
}

// compactUnit moves unit u's oldest event IDs (record key) to chunks until
// fewer than inlineEvents+chunkEvents remain inline.
func (ov *overlay) compactUnit(key string, u *unit) {
	for len(u.Events) >= inlineEvents+chunkEvents {
		ov.putChunk(chunkKey(key, u.Chunks), &eventChunk{Events: slices.Clone(u.Events[:chunkEvents])})
		u.Chunks++
		u.Events = slices.Clone(u.Events[chunkEvents:])
	}
}

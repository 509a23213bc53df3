package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// Key prefixes of the world state. A pack, a logistic unit, a batch and an
// event each live under one key (a busy pack's or unit's older events also
// under chunk keys, prefixChunk); nothing is written by every transaction.
// The holder index lives under prefixHolder (holders.go), alerts under
// prefixAlert (alerts.go).
const (
	prefixEvent = "e:"
	prefixPack  = trace.PackStateKeyPrefix
	prefixUnit  = "u:"
	prefixBatch = "b:"
)

func packKey(gtin, serial string) string { return trace.PackStateKey(gtin, serial) }
func unitKey(sscc string) string         { return prefixUnit + sscc }
func batchKey(gtin, lot string) string   { return prefixBatch + gtin + ":" + lot }
func eventKey(id string) string          { return prefixEvent + id }

// pack is a pack's stored state. Recalled and expired are not stored: they
// come from the batch record and the date when the pack is read.
type pack struct {
	// GTIN and Serial are the record's key's (packrecord.go).
	GTIN     string     `json:"g,omitempty"`
	Serial   string     `json:"s,omitempty"`
	Batch    string     `json:"b"`
	Expiry   string     `json:"x"`
	Status   PackStatus `json:"st"`
	Owner    string     `json:"o"`           // MSP that commissioned it
	Location string     `json:"l,omitempty"` // GLN where its holder holds it
	Dest     string     `json:"d,omitempty"` // ship-to GLN while in transit
	Parent   string     `json:"p,omitempty"` // SSCC it is packed in
	// Holder is the MSP that holds it (at Location); Consignee, while in
	// transit, the MSP the ship named (to receive it at Dest). Records
	// from before custody was kept have neither (see holder).
	Holder    string `json:"h,omitempty"`
	Consignee string `json:"cn,omitempty"`
	// Held are the MSPs that held it before its holder, besides its
	// commissioner (Owner): with them, who may read it in bulk (readScope).
	// Records from before it was kept name none.
	Held []string `json:"hd,omitempty"`
	// Where and when it was dispensed (for already-dispensed and undo):
	// the event's time and the ledger time of its transaction.
	DispLoc  string    `json:"dl,omitempty"`
	DispTime time.Time `json:"dt,omitzero"`
	DispTx   time.Time `json:"dtt,omitzero"`
	// Nonconformant is the failing inspection's event ID, until a
	// conformant one clears it.
	Nonconformant string `json:"nc,omitempty"`
	// The latest event's kind, time and place; left out of a record
	// whose log's last entry says them (packrecord.go).
	LastKind  Kind      `json:"lk,omitempty"`
	LastTime  time.Time `json:"lt,omitzero"`
	LastPlace string    `json:"lp,omitempty"`
	// The accepted events, bounded: the newest inline, older ones in
	// chunks of their own (eventlog.go).
	eventList
	// Link is the pack's other code (a China drug code on a GS1 pack, or
	// the reverse) as a child reference: its twin record, kept in the same
	// state (china.go).
	Link string `json:"ln,omitempty"`
	// Indexed says the holder index has a key for every organisation the
	// record names (holders.go); records written before it existed lack it.
	Indexed bool `json:"ix,omitempty"`
}

// facts is what the trace core's state machine, custody and verdict rules
// read of p; c resolves the custody of records from before it was kept.
func (p *pack) facts(c *Config) trace.PackFacts {
	f := trace.PackFacts{GTIN: p.GTIN, Serial: p.Serial, Batch: p.Batch, Expiry: p.Expiry, Status: p.Status,
		Dest: p.Dest, DispensedAt: p.DispLoc, DispensedOn: p.DispTime, DispensedTx: p.DispTx, Nonconformant: p.Nonconformant}
	f.Holder, f.Consignee = custodyOf(c, p.Holder, p.Location, p.Consignee, p.Dest, p.Status, p.Owner)
	return f
}

// nameHolder names the holder of a record from before custody was kept
// (custodyOf), as every record written since does.
func (p *pack) nameHolder(c *Config) {
	if p.Holder == "" {
		h, _ := custodyOf(c, "", p.Location, "", "", p.Status, p.Owner)
		p.Holder = h.MSP
	}
}

// custodyOf is the holder and (in transit) consignee of a pack or unit. A
// record from before custody was kept names neither MSP: the holder is the
// organisation whose location it is at (else fallback, its commissioner),
// the consignee the one whose location it was shipped to.
func custodyOf(c *Config, holder, at, consignee, dest string, st PackStatus, fallback string) (h, cn Party) {
	if holder == "" && c != nil {
		holder = c.mspAt(at)
	}
	if holder == "" {
		holder = fallback
	}
	h = Party{MSP: holder, GLN: at}
	if st == PackInTransit {
		if consignee == "" && c != nil {
			consignee = c.mspAt(dest)
		}
		cn = Party{MSP: consignee, GLN: dest}
	}
	return h, cn
}

// parties is the holder and consignee as wire values (nil when unknown).
func parties(h, cn Party) (*Party, *Party) {
	var hp, cp *Party
	if h.MSP != "" {
		hp = &h
	}
	if cn.MSP != "" || cn.GLN != "" {
		cp = &cn
	}
	return hp, cp
}

// loggedMark in a pack's Events stands for its next Log entry.
const loggedMark = ""

// lastEvent is the ID of the pack's latest accepted event.
func (p *pack) lastEvent() string {
	n := len(p.Events)
	if n == 0 {
		return ""
	}
	if last := trace.LastLogged(p.Events, p.Log); last != nil {
		return last.EventID(p.GTIN, p.Serial)
	}
	return p.Events[n-1]
}

// packEvent is a content-addressed event kept in its pack's record
// (trace.LoggedEvent); its ID is filled in when the record is read.
type packEvent = trace.LoggedEvent

// logged returns the pack's content-addressed event id, or nil (also for
// no pack).
func (p *pack) logged(id string) *packEvent {
	if p == nil {
		return nil
	}
	for i := range p.Log {
		if p.Log[i].ID == id {
			return &p.Log[i]
		}
	}
	return nil
}

// recall is b as the trace core's recall, or nil when b is not a recall.
func (b *batchRec) recall() *trace.Recall {
	if b == nil || !b.Recalled {
		return nil
	}
	return &trace.Recall{GTIN: b.GTIN, Batch: b.Batch, EventID: b.Event, Time: b.Time, Reason: b.Note}
}

// unit is a logistic unit (SSCC case or pallet).
type unit struct {
	SSCC     string     `json:"c"`
	Status   PackStatus `json:"st"`
	Location string     `json:"l,omitempty"`
	Dest     string     `json:"d,omitempty"`
	Parent   string     `json:"p,omitempty"`
	Children []string   `json:"ch,omitempty"` // SSCCs and GTIN/serial
	// Events are the IDs of the unit's events, oldest first, after those
	// in its Chunks (eventlog.go).
	Events []string `json:"ev"`
	Chunks int      `json:"ec,omitempty"`
	// Holder and Consignee as for a pack; everything inside moves with it.
	Holder    string `json:"h,omitempty"`
	Consignee string `json:"cn,omitempty"`
	// Held are the MSPs that held it before its holder (as for a pack).
	Held []string `json:"hd,omitempty"`
	// Indexed as for a pack (holders.go).
	Indexed bool `json:"ix,omitempty"`
}

// held adds msp, a holder handing over, to the MSPs that held something
// (but not its commissioner owner, named apart).
func held(list []string, msp, owner string) []string {
	if msp == "" || msp == owner || slices.Contains(list, msp) {
		return list
	}
	return append(slices.Clone(list), msp)
}

// custody is the unit's holder and (in transit) consignee.
func (u *unit) custody(c *Config) (Party, Party) {
	return custodyOf(c, u.Holder, u.Location, u.Consignee, u.Dest, u.Status, "")
}

// batchRec is a batch's recall state.
type batchRec struct {
	GTIN     string    `json:"g"`
	Batch    string    `json:"b"`
	Recalled bool      `json:"r"`
	Event    string    `json:"e,omitempty"`
	Time     time.Time `json:"t,omitzero"`
	By       string    `json:"by,omitempty"`
	Note     string    `json:"n,omitempty"`
	TxTime   time.Time `json:"tt,omitzero"` // the ledger time of the recall
	// Past are the IDs of the batch's withdrawn recalls and of their
	// withdrawals, oldest first (at most maxBatchPast): they stay in its
	// packs' history (withdraw.go).
	Past []string `json:"ps,omitempty"`
}

// change is the pack's state as offline copies receive it (the custody as
// the record names it: offline copies read records from write sets,
// without the configuration).
func (p *pack) change() PackChange {
	c := PackChange{GTIN: p.GTIN, Serial: p.Serial, Batch: p.Batch, Expiry: p.Expiry, Status: p.Status,
		LastEvent: p.lastEvent(), LastKind: p.LastKind, LastTime: p.LastTime, LastPlace: p.LastPlace}
	if p.Holder != "" {
		c.Holder = &Party{MSP: p.Holder, GLN: p.Location}
	}
	if p.Status == PackInTransit && p.Consignee != "" {
		c.Consignee = &Party{MSP: p.Consignee, GLN: p.Dest}
	}
	return c
}

// change is the unit's state as offline copies receive it (the custody as
// the record names it, as for a pack's change).
func (u *unit) change() UnitChange {
	c := UnitChange{SSCC: u.SSCC, Status: u.Status, Location: u.Location, Parent: u.Parent,
		Children: slices.Clone(u.Children)}
	if u.Holder != "" {
		c.Holder = &Party{MSP: u.Holder, GLN: u.Location}
	}
	if u.Status == PackInTransit && u.Consignee != "" {
		c.Consignee = &Party{MSP: u.Consignee, GLN: u.Dest}
	}
	return c
}

// eventRec is a recorded event: its content hash (to tell a replay from a
// conflict), the transaction that recorded it, its outcome, and the event
// as sent (Raw, compacted). Accepted events are rendered as EPCIS 2.0 JSON
// when read (History); records written before that change carry the
// rendered document in EPCIS instead, which is returned as stored.
type eventRec struct {
	Hash      string          `json:"h"`
	TxID      string          `json:"tx"`
	TxTime    time.Time       `json:"tt"`
	Kind      Kind            `json:"k"`
	EventTime time.Time       `json:"et"`
	Status    Status          `json:"s"`
	Reason    string          `json:"r,omitempty"`
	Message   string          `json:"m,omitempty"`
	EPCIS     json.RawMessage `json:"epcis,omitempty"`
	Raw       json.RawMessage `json:"raw,omitempty"`
}

// encode marshals the record, appending the stored event document as is:
// encoding/json would re-compact a RawMessage field, its costliest step.
func (e *eventRec) encode() ([]byte, error) {
	h := *e
	h.EPCIS, h.Raw = nil, nil
	b, err := json.Marshal(&h)
	if err != nil {
		return nil, err
	}
	b = b[:len(b)-1]
	if e.EPCIS != nil {
		b = append(append(append(b, `,"epcis":`...), e.EPCIS...), '}')
	} else if e.Raw != nil {
		var c bytes.Buffer
		if err := json.Compact(&c, e.Raw); err != nil {
			return nil, err
		}
		b = append(append(append(b, `,"raw":`...), c.Bytes()...), '}')
	} else {
		b = append(b, '}')
	}
	return b, nil
}

// overlay is the transaction's view of the state: reads are cached, writes
// are kept and flushed once at the end, so later events of a batch see
// earlier ones (Fabric's GetState does not read the transaction's own writes).
type overlay struct {
	st      State
	packs   map[string]*pack
	units   map[string]*unit
	batches map[string]*batchRec
	events  map[string]*eventRec
	chunks  map[string]*eventChunk
	indexes map[string]*chunkIndex // chunks as replay checks read them
	dirty   map[string]bool
	touched []*pack // packs put since the last mirrorLinks (china.go)
	// cfg is the configuration of a transaction that writes (nil for
	// queries); indexed are the organisations each pack or unit record as
	// read has holder index keys for (holders.go).
	cfg     *Config
	indexed map[string][]string
	// derived are the IDs of events logged in pack records that are their
	// content IDs: the records leave them out (packrecord.go).
	derived map[string]bool
}

func newOverlay(st State) *overlay {
	return &overlay{
		st:      st,
		packs:   map[string]*pack{},
		units:   map[string]*unit{},
		batches: map[string]*batchRec{},
		events:  map[string]*eventRec{},
		chunks:  map[string]*eventChunk{},
		indexes: map[string]*chunkIndex{},
		dirty:   map[string]bool{},
		indexed: map[string][]string{},
		derived: map[string]bool{},
	}
}

// load reads key through cache m; a missing key caches nil.
func load[T any](ov *overlay, m map[string]*T, key string) (*T, error) {
	if v, ok := m[key]; ok {
		return v, nil
	}
	b, err := ov.st.GetState(key)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	var v *T
	if b != nil {
		v = new(T)
		if err := json.Unmarshal(b, v); err != nil {
			return nil, fmt.Errorf("decode %s: %w", key, err)
		}
	}
	m[key] = v
	return v, nil
}

// pack reads a pack's record. One written before event lists were bounded
// whose log had filled up is marked Keyed when read (eventlog.go).
func (ov *overlay) pack(gtin, serial string) (*pack, error) {
	k := packKey(gtin, serial)
	if p, ok := ov.packs[k]; ok {
		return p, nil
	}
	b, err := ov.st.GetState(k)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", k, err)
	}
	var p *pack
	if b != nil {
		if p, err = decodePack(k, b, ov.derived); err != nil {
			return nil, err
		}
	}
	ov.packs[k] = p
	if p != nil && len(p.Log) >= MaxPackLog {
		p.Keyed = true
	}
	if p != nil {
		ov.noteIndexed(k, p.Indexed, p.readers)
	}
	return p, err
}
func (ov *overlay) unit(sscc string) (*unit, error) {
	k := unitKey(sscc)
	if u, ok := ov.units[k]; ok {
		return u, nil
	}
	u, err := load(ov, ov.units, k)
	if u != nil {
		ov.noteIndexed(k, u.Indexed, u.readers)
	}
	return u, err
}
func (ov *overlay) batch(gtin, lot string) (*batchRec, error) {
	return load(ov, ov.batches, batchKey(gtin, lot))
}
func (ov *overlay) event(id string) (*eventRec, error) { return load(ov, ov.events, eventKey(id)) }

// packEventRec returns the record of accepted event id of pack p: from the
// pack's own list (its record, then its chunks), else from the event's key
// (nil if none has it).
func (ov *overlay) packEventRec(p *pack, id string) (*eventRec, error) {
	pe := p.logged(id)
	if pe == nil && p != nil && p.Chunks > 0 {
		var err error
		if pe, err = ov.chunkedEvent(p, id); err != nil {
			return nil, err
		}
	}
	if pe == nil {
		return ov.event(id)
	}
	return ov.entryRec(logEntry{ID: id, Logged: pe, GTIN: p.GTIN, Serial: p.Serial})
}

// entryRec returns the record of an accepted event of a pack's list: the
// event the list holds, else the one under its own key (nil if none).
func (ov *overlay) entryRec(e logEntry) (*eventRec, error) {
	pe := e.Logged
	if pe == nil {
		return ov.event(e.ID)
	}
	ev := pe.Event.Event(e.ID, e.GTIN, e.Serial)
	raw, err := json.Marshal(&ev)
	if err != nil {
		return nil, fmt.Errorf("stored event %s: %w", e.ID, err)
	}
	return &eventRec{TxID: pe.TxID, TxTime: pe.TxTime, Kind: ev.Kind, EventTime: ev.Time, Status: StatusAccepted, Raw: raw}, nil
}

func (ov *overlay) putPack(p *pack) {
	k := packKey(p.GTIN, p.Serial)
	ov.packs[k], ov.dirty[k] = p, true
	if p.Link != "" {
		ov.touched = append(ov.touched, p)
	}
}
func (ov *overlay) putUnit(u *unit) {
	k := unitKey(u.SSCC)
	ov.units[k], ov.dirty[k] = u, true
}
func (ov *overlay) putBatch(b *batchRec) {
	k := batchKey(b.GTIN, b.Batch)
	ov.batches[k], ov.dirty[k] = b, true
}
func (ov *overlay) putEvent(id string, e *eventRec) {
	k := eventKey(id)
	ov.events[k], ov.dirty[k] = e, true
}

// flush writes every changed key once, in key order, after moving the
// oldest entries of long event lists to chunks (eventlog.go) and with the
// holder index keys of organisations that now may read a pack or unit
// written (holders.go).
func (ov *overlay) flush() error {
	keys := make([]string, 0, len(ov.dirty))
	for k := range ov.dirty {
		keys = append(keys, k)
	}
	holders := map[string]bool{}
	for _, k := range keys {
		switch k[:2] {
		case prefixPack:
			p := ov.packs[k]
			p.nameHolder(ov.cfg) // packrecord.go leaves out a holder that is the commissioner
			ov.compactPack(k, p)
			for _, h := range ov.holderWrites(k, p.readers(ov.cfg)) {
				holders[h] = true
			}
			if _, ok := ov.indexed[k]; !ok && p.Owner != "" {
				holders[productKey(p.Owner, p.GTIN)] = true // new, or from before the index
			}
			p.Indexed = true
		case prefixUnit:
			u := ov.units[k]
			ov.compactUnit(k, u)
			for _, h := range ov.holderWrites(k, u.readers(ov.cfg)) {
				holders[h] = true
			}
			u.Indexed = true
		}
	}
	for h := range holders {
		keys = append(keys, h)
	}
	for k := range ov.dirty { // the chunks just put
		if k[:2] == prefixChunk {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		var v any
		switch k[:2] {
		case prefixHolder:
			if err := ov.st.PutState(k, holderMark); err != nil {
				return fmt.Errorf("write %s: %w", k, err)
			}
			continue
		case prefixChunk:
			v = ov.chunks[k]
		case prefixPack:
			v = ov.packs[k]
		case prefixUnit:
			v = ov.units[k]
		case prefixBatch:
			v = ov.batches[k]
		case prefixEvent:
			v = ov.events[k]
		}
		var b []byte
		var err error
		if e, ok := v.(*eventRec); ok {
			b, err = e.encode()
		} else if p, ok := v.(*pack); ok {
			b, err = encodePack(p, ov.derived)
		} else {
			b, err = json.Marshal(v)
		}
		if err != nil {
			return fmt.Errorf("encode %s: %w", k, err)
		}
		if err := ov.st.PutState(k, b); err != nil {
			return fmt.Errorf("write %s: %w", k, err)
		}
	}
	return nil
}

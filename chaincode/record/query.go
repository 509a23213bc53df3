package record

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/medtrace/medtrace/trace"
)

// Verify answers whether a pack may be handed out: its status and every
// alert, comparing the batch and expiry as scanned (either may be empty)
// with what the manufacturer declared, as of the transaction time; and who
// holds the pack and, in transit, who is to receive it.
func Verify(st State, tx Tx, gtin, serial, batch, expiry string) (Verification, error) {
	cfg, err := LoadConfig(st)
	if err != nil {
		return Verification{}, err
	}
	if _, err := cfg.reader(tx); err != nil {
		return Verification{}, err
	}
	if err := checkGTIN(gtin); err != nil {
		return Verification{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	if err := checkText("serial", serial, 20); err != nil {
		return Verification{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	ov := newOverlay(st)
	v := Verification{GTIN: gtin, Serial: serial, Status: PackUnknown, AsOf: tx.Time}
	p, err := ov.pack(gtin, serial)
	if err != nil {
		return Verification{}, err
	}
	scan := trace.Scan{GTIN: gtin, Serial: serial, Batch: batch, Expiry: expiry}
	if p == nil {
		v.Status, v.Alerts = trace.Judge(nil, nil, scan, tx.Time)
		return v, nil
	}
	b, err := ov.batch(p.GTIN, p.Batch)
	if err != nil {
		return Verification{}, err
	}
	facts := p.facts(cfg)
	v.Status, v.Alerts = trace.Judge(&facts, b.recall(), scan, tx.Time)
	v.Holder, v.Consignee = parties(facts.Holder, facts.Consignee)
	v.Batch, v.Expiry = p.Batch, p.Expiry
	v.LastEvent, v.LastKind, v.LastTime, v.LastPlace = p.lastEvent(), p.LastKind, p.LastTime, p.LastPlace
	return v, nil
}

// readerOrg lets every organisation with a role read.
func readerOrg(st State, tx Tx) (*Org, error) {
	c, err := LoadConfig(st)
	if err != nil {
		return nil, err
	}
	return c.reader(tx)
}

// History returns a pack's accepted events, oldest first, with the recall
// of its batch if any; unknown packs have an empty history.
func History(st State, tx Tx, gtin, serial string) ([]HistoryEntry, error) {
	if _, err := readerOrg(st, tx); err != nil {
		return nil, err
	}
	if err := checkGTIN(gtin); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	ov := newOverlay(st)
	p, err := ov.pack(gtin, serial)
	if err != nil || p == nil {
		return []HistoryEntry{}, err
	}
	ids := p.eventIDs()
	b, err := ov.batch(p.GTIN, p.Batch)
	if err != nil {
		return nil, err
	}
	if b != nil && b.Recalled {
		ids = append(ids, b.Event)
	}
	out := make([]HistoryEntry, 0, len(ids))
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		e, err := ov.packEventRec(p, id)
		if err != nil {
			return nil, err
		}
		if e == nil {
			return nil, fmt.Errorf("event %s of pack %s/%s is missing", id, gtin, serial)
		}
		doc, place, err := e.document(id)
		if err != nil {
			return nil, err
		}
		out = append(out, HistoryEntry{EventID: id, Kind: e.Kind, TxID: e.TxID, TxTime: e.TxTime, EventTime: e.EventTime, Place: place, EPCIS: doc})
	}
	slices.SortStableFunc(out, func(a, b HistoryEntry) int { return a.TxTime.Compare(b.TxTime) })
	return out, nil
}

// UnitContents returns what an SSCC holds, recursively, with each pack's status.
func UnitContents(st State, tx Tx, sscc string) (Contents, error) {
	if _, err := readerOrg(st, tx); err != nil {
		return Contents{}, err
	}
	if err := checkSSCC(sscc); err != nil {
		return Contents{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	ov := newOverlay(st)
	seen := map[string]bool{}
	var walk func(s string, depth int) (Contents, error)
	walk = func(s string, depth int) (Contents, error) {
		u, err := ov.unit(s)
		if err != nil {
			return Contents{}, err
		}
		if u == nil {
			return Contents{SSCC: s, Status: PackUnknown}, nil
		}
		seen[s] = true
		c := Contents{SSCC: s, Status: u.Status, Location: u.Location}
		for _, ch := range u.Children {
			cs, g, ser, err := splitChild(ch)
			if err != nil {
				return Contents{}, fmt.Errorf("stored child %q of %s: %w", ch, s, err)
			}
			if cs != "" {
				if seen[cs] || depth > 16 {
					continue
				}
				sub, err := walk(cs, depth+1)
				if err != nil {
					return Contents{}, err
				}
				c.Units = append(c.Units, sub)
				continue
			}
			p, err := ov.pack(g, ser)
			if err != nil {
				return Contents{}, err
			}
			ref := PackRef{GTIN: g, Serial: ser, Status: PackUnknown}
			if p != nil {
				b, err := ov.batch(p.GTIN, p.Batch)
				if err != nil {
					return Contents{}, err
				}
				ref.Batch, ref.Expiry = p.Batch, p.Expiry
				facts := p.facts(nil)
				ref.Status, _ = trace.Judge(&facts, b.recall(), trace.Scan{GTIN: g, Serial: ser}, tx.Time)
			}
			c.Packs = append(c.Packs, ref)
		}
		return c, nil
	}
	return walk(sscc, 0)
}

// KV is one key and value of a range scan.
type KV struct {
	Key   string
	Value []byte
}

// Pager scans a key range a page at a time (queries only: the write path
// never scans). The Fabric stub's GetStateByRangeWithPagination backs it.
type Pager interface {
	ScanPage(start, end string, pageSize int, bookmark string) (kvs []KV, next string, err error)
}

// MaxPage is the largest export page.
const MaxPage = 2000

// Export returns one page of the full state for offline copies: packs in
// key order, then (on the page after the last pack) every recalled batch.
// Bookmarks are opaque; start with "".
func Export(st State, pg Pager, tx Tx, bookmark string, pageSize int) (Page, error) {
	if _, err := readerOrg(st, tx); err != nil {
		return Page{}, err
	}
	if pageSize < 1 || pageSize > MaxPage {
		return Page{}, fmt.Errorf("%w: page size must be 1 to %d", ErrBadRequest, MaxPage)
	}
	out := Page{Packs: []PackChange{}, Recalls: []Recall{}}
	// The bookmark says which range it continues: "p" packs, "b" batches.
	phase, inner := "p", ""
	if bookmark != "" {
		if len(bookmark) < 2 || (bookmark[0] != 'p' && bookmark[0] != 'b') || bookmark[1] != '|' {
			return Page{}, fmt.Errorf("%w: bad bookmark", ErrBadRequest)
		}
		phase, inner = bookmark[:1], bookmark[2:]
	}
	if phase == "p" {
		kvs, next, err := pg.ScanPage(prefixPack, prefixPack[:1]+";", pageSize, inner)
		if err != nil {
			return Page{}, fmt.Errorf("scan packs: %w", err)
		}
		for _, kv := range kvs {
			var p pack
			if err := json.Unmarshal(kv.Value, &p); err != nil {
				return Page{}, fmt.Errorf("decode %s: %w", kv.Key, err)
			}
			out.Packs = append(out.Packs, p.change())
		}
		if next != "" && len(kvs) == pageSize {
			out.Bookmark = "p|" + next
			return out, nil
		}
		out.Bookmark = "b|"
		return out, nil
	}
	kvs, next, err := pg.ScanPage(prefixBatch, prefixBatch[:1]+";", pageSize, inner)
	if err != nil {
		return Page{}, fmt.Errorf("scan batches: %w", err)
	}
	for _, kv := range kvs {
		var b batchRec
		if err := json.Unmarshal(kv.Value, &b); err != nil {
			return Page{}, fmt.Errorf("decode %s: %w", kv.Key, err)
		}
		if b.Recalled {
			out.Recalls = append(out.Recalls, Recall{GTIN: b.GTIN, Batch: b.Batch, EventID: b.Event, Time: b.Time, Reason: b.Note})
		}
	}
	if next != "" && len(kvs) == pageSize {
		out.Bookmark = "b|" + next
	}
	return out, nil
}

// document is an accepted event's EPCIS 2.0 JSON, rendered by the trace
// core from the event as sent and its transaction time, and the GLN where
// it happened ("" for events stored as EPCIS by earlier versions).
func (e *eventRec) document(id string) (json.RawMessage, string, error) {
	if e.EPCIS != nil {
		return e.EPCIS, "", nil
	}
	var ev Event
	if err := json.Unmarshal(e.Raw, &ev); err != nil {
		return nil, "", fmt.Errorf("stored event %s: %w", id, err)
	}
	doc, err := trace.EPCISEvent(ev, e.TxTime)
	if err != nil {
		return nil, "", fmt.Errorf("render event %s: %w", id, err)
	}
	return doc, ev.Location, nil
}

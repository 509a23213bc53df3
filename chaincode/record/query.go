package record

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

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
	b, err := linkedBatch(ov, p) // china.go
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

// readScope is what a submitter may read beyond verifying one pack
// (histories, contents, export): a regulator everything; a manufacturer
// its own products (GTINs under its company prefixes); every member what
// it holds or has held, or is to receive.
type readScope struct {
	cfg *Config
	org *Org
	msp string
}

// scopeOf checks the submitter is a member and returns its read scope.
func scopeOf(st State, tx Tx) (readScope, error) {
	c, err := LoadConfig(st)
	if err != nil {
		return readScope{}, err
	}
	o, err := c.reader(tx)
	if err != nil {
		return readScope{}, err
	}
	return readScope{cfg: c, org: o, msp: tx.MSP}, nil
}

// pack reports whether the scope takes in pack p.
func (s readScope) pack(p *pack) bool {
	switch {
	case s.org.Role == RoleRegulator:
		return true
	case s.org.Role == RoleManufacturer && s.org.ownsGTIN(p.GTIN):
		return true
	}
	h, cn := custodyOf(s.cfg, p.Holder, p.Location, p.Consignee, p.Dest, p.Status, p.Owner)
	return s.msp == p.Owner || s.msp == h.MSP || s.msp == cn.MSP || slices.Contains(p.Held, s.msp)
}

// unit reports whether the scope takes in logistic unit u.
func (s readScope) unit(u *unit) bool {
	if s.org.Role == RoleRegulator {
		return true
	}
	h, cn := u.custody(s.cfg)
	return s.msp == h.MSP || s.msp == cn.MSP || slices.Contains(u.Held, s.msp)
}

// History returns a pack's accepted events, oldest first, with the recall
// of its batch if any; unknown packs have an empty history.
//
// Only a reader whose scope takes the pack in (readScope) may read its
// history; others get ErrAccessDenied (Verify stays open to every member).
func History(st State, tx Tx, gtin, serial string) ([]HistoryEntry, error) {
	scope, err := scopeOf(st, tx)
	if err != nil {
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
	if !scope.pack(p) {
		return nil, fmt.Errorf("%w: the history of pack %s serial %s is for its brand owner, those who held it and the regulator, not %s", ErrAccessDenied, gtin, serial, tx.MSP)
	}
	// Its events: older ones in chunks, newer in its record (eventlog.go).
	ents, err := linkedEvents(ov, p) // a linked pack's history is its twin's too (china.go)
	if err != nil {
		return nil, err
	}
	b, err := linkedBatch(ov, p)
	if err != nil {
		return nil, err
	}
	ents = append(ents, b.historyEntries()...) // the recall, and withdrawn ones with their withdrawals (withdraw.go)
	out := make([]HistoryEntry, 0, len(ents))
	seen := map[string]bool{}
	for _, en := range ents {
		id := en.ID
		if seen[id] {
			continue
		}
		seen[id] = true
		e, err := ov.entryRec(en)
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

// UnitContents returns what an SSCC holds, recursively, with each pack's
// status. Only a reader whose scope takes the SSCC in (its holders, its
// consignee, the regulator) may read it; others get ErrAccessDenied.
func UnitContents(st State, tx Tx, sscc string) (Contents, error) {
	scope, err := scopeOf(st, tx)
	if err != nil {
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
		if depth == 0 && !scope.unit(u) {
			return Contents{}, fmt.Errorf("%w: the contents of SSCC %s are for those who hold or held it, its consignee and the regulator, not %s", ErrAccessDenied, s, tx.MSP)
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

// Export returns one page of the state for offline copies: packs in key
// order, then logistic units (cases, pallets) in key order, then (on the
// page after the last unit) every recalled batch. Bookmarks are opaque;
// start with "". Packs and units are those of the submitter's read scope
// (readScope). The regulator's pages range over every record; another
// member's over its own holder index (holders.go), each key naming a record
// that is then read and checked against the scope again: pageSize bounds
// the records (or index keys) scanned, so a page may hold fewer, or none,
// and still have a next one. Recalls are every member's: a pharmacy must
// know of a recall of any batch. Pages of packs and recalls are as before
// units were exported (Units is then absent).
func Export(st State, pg Pager, tx Tx, bookmark string, pageSize int) (Page, error) {
	scope, err := scopeOf(st, tx)
	if err != nil {
		return Page{}, err
	}
	if pageSize < 1 || pageSize > MaxPage {
		return Page{}, fmt.Errorf("%w: page size must be 1 to %d", ErrBadRequest, MaxPage)
	}
	out := Page{Packs: []PackChange{}, Recalls: []Recall{}}
	// The bookmark says which range it continues: "g" the packs of the
	// products the submitter commissioned (productPage), "p" packs, "u"
	// units, "b" batches. The regulator starts with every pack, the others
	// with their products, then their holder index.
	phase, inner := "g", ""
	if scope.org.Role == RoleRegulator {
		phase = "p"
	}
	if bookmark != "" {
		if len(bookmark) < 2 || !strings.ContainsRune("gpub", rune(bookmark[0])) || bookmark[1] != '|' {
			return Page{}, fmt.Errorf("%w: bad bookmark", ErrBadRequest)
		}
		phase, inner = bookmark[:1], bookmark[2:]
	}
	// index is the key prefix a member's holder index adds to the records'
	// keys ("" for the regulator, who ranges over the records).
	index := ""
	if scope.org.Role != RoleRegulator {
		index = holderPrefix(tx.MSP)
	}
	// scan reads one page of the range under prefix (the records' prefix,
	// within the index if any), handing each record to take, and returns
	// the range's next bookmark ("" at its end).
	scan := func(prefix, what string, take func(key string, value []byte) error) (string, error) {
		from := index + prefix
		if inner != "" && !strings.HasPrefix(inner, from) {
			inner = "" // a bookmark of another range (the full one, before the index): start this one over
		}
		kvs, next, err := pg.ScanPage(from, rangeEnd(from), pageSize, inner)
		if err != nil {
			return "", fmt.Errorf("scan %s: %w", what, err)
		}
		for _, kv := range kvs {
			k, v := kv.Key, kv.Value
			if index != "" {
				k = strings.TrimPrefix(k, index)
				if v, err = st.GetState(k); err != nil {
					return "", fmt.Errorf("read %s: %w", k, err)
				}
				if v == nil {
					continue
				}
			}
			if err := take(k, v); err != nil {
				return "", err
			}
		}
		if next != "" && len(kvs) == pageSize {
			return next, nil
		}
		return "", nil
	}
	takePack := func(k string, v []byte) error {
		p, err := decodePack(k, v, nil)
		if err != nil {
			return err
		}
		if scope.pack(p) {
			out.Packs = append(out.Packs, p.change())
		}
		return nil
	}
	switch phase {
	case "g":
		next, err := productPage(pg, tx.MSP, inner, pageSize, takePack)
		if err != nil {
			return Page{}, err
		}
		out.Bookmark = "p|"
		if next != "" {
			out.Bookmark = "g|" + next
		}
	case "p":
		next, err := scan(prefixPack, "packs", takePack)
		if err != nil {
			return Page{}, err
		}
		out.Bookmark = "u|"
		if next != "" {
			out.Bookmark = "p|" + next
		}
	case "u":
		next, err := scan(prefixUnit, "units", func(k string, v []byte) error {
			var u unit
			if err := json.Unmarshal(v, &u); err != nil {
				return fmt.Errorf("decode %s: %w", k, err)
			}
			if scope.unit(&u) {
				out.Units = append(out.Units, u.change())
			}
			return nil
		})
		if err != nil {
			return Page{}, err
		}
		out.Bookmark = "b|"
		if next != "" {
			out.Bookmark = "u|" + next
		}
	default:
		index = "" // recalls are everyone's
		next, err := scan(prefixBatch, "batches", func(k string, v []byte) error {
			var b batchRec
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("decode %s: %w", k, err)
			}
			if b.Recalled {
				out.Recalls = append(out.Recalls, Recall{GTIN: b.GTIN, Batch: b.Batch, EventID: b.Event, Time: b.Time, Reason: b.Note})
			}
			return nil
		})
		if err != nil {
			return Page{}, err
		}
		if next != "" {
			out.Bookmark = "b|" + next
		}
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

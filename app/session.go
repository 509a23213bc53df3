package app

import (
	"time"

	"github.com/medtrace/medtrace/ledger"
)

// whMode is what a warehouse scan means.
type whMode int

// Warehouse scan modes.
const (
	modeItems  whMode = iota // each scan is an item received or shipped
	modePack                 // the first scan is the parent SSCC, then its children
	modeUnpack               // each scan is an SSCC being opened
)

// Outcomes of one warehouse scan.
const (
	outAdded      = "added"
	outParent     = "parent"
	outChild      = "child"
	outUnpacked   = "unpacked"
	outDuplicate  = "duplicate"
	outUnexpected = "unexpected"
)

// aggregation is one SSCC packed with its children.
type aggregation struct {
	parent   Code
	children []Code
}

// whSession is one receiving or shipping session. It holds no Fyne state,
// so its rules are tested directly.
type whSession struct {
	kind         ledger.Kind // ledger.KindReceive or ledger.KindShip
	counterparty string      // GLN
	location     string      // GLN
	started      time.Time

	mode    whMode
	items   []Code // items received or shipped, in scan order
	aggs    []aggregation
	open    *aggregation // the aggregation being scanned (modePack)
	unpacks []Code
	seen    map[string]bool

	duplicates, unexpected int
}

func newSession(kind ledger.Kind, counterparty, location string, now time.Time) *whSession {
	return &whSession{kind: kind, counterparty: counterparty, location: location, started: now, seen: map[string]bool{}}
}

// whCounts are a session's running totals.
type whCounts struct {
	Cases, Packs, Aggregations, Unpacks, Duplicates, Unexpected int
}

func (s *whSession) counts() whCounts {
	c := whCounts{Aggregations: len(s.aggs), Unpacks: len(s.unpacks), Duplicates: s.duplicates, Unexpected: s.unexpected}
	counted := map[string]bool{} // an item, or a case packed into a pallet here, counts once
	count := func(x Code) {
		if counted[x.Key()] {
			return
		}
		counted[x.Key()] = true
		if x.IsLogistic() {
			c.Cases++
		} else {
			c.Packs++
		}
	}
	for _, it := range s.items {
		count(it)
	}
	for _, a := range s.aggs {
		count(a.parent)
		for _, ch := range a.children {
			count(ch)
		}
	}
	if s.open != nil {
		count(s.open.parent)
		for _, ch := range s.open.children {
			count(ch)
		}
	}
	return c
}

func (s *whSession) isItem(c Code) bool {
	for _, it := range s.items {
		if it.Key() == c.Key() {
			return true
		}
	}
	return false
}

// nestable reports whether key is a case packed in this session that is
// not yet inside another unit: it may go into a pallet.
func (s *whSession) nestable(key string) bool {
	packed := false
	for _, a := range s.aggs {
		if a.parent.Key() == key {
			packed = true
		}
		for _, ch := range a.children {
			if ch.Key() == key {
				return false
			}
		}
	}
	return packed
}

// setMode changes what scans mean; leaving pack mode finishes the open
// aggregation.
func (s *whSession) setMode(m whMode) {
	if m != modePack {
		s.finishAggregation()
	}
	s.mode = m
}

// finishAggregation closes the aggregation being scanned. One without
// children is dropped (reported by the caller as nothing to pack).
func (s *whSession) finishAggregation() (aggregation, bool) {
	if s.open == nil {
		return aggregation{}, false
	}
	a := *s.open
	s.open = nil
	if len(a.children) == 0 {
		delete(s.seen, a.parent.Key())
		return a, false
	}
	s.aggs = append(s.aggs, a)
	return a, true
}

// add takes one scanned code and returns the outcome and, for a warning,
// the translation key of its reason.
func (s *whSession) add(c Code) (outcome, reason string) {
	key := c.Key()
	if !c.Valid {
		s.unexpected++
		return outUnexpected, "wh.reason.invalid"
	}
	if key == "" {
		s.unexpected++
		return outUnexpected, "wh.reason.notitem"
	}
	switch s.mode {
	case modeUnpack:
		if !c.IsLogistic() {
			s.unexpected++
			return outUnexpected, "wh.reason.notsscc"
		}
		for _, u := range s.unpacks {
			if u.Key() == key {
				s.duplicates++
				return outDuplicate, "wh.reason.duplicate"
			}
		}
		s.unpacks = append(s.unpacks, c)
		return outUnpacked, ""
	case modePack:
		if s.open == nil {
			if !c.IsLogistic() {
				s.unexpected++
				return outUnexpected, "wh.reason.parentfirst"
			}
			for _, a := range s.aggs {
				if a.parent.Key() == key {
					s.duplicates++
					return outDuplicate, "wh.reason.duplicate"
				}
			}
			s.open = &aggregation{parent: c}
			if !s.isItem(c) {
				s.seen[key] = true
			}
			return outParent, ""
		}
		if key == s.open.parent.Key() {
			s.duplicates++
			return outDuplicate, "wh.reason.parentagain"
		}
		if s.seen[key] && !s.nestable(key) {
			s.duplicates++
			return outDuplicate, "wh.reason.duplicate"
		}
		s.seen[key] = true
		s.open.children = append(s.open.children, c)
		return outChild, ""
	}
	if s.seen[key] {
		s.duplicates++
		return outDuplicate, "wh.reason.duplicate"
	}
	s.seen[key] = true
	s.items = append(s.items, c)
	return outAdded, ""
}

// events returns the session's events in the order the ledger must apply
// them: when receiving, receive first and then open or re-pack; when
// shipping, open and pack first and then ship.
func (s *whSession) events(now time.Time) []ledger.Event {
	s.finishAggregation()
	var moves, unpacks, packs []ledger.Event
	mk := func(kind ledger.Kind, c Code) ledger.Event {
		ev := newEvent(kind, now, s.location, c)
		if kind == ledger.KindReceive || kind == ledger.KindShip {
			ev.Counterparty = s.counterparty
		}
		return ev
	}
	moved := map[string]bool{}
	move := func(c Code) {
		if !moved[c.Key()] {
			moved[c.Key()] = true
			moves = append(moves, mk(s.kind, c))
		}
	}
	// What is packed into a unit here travels inside it: a ship moves only
	// the outermost units (shipping a case of a pallet on its own would
	// take it out of the pallet on the ledger).
	inside := map[string]bool{}
	for _, a := range s.aggs {
		for _, ch := range a.children {
			inside[ch.Key()] = true
		}
	}
	for _, it := range s.items {
		if s.kind != ledger.KindShip || !inside[it.Key()] {
			move(it)
		}
	}
	madeHere := map[string]bool{} // units packed in this session
	for _, a := range s.aggs {
		madeHere[a.parent.Key()] = true
	}
	for _, a := range s.aggs {
		if s.kind == ledger.KindShip {
			if !inside[a.parent.Key()] {
				move(a.parent)
			}
		} else {
			// Receiving: a unit packed here was made here, not
			// delivered; what went into it arrived (loose).
			for _, ch := range a.children {
				if !madeHere[ch.Key()] {
					move(ch)
				}
			}
		}
		ev := mk(ledger.KindPack, a.parent)
		for _, ch := range a.children {
			ev.Children = append(ev.Children, ch.Child().Ref())
		}
		packs = append(packs, ev)
	}
	for _, c := range s.unpacks {
		unpacks = append(unpacks, mk(ledger.KindUnpack, c))
	}
	var out []ledger.Event
	if s.kind == ledger.KindReceive {
		out = append(append(append(out, moves...), unpacks...), packs...)
	} else {
		out = append(append(append(out, unpacks...), packs...), moves...)
	}
	for i := range out {
		out[i] = out[i].WithContentID()
	}
	return out
}

// receiptKeys are what a receiving session holds for the receipt check:
// every item key scanned, the SSCCs received as items (sealed) and those
// opened (unpacked).
func (s *whSession) receiptKeys() (items []string, sealed, opened map[string]bool) {
	sealed, opened = map[string]bool{}, map[string]bool{}
	for _, it := range s.items {
		items = append(items, it.Key())
		if it.IsLogistic() {
			sealed[it.SSCC] = true
		}
	}
	all := append([]aggregation(nil), s.aggs...)
	if s.open != nil {
		all = append(all, *s.open)
	}
	for _, a := range all {
		items = append(items, a.parent.Key())
		for _, ch := range a.children {
			items = append(items, ch.Key())
		}
	}
	for _, c := range s.unpacks {
		opened[c.SSCC] = true
	}
	return items, sealed, opened
}

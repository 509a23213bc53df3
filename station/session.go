package station

import (
	"time"

	"github.com/medtrace/medtrace/trace"
)

// Mode is what a warehouse scan means.
type Mode int

// Warehouse scan modes.
const (
	ModeItems  Mode = iota // each scan is an item received or shipped
	ModePack               // the first scan is the parent SSCC, then its children
	ModeUnpack             // each scan is an SSCC being opened
)

// Outcomes of one warehouse scan.
const (
	OutAdded      = "added"
	OutParent     = "parent"
	OutChild      = "child"
	OutUnpacked   = "unpacked"
	OutDuplicate  = "duplicate"
	OutUnexpected = "unexpected"
)

// Why a scan was a warning (Add's reason).
const (
	WhyInvalid     = "invalid"     // the code is not valid
	WhyNotItem     = "notitem"     // it names neither a pack nor an SSCC
	WhyNotSSCC     = "notsscc"     // only an SSCC can be opened
	WhyParentFirst = "parentfirst" // packing starts with the case or pallet's SSCC
	WhyDuplicate   = "duplicate"   // already scanned in this session
	WhyParentAgain = "parentagain" // the case being packed, scanned again
)

// SessionWhys lists every reason Add gives.
func SessionWhys() []string {
	return []string{WhyInvalid, WhyNotItem, WhyNotSSCC, WhyParentFirst, WhyDuplicate, WhyParentAgain}
}

// Aggregation is one SSCC packed with its children.
type Aggregation struct {
	Parent   Code   // the case or pallet
	Children []Code // what was packed into it, in scan order
}

// Session is one warehouse receiving or shipping session: what is scanned,
// what is packed into what and what is opened, with duplicates and
// unexpected scans counted; at its end, the events in the order the ledger
// must apply them. It is not safe for concurrent use (a desk drives it
// from one goroutine).
type Session struct {
	Kind         trace.Kind // trace.KindReceive or trace.KindShip
	Counterparty string     // GLN of the other party
	Location     string     // GLN of this site
	Started      time.Time

	mode    Mode
	items   []Code // items received or shipped, in scan order
	aggs    []Aggregation
	open    *Aggregation // the aggregation being scanned (ModePack)
	unpacks []Code
	seen    map[string]bool

	duplicates, unexpected int
}

// NewSession starts a session of kind (receive or ship) with the
// counterparty's GLN, at location, at now.
func NewSession(kind trace.Kind, counterparty, location string, now time.Time) *Session {
	return &Session{Kind: kind, Counterparty: counterparty, Location: location, Started: now, seen: map[string]bool{}}
}

// SessionCounts are a session's running totals.
type SessionCounts struct {
	Cases, Packs, Aggregations, Unpacks, Duplicates, Unexpected int
}

// Counts are the session's running totals: an item, or a case packed into
// a pallet here, counts once.
func (s *Session) Counts() SessionCounts {
	c := SessionCounts{Aggregations: len(s.aggs), Unpacks: len(s.unpacks), Duplicates: s.duplicates, Unexpected: s.unexpected}
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
		count(a.Parent)
		for _, ch := range a.Children {
			count(ch)
		}
	}
	if s.open != nil {
		count(s.open.Parent)
		for _, ch := range s.open.Children {
			count(ch)
		}
	}
	return c
}

func (s *Session) isItem(c Code) bool {
	for _, it := range s.items {
		if it.Key() == c.Key() {
			return true
		}
	}
	return false
}

// nestable reports whether key is a case packed in this session that is
// not yet inside another unit: it may go into a pallet.
func (s *Session) nestable(key string) bool {
	packed := false
	for _, a := range s.aggs {
		if a.Parent.Key() == key {
			packed = true
		}
		for _, ch := range a.Children {
			if ch.Key() == key {
				return false
			}
		}
	}
	return packed
}

// SetMode changes what scans mean; leaving pack mode finishes the open
// aggregation.
func (s *Session) SetMode(m Mode) {
	if m != ModePack {
		s.FinishAggregation()
	}
	s.mode = m
}

// FinishAggregation closes the aggregation being scanned. One without
// children is dropped (reported by the caller as nothing to pack).
func (s *Session) FinishAggregation() (Aggregation, bool) {
	if s.open == nil {
		return Aggregation{}, false
	}
	a := *s.open
	s.open = nil
	if len(a.Children) == 0 {
		delete(s.seen, a.Parent.Key())
		return a, false
	}
	s.aggs = append(s.aggs, a)
	return a, true
}

// Add takes one scanned code and returns the outcome (Out...) and, for a
// warning, why (Why...).
func (s *Session) Add(c Code) (outcome, reason string) {
	key := c.Key()
	if !c.Valid {
		s.unexpected++
		return OutUnexpected, WhyInvalid
	}
	if key == "" {
		s.unexpected++
		return OutUnexpected, WhyNotItem
	}
	switch s.mode {
	case ModeUnpack:
		if !c.IsLogistic() {
			s.unexpected++
			return OutUnexpected, WhyNotSSCC
		}
		for _, u := range s.unpacks {
			if u.Key() == key {
				s.duplicates++
				return OutDuplicate, WhyDuplicate
			}
		}
		s.unpacks = append(s.unpacks, c)
		return OutUnpacked, ""
	case ModePack:
		if s.open == nil {
			if !c.IsLogistic() {
				s.unexpected++
				return OutUnexpected, WhyParentFirst
			}
			for _, a := range s.aggs {
				if a.Parent.Key() == key {
					s.duplicates++
					return OutDuplicate, WhyDuplicate
				}
			}
			s.open = &Aggregation{Parent: c}
			if !s.isItem(c) {
				s.seen[key] = true
			}
			return OutParent, ""
		}
		if key == s.open.Parent.Key() {
			s.duplicates++
			return OutDuplicate, WhyParentAgain
		}
		if s.seen[key] && !s.nestable(key) {
			s.duplicates++
			return OutDuplicate, WhyDuplicate
		}
		s.seen[key] = true
		s.open.Children = append(s.open.Children, c)
		return OutChild, ""
	}
	if s.seen[key] {
		s.duplicates++
		return OutDuplicate, WhyDuplicate
	}
	s.seen[key] = true
	s.items = append(s.items, c)
	return OutAdded, ""
}

// Events returns the session's events in the order the ledger must apply
// them: when receiving, receive first and then open or re-pack; when
// shipping, open and pack first and then ship.
func (s *Session) Events(now time.Time) []trace.Event {
	s.FinishAggregation()
	var moves, unpacks, packs []trace.Event
	mk := func(kind trace.Kind, c Code) trace.Event {
		ev := c.Event(kind, now, s.Location)
		if kind == trace.KindReceive || kind == trace.KindShip {
			ev.Counterparty = s.Counterparty
		}
		return ev
	}
	moved := map[string]bool{}
	move := func(c Code) {
		if !moved[c.Key()] {
			moved[c.Key()] = true
			moves = append(moves, mk(s.Kind, c))
		}
	}
	// What is packed into a unit here travels inside it: a ship moves only
	// the outermost units (shipping a case of a pallet on its own would
	// take it out of the pallet on the ledger).
	inside := map[string]bool{}
	for _, a := range s.aggs {
		for _, ch := range a.Children {
			inside[ch.Key()] = true
		}
	}
	for _, it := range s.items {
		if s.Kind != trace.KindShip || !inside[it.Key()] {
			move(it)
		}
	}
	madeHere := map[string]bool{} // units packed in this session
	for _, a := range s.aggs {
		madeHere[a.Parent.Key()] = true
	}
	for _, a := range s.aggs {
		if s.Kind == trace.KindShip {
			if !inside[a.Parent.Key()] {
				move(a.Parent)
			}
		} else {
			// Receiving: a unit packed here was made here, not
			// delivered; what went into it arrived (loose).
			for _, ch := range a.Children {
				if !madeHere[ch.Key()] {
					move(ch)
				}
			}
		}
		ev := mk(trace.KindPack, a.Parent)
		for _, ch := range a.Children {
			ev.Children = append(ev.Children, ch.Child().Ref())
		}
		packs = append(packs, ev)
	}
	for _, c := range s.unpacks {
		unpacks = append(unpacks, mk(trace.KindUnpack, c))
	}
	var out []trace.Event
	if s.Kind == trace.KindReceive {
		out = append(append(append(out, moves...), unpacks...), packs...)
	} else {
		out = append(append(append(out, unpacks...), packs...), moves...)
	}
	for i := range out {
		out[i] = out[i].WithContentID()
	}
	return out
}

// ReceiptKeys are what a receiving session holds for the receipt check:
// every item key scanned, the SSCCs received as items (sealed) and those
// opened (unpacked).
func (s *Session) ReceiptKeys() (items []string, sealed, opened map[string]bool) {
	sealed, opened = map[string]bool{}, map[string]bool{}
	for _, it := range s.items {
		items = append(items, it.Key())
		if it.IsLogistic() {
			sealed[it.SSCC] = true
		}
	}
	all := append([]Aggregation(nil), s.aggs...)
	if s.open != nil {
		all = append(all, *s.open)
	}
	for _, a := range all {
		items = append(items, a.Parent.Key())
		for _, ch := range a.Children {
			items = append(items, ch.Key())
		}
	}
	for _, c := range s.unpacks {
		opened[c.SSCC] = true
	}
	return items, sealed, opened
}

// Mode is what a scan means now.
func (s *Session) Mode() Mode { return s.mode }

// Open is the aggregation being scanned (ModePack), nil when none is.
func (s *Session) Open() *Aggregation { return s.open }

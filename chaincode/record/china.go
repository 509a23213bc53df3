package record

import (
	"fmt"
	"slices"

	"github.com/medtrace/medtrace/trace"
)

// China's 20-digit drug traceability codes on the ledger. A China pack is
// named like a GS1 pack, by product and serial (trace.CNPackOf: product
// "CN" and the code's 7-digit product identifier, serial its other 13
// digits), so it goes through the same state machine, custody and queries.
// The consortium's configuration names which manufacturer owns which China
// product identifiers: they are kept in an organisation's Prefixes beside
// its GS1 company prefixes, written "CN" and the 7 digits ("CN8123456"),
// and each belongs to one organisation. A manufacturer commissions and
// recalls only codes of its own product identifiers. The code's check
// digits follow an algorithm that is not public: a code is genuine when it
// was commissioned, digit for digit.

// ownsCNProduct reports whether the organisation owns China product
// identifier product ("CN8123456").
func (o *Org) ownsCNProduct(product string) bool {
	return slices.Contains(o.Prefixes, product)
}

// checkCNProductFree refuses China product identifier p for msp when it is
// malformed or another organisation owns it.
func checkCNProductFree(c *Config, msp, p string) error {
	if err := trace.CheckCNProduct(p); err != nil {
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	for other, x := range c.Orgs {
		if other != msp && slices.Contains(x.Prefixes, p) {
			return fmt.Errorf("%w: China product identifier %s already belongs to %s", ErrBadRequest, p[len(trace.CNProductPrefix):], other)
		}
	}
	return nil
}

// notOwner is the refusal of a commission or recall of product by an
// organisation that does not own it.
func (r *recorder) notOwner(product string) *rejection {
	if trace.IsCNProduct(product) {
		return reject(ReasonNotAuthorized, "China product identifier %s is not one of %s's China product identifiers", product[len(trace.CNProductPrefix):], r.tx.MSP)
	}
	return reject(ReasonNotAuthorized, "GTIN %s is not under a company prefix of %s", product, r.tx.MSP)
}

// A pack that carries both a GS1 DataMatrix and a China drug code is one
// pack with two names. Its commission names one code (the event's GTIN and
// serial) and links the other (Event.Link); the ledger keeps a record
// under each name, each naming the other (pack.Link), and every change to
// either is copied to the other at the end of the event that made it
// (mirrorLinks): status, custody, where it is packed, dispense, inspection.
// So a pack dispensed under one name is dispensed under the other, online
// and in every offline copy (both records are written, so both reach the
// copies). Each record keeps the events sent under its own name; History
// shows both. A recall of either name's batch recalls the pack (Verify,
// dispense); offline copies match a recall by the name it was made under.

// linkTwin checks a commission's link and returns the linked code's record
// to write beside the commissioned one (nil when the commission links
// none). The linked code must be new, and the submitter must own its
// product as well.
func (r *recorder) linkTwin(ev *Event) (*pack, *rejection, error) {
	if ev.Link == "" {
		return nil, nil, nil
	}
	c, err := trace.ParseChildRef(ev.Link)
	if err != nil || c.IsUnit() { // CheckEvent refused it already
		return nil, reject(ReasonBadEvent, "the linked code %s is not a pack's", ev.Link), nil
	}
	if !r.org.ownsGTIN(c.GTIN) {
		return nil, r.notOwner(c.GTIN), nil
	}
	prev, err := r.ov.pack(c.GTIN, c.Serial)
	if err != nil {
		return nil, nil, err
	}
	if prev != nil {
		return nil, reject(ReasonAlreadyCommission, "the linked code %s was already commissioned (batch %s, expiry %s)", ev.Link, prev.Batch, prev.Expiry), nil
	}
	b, err := r.ov.batch(c.GTIN, ev.Batch)
	if err != nil {
		return nil, nil, err
	}
	if b != nil && b.Recalled {
		return nil, reject(ReasonRecalledBatch, "batch %s of %s is recalled", ev.Batch, c.GTIN), nil
	}
	return &pack{GTIN: c.GTIN, Serial: c.Serial, Batch: ev.Batch, Expiry: ev.Expiry, Status: PackActive,
		Owner: r.tx.MSP, Location: ev.Location, Holder: r.tx.MSP, Link: PackKey(ev.GTIN, ev.Serial),
		LastKind: ev.Kind, LastTime: ev.Time, LastPlace: ev.Location, eventList: eventList{Events: []string{}}}, nil, nil
}

// twinOf returns the record of the linked pack p's other name (nil for a
// pack without a link).
func twinOf(ov *overlay, p *pack) (*pack, error) {
	if p == nil || p.Link == "" {
		return nil, nil
	}
	c, err := trace.ParseChildRef(p.Link)
	if err != nil || c.IsUnit() {
		return nil, fmt.Errorf("pack %s/%s: stored link %q: %w", p.GTIN, p.Serial, p.Link, err)
	}
	tw, err := ov.pack(c.GTIN, c.Serial)
	if err != nil {
		return nil, err
	}
	if tw == nil {
		return nil, fmt.Errorf("pack %s/%s: its linked record %s is missing", p.GTIN, p.Serial, p.Link)
	}
	return tw, nil
}

// mirrorLinks copies the state of every linked pack the last event changed
// to its twin, all but the twin's name, link and own events. A twin that
// leaves the unit it was packed in under its own name is taken out of
// that unit's children.
func (r *recorder) mirrorLinks() error {
	touched := r.ov.touched
	r.ov.touched = nil
	done := map[*pack]bool{}
	for _, p := range touched {
		if done[p] {
			continue
		}
		tw, err := twinOf(r.ov, p)
		if err != nil {
			return err
		}
		done[p], done[tw] = true, true
		oldParent := tw.Parent
		c := *p
		c.GTIN, c.Serial, c.Link, c.eventList = tw.GTIN, tw.Serial, tw.Link, tw.eventList
		*tw = c
		if oldParent != "" && oldParent != tw.Parent {
			if err := r.detach(oldParent, PackKey(tw.GTIN, tw.Serial)); err != nil {
				return err
			}
		}
		r.ov.putPack(tw)
	}
	r.ov.touched = nil // the twins just put
	return nil
}

// linkedBatch is the batch record that judges pack p: its own product's
// batch, or, when that is not recalled and p is linked, its twin's
// product's batch if that is recalled.
func linkedBatch(ov *overlay, p *pack) (*batchRec, error) {
	b, err := ov.batch(p.GTIN, p.Batch)
	if err != nil || (b != nil && b.Recalled) || p.Link == "" {
		return b, err
	}
	c, err := trace.ParseChildRef(p.Link)
	if err != nil || c.IsUnit() {
		return nil, fmt.Errorf("pack %s/%s: stored link %q: %w", p.GTIN, p.Serial, p.Link, err)
	}
	tb, err := ov.batch(c.GTIN, p.Batch)
	if err != nil {
		return nil, err
	}
	if tb != nil && tb.Recalled {
		return tb, nil
	}
	return b, nil
}

// linkedEvents are pack p's events and, when it is linked, its twin's.
func linkedEvents(ov *overlay, p *pack) ([]logEntry, error) {
	ents, err := ov.packEntries(p)
	if err != nil {
		return nil, err
	}
	tw, err := twinOf(ov, p)
	if err != nil || tw == nil {
		return ents, err
	}
	more, err := ov.packEntries(tw)
	return append(ents, more...), err
}

// linkedTwice refuses a pack event that names one pack under both its
// names.
func (r *recorder) linkedTwice(children []string) (*rejection, error) {
	for _, ch := range children {
		s, g, ser, _ := splitChild(ch) // validated
		if s != "" {
			continue
		}
		p, err := r.ov.pack(g, ser)
		if err != nil {
			return nil, err
		}
		if p != nil && p.Link != "" && slices.Contains(children, p.Link) {
			return reject(ReasonBadEvent, "%s and %s are one pack: name it once", ch, p.Link), nil
		}
	}
	return nil, nil
}

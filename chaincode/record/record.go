package record

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// MaxBatch is the most events one RecordEvents transaction may carry.
const MaxBatch = 1000

// maxExpand bounds the packs and units one event may reach through an SSCC.
const maxExpand = trace.MaxChildren

// MaxPackLog is how many content-addressed events a pack's record held at
// most before its event list was bounded (eventlog.go); later ones were
// kept under their own key, like UUID events. A record read with a log
// that long may have such events (eventList.Keyed). Records written since
// hold fewer.
const MaxPackLog = 32

// rejection is why one event was refused.
type rejection struct {
	code, msg string
}

func reject(code, format string, args ...any) *rejection {
	return &rejection{code, trace.Sentence(format, args...)}
}

// refusal turns the trace core's alert into a rejection.
func refusal(a trace.Alert) *rejection { return &rejection{a.Code, a.Message} }

// Record applies a batch of events (a JSON array of Event) in order and
// returns a result per event and the chaincode event payload. It fails as a
// whole only when the request is malformed, the ledger is not initialised,
// the submitter has no role, the transaction's time is too far from the
// endorsing peer's clock (ErrClockSkew), or the state cannot be read or
// written.
func Record(st State, tx Tx, batch []byte) (BatchResult, Emission, error) {
	cfg, err := LoadConfig(st)
	if err != nil {
		return BatchResult{}, Emission{}, err
	}
	org, err := cfg.writer(tx)
	if err != nil {
		return BatchResult{}, Emission{}, err
	}
	if err := cfg.CheckClock(tx); err != nil {
		return BatchResult{}, Emission{}, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(batch, &raws); err != nil {
		return BatchResult{}, Emission{}, fmt.Errorf("%w: events must be a JSON array: %w", ErrBadRequest, err)
	}
	if len(raws) == 0 || len(raws) > MaxBatch {
		return BatchResult{}, Emission{}, fmt.Errorf("%w: a batch holds 1 to %d events, not %d", ErrBadRequest, MaxBatch, len(raws))
	}
	r := &recorder{ov: newOverlay(st), cfg: cfg, org: org, tx: tx}
	r.ov.cfg = cfg // the holder index (holders.go)
	res := BatchResult{TxID: tx.ID, Results: make([]Result, len(raws))}
	em := Emission{TxID: tx.ID}
	for i, raw := range raws {
		out, err := r.one(raw)
		if err == nil {
			err = r.mirrorLinks() // a linked pack's twin takes its state (china.go)
		}
		if err != nil {
			return BatchResult{}, Emission{}, err
		}
		res.Results[i] = out
	}
	em.Recalls = r.recalls
	if err := r.ov.flush(); err != nil {
		return BatchResult{}, Emission{}, err
	}
	return res, em, nil
}

type recorder struct {
	ov      *overlay
	cfg     *Config
	org     *Org
	tx      Tx
	recalls []Recall
}

// contentHash identifies an event's content: the canonical JSON of the
// decoded event with its time in UTC.
func contentHash(ev *Event) string {
	c := *ev
	c.Time = c.Time.UTC()
	b, _ := json.Marshal(&c) // cannot fail: plain fields only
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (r *recorder) one(raw json.RawMessage) (Result, error) {
	var ev Event
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		var idOnly struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(raw, &idOnly) // best effort: report under its ID
		return Result{EventID: idOnly.ID, Status: StatusRejected, Reason: ReasonBadEvent,
			Message: trace.Sentence("the event is not valid JSON for an event: %v", err)}, nil
	}
	if ev.ID == "" { // sent without: named by its content ID
		ev.ID = trace.SentID(ev)
		if !packScoped(&ev) {
			raw, _ = json.Marshal(&ev) // kept under its own key as sent, with its ID; cannot fail: plain fields only
		}
		return r.identified(&ev, raw)
	}
	if err := checkEventID(ev.ID); err != nil {
		return Result{EventID: ev.ID, Status: StatusRejected, Reason: ReasonBadEvent, Message: trace.Sentence("%s", err)}, nil
	}
	if isContentID(ev.ID) {
		if want := ContentID(&ev); ev.ID != want {
			return Result{EventID: ev.ID, Status: StatusRejected, Reason: ReasonBadEvent,
				Message: trace.Sentence("event ID %s is not the hash of the event's content (that is %s)", ev.ID, want)}, nil
		}
	}
	return r.identified(&ev, raw)
}

// identified records an event whose ID is known good: a content-addressed
// event about one pack in its record, any other under its own key.
func (r *recorder) identified(ev *Event, raw json.RawMessage) (Result, error) {
	if isContentID(ev.ID) && packScoped(ev) {
		return r.onePack(ev, raw)
	}
	return r.keyed(ev, raw)
}

// keyed records an event under its own key (e:<ID>): UUID events and
// events about an SSCC or a batch. (Content-addressed events of a pack
// whose record was full were kept there too before event lists were
// bounded; a replay of one is answered from it.)
func (r *recorder) keyed(ev *Event, raw json.RawMessage) (Result, error) {
	hash := contentHash(ev)
	prev, err := r.ov.event(ev.ID)
	if err != nil {
		return Result{}, err
	}
	if prev != nil {
		if prev.Hash != hash {
			return Result{EventID: ev.ID, Status: StatusConflict, Reason: ReasonConflict, TxID: prev.TxID,
				Message: trace.Sentence("event ID %s was recorded with different content in transaction %s", ev.ID, prev.TxID)}, nil
		}
		st := StatusDuplicate
		if prev.Status == StatusRejected {
			st = StatusRejected
		}
		return Result{EventID: ev.ID, Status: st, Reason: prev.Reason, Message: prev.Message, TxID: prev.TxID}, nil
	}
	rec := &eventRec{Hash: hash, TxID: r.tx.ID, TxTime: r.tx.Time, Kind: ev.Kind, EventTime: ev.Time}
	rej := r.validate(ev)
	if rej == nil {
		rej, err = r.apply(ev)
		if err != nil {
			return Result{}, err
		}
	}
	if rej != nil {
		rec.Status, rec.Reason, rec.Message, rec.Raw = StatusRejected, rej.code, rej.msg, raw
		r.ov.putEvent(ev.ID, rec)
		return Result{EventID: ev.ID, Status: StatusRejected, Reason: rej.code, Message: rej.msg, TxID: r.tx.ID}, nil
	}
	// The event is kept as sent (compact) and rendered as EPCIS 2.0 when
	// read: the EPCIS document is about three times its size, and the
	// write set's size is what a peer's time per event grows with.
	rec.Status, rec.Raw = StatusAccepted, raw
	r.ov.putEvent(ev.ID, rec)
	return Result{EventID: ev.ID, Status: StatusAccepted, TxID: r.tx.ID}, nil
}

// packScoped reports whether ev names one pack and nothing else, so that
// the pack's record can hold it.
func packScoped(ev *Event) bool {
	if ev.GTIN == "" || ev.Serial == "" || ev.SSCC != "" || len(ev.Children) > 0 {
		return false
	}
	switch ev.Kind {
	case KindCommission, KindDispense, KindUndoDispense, KindInspect, KindShip, KindReceive,
		KindDestroy, KindStolen, KindSample, KindExport:
		return true
	}
	return false
}

// onePack records a content-addressed event about one pack. The pack's
// record is the only key involved: a replay is found among the pack's own
// events, and an accepted event is stored there. A rejection is not
// stored: sent again, the event is judged again. The pack's older events
// may be in chunks of their own (eventlog.go), and in a record from before
// lists were bounded under their own keys.
func (r *recorder) onePack(ev *Event, raw json.RawMessage) (Result, error) {
	p, err := r.ov.pack(ev.GTIN, ev.Serial)
	if err != nil {
		return Result{}, err
	}
	prevTx, err := r.ov.priorEvent(p, ev.ID, ev.Time)
	if err != nil {
		return Result{}, err
	}
	if prevTx != "" {
		return Result{EventID: ev.ID, Status: StatusDuplicate, TxID: prevTx}, nil
	}
	if p != nil && p.Keyed {
		if k, err := r.ov.event(ev.ID); err != nil || k != nil {
			if err != nil {
				return Result{}, err
			}
			return r.keyed(ev, raw) // answers the replay as it was answered
		}
	}
	rej := r.validate(ev)
	if rej == nil {
		if rej, err = r.apply(ev); err != nil {
			return Result{}, err
		}
	}
	if rej != nil {
		return Result{EventID: ev.ID, Status: StatusRejected, Reason: rej.code, Message: rej.msg, TxID: r.tx.ID}, nil
	}
	if p, err = r.ov.pack(ev.GTIN, ev.Serial); err != nil || p == nil {
		return Result{}, fmt.Errorf("pack %s/%s missing after %s: %w", ev.GTIN, ev.Serial, ev.Kind, err)
	}
	// Kept without what the record already says (its ID, GTIN and serial),
	// and named in Events by loggedMark: the write set is what a peer's time
	// per event grows with.
	p.Log = append(p.Log, packEvent{ID: ev.ID, TxID: r.tx.ID, TxTime: r.tx.Time, Event: trace.BodyOf(ev)})
	r.ov.derived[ev.ID] = true // its content ID (checked in one)
	if n := len(p.Events); n > 0 && p.Events[n-1] == ev.ID {
		p.Events[n-1] = loggedMark
	}
	return Result{EventID: ev.ID, Status: StatusAccepted, TxID: r.tx.ID}, nil
}

// validate checks the event's fields for its kind, the submitter's right
// to record it, and its time against the ledger time (trace.EventTimeRefusal).
func (r *recorder) validate(ev *Event) *rejection {
	if a, bad := trace.CheckEvent(*ev); bad {
		return refusal(a)
	}
	if !Allowed(r.org.Role, ev.Kind) {
		return reject(ReasonNotAuthorized, "a %s may not record %s events", r.org.Role, ev.Kind)
	}
	if r.brandOwnersOnly(ev.Kind) && !r.org.ownsGTIN(ev.GTIN) {
		return r.notOwner(ev.GTIN)
	}
	if rej := r.siteRefusal(ev); rej != nil {
		return rej
	}
	if ev.Kind == KindShip && ev.Counterparty == "" {
		return reject(ReasonBadEvent, "a ship names its consignee: the GLN it goes to (counterparty)")
	}
	if a, bad := trace.EventTimeRefusal(ev.Time, r.tx.Time, r.cfg.MaxEventLag(), r.cfg.ClockSkew()); bad {
		return refusal(a)
	}
	return nil
}

// actor is the submitter recording ev, for the custody rule; gtin is the
// pack's ("" for a logistic unit, which has no brand owner).
func (r *recorder) actor(ev *Event, gtin string) trace.Actor {
	return trace.Actor{MSP: r.tx.MSP, GLN: ev.Location, Regulator: r.org.Role == RoleRegulator,
		BrandOwner: gtin != "" && r.org.ownsGTIN(gtin)}
}

// custody refuses ev unless the submitter may record it about pack p
// (trace.CustodyRefusal).
func (r *recorder) custody(p *pack, ev *Event) *rejection {
	if a, refused := p.facts(r.cfg).CustodyRefusal(ev.Kind, r.actor(ev, p.GTIN)); refused {
		return refusal(a)
	}
	return nil
}

// unitCustody refuses ev unless the submitter may record it about unit u.
func (r *recorder) unitCustody(u *unit, ev *Event) *rejection {
	h, cn := u.custody(r.cfg)
	if a, refused := trace.CustodyRefusal("SSCC "+u.SSCC, h, cn, ev.Kind, r.actor(ev, "")); refused {
		return refusal(a)
	}
	return nil
}

// consignee is the MSP a ship goes to: the one whose location its
// counterparty is.
func (r *recorder) consignee(ev *Event) (string, *rejection) {
	if ev.Counterparty == ev.Location {
		return "", reject(ReasonBadEvent, "a ship goes from %s to another place, not to %s itself", ev.Location, ev.Location)
	}
	msp := r.cfg.mspAt(ev.Counterparty)
	if msp == "" {
		return "", reject(ReasonUnknownConsignee, "GLN %s is not a location of a member of this ledger: nobody could receive the shipment", ev.Counterparty)
	}
	return msp, nil
}

// apply runs the state machine for a valid event: it checks everything
// first and changes the overlay only when the event is accepted.
func (r *recorder) apply(ev *Event) (*rejection, error) {
	switch ev.Kind {
	case KindCommission:
		return r.commission(ev)
	case KindPack:
		return r.pack(ev)
	case KindUnpack:
		return r.unpack(ev)
	case KindRecall, KindWithdrawRecall:
		return r.recallStep(ev) // withdraw.go
	case KindInspect:
		return r.inspect(ev)
	case KindDispense:
		return r.dispense(ev)
	case KindUndoDispense:
		return r.undo(ev)
	}
	return r.move(ev) // ship, receive, destroy, stolen, sample, export
}

func (r *recorder) commission(ev *Event) (*rejection, error) {
	p, err := r.ov.pack(ev.GTIN, ev.Serial)
	if err != nil {
		return nil, err
	}
	if p != nil {
		return reject(ReasonAlreadyCommission, "pack %s serial %s was already commissioned (batch %s, expiry %s)", ev.GTIN, ev.Serial, p.Batch, p.Expiry), nil
	}
	b, err := r.ov.batch(ev.GTIN, ev.Batch)
	if err != nil {
		return nil, err
	}
	if b != nil && b.Recalled {
		return reject(ReasonRecalledBatch, "batch %s of %s is recalled", ev.Batch, ev.GTIN), nil
	}
	twin, rej, err := r.linkTwin(ev) // the pack's other code, if the commission links one (china.go)
	if rej != nil || err != nil {
		return rej, err
	}
	p = &pack{GTIN: ev.GTIN, Serial: ev.Serial, Batch: ev.Batch, Expiry: ev.Expiry, Status: PackActive,
		Owner: r.tx.MSP, Location: ev.Location, Holder: r.tx.MSP, Link: ev.Link}
	r.touch(p, ev)
	if twin != nil {
		r.ov.putPack(twin)
	}
	return nil, nil
}

// touch records ev as the pack's latest event and marks it for writing
// (with its holder named, for a record from before custody was kept).
func (r *recorder) touch(p *pack, ev *Event) {
	p.nameHolder(r.cfg)
	p.LastKind, p.LastTime, p.LastPlace = ev.Kind, ev.Time, ev.Location
	p.Events = append(p.Events, ev.ID)
	r.ov.putPack(p)
}

func (r *recorder) touchUnit(u *unit, ev *Event) {
	if u.Holder == "" {
		h, _ := custodyOf(r.cfg, "", u.Location, "", "", u.Status, "")
		u.Holder = h.MSP
	}
	u.Events = append(u.Events, ev.ID)
	r.ov.putUnit(u)
}

// stateReject explains why a pack in its state cannot take part in an
// event of kind k (the trace core's rule, trace.StepRefusal).
func (r *recorder) stateReject(p *pack, k Kind) *rejection {
	a, _ := trace.StepRefusal(p.facts(r.cfg), k)
	return refusal(a)
}

// unitReject explains why a logistic unit cannot take part in an event of
// kind k.
func unitReject(u *unit, k Kind) *rejection {
	switch {
	case u.Status == PackInTransit:
		return reject(ReasonInTransit, "SSCC %s is in transit to %s: receive it first", u.SSCC, u.Dest)
	case k == KindReceive && u.Status == PackActive:
		return reject(ReasonNotShipped, "SSCC %s was not shipped to anyone: an unannounced delivery is refused; the sender records the ship first", u.SSCC)
	}
	return reject(string(u.Status), "SSCC %s is %s", u.SSCC, u.Status)
}

// detach takes a pack or unit out of the unit it is packed in.
func (r *recorder) detach(parent, child string) error {
	if parent == "" {
		return nil
	}
	u, err := r.ov.unit(parent)
	if err != nil || u == nil {
		return err
	}
	if i := slices.Index(u.Children, child); i >= 0 {
		u.Children = slices.Delete(slices.Clone(u.Children), i, i+1)
		r.ov.putUnit(u)
	}
	return nil
}

// setPack moves a pack to status st for event ev; a ship names its
// consignee (the MSP), a receive makes the consignee the holder.
func (r *recorder) setPack(p *pack, ev *Event, st PackStatus, consignee string) {
	p.nameHolder(r.cfg)
	p.Status = st
	switch ev.Kind {
	case KindShip:
		p.Dest, p.Consignee = ev.Counterparty, consignee
	case KindReceive:
		p.Held = held(p.Held, p.Holder, p.Owner)
		p.Holder, p.Location, p.Dest, p.Consignee = r.tx.MSP, ev.Location, "", ""
	default:
		p.Dest, p.Consignee = "", ""
	}
	r.touch(p, ev)
}

// move handles ship, receive, destroy, stolen, sample and export of a pack
// or of everything an SSCC holds.
func (r *recorder) move(ev *Event) (*rejection, error) {
	st := trace.Target(ev.Kind)
	if ev.SSCC == "" {
		p, err := r.ov.pack(ev.GTIN, ev.Serial)
		if err != nil {
			return nil, err
		}
		if p == nil {
			return reject(ReasonUnknownPack, "pack %s serial %s was never commissioned", ev.GTIN, ev.Serial), nil
		}
		if !trace.CanStart(ev.Kind, p.Status) {
			return r.stateReject(p, ev.Kind), nil
		}
		if rej := r.custody(p, ev); rej != nil {
			return rej, nil
		}
		cn := ""
		if ev.Kind == KindShip {
			var rej *rejection
			if cn, rej = r.consignee(ev); rej != nil {
				return rej, nil
			}
		}
		if err := r.detach(p.Parent, PackKey(p.GTIN, p.Serial)); err != nil {
			return nil, err
		}
		p.Parent = ""
		r.setPack(p, ev, st, cn)
		return nil, nil
	}
	root, err := r.ov.unit(ev.SSCC)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return reject(ReasonUnknownSSCC, "SSCC %s was never packed", ev.SSCC), nil
	}
	units, packs, rej, err := r.expand(root)
	if rej != nil || err != nil {
		return rej, err
	}
	for _, u := range units {
		if !trace.CanStart(ev.Kind, u.Status) {
			return unitReject(u, ev.Kind), nil
		}
	}
	for _, p := range packs {
		if !trace.CanStart(ev.Kind, p.Status) {
			return r.stateReject(p, ev.Kind), nil
		}
	}
	// Everything inside moves with the unit, so the unit's custody is theirs.
	if rej := r.unitCustody(root, ev); rej != nil {
		return rej, nil
	}
	cn := ""
	if ev.Kind == KindShip {
		var rej *rejection
		if cn, rej = r.consignee(ev); rej != nil {
			return rej, nil
		}
	}
	if err := r.detach(root.Parent, root.SSCC); err != nil {
		return nil, err
	}
	root.Parent = ""
	for _, u := range units {
		if u.Holder == "" {
			h, _ := u.custody(r.cfg)
			u.Holder = h.MSP
		}
		u.Status = st
		switch ev.Kind {
		case KindShip:
			u.Dest, u.Consignee = ev.Counterparty, cn
		case KindReceive:
			u.Held = held(u.Held, u.Holder, "")
			u.Holder, u.Location, u.Dest, u.Consignee = r.tx.MSP, ev.Location, "", ""
		default:
			u.Dest, u.Consignee = "", ""
		}
		r.touchUnit(u, ev)
	}
	for _, p := range packs {
		r.setPack(p, ev, st, cn)
	}
	return nil, nil
}

// expand collects a unit and everything inside it, depth first.
func (r *recorder) expand(root *unit) ([]*unit, []*pack, *rejection, error) {
	units := []*unit{root}
	var packs []*pack
	seen := map[string]bool{root.SSCC: true}
	for i := 0; i < len(units); i++ {
		for _, ch := range units[i].Children {
			if len(units)+len(packs) > maxExpand {
				return nil, nil, reject(ReasonTooLarge, "SSCC %s holds more than %d items", root.SSCC, maxExpand), nil
			}
			s, g, ser, err := splitChild(ch)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("stored child %q of %s: %w", ch, units[i].SSCC, err)
			}
			if s != "" {
				if seen[s] {
					continue
				}
				seen[s] = true
				u, err := r.ov.unit(s)
				if err != nil {
					return nil, nil, nil, err
				}
				if u != nil {
					units = append(units, u)
				}
				continue
			}
			p, err := r.ov.pack(g, ser)
			if err != nil {
				return nil, nil, nil, err
			}
			if p != nil {
				packs = append(packs, p)
			}
		}
	}
	return units, packs, nil, nil
}

func (r *recorder) pack(ev *Event) (*rejection, error) {
	u, err := r.ov.unit(ev.SSCC)
	if err != nil {
		return nil, err
	}
	if u != nil && u.Status != PackActive {
		return unitReject(u, ev.Kind), nil
	}
	if u != nil {
		if rej := r.unitCustody(u, ev); rej != nil {
			return rej, nil
		}
	}
	// The new children must not contain the unit itself or one of its ancestors.
	ancestors := map[string]bool{ev.SSCC: true}
	for a := u; a != nil && a.Parent != ""; {
		if ancestors[a.Parent] {
			break
		}
		ancestors[a.Parent] = true
		if a, err = r.ov.unit(a.Parent); err != nil {
			return nil, err
		}
	}
	if rej, err := r.linkedTwice(ev.Children); rej != nil || err != nil { // china.go
		return rej, err
	}
	var packs []*pack
	var units []*unit
	for _, ch := range ev.Children {
		s, g, ser, _ := splitChild(ch) // validated
		if s != "" {
			c, err := r.ov.unit(s)
			if err != nil {
				return nil, err
			}
			switch {
			case c == nil:
				return reject(ReasonUnknownSSCC, "SSCC %s was never packed", s), nil
			case ancestors[s]:
				return reject(ReasonBadEvent, "SSCC %s would end up inside itself", s), nil
			case c.Parent != "":
				return reject(ReasonAlreadyAggregated, "SSCC %s is already packed in %s", s, c.Parent), nil
			case c.Status != PackActive:
				return unitReject(c, ev.Kind), nil
			}
			if rej := r.unitCustody(c, ev); rej != nil {
				return rej, nil
			}
			units = append(units, c)
			continue
		}
		p, err := r.ov.pack(g, ser)
		if err != nil {
			return nil, err
		}
		switch {
		case p == nil:
			return reject(ReasonUnknownPack, "pack %s serial %s was never commissioned", g, ser), nil
		case p.Parent != "":
			return reject(ReasonAlreadyAggregated, "pack %s serial %s is already packed in %s", g, ser, p.Parent), nil
		case p.Status != PackActive:
			return r.stateReject(p, ev.Kind), nil
		}
		if rej := r.custody(p, ev); rej != nil {
			return rej, nil
		}
		packs = append(packs, p)
	}
	if u == nil {
		u = &unit{SSCC: ev.SSCC, Status: PackActive, Location: ev.Location, Holder: r.tx.MSP}
	}
	u.Children = append(slices.Clone(u.Children), ev.Children...)
	r.touchUnit(u, ev)
	for _, c := range units {
		c.Parent = ev.SSCC
		r.touchUnit(c, ev)
	}
	for _, p := range packs {
		p.Parent = ev.SSCC
		r.touch(p, ev)
	}
	return nil, nil
}

func (r *recorder) unpack(ev *Event) (*rejection, error) {
	u, err := r.ov.unit(ev.SSCC)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return reject(ReasonUnknownSSCC, "SSCC %s was never packed", ev.SSCC), nil
	}
	if u.Status != PackActive {
		return unitReject(u, ev.Kind), nil
	}
	if rej := r.unitCustody(u, ev); rej != nil {
		return rej, nil
	}
	out := ev.Children
	if len(out) == 0 {
		out = u.Children
	}
	for _, ch := range out {
		if !slices.Contains(u.Children, ch) {
			return reject(ReasonNotInContainer, "%s is not in SSCC %s", ch, ev.SSCC), nil
		}
	}
	out = slices.Clone(out)
	for _, ch := range out {
		s, g, ser, _ := splitChild(ch)
		if s != "" {
			c, err := r.ov.unit(s)
			if err != nil {
				return nil, err
			}
			if c != nil {
				c.Parent = ""
				r.touchUnit(c, ev)
			}
			continue
		}
		p, err := r.ov.pack(g, ser)
		if err != nil {
			return nil, err
		}
		if p != nil {
			p.Parent = ""
			r.touch(p, ev)
		}
	}
	u.Children = slices.DeleteFunc(slices.Clone(u.Children), func(c string) bool { return slices.Contains(out, c) })
	r.touchUnit(u, ev)
	return nil, nil
}

func (r *recorder) inspect(ev *Event) (*rejection, error) {
	p, err := r.ov.pack(ev.GTIN, ev.Serial)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return reject(ReasonUnknownPack, "pack %s serial %s was never commissioned", ev.GTIN, ev.Serial), nil
	}
	if *ev.Conformant {
		p.Nonconformant = ""
	} else {
		p.Nonconformant = ev.ID
	}
	last := p.LastPlace
	r.touch(p, ev)
	if ev.Location == "" {
		p.LastPlace = last
	}
	return nil, nil
}

func (r *recorder) dispense(ev *Event) (*rejection, error) {
	p, err := r.ov.pack(ev.GTIN, ev.Serial)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return reject(ReasonUnknownPack, "pack %s serial %s was never commissioned", ev.GTIN, ev.Serial), nil
	}
	if !trace.CanStart(ev.Kind, p.Status) {
		return r.stateReject(p, ev.Kind), nil
	}
	if rej := r.custody(p, ev); rej != nil {
		return rej, nil
	}
	if m := trace.ScanMismatches(p.facts(r.cfg), ev.Batch, ev.Expiry); len(m) > 0 {
		return refusal(m[0]), nil
	}
	b, err := linkedBatch(r.ov, p) // its own product's batch, or its twin's when that is recalled (china.go)
	if err != nil {
		return nil, err
	}
	if b != nil && b.Recalled {
		return reject(ReasonRecalledBatch, "batch %s of %s is recalled since %s", b.Batch, b.GTIN, b.Time.UTC().Format(time.DateOnly)), nil
	}
	// Expiry is judged at the ledger time: a dispense back-dated to before
	// the expiry date is still a dispense of an expired pack.
	if trace.Expired(p.Expiry, r.tx.Time) {
		return reject(ReasonExpired, "pack %s serial %s expired on %s (ledger time %s)", p.GTIN, p.Serial, p.Expiry, r.tx.Time.UTC().Format(time.DateOnly)), nil
	}
	if err := r.detach(p.Parent, PackKey(p.GTIN, p.Serial)); err != nil {
		return nil, err
	}
	p.Parent, p.DispLoc, p.DispTime, p.DispTx = "", ev.Location, ev.Time, r.tx.Time
	r.setPack(p, ev, PackDispensed, "")
	return nil, nil
}

func (r *recorder) undo(ev *Event) (*rejection, error) {
	p, err := r.ov.pack(ev.GTIN, ev.Serial)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return reject(ReasonUnknownPack, "pack %s serial %s was never commissioned", ev.GTIN, ev.Serial), nil
	}
	// Where, and within the window measured between the two transactions'
	// ledger times (trace.UndoRefusal), then by whom.
	if a, refused := trace.UndoRefusal(p.facts(r.cfg), ev.Location, ev.Time, r.tx.Time); refused {
		return refusal(a), nil
	}
	if rej := r.custody(p, ev); rej != nil {
		return rej, nil
	}
	p.DispLoc, p.DispTime, p.DispTx = "", time.Time{}, time.Time{}
	p.Location = ev.Location
	r.setPack(p, ev, PackActive, "")
	return nil, nil
}

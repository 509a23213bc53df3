package record

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCheckDigits(t *testing.T) {
	tests := []struct {
		name string
		f    func(string) error
		in   string
		ok   bool
	}{
		{"gtin ok", checkGTIN, "09506000134352", true},
		{"gtin bad check", checkGTIN, "09506000134353", false},
		{"gtin short", checkGTIN, "9506000134352", false},
		{"gtin letters", checkGTIN, "0950600013435A", false},
		{"sscc ok", checkSSCC, "106141411234567897", true},
		{"sscc bad", checkSSCC, "106141411234567890", false},
		{"gln ok", checkGLN, "4012345000009", true},
		{"gln bad", checkGLN, "4012345000008", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.f(tt.in); (err == nil) != tt.ok {
				t.Fatalf("%s: err = %v, want ok=%v", tt.in, err, tt.ok)
			}
		})
	}
}

// TestRoles checks every role against every event kind: allowed kinds are
// accepted from a state where they are legal, about a pack the role holds
// (or, for a receive, one shipped to it), forbidden ones are rejected with
// not-authorized.
func TestRoles(t *testing.T) {
	locOf := map[string]string{mspMan: glnMan, mspDist: glnDist, mspPhar: glnPhar, mspReg: glnReg}
	yes := true
	// event builds a legal event of kind k for a pack or unit prepared by setup.
	type kindCase struct {
		kind  Kind
		setup func(w *world, at string) // brings the pack to at ("man", "dist", "phar"), by honest events
		event func(w *world, loc string) Event
	}
	kinds := []kindCase{
		{KindCommission, func(w *world, at string) {}, func(w *world, loc string) Event {
			e := w.commission(gtinA, "S1", "L1", "2028-12-31")
			e.Location = loc
			return e
		}},
		{KindRecall, func(w *world, at string) { w.stock("S1") }, func(w *world, loc string) Event { return w.recall(gtinA, "L1") }},
		{KindWithdrawRecall, func(w *world, at string) { w.stock("S1"); w.ok(mspMan, w.recall(gtinA, "L1")) },
			func(w *world, loc string) Event { return w.withdraw(gtinA, "L1") }},
		{KindPack, func(w *world, at string) { w.stockAt(at, "S1") }, func(w *world, loc string) Event {
			return w.unit(KindPack, loc, ssccCase, PackKey(gtinA, "S1"))
		}},
		{KindUnpack, func(w *world, at string) {
			w.stockAt("dist", "S1")
			w.ok(mspDist, w.unit(KindPack, glnDist, ssccCase, PackKey(gtinA, "S1")))
		},
			func(w *world, loc string) Event { return w.unit(KindUnpack, loc, ssccCase) }},
		{KindShip, func(w *world, at string) { w.stockAt(at, "S1") }, func(w *world, loc string) Event {
			e := w.on(KindShip, loc, gtinA, "S1")
			e.Counterparty = glnPhar
			return e
		}},
		// A receive is the consignee's: the pack is shipped to the role's place.
		{KindReceive, func(w *world, at string) {
			switch at {
			case "phar":
				w.stockAt("dist", "S1")
				w.ok(mspDist, w.ship(glnDist, "S1", glnPhar))
			default:
				w.stock("S1")
				w.ok(mspMan, w.ship(glnMan, "S1", glnDist))
			}
		}, func(w *world, loc string) Event { return w.on(KindReceive, loc, gtinA, "S1") }},
		{KindDispense, func(w *world, at string) { w.stockAt(at, "S1") }, func(w *world, loc string) Event { return w.on(KindDispense, loc, gtinA, "S1") }},
		{KindUndoDispense, func(w *world, at string) {
			w.stockAt("phar", "S1")
			w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1"))
		},
			func(w *world, loc string) Event { return w.on(KindUndoDispense, glnPhar, gtinA, "S1") }},
		{KindDestroy, func(w *world, at string) { w.stockAt(at, "S1") }, func(w *world, loc string) Event { return w.on(KindDestroy, loc, gtinA, "S1") }},
		{KindStolen, func(w *world, at string) { w.stockAt(at, "S1") }, func(w *world, loc string) Event { return w.on(KindStolen, loc, gtinA, "S1") }},
		{KindSample, func(w *world, at string) { w.stockAt(at, "S1") }, func(w *world, loc string) Event { return w.on(KindSample, loc, gtinA, "S1") }},
		{KindExport, func(w *world, at string) { w.stockAt(at, "S1") }, func(w *world, loc string) Event { return w.on(KindExport, loc, gtinA, "S1") }},
		{KindInspect, func(w *world, at string) { w.stock("S1") }, func(w *world, loc string) Event {
			e := w.on(KindInspect, loc, gtinA, "S1")
			e.Conformant = &yes
			return e
		}},
	}
	// placeOf is where each role holds the packs it acts on (a regulator
	// holds none: it samples at the manufacturer's).
	placeOf := map[string]string{mspMan: "man", mspDist: "dist", mspPhar: "phar", mspReg: "man"}
	for _, role := range []struct {
		msp  string
		role Role
	}{{mspMan, RoleManufacturer}, {mspDist, RoleDistributor}, {mspPhar, RolePharmacy}, {mspReg, RoleRegulator}} {
		for _, k := range kinds {
			allowed := Allowed(role.role, k.kind)
			name := string(role.role) + "/" + string(k.kind)
			if allowed {
				name += "/allowed"
			} else {
				name += "/forbidden"
			}
			t.Run(name, func(t *testing.T) {
				w := newWorld(t)
				k.setup(w, placeOf[role.msp])
				ev := k.event(w, locOf[role.msp])
				r := w.record(role.msp, ev)[0]
				if allowed && r.Status != StatusAccepted {
					t.Fatalf("got %s %s (%s), want accepted", r.Status, r.Reason, r.Message)
				}
				if !allowed && (r.Status != StatusRejected || r.Reason != ReasonNotAuthorized) {
					t.Fatalf("got %s %s (%s), want rejected not-authorized", r.Status, r.Reason, r.Message)
				}
			})
		}
	}
	t.Run("no role at all", func(t *testing.T) {
		w := newWorld(t)
		_, _, err := w.submit(mspNone, w.commission(gtinA, "S1", "L1", "2028-12-31"))
		if !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("err = %v, want ErrAccessDenied", err)
		}
		st, tx := w.tx(mspNone)
		if _, err := Verify(st, tx, gtinA, "S1", "", ""); !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("verify err = %v, want ErrAccessDenied", err)
		}
	})
	t.Run("manufacturer outside its prefixes", func(t *testing.T) {
		w := newWorld(t)
		e := w.commission(gtinM2, "S1", "L1", "2028-12-31")
		if r := w.record(mspMan, e)[0]; r.Reason != ReasonNotAuthorized {
			t.Fatalf("commission of another's GTIN: %+v", r)
		}
		w.stock("S1")
		if r := w.record(mspMan2, w.recall(gtinA, "L1"))[0]; r.Reason != ReasonNotAuthorized {
			t.Fatalf("recall of another's GTIN: %+v", r)
		}
		w.ok(mspMan, w.recall(gtinA, "L1"))
		if r := w.record(mspMan2, w.withdraw(gtinA, "L1"))[0]; r.Reason != ReasonNotAuthorized {
			t.Fatalf("withdrawal of another's recall: %+v", r)
		}
	})
	t.Run("location not the organisation's", func(t *testing.T) {
		w := newWorld(t)
		w.stockAt("phar", "S1")
		if r := w.record(mspPhar, w.on(KindDispense, glnPhar2, gtinA, "S1"))[0]; r.Reason != ReasonNotAuthorized {
			t.Fatalf("dispense at another pharmacy's GLN: %+v", r)
		}
	})
}

type step struct {
	msp    string
	ev     func(w *world) Event
	status Status
	reason string
}

func accept(msp string, ev func(w *world) Event) step { return step{msp, ev, StatusAccepted, ""} }
func refuse(msp string, reason string, ev func(w *world) Event) step {
	return step{msp, ev, StatusRejected, reason}
}

func later(d time.Duration, s step) step {
	f := s.ev
	s.ev = func(w *world) Event { w.now = w.now.Add(d); return f(w) }
	return s
}

func pk(kind Kind, loc string) func(w *world) Event {
	return func(w *world) Event { return w.on(kind, loc, gtinA, "S1") }
}

func commissionS1(w *world) Event { return w.commission(gtinA, "S1", "L1", "2028-12-31") }

// TestTransitions walks the pack state machine through legal and illegal steps.
func TestTransitions(t *testing.T) {
	ship := func(to string) func(w *world) Event {
		return func(w *world) Event { e := w.on(KindShip, glnDist, gtinA, "S1"); e.Counterparty = to; return e }
	}
	// atDist and atPhar bring S1 to the distributor, or on to the pharmacy
	// (expiring replaces the commission with one of another expiry).
	atDist := []step{accept(mspMan, commissionS1), accept(mspMan, func(w *world) Event { return w.ship(glnMan, "S1", glnDist) }),
		accept(mspDist, pk(KindReceive, glnDist))}
	atPhar := append(slices.Clone(atDist), accept(mspDist, ship(glnPhar)), accept(mspPhar, pk(KindReceive, glnPhar)))
	with := func(path []step, more ...step) []step { return append(slices.Clone(path), more...) }
	expiring := func(expiry string, path []step) []step {
		return with([]step{accept(mspMan, func(w *world) Event { return w.commission(gtinA, "S1", "L1", expiry) })}, path[1:]...)
	}
	scan := func(batch, expiry string) func(w *world) Event {
		return func(w *world) Event {
			e := w.on(KindDispense, glnPhar, gtinA, "S1")
			e.Batch, e.Expiry = batch, expiry
			return e
		}
	}
	tests := []struct {
		name  string
		steps []step
		want  PackStatus
	}{
		{"commission", []step{accept(mspMan, commissionS1)}, PackActive},
		{"commission twice", []step{accept(mspMan, commissionS1), refuse(mspMan, ReasonAlreadyCommission, commissionS1)}, PackActive},
		{"full chain", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar))), PackDispensed},
		{"dispense unknown", []step{refuse(mspPhar, ReasonUnknownPack, pk(KindDispense, glnPhar))}, PackUnknown},
		{"dispense twice", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			refuse(mspPhar, ReasonAlreadyDispensed, pk(KindDispense, glnPhar))), PackDispensed},
		{"dispense in transit", with(atDist, accept(mspDist, ship(glnPhar)),
			refuse(mspPhar, ReasonInTransit, pk(KindDispense, glnPhar))), PackInTransit},
		{"ship twice", with(atDist, accept(mspDist, ship(glnPhar)), refuse(mspDist, ReasonInTransit, ship(glnPhar))), PackInTransit},
		{"stolen in transit", with(atDist, accept(mspDist, ship(glnPhar)), accept(mspDist, pk(KindStolen, glnDist)),
			refuse(mspPhar, ReasonStolen, pk(KindReceive, glnPhar))), PackStolen},
		// Was a pharmacy destroying a pack still at the manufacturer; with
		// custody only the holder destroys, so the pack is the pharmacy's.
		{"dispense destroyed", with(atPhar, accept(mspPhar, pk(KindDestroy, glnPhar)),
			refuse(mspPhar, ReasonDestroyed, pk(KindDispense, glnPhar))), PackDestroyed},
		{"destroy dispensed", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			refuse(mspPhar, ReasonAlreadyDispensed, pk(KindDestroy, glnPhar))), PackDispensed},
		{"dispense sample", []step{accept(mspMan, commissionS1), accept(mspMan, pk(KindSample, glnMan)),
			refuse(mspPhar, ReasonSample, pk(KindDispense, glnPhar))}, PackSample},
		{"ship exported", with(atDist, accept(mspDist, pk(KindExport, glnDist)),
			refuse(mspDist, ReasonExported, ship(glnPhar))), PackExported},
		{"batch mismatch", with(atPhar, refuse(mspPhar, ReasonBatchMismatch, scan("L2", ""))), PackActive},
		{"expiry mismatch", with(atPhar, refuse(mspPhar, ReasonExpiryMismatch, scan("L1", "2029-01-31"))), PackActive},
		{"scan matches", with(atPhar, accept(mspPhar, scan("L1", "2028-12-31"))), PackDispensed},
		{"expired", with(expiring("2026-11-30", atPhar), later(31*24*time.Hour, refuse(mspPhar, ReasonExpired, pk(KindDispense, glnPhar)))), PackExpired},
		{"dispense on expiry day", with(expiring("2026-11-02", atPhar), accept(mspPhar, pk(KindDispense, glnPhar))), PackDispensed},
		// The ledger judges expiry at its own time: a dispense back-dated to
		// the last day of validity, sent the day after, is a dispense of an
		// expired pack.
		{"dispense back-dated before expiry", with(expiring("2026-11-02", atPhar), later(24*time.Hour, refuse(mspPhar, ReasonExpired, func(w *world) Event {
			e := w.on(KindDispense, glnPhar, gtinA, "S1")
			e.Time = e.Time.Add(-12 * time.Hour)
			return e
		}))), PackExpired},
		{"recalled", with(atPhar, accept(mspMan, func(w *world) Event { return w.recall(gtinA, "L1") }),
			refuse(mspPhar, ReasonRecalledBatch, pk(KindDispense, glnPhar))), PackRecalled},
		{"recall twice", []step{accept(mspMan, func(w *world) Event { return w.recall(gtinA, "L1") }),
			refuse(mspMan, ReasonAlreadyRecalled, func(w *world) Event { return w.recall(gtinA, "L1") })}, PackUnknown},
		{"recall back-dated by months", []step{accept(mspMan, commissionS1), refuse(mspMan, ReasonTooOld, func(w *world) Event {
			e := w.recall(gtinA, "L1")
			e.Time = e.Time.AddDate(0, -3, 0)
			return e
		})}, PackActive},
		{"commission into recalled batch", []step{accept(mspMan, func(w *world) Event { return w.recall(gtinA, "L1") }),
			refuse(mspMan, ReasonRecalledBatch, commissionS1)}, PackUnknown},
		{"undo", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			later(9*24*time.Hour, accept(mspPhar, pk(KindUndoDispense, glnPhar)))), PackActive},
		{"undo at the window's edge", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			later(10*24*time.Hour, accept(mspPhar, pk(KindUndoDispense, glnPhar)))), PackActive},
		{"undo too late", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			later(10*24*time.Hour+time.Minute, refuse(mspPhar, ReasonUndoTooLate, pk(KindUndoDispense, glnPhar)))), PackDispensed},
		// The window is between the two transactions' ledger times: an undo
		// sent 10 days and an hour after the dispense, dated (within the
		// event lag) as if it were 7 days after, is still too late.
		{"undo back-dated into the window", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			later(10*24*time.Hour+time.Hour, refuse(mspPhar, ReasonUndoTooLate, func(w *world) Event {
				e := w.on(KindUndoDispense, glnPhar, gtinA, "S1")
				e.Time = e.Time.Add(-70 * time.Hour)
				return e
			}))), PackDispensed},
		// The attack: months later, an undo dated a second after the
		// dispense. Refused for its date before the window is even measured.
		{"undo back-dated by months", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			later(90*24*time.Hour, refuse(mspPhar, ReasonTooOld, func(w *world) Event {
				e := w.on(KindUndoDispense, glnPhar, gtinA, "S1")
				e.Time = t0.Add(time.Second)
				return e
			}))), PackDispensed},
		{"undo elsewhere", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			refuse(mspPhar2, ReasonUndoOtherLocation, pk(KindUndoDispense, glnPhar2))), PackDispensed},
		{"undo by another organisation", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			refuse(mspPhar2, ReasonNotAuthorized, pk(KindUndoDispense, glnPhar))), PackDispensed},
		{"undo not dispensed", with(atPhar, refuse(mspPhar, ReasonNotDispensed, pk(KindUndoDispense, glnPhar))), PackActive},
		{"undo then dispense again", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			accept(mspPhar, pk(KindUndoDispense, glnPhar)), accept(mspPhar, pk(KindDispense, glnPhar))), PackDispensed},
		{"undo dated before the dispense", with(atPhar, accept(mspPhar, pk(KindDispense, glnPhar)),
			refuse(mspPhar, ReasonBadEvent, func(w *world) Event {
				e := w.on(KindUndoDispense, glnPhar, gtinA, "S1")
				e.Time = e.Time.Add(-time.Hour)
				return e
			})), PackDispensed},
		// Was accepted ("receive without a ship"): an unannounced delivery is
		// now refused, and the pack stays with its holder.
		{"receive without a ship", []step{accept(mspMan, commissionS1), refuse(mspPhar, ReasonNotShipped, pk(KindReceive, glnPhar))}, PackActive},
		{"receive shipped to another", with(atDist, accept(mspDist, ship(glnPhar2)),
			refuse(mspPhar, ReasonNotConsignee, pk(KindReceive, glnPhar)), accept(mspPhar2, pk(KindReceive, glnPhar2))), PackActive},
		{"ship to nobody's GLN", with(atDist, refuse(mspDist, ReasonUnknownConsignee, ship(gs1("409999999999")))), PackActive},
		{"ship without a consignee", with(atDist, refuse(mspDist, ReasonBadEvent, ship(""))), PackActive},
		{"ship to where it is", with(atDist, refuse(mspDist, ReasonBadEvent, ship(glnDist))), PackActive},
		{"event too old", []step{refuse(mspMan, ReasonTooOld, func(w *world) Event {
			e := commissionS1(w)
			e.Time = w.now.Add(-72*time.Hour - time.Second)
			return e
		})}, PackUnknown},
		{"offline for three days", []step{accept(mspMan, func(w *world) Event {
			e := commissionS1(w)
			e.Time = w.now.Add(-72 * time.Hour)
			return e
		})}, PackActive},
		{"bad event ID", []step{refuse(mspMan, ReasonBadEvent, func(w *world) Event { e := commissionS1(w); e.ID = "scan-1"; return e })}, PackUnknown},
		{"inspect unknown", []step{refuse(mspReg, ReasonUnknownPack, func(w *world) Event {
			no := false
			e := w.on(KindInspect, glnReg, gtinA, "S1")
			e.Conformant = &no
			return e
		})}, PackUnknown},
		{"event in the future", []step{refuse(mspMan, ReasonInFuture, func(w *world) Event {
			e := commissionS1(w)
			e.Time = w.now.Add(time.Hour)
			return e
		})}, PackUnknown},
		{"bad GTIN", []step{refuse(mspMan, ReasonBadEvent, func(w *world) Event { return w.commission("04012345000011", "S1", "L1", "2028-12-31") })}, PackUnknown},
		{"bad expiry", []step{refuse(mspMan, ReasonBadEvent, func(w *world) Event { return w.commission(gtinA, "S1", "L1", "2028-02-30") })}, PackUnknown},
		{"bad serial", []step{refuse(mspMan, ReasonBadEvent, func(w *world) Event { return w.commission(gtinA, "S 1", "L1", "2028-12-31") })}, PackUnknown},
		{"missing location", []step{refuse(mspMan, ReasonBadEvent, func(w *world) Event { e := commissionS1(w); e.Location = ""; return e })}, PackUnknown},
		{"unknown kind", []step{refuse(mspMan, ReasonBadEvent, func(w *world) Event { e := commissionS1(w); e.Kind = "teleport"; return e })}, PackUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			for i, s := range tt.steps {
				ev := s.ev(w)
				r := w.record(s.msp, ev)[0]
				if r.Status != s.status || r.Reason != s.reason {
					t.Fatalf("step %d (%s as %s): got %s %q (%s), want %s %q", i, ev.Kind, s.msp, r.Status, r.Reason, r.Message, s.status, s.reason)
				}
				if r.Status == StatusRejected && (r.Message == "" || r.Message[0] < 'A' || r.Message[0] > 'Z') {
					t.Fatalf("step %d: rejection message %q is not a sentence", i, r.Message)
				}
			}
			if v := w.verify(gtinA, "S1", "", ""); v.Status != tt.want {
				t.Fatalf("status %s, want %s (alerts %+v)", v.Status, tt.want, v.Alerts)
			}
		})
	}
}

func TestAlreadyDispensedSaysWhereAndWhen(t *testing.T) {
	w := newWorld(t)
	w.stockAt("phar", "S1")
	w.ok(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1"))
	r := w.record(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1"))[0]
	if !strings.Contains(r.Message, glnPhar) || !strings.Contains(r.Message, "2026-11-02 09:00") {
		t.Fatalf("message %q lacks where and when", r.Message)
	}
	v := w.verify(gtinA, "S1", "", "")
	if len(v.Alerts) != 1 || v.Alerts[0].Code != ReasonAlreadyDispensed || !strings.Contains(v.Alerts[0].Message, glnPhar) {
		t.Fatalf("alerts %+v", v.Alerts)
	}
}

func TestVerifyAlerts(t *testing.T) {
	w := newWorld(t)
	w.ok(mspMan, w.commission(gtinA, "S1", "L1", "2026-11-30"))
	w.ok(mspMan, w.recall(gtinA, "L1"))
	no := false
	insp := w.on(KindInspect, "", gtinA, "S1")
	insp.Conformant = &no
	w.ok(mspReg, insp)
	w.now = w.now.AddDate(0, 1, 0)
	v := w.verify(gtinA, "S1", "L9", "2027-01-01")
	var codes []string
	for _, a := range v.Alerts {
		codes = append(codes, a.Code)
		if a.Message == "" || a.Message[0] < 'A' || a.Message[0] > 'Z' {
			t.Errorf("alert %s: message %q is not a sentence", a.Code, a.Message)
		}
	}
	want := []string{ReasonRecalledBatch, ReasonExpired, ReasonNonconformant, ReasonBatchMismatch, ReasonExpiryMismatch}
	if !slices.Equal(codes, want) {
		t.Fatalf("alerts %v, want %v", codes, want)
	}
	if v.Status != PackRecalled || v.Batch != "L1" || v.Expiry != "2026-11-30" || v.LastKind != KindInspect || !v.AsOf.Equal(w.now) {
		t.Fatalf("verification %+v", v)
	}
	if v := w.verify(gtinB, "X", "", ""); v.Status != PackUnknown || v.Alerts[0].Code != ReasonUnknownPack {
		t.Fatalf("unknown pack: %+v", v)
	}
}

// TestReplays covers idempotent replays and conflicts across and within batches.
func TestReplays(t *testing.T) {
	t.Run("replay in a later batch", func(t *testing.T) {
		w := newWorld(t)
		e := commissionS1(w)
		first, _, err := w.submit(mspMan, e)
		must(t, err)
		res, em, err := w.submit(mspMan, e)
		must(t, err)
		r := res.Results[0]
		if r.Status != StatusDuplicate || r.TxID != first.TxID || r.TxID == res.TxID {
			t.Fatalf("replay: %+v (first tx %s)", r, first.TxID)
		}
		if len(em.Recalls)+len(w.packsWritten()) != 0 {
			t.Fatalf("a replay changed something: %+v", em)
		}
	})
	t.Run("replay with another time zone is the same event", func(t *testing.T) {
		w := newWorld(t)
		e := commissionS1(w)
		w.ok(mspMan, e)
		e.Time = e.Time.In(time.FixedZone("CET", 3600))
		if r := w.record(mspMan, e)[0]; r.Status != StatusDuplicate {
			t.Fatalf("got %+v", r)
		}
	})
	t.Run("replay of a rejection returns the rejection", func(t *testing.T) {
		w := newWorld(t)
		e := w.on(KindDispense, glnPhar, gtinA, "S1")
		first := w.record(mspPhar, e)[0]
		w.stock("S1") // now it would be accepted, but the event was already judged
		r := w.record(mspPhar, e)[0]
		if r.Status != StatusRejected || r.Reason != ReasonUnknownPack || r.TxID != first.TxID {
			t.Fatalf("got %+v, first %+v", r, first)
		}
	})
	t.Run("conflict", func(t *testing.T) {
		w := newWorld(t)
		e := commissionS1(w)
		first := w.record(mspMan, e)[0]
		e.Batch = "L2"
		r := w.record(mspMan, e)[0]
		if r.Status != StatusConflict || r.Reason != ReasonConflict || r.TxID != first.TxID {
			t.Fatalf("got %+v", r)
		}
		if v := w.verify(gtinA, "S1", "", ""); v.Batch != "L1" {
			t.Fatalf("conflict changed the pack: %+v", v)
		}
	})
	t.Run("duplicate and conflict within one batch", func(t *testing.T) {
		w := newWorld(t)
		e := commissionS1(w)
		c := e
		c.Serial = "S2"
		res, _, err := w.submit(mspMan, e, e, c)
		must(t, err)
		got := []Status{res.Results[0].Status, res.Results[1].Status, res.Results[2].Status}
		if !slices.Equal(got, []Status{StatusAccepted, StatusDuplicate, StatusConflict}) || res.Results[1].TxID != res.TxID {
			t.Fatalf("got %+v", res.Results)
		}
	})
	t.Run("later events see earlier ones", func(t *testing.T) {
		w := newWorld(t)
		w.stockAt("phar", "S1")
		d := w.on(KindDispense, glnPhar, gtinA, "S1")
		u := w.on(KindUndoDispense, glnPhar, gtinA, "S1")
		d2 := w.on(KindDispense, glnPhar, gtinA, "S1")
		d3 := w.on(KindDispense, glnPhar, gtinA, "S1")
		res := w.record(mspPhar, d, u, d2, d3)
		if res[0].Status != StatusAccepted || res[1].Status != StatusAccepted || res[2].Status != StatusAccepted || res[3].Reason != ReasonAlreadyDispensed {
			t.Fatalf("got %+v", res)
		}
	})
	t.Run("malformed event in a batch", func(t *testing.T) {
		w := newWorld(t)
		st, tx := w.tx(mspMan)
		res, _, err := Record(st, tx, []byte(`[{"id":"00000000-0000-7000-8000-000000000001","kind":"commission","time":"yesterday"},{"nope":1}]`))
		must(t, err)
		for i, r := range res.Results {
			if r.Status != StatusRejected || r.Reason != ReasonBadEvent {
				t.Fatalf("result %d: %+v", i, r)
			}
		}
		if res.Results[0].EventID != "00000000-0000-7000-8000-000000000001" {
			t.Fatalf("lost the ID: %+v", res.Results[0])
		}
	})
}

func TestWholeRequestErrors(t *testing.T) {
	tests := []struct {
		name  string
		msp   string
		batch string
		want  error
	}{
		{"not JSON", mspMan, `{`, ErrBadRequest},
		{"not an array", mspMan, `{"id":"x"}`, ErrBadRequest},
		{"empty", mspMan, `[]`, ErrBadRequest},
		{"too big", mspMan, "[" + strings.Repeat("{},", MaxBatch) + "{}]", ErrBadRequest},
		{"stranger", mspNone, `[{}]`, ErrAccessDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			st, tx := w.tx(tt.msp)
			if _, _, err := Record(st, tx, []byte(tt.batch)); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if len(st.writes) != 0 {
				t.Fatalf("a refused request wrote %d keys", len(st.writes))
			}
		})
	}
	t.Run("not initialised", func(t *testing.T) {
		st := (&memState{m: map[string][]byte{}}).begin()
		if _, _, err := Record(st, Tx{ID: "t", MSP: mspReg}, []byte(`[{}]`)); !errors.Is(err, ErrNotInitialised) {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestEndorserClock: every endorsing peer checks the transaction's
// timestamp against its own clock; beyond the ledger's skew the whole
// transaction is refused (no result per event, nothing written).
func TestEndorserClock(t *testing.T) {
	tests := []struct {
		name  string
		off   time.Duration // the transaction's timestamp minus the peer's clock
		skew  time.Duration // the ledger's setting; 0: the default (5 min)
		clock bool          // the endorser's clock is known
		want  error
	}{
		{"same clock", 0, 0, true, nil},
		{"4 minutes ahead", 4 * time.Minute, 0, true, nil},
		{"6 minutes ahead", 6 * time.Minute, 0, true, ErrClockSkew},
		{"6 minutes behind", -6 * time.Minute, 0, true, ErrClockSkew},
		{"back-dated by months", -90 * 24 * time.Hour, 0, true, ErrClockSkew},
		{"6 minutes behind, 10 allowed", -6 * time.Minute, 10 * time.Minute, true, nil},
		{"2 minutes behind, 1 allowed", -2 * time.Minute, time.Minute, true, ErrClockSkew},
		{"no clock", 0, 0, false, ErrClockSkew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.skew != 0 {
				must(t, w.admin(mspReg, func(st State, tx Tx) error { return SetTimeLimits(st, tx, 0, tt.skew) }))
			}
			e := commissionS1(w)
			e.Time = w.now.Add(tt.off)
			b, err := json.Marshal([]Event{e})
			must(t, err)
			st, tx := w.tx(mspMan)
			tx.Time = w.now.Add(tt.off)
			if !tt.clock {
				tx.Clock = time.Time{}
			}
			res, _, err := Record(st, tx, b)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if err != nil && len(st.writes) != 0 {
				t.Fatalf("a refused transaction wrote %d keys", len(st.writes))
			}
			if err == nil && res.Results[0].Status != StatusAccepted {
				t.Fatalf("%+v", res.Results[0])
			}
		})
	}
}

// TestEventLag: the ledger's event lag bounds how late offline work may
// reach it.
func TestEventLag(t *testing.T) {
	w := newWorld(t)
	must(t, w.admin(mspReg, func(st State, tx Tx) error { return SetTimeLimits(st, tx, 24*time.Hour, 0) }))
	e := commissionS1(w)
	e.Time = w.now.Add(-25 * time.Hour)
	if r := w.record(mspMan, e)[0]; r.Reason != ReasonTooOld || !strings.Contains(r.Message, "24 h") {
		t.Fatalf("25 h old with a 24 h lag: %+v", r)
	}
	e = commissionS1(w)
	e.Time = w.now.Add(-23 * time.Hour)
	w.ok(mspMan, e)
	for _, bad := range [][2]time.Duration{{30 * time.Minute, 0}, {31 * 24 * time.Hour, 0}, {0, time.Second}, {0, 2 * time.Hour}} {
		if err := w.admin(mspReg, func(st State, tx Tx) error { return SetTimeLimits(st, tx, bad[0], bad[1]) }); !errors.Is(err, ErrBadRequest) {
			t.Fatalf("limits %v: err = %v", bad, err)
		}
	}
	if err := w.admin(mspMan, func(st State, tx Tx) error { return SetTimeLimits(st, tx, 0, 0) }); !errors.Is(err, ErrAccessDenied) {
		t.Fatalf("a manufacturer set the limits: %v", err)
	}
}

// TestBrandOwner: a brand owner may report its own packs stolen wherever
// they are; another manufacturer may not.
func TestBrandOwner(t *testing.T) {
	w := newWorld(t)
	w.stockAt("phar", "S1")
	if r := w.record(mspMan2, w.on(KindStolen, glnMan2, gtinA, "S1"))[0]; r.Reason != ReasonNotHolder {
		t.Fatalf("another manufacturer reports it stolen: %+v", r)
	}
	if r := w.record(mspMan, w.on(KindDestroy, glnMan, gtinA, "S1"))[0]; r.Reason != ReasonNotHolder {
		t.Fatalf("the brand owner destroys the pharmacy's pack: %+v", r)
	}
	w.ok(mspMan, w.on(KindStolen, glnMan, gtinA, "S1"))
	if v := w.verify(gtinA, "S1", "", ""); v.Status != PackStolen {
		t.Fatalf("%+v", v)
	}
}

func TestConfig(t *testing.T) {
	t.Run("bootstrap only of the fixed regulator, by its administrator", func(t *testing.T) {
		s := &memState{m: map[string][]byte{}}
		admin := Cert{Role: RoleRegulator, Admin: true}
		for _, tt := range []struct {
			name         string
			tx           Tx
			fixed, named string
		}{
			{"a manufacturer names the regulator", Tx{MSP: mspMan, Cert: Cert{Role: RoleManufacturer}}, mspReg, mspReg},
			{"a manufacturer names itself", Tx{MSP: mspMan, Cert: Cert{Role: RoleManufacturer, Admin: true}}, mspReg, mspMan},
			{"the regulator's inspector", Tx{MSP: mspReg, Cert: Cert{Role: RoleRegulator}}, mspReg, mspReg},
			{"another regulator than the fixed one", Tx{MSP: "Regulator2MSP", Cert: admin}, mspReg, "Regulator2MSP"},
			{"no regulator fixed", Tx{MSP: mspReg, Cert: admin}, "", mspReg},
		} {
			t.Run(tt.name, func(t *testing.T) {
				if err := InitLedger(s.begin(), tt.tx, tt.fixed, tt.named); !errors.Is(err, ErrAccessDenied) {
					t.Fatalf("err = %v", err)
				}
			})
		}
		st := s.begin()
		must(t, InitLedger(st, Tx{MSP: mspReg, Cert: admin}, mspReg, mspReg))
		st.commit()
		must(t, InitLedger(s.begin(), Tx{MSP: mspReg, Cert: admin}, mspReg, mspReg)) // idempotent
		if err := InitLedger(s.begin(), Tx{MSP: mspMan, Cert: admin}, mspMan, mspMan); !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("second bootstrap: err = %v", err)
		}
	})
	tests := []struct {
		name string
		msp  string
		f    func(State, Tx) error
		want error
	}{
		{"role by non-regulator", mspMan, func(st State, tx Tx) error { return SetOrgRole(st, tx, mspMan, RoleRegulator) }, ErrAccessDenied},
		{"prefix by non-regulator", mspMan, func(st State, tx Tx) error { return SetCompanyPrefixes(st, tx, mspMan, []string{"4"}) }, ErrAccessDenied},
		{"locations by stranger", mspNone, func(st State, tx Tx) error { return SetLocations(st, tx, mspMan, nil) }, ErrAccessDenied},
		{"unknown role", mspReg, func(st State, tx Tx) error { return SetOrgRole(st, tx, mspMan, "king") }, ErrBadRequest},
		{"last regulator", mspReg, func(st State, tx Tx) error { return SetOrgRole(st, tx, mspReg, "") }, ErrBadRequest},
		{"overlapping prefix", mspReg, func(st State, tx Tx) error { return SetCompanyPrefixes(st, tx, mspMan2, []string{"40123"}) }, ErrBadRequest},
		{"short prefix", mspReg, func(st State, tx Tx) error { return SetCompanyPrefixes(st, tx, mspMan2, []string{"501"}) }, ErrBadRequest},
		{"prefix for no org", mspReg, func(st State, tx Tx) error { return SetCompanyPrefixes(st, tx, mspNone, []string{"6012345"}) }, ErrBadRequest},
		{"bad GLN", mspReg, func(st State, tx Tx) error { return SetLocations(st, tx, mspMan, []string{"4012345000008"}) }, ErrBadRequest},
		{"another's GLN", mspReg, func(st State, tx Tx) error { return SetLocations(st, tx, mspPhar2, []string{glnPhar2, glnPhar}) }, ErrBadRequest},
		{"second regulator", mspReg, func(st State, tx Tx) error { return SetOrgRole(st, tx, "Regulator2MSP", RoleRegulator) }, nil},
		{"remove a pharmacy", mspReg, func(st State, tx Tx) error { return SetOrgRole(st, tx, mspPhar2, "") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if err := w.admin(tt.msp, tt.f); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
	t.Run("revoked role loses access", func(t *testing.T) {
		w := newWorld(t)
		must(t, w.admin(mspReg, func(st State, tx Tx) error { return SetOrgRole(st, tx, mspPhar, "") }))
		if _, _, err := w.submit(mspPhar, w.on(KindDispense, glnPhar, gtinA, "S1")); !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestEventHashIDs(t *testing.T) {
	w := newWorld(t)
	e := commissionS1(w)
	e.ID = "ni:///sha-256;4f143d1adf7b2950a34f5e82a240ce5280530b06a9f3c2b9cfe49f5ca5001815?ver=CBV2.0"
	w.ok(mspMan, e)
	if r := w.record(mspMan, e)[0]; r.Status != StatusDuplicate {
		t.Fatalf("replay of a hash-ID event: %+v", r)
	}
	h := w.history(gtinA, "S1")
	if !strings.Contains(string(h[0].EPCIS), `"eventID":"ni:///sha-256;4f143d1a`) {
		t.Fatalf("EPCIS %s", h[0].EPCIS)
	}
}

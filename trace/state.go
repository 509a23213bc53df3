package trace

import (
	"fmt"
	"time"
)

// UndoWindow is how long after a dispense it may be undone, at the place
// it was dispensed.
const UndoWindow = 10 * 24 * time.Hour

// PackFacts is what the ledger, or a local copy of it, knows about one
// pack: what the state machine and the verdict rules read.
type PackFacts struct {
	GTIN, Serial  string
	Batch, Expiry string     // as the manufacturer declared them
	Status        PackStatus // the stored state: never recalled or expired, those are derived
	Dest          string     // the consignee's GLN while in transit
	Holder        Party      // who holds it, and where (see CustodyRefusal)
	Consignee     Party      // while in transit: who is to receive it, and where
	DispensedAt   string     // the GLN where it was dispensed, while dispensed
	DispensedOn   time.Time  // when it was dispensed (the event's time), while dispensed
	DispensedTx   time.Time  // the ledger time of the dispense (zero in records from before it was kept)
	Nonconformant string     // the failing inspection's event ID, until a conformant one clears it
}

// CanStart reports whether an event of kind k may take a pack (or a
// logistic unit) in state st. Commission, pack, unpack, recall and inspect
// have rules of their own (see the chaincode). Only what was shipped is
// received: a receive of an active pack is an unannounced delivery.
func CanStart(k Kind, st PackStatus) bool {
	switch k {
	case KindReceive:
		return st == PackInTransit
	case KindStolen:
		return st == PackActive || st == PackInTransit
	case KindUndoDispense:
		return st == PackDispensed
	}
	return st == PackActive
}

// Target is the state an event of kind k leaves a pack in.
func Target(k Kind) PackStatus {
	switch k {
	case KindShip:
		return PackInTransit
	case KindDestroy:
		return PackDestroyed
	case KindStolen:
		return PackStolen
	case KindSample:
		return PackSample
	case KindExport:
		return PackExported
	case KindDispense:
		return PackDispensed
	}
	return PackActive
}

// StepRefusal says why an event of kind k (ship, receive, dispense,
// undo-dispense, destroy, stolen, sample, export) may not take pack p from
// its state; refused is false when it may. testdata/rules.tsv is the whole
// table, which the chaincode's tests run on its recorder too.
func StepRefusal(p PackFacts, k Kind) (a Alert, refused bool) {
	switch {
	case CanStart(k, p.Status):
		return Alert{}, false
	case k == KindUndoDispense:
		return Alertf(ReasonNotDispensed, "%s is %s, not dispensed", packWords(p.GTIN, p.Serial), p.Status), true
	case k == KindReceive && p.Status == PackActive:
		return Alertf(ReasonNotShipped, "%s was not shipped to anyone%s: an unannounced delivery is refused; the sender records the ship first",
			packWords(p.GTIN, p.Serial), heldBy(p.Holder)), true
	}
	return StateAlert(p, k), true
}

// UndoRefusal says why a dispense of pack p may not be undone at place,
// by a transaction of ledger time tx (the undo itself dated at); refused is
// false when it may. An undo happens where the pack was dispensed, within
// UndoWindow of the dispense, measured between the ledger times of the two
// transactions: the undo's own date cannot stretch the window. (Records
// from before the dispense's ledger time was kept measure from its date.)
func UndoRefusal(p PackFacts, place string, at, tx time.Time) (Alert, bool) {
	if a, refused := StepRefusal(p, KindUndoDispense); refused {
		return a, true
	}
	from := p.DispensedTx
	if from.IsZero() {
		from = p.DispensedOn
	}
	switch {
	case place != p.DispensedAt:
		return Alertf(ReasonUndoOtherLocation, "%s was dispensed at %s: only there can it be undone", packWords(p.GTIN, p.Serial), p.DispensedAt), true
	case at.Before(p.DispensedOn):
		return Alertf(ReasonBadEvent, "the undo is dated before the dispense (%s)", p.DispensedOn.UTC().Format(time.RFC3339)), true
	case tx.Sub(from) > UndoWindow:
		return Alertf(ReasonUndoTooLate, "%s was dispensed on %s (ledger time): more than 10 days ago", packWords(p.GTIN, p.Serial), from.UTC().Format(time.DateOnly)), true
	}
	return Alert{}, false
}

// Sentence formats a message for people (a pharmacist reads it under the
// verdict): capitalised like a sentence.
func Sentence(format string, args ...any) string {
	s := fmt.Sprintf(format, args...)
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// Alertf is an alert (or refusal) with a stable code and a sentence.
func Alertf(code, format string, args ...any) Alert {
	return Alert{Code: code, Message: Sentence(format, args...)}
}

// StateAlert explains why pack p, in its stored state, cannot take part in
// an event of kind k (or be handed out, for k = KindDispense).
func StateAlert(p PackFacts, k Kind) Alert {
	switch p.Status {
	case PackDispensed:
		return Alertf(ReasonAlreadyDispensed, "%s was already dispensed%s", packWords(p.GTIN, p.Serial), atOn(p.DispensedAt, p.DispensedOn))
	case PackInTransit:
		return Alertf(ReasonInTransit, "%s is in transit to %s: receive it first", packWords(p.GTIN, p.Serial), p.Dest)
	case PackDestroyed:
		return Alertf(ReasonDestroyed, "%s was destroyed", packWords(p.GTIN, p.Serial))
	case PackStolen:
		return Alertf(ReasonStolen, "%s was reported stolen", packWords(p.GTIN, p.Serial))
	case PackSample:
		return Alertf(ReasonSample, "%s was taken as a sample", packWords(p.GTIN, p.Serial))
	case PackExported:
		return Alertf(ReasonExported, "%s was exported", packWords(p.GTIN, p.Serial))
	}
	return Alertf(ReasonBadEvent, "%s cannot be %s from status %s", packWords(p.GTIN, p.Serial), k, p.Status)
}

// heldBy is " (held by MSP at GLN)" when the holder is known.
func heldBy(h Party) string {
	if h.MSP == "" {
		return ""
	}
	return " (held by " + h.String() + ")"
}

// atOn is " at PLACE on TIME" for the parts that are known.
func atOn(place string, t time.Time) string {
	s := ""
	if place != "" {
		s += " at " + place
	}
	if !t.IsZero() {
		s += " on " + t.UTC().Format("2006-01-02 15:04 MST")
	}
	return s
}

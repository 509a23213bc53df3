package trace

import "strings"

// MaxChildren bounds the children one pack event may name, and the packs
// and units one event may reach through an SSCC.
const MaxChildren = 20000

// MaxNote is the longest note an event may carry, in bytes.
const MaxNote = 500

// alertp is Alertf's pointer, for the checks below.
func alertp(code, format string, args ...any) *Alert {
	a := Alertf(code, format, args...)
	return &a
}

// CheckEvent checks that ev is well formed for its kind: the fields it
// needs, their identifiers and check digits, canonical child references.
// A pack is a GTIN and serial or a China pack (CNPackOf: its drug code's
// structure only; whether the code was issued is the ledger's to say); a
// commission names its batch and expiry, which a China code does not carry,
// and may link the pack's other code (Event.Link).
// bad is true with the reason (code bad-event or too-large) when it is not.
// The ledger refuses such an event; the store refuses to queue it, so a
// format mismatch shows when the event is captured, not after a sync. The
// ledger alone checks what needs its state, clock and the submitter's
// certificate.
func CheckEvent(ev Event) (reason Alert, bad bool) {
	if a := checkEvent(&ev); a != nil {
		return *a, true
	}
	return Alert{}, false
}

func checkEvent(ev *Event) *Alert {
	bad := func(err error) *Alert { return alertp(ReasonBadEvent, "%v", err) }
	if ev.Time.IsZero() {
		return alertp(ReasonBadEvent, "the event time is missing")
	}
	if len(ev.Note) > MaxNote {
		return alertp(ReasonBadEvent, "the note is longer than %d bytes", MaxNote)
	}
	needPack := func() *Alert {
		if err := CheckPack(ev.GTIN, ev.Serial); err != nil {
			return bad(err)
		}
		if ev.SSCC != "" || len(ev.Children) > 0 {
			return alertp(ReasonBadEvent, "a %s event names one pack: no SSCC or children", ev.Kind)
		}
		return nil
	}
	packOrUnit := func() *Alert {
		if ev.SSCC != "" {
			if ev.GTIN != "" || ev.Serial != "" || len(ev.Children) > 0 {
				return alertp(ReasonBadEvent, "a %s event names either an SSCC or a pack, not both", ev.Kind)
			}
			if err := CheckSSCC(ev.SSCC); err != nil {
				return bad(err)
			}
			return nil
		}
		return needPack()
	}
	needLocation := func() *Alert {
		if err := CheckGLN(ev.Location); err != nil {
			return alertp(ReasonBadEvent, "the location: %v", err)
		}
		return nil
	}
	if ev.Link != "" {
		if a := checkLink(ev); a != nil {
			return a
		}
	}
	var rej *Alert
	switch ev.Kind {
	case KindCommission:
		if rej = needPack(); rej == nil {
			if err := CheckBatch(ev.Batch); err != nil {
				rej = bad(err)
			} else if err := CheckExpiry(ev.Expiry); err != nil {
				rej = bad(err)
			} else {
				rej = needLocation()
			}
		}
	case KindPack, KindUnpack:
		switch {
		case CheckSSCC(ev.SSCC) != nil:
			rej = bad(CheckSSCC(ev.SSCC))
		case ev.GTIN != "" || ev.Serial != "":
			rej = alertp(ReasonBadEvent, "a %s event names an SSCC and its children, not a GTIN", ev.Kind)
		case ev.Kind == KindPack && len(ev.Children) == 0:
			rej = alertp(ReasonBadEvent, "a pack event needs children")
		case len(ev.Children) > MaxChildren:
			rej = alertp(ReasonTooLarge, "more than %d children", MaxChildren)
		default:
			seen := map[string]bool{}
			for _, ch := range ev.Children {
				if _, err := ParseChildRef(ch); err != nil {
					rej = bad(err)
					break
				}
				if seen[ch] || ch == ev.SSCC {
					rej = alertp(ReasonBadEvent, "child %s is listed twice or is the SSCC itself", ch)
					break
				}
				seen[ch] = true
			}
			if rej == nil {
				rej = needLocation()
			}
		}
	case KindShip, KindReceive, KindDestroy, KindStolen, KindExport:
		if rej = packOrUnit(); rej == nil {
			rej = needLocation()
		}
		if rej == nil && ev.Counterparty != "" {
			if err := CheckGLN(ev.Counterparty); err != nil {
				rej = alertp(ReasonBadEvent, "the counterparty: %v", err)
			}
		}
	case KindDispense, KindUndoDispense, KindSample:
		if rej = needPack(); rej == nil {
			rej = needLocation()
		}
		if rej == nil && ev.Batch != "" {
			if err := CheckBatch(ev.Batch); err != nil {
				rej = bad(err)
			}
		}
		if rej == nil && ev.Expiry != "" {
			if err := CheckExpiry(ev.Expiry); err != nil {
				rej = bad(err)
			}
		}
	case KindRecall, KindWithdrawRecall:
		if err := CheckProduct(ev.GTIN); err != nil {
			rej = bad(err)
		} else if err := CheckBatch(ev.Batch); err != nil {
			rej = bad(err)
		} else if ev.Serial != "" || ev.SSCC != "" || len(ev.Children) > 0 {
			rej = alertp(ReasonBadEvent, "a %s names a GTIN and a batch, not a serial, SSCC or children", ev.Kind)
		} else if ev.Kind == KindWithdrawRecall && strings.TrimSpace(ev.Note) == "" {
			rej = alertp(ReasonBadEvent, "a recall's withdrawal says why (the note)")
		} else if ev.Location != "" {
			rej = needLocation()
		}
	case KindInspect:
		if rej = needPack(); rej == nil && ev.Conformant == nil {
			rej = alertp(ReasonBadEvent, "an inspection says whether the pack is conformant")
		}
		if rej == nil && ev.Location != "" {
			rej = needLocation()
		}
	default:
		return alertp(ReasonBadEvent, "unknown event kind %q", ev.Kind)
	}
	return rej
}

// checkLink checks a commission's Link: the same pack's other code, of the
// other scheme (one GS1, one China drug code).
func checkLink(ev *Event) *Alert {
	if ev.Kind != KindCommission {
		return alertp(ReasonBadEvent, "only a commission links a pack's two codes, not a %s", ev.Kind)
	}
	c, err := ParseChildRef(ev.Link)
	if err != nil || c.IsUnit() {
		return alertp(ReasonBadEvent, "the linked code %q is neither a China drug code nor GTIN/serial", ev.Link)
	}
	if IsCNProduct(c.GTIN) == IsCNProduct(ev.GTIN) {
		return alertp(ReasonBadEvent, "a pack links a GS1 code and a China drug code, not two codes of one kind (%s and %s)", PackKey(ev.GTIN, ev.Serial), ev.Link)
	}
	return nil
}

// BadEventError is CheckEvent's refusal as an error: the event is not well
// formed, and the ledger would refuse it.
type BadEventError struct {
	Reason Alert
}

// Error names the reason.
func (e *BadEventError) Error() string { return "event not well formed: " + e.Reason.Message }

// Check returns a *BadEventError when ev is not well formed (CheckEvent).
func (ev Event) Check() error {
	if a, bad := CheckEvent(ev); bad {
		return &BadEventError{Reason: a}
	}
	return nil
}

package trace

import (
	"fmt"
	"time"
)

// The kinds of alert a station reports to the ledger (AlertReport.Kind):
// what the regulator's alert list groups them under.
const (
	AlertDoubleDispense = "double-dispense" // a pack dispensed a second time: the sign of a cloned code
	AlertUnknownSerial  = "unknown-serial"  // a serial the ledger never commissioned
	AlertStolenSeen     = "stolen-seen"     // a pack reported stolen was scanned
	AlertRecalledSeen   = "recalled-seen"   // a pack of a recalled batch was scanned
	AlertUnannounced    = "unannounced"     // a delivery nobody shipped here
	AlertOther          = "other"           // any other refusal
)

// AlertKinds lists the alert kinds, in the order above.
func AlertKinds() []string {
	return []string{AlertDoubleDispense, AlertUnknownSerial, AlertStolenSeen, AlertRecalledSeen, AlertUnannounced, AlertOther}
}

// AlertKindOf groups a ledger refusal code under the alert kinds.
func AlertKindOf(code string) string {
	switch code {
	case ReasonAlreadyDispensed:
		return AlertDoubleDispense
	case ReasonUnknownPack, ReasonUnknownSSCC:
		return AlertUnknownSerial
	case ReasonStolen:
		return AlertStolenSeen
	case ReasonRecalledBatch:
		return AlertRecalledSeen
	case ReasonNotShipped:
		return AlertUnannounced
	}
	return AlertOther
}

// maxAlertCode bounds an alert's refusal code.
const maxAlertCode = 40

// AlertReport is what a station reports to the ledger when an event it
// queued (offline, say) came back refused: the ledger keeps one alert per
// refused event ID, with the reporting organisation, its site and the
// ledger time (LedgerAlert), for the regulator's alert list.
type AlertReport struct {
	Kind      string    `json:"kind"`      // one of AlertKinds
	Code      string    `json:"code"`      // the refusal's reason code
	EventID   string    `json:"eventId"`   // the refused event's ID
	EventKind Kind      `json:"eventKind"` // the refused event's kind
	Time      time.Time `json:"time"`      // the refused event's own time
	GTIN      string    `json:"gtin,omitempty"`
	Serial    string    `json:"serial,omitempty"`
	SSCC      string    `json:"sscc,omitempty"`
	Site      string    `json:"site"` // the reporting site's GLN (its certificate's)
}

// Check says what is wrong with r, nil when it is well formed: a known
// kind, a reason code of lowercase letters and dashes, the refused
// event's ID, kind and time, a pack or an SSCC (or neither, for a batch's
// event), and the site's GLN.
func (r *AlertReport) Check() error {
	if !validAlertKind(r.Kind) {
		return fmt.Errorf("alert kind %q is not one of %v", r.Kind, AlertKinds())
	}
	if r.Code == "" || len(r.Code) > maxAlertCode {
		return fmt.Errorf("the alert's reason code is empty or longer than %d bytes", maxAlertCode)
	}
	for _, c := range r.Code {
		if (c < 'a' || c > 'z') && c != '-' {
			return fmt.Errorf("the alert's reason code %q is not lowercase letters and dashes", r.Code)
		}
	}
	if err := CheckEventID(r.EventID); err != nil {
		return fmt.Errorf("the refused event: %w", err)
	}
	if !r.EventKind.Valid() {
		return fmt.Errorf("the refused event's kind %q is not an event kind", r.EventKind)
	}
	if r.Time.IsZero() {
		return fmt.Errorf("the refused event's time is missing")
	}
	switch {
	case r.SSCC != "" && (r.GTIN != "" || r.Serial != ""):
		return fmt.Errorf("an alert names a pack or an SSCC, not both")
	case r.SSCC != "":
		if err := CheckSSCC(r.SSCC); err != nil {
			return err
		}
	case r.Serial != "":
		if err := CheckPack(r.GTIN, r.Serial); err != nil {
			return err
		}
	case r.GTIN != "":
		if err := CheckProduct(r.GTIN); err != nil {
			return err
		}
	}
	if err := CheckGLN(r.Site); err != nil {
		return fmt.Errorf("the site: %w", err)
	}
	return nil
}

func validAlertKind(k string) bool {
	for _, x := range AlertKinds() {
		if x == k {
			return true
		}
	}
	return false
}

// LedgerAlert is an alert as the ledger keeps it: the report, who made it
// (the MSP of the submitter's certificate) and when (the transaction's ID
// and ledger time).
type LedgerAlert struct {
	AlertReport
	MSP    string    `json:"msp"`
	TxID   string    `json:"txId"`
	TxTime time.Time `json:"txTime"`
}

// AlertPage is one page of the ledger's alerts (the regulator's query).
type AlertPage struct {
	Alerts   []LedgerAlert `json:"alerts"`
	Bookmark string        `json:"bookmark"` // empty on the last page
}

package app

import (
	"context"

	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/trace"
)

// The interfaces below are what the desks need beyond ports.go: the
// regulator's consortium, recall and alert views, the contents of cases and
// pallets, and the inspector's findings kept across restarts. main (or the
// application layer, station) wires implementations into Config; a nil
// field shows an honest "not connected" state.

// FindingStore keeps an inspector's findings in the local store, so they
// survive a restart.
type FindingStore interface {
	// SaveFinding stores f durably and returns it with its store ID.
	SaveFinding(ctx context.Context, f Finding) (Finding, error)
	// Findings lists the inspector's findings, oldest first, at most limit.
	Findings(ctx context.Context, limit int) ([]Finding, error)
}

// UnitReader answers what a case or pallet (an SSCC) holds. With
// offlineOnly it answers from the local copy only; an answer from the
// local copy says so (Offline, AsOf, Block).
type UnitReader interface {
	UnitContents(ctx context.Context, sscc string, offlineOnly bool) (UnitContents, error)
}

// ErrUnitsOffline is wrapped by UnitReader.UnitContents when neither the
// ledger nor the local copy can answer (no copy yet, or a unit too large to
// check from it).
var ErrUnitsOffline = station.ErrUnitsOffline

// ConsortiumReader reads the consortium's members from the ledger's
// configuration.
type ConsortiumReader interface {
	Members(ctx context.Context) ([]Member, error)
}

// RecallReader lists the recall orders the local copy of the ledger knows.
type RecallReader interface {
	Recalls(ctx context.Context) ([]RecallOrder, error)
}

// AlertLog keeps the alerts this station has seen (refused events, packs
// that must not be handed out) and lists them for the regulator's desk.
type AlertLog interface {
	// RecordAlert stores a; an alert for an event already recorded (same
	// EventID) is not stored twice, and added reports whether a was new.
	RecordAlert(ctx context.Context, a AlertRecord) (added bool, err error)
	// Alerts lists alerts matching f, newest first.
	Alerts(ctx context.Context, f AlertFilter) ([]AlertRecord, error)
}

// RefusalReader lists events the ledger refused, newest first (the clone
// alerts: an event queued offline and refused when it was synced).
type RefusalReader interface {
	Refused(ctx context.Context, limit int) ([]QueuedEvent, error)
}

// Notifier shows a desktop notification (fyne's SendNotification in the
// app; tests record them).
type Notifier interface {
	Notify(title, content string)
}

// The desks' types are the application layer's (package station).
type (
	// Finding is one inspected item, as kept in the store.
	Finding = station.Finding
	// UnitContents is what a case or pallet holds, with where the answer
	// came from.
	UnitContents = station.UnitContents
	// Member is one organisation of the consortium.
	Member = station.Member
	// RecallOrder is one recalled batch.
	RecallOrder = station.RecallOrder
	// AlertRecord is one alert this station saw.
	AlertRecord = station.AlertRecord
	// AlertFilter selects alerts.
	AlertFilter = station.AlertFilter
)

// Alert kinds on the regulator's list (AlertRecord.Kind): the trace core's,
// which the ledger's alert list uses too.
const (
	AlertDoubleDispense = trace.AlertDoubleDispense // a pack dispensed a second time: the sign of a cloned code
	AlertUnknownSerial  = trace.AlertUnknownSerial  // a serial the ledger never commissioned
	AlertStolenSeen     = trace.AlertStolenSeen     // a pack reported stolen was scanned
	AlertRecalledSeen   = trace.AlertRecalledSeen   // a pack of a recalled batch was scanned
	AlertUnannounced    = trace.AlertUnannounced    // a delivery nobody shipped here
	AlertOther          = trace.AlertOther          // any other refusal or alert
)

// alertKinds lists the alert kinds in the order of the filter.
func alertKinds() []string { return trace.AlertKinds() }

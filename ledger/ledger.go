// Package ledger is MedTrace's Fabric adapter: the fabric-gateway client for
// the traceability ledger. It submits batches of business events, verifies
// packs, reads histories and follows chaincode events. The domain and wire
// types are the trace core's (package trace), shared with the chaincode.
package ledger

import (
	"errors"
	"fmt"

	"github.com/medtrace/medtrace/trace"
)

// The domain types are the trace core's (package trace); these aliases
// keep the names the adapters and the UI were written with.
type (
	Kind         = trace.Kind
	Event        = trace.Event
	Status       = trace.Status
	Result       = trace.Result
	BatchResult  = trace.BatchResult
	PackStatus   = trace.PackStatus
	Alert        = trace.Alert
	Verification = trace.Verification
	HistoryEntry = trace.HistoryEntry
	PackRef      = trace.PackRef
	Contents     = trace.Contents
	PackChange   = trace.PackChange
	Recall       = trace.Recall
	TxEvents     = trace.TxEvents
	BlockEvents  = trace.BlockEvents
	Changes      = trace.Changes
)

// The trace core's constants under the names callers use.
const (
	KindCommission   = trace.KindCommission
	KindPack         = trace.KindPack
	KindUnpack       = trace.KindUnpack
	KindShip         = trace.KindShip
	KindReceive      = trace.KindReceive
	KindDispense     = trace.KindDispense
	KindUndoDispense = trace.KindUndoDispense
	KindDestroy      = trace.KindDestroy
	KindStolen       = trace.KindStolen
	KindRecall       = trace.KindRecall
	KindSample       = trace.KindSample
	KindExport       = trace.KindExport
	KindInspect      = trace.KindInspect
	StatusAccepted   = trace.StatusAccepted
	StatusDuplicate  = trace.StatusDuplicate
	StatusRejected   = trace.StatusRejected
	StatusConflict   = trace.StatusConflict
	PackUnknown      = trace.PackUnknown
	PackActive       = trace.PackActive
	PackInTransit    = trace.PackInTransit
	PackDispensed    = trace.PackDispensed
	PackDestroyed    = trace.PackDestroyed
	PackStolen       = trace.PackStolen
	PackRecalled     = trace.PackRecalled
	PackExpired      = trace.PackExpired
	PackSample       = trace.PackSample
	PackExported     = trace.PackExported
	ContentIDPrefix  = trace.ContentIDPrefix
	ContentIDSuffix  = trace.ContentIDSuffix
)

// ErrContentIDMismatch: see trace.ErrContentIDMismatch.
var ErrContentIDMismatch = trace.ErrContentIDMismatch

// ContentID returns the ID derived from ev's content (trace.ContentID).
func ContentID(ev Event) string { return trace.ContentID(ev) }

// EncodeWithContentID is trace.EncodeWithContentID.
func EncodeWithContentID(ev Event) (body []byte, contentID string) {
	return trace.EncodeWithContentID(ev)
}

// IsContentID is trace.IsContentID.
func IsContentID(id string) bool { return trace.IsContentID(id) }

// PackKey is trace.PackKey.
func PackKey(gtin, serial string) string { return trace.PackKey(gtin, serial) }

// Errors the sync engine and the UI must tell apart.
var (
	// ErrUnavailable means the ledger could not be reached: retry later.
	ErrUnavailable = errors.New("ledger unavailable")
	// ErrCommitUnknown means a transaction was sent but its commit status is
	// unknown: look it up by transaction ID before resubmitting.
	ErrCommitUnknown = errors.New("ledger commit status unknown")
	// ErrRejected means the whole request did not go through (endorsement
	// or validation failure, access denied, the chaincode not running): do
	// not resend it unchanged at once. It is never a verdict on an event:
	// only the chaincode's per-event result rejects one.
	ErrRejected = errors.New("the ledger did not take the request")
	// ErrTxNotFound means the ledger has no transaction with that ID: it was
	// never ordered, so resubmitting its events is safe.
	ErrTxNotFound = errors.New("transaction not found on the ledger")
)

// TxError is a failed transaction whose ID is known; it wraps one of the
// error classes above (errors.Is(err, ErrCommitUnknown) and so on).
type TxError struct {
	TxID  string
	Code  string // the validation code when the transaction was invalidated, e.g. MVCC_READ_CONFLICT
	Class error  // ErrUnavailable, ErrCommitUnknown or ErrRejected
	Err   error  // the cause
}

// Error names the transaction, the class and the cause.
func (e *TxError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("transaction %s: %v (%s): %v", e.TxID, e.Class, e.Code, e.Err)
	}
	return fmt.Sprintf("transaction %s: %v: %v", e.TxID, e.Class, e.Err)
}

// Unwrap returns the class and the cause.
func (e *TxError) Unwrap() []error { return []error{e.Class, e.Err} }

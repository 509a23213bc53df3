// Package ledger is MedTrace's Fabric adapter: the fabric-gateway client for
// the traceability ledger. It submits batches of business events, verifies
// packs, reads histories and follows chaincode events. The domain and wire
// types are the trace core's (package trace), shared with the chaincode.
package ledger

import (
	"errors"
	"fmt"
)

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
	// ErrReadConflict is the cause of a transaction the peer invalidated
	// because another transaction in flight changed what it read (MVCC or
	// phantom read conflict): its class is ErrUnavailable, and unlike an
	// outage it is worth sending again at once.
	ErrReadConflict = errors.New("another transaction changed what it read")
)

// TxError is a failed transaction whose ID is known; it wraps one of the
// error classes above (errors.Is(err, ErrCommitUnknown) and so on).
type TxError struct {
	TxID  string
	Code  string // the validation code when the transaction was invalidated, e.g. MVCC_READ_CONFLICT
	Class error  // ErrUnavailable, ErrCommitUnknown, ErrRejected or ErrPermissionDenied
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

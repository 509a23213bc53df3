// Package record is the logic of MedTrace's traceability chaincode: batches of
// EPCIS 2.0 business events checked against a per-pack state machine, access
// by organisation role, and the verify, history and contents queries. It
// talks to the world state through the small State interface, so it runs the
// same against the Fabric stub and against an in-memory map in tests.
//
// The domain (event kinds, events and content IDs, the state machine, the
// verdict rules, EPCIS, the wire types) is MedTrace's trace core, module
// github.com/medtrace/medtrace/trace, which the client uses too; the names
// below are that core's, aliased for brevity.
package record

import (
	"time"

	"github.com/medtrace/medtrace/trace"
)

// State is the world state as the chaincode sees it. The Fabric stub
// (shim.ChaincodeStubInterface) satisfies it. GetState returns nil, nil for a
// missing key.
type State interface {
	GetState(key string) ([]byte, error)
	PutState(key string, value []byte) error
}

// Tx describes the transaction being executed.
type Tx struct {
	ID   string    // transaction ID
	Time time.Time // transaction timestamp (from the signed proposal): the ledger time
	MSP  string    // the submitter's MSP ID
	// Clock is the endorsing peer's clock when the chaincode ran (the
	// chaincode runs beside its peer): RecordEvents refuses a transaction
	// whose Time is further from it than the ledger's clock skew.
	Clock time.Time
	// Cert is what the submitter's certificate says of its user (role,
	// site, administrator): the chaincode authorises from it and the MSP,
	// never from what the client writes in a request.
	Cert Cert
}

// Aliases of the trace core's types.
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
	UnitChange   = trace.UnitChange
	Recall       = trace.Recall
	Page         = trace.Page
	Emission     = trace.Emission
	LedgerAlert  = trace.LedgerAlert
	AlertPage    = trace.AlertPage
	Party        = trace.Party
)

// The trace core's constants, by their short names.
const (
	KindCommission          = trace.KindCommission
	KindPack                = trace.KindPack
	KindUnpack              = trace.KindUnpack
	KindShip                = trace.KindShip
	KindReceive             = trace.KindReceive
	KindDispense            = trace.KindDispense
	KindUndoDispense        = trace.KindUndoDispense
	KindDestroy             = trace.KindDestroy
	KindStolen              = trace.KindStolen
	KindRecall              = trace.KindRecall
	KindWithdrawRecall      = trace.KindWithdrawRecall
	KindSample              = trace.KindSample
	KindExport              = trace.KindExport
	KindInspect             = trace.KindInspect
	StatusAccepted          = trace.StatusAccepted
	StatusDuplicate         = trace.StatusDuplicate
	StatusRejected          = trace.StatusRejected
	StatusConflict          = trace.StatusConflict
	PackUnknown             = trace.PackUnknown
	PackActive              = trace.PackActive
	PackInTransit           = trace.PackInTransit
	PackDispensed           = trace.PackDispensed
	PackDestroyed           = trace.PackDestroyed
	PackStolen              = trace.PackStolen
	PackRecalled            = trace.PackRecalled
	PackExpired             = trace.PackExpired
	PackSample              = trace.PackSample
	PackExported            = trace.PackExported
	EventName               = trace.EventName
	UndoWindow              = trace.UndoWindow
	ContentIDPrefix         = trace.ContentIDPrefix
	ContentIDSuffix         = trace.ContentIDSuffix
	ReasonBadEvent          = trace.ReasonBadEvent
	ReasonNotAuthorized     = trace.ReasonNotAuthorized
	ReasonUnknownPack       = trace.ReasonUnknownPack
	ReasonUnknownSSCC       = trace.ReasonUnknownSSCC
	ReasonAlreadyCommission = trace.ReasonAlreadyCommission
	ReasonAlreadyDispensed  = trace.ReasonAlreadyDispensed
	ReasonDestroyed         = trace.ReasonDestroyed
	ReasonStolen            = trace.ReasonStolen
	ReasonSample            = trace.ReasonSample
	ReasonExported          = trace.ReasonExported
	ReasonInTransit         = trace.ReasonInTransit
	ReasonNotDispensed      = trace.ReasonNotDispensed
	ReasonBatchMismatch     = trace.ReasonBatchMismatch
	ReasonExpiryMismatch    = trace.ReasonExpiryMismatch
	ReasonRecalledBatch     = trace.ReasonRecalledBatch
	ReasonExpired           = trace.ReasonExpired
	ReasonUndoTooLate       = trace.ReasonUndoTooLate
	ReasonUndoOtherLocation = trace.ReasonUndoOtherLocation
	ReasonAlreadyAggregated = trace.ReasonAlreadyAggregated
	ReasonNotInContainer    = trace.ReasonNotInContainer
	ReasonAlreadyRecalled   = trace.ReasonAlreadyRecalled
	ReasonNotRecalled       = trace.ReasonNotRecalled
	ReasonConflict          = trace.ReasonConflict
	ReasonNonconformant     = trace.ReasonNonconformant
	ReasonTooLarge          = trace.ReasonTooLarge
	ReasonNotHolder         = trace.ReasonNotHolder
	ReasonOtherSite         = trace.ReasonOtherSite
	ReasonNotShipped        = trace.ReasonNotShipped
	ReasonNotConsignee      = trace.ReasonNotConsignee
	ReasonUnknownConsignee  = trace.ReasonUnknownConsignee
	ReasonTooOld            = trace.ReasonTooOld
	ReasonInFuture          = trace.ReasonInFuture
)

// Package trace is the logic of MedTrace's traceability chaincode: batches of
// EPCIS 2.0 business events checked against a per-pack state machine, access
// by organisation role, and the verify, history and contents queries. It
// talks to the world state through the small State interface, so it runs the
// same against the Fabric stub and against an in-memory map in tests.
//
// The wire types mirror package ledger of the MedTrace module (the chaincode
// is its own Go module and cannot import it); their JSON must stay identical.
package trace

import (
	"encoding/json"
	"time"
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
	Time time.Time // transaction timestamp (from the signed proposal)
	MSP  string    // the submitter's MSP ID
}

// Kind is a business event kind.
type Kind string

// The business event kinds.
const (
	KindCommission   Kind = "commission"
	KindPack         Kind = "pack"
	KindUnpack       Kind = "unpack"
	KindShip         Kind = "ship"
	KindReceive      Kind = "receive"
	KindDispense     Kind = "dispense"
	KindUndoDispense Kind = "undo-dispense"
	KindDestroy      Kind = "destroy"
	KindStolen       Kind = "stolen"
	KindRecall       Kind = "recall"
	KindSample       Kind = "sample"
	KindExport       Kind = "export"
	KindInspect      Kind = "inspect"
)

// Event is one business event as the client sends it.
type Event struct {
	ID           string    `json:"id"`
	Kind         Kind      `json:"kind"`
	Time         time.Time `json:"time"`
	Location     string    `json:"location,omitempty"`
	Counterparty string    `json:"counterparty,omitempty"`
	GTIN         string    `json:"gtin,omitempty"`
	Serial       string    `json:"serial,omitempty"`
	Batch        string    `json:"batch,omitempty"`
	Expiry       string    `json:"expiry,omitempty"`
	SSCC         string    `json:"sscc,omitempty"`
	Children     []string  `json:"children,omitempty"`
	Conformant   *bool     `json:"conformant,omitempty"`
	Note         string    `json:"note,omitempty"`
}

// Status is the outcome of one event.
type Status string

// Per-event outcomes.
const (
	StatusAccepted  Status = "accepted"
	StatusDuplicate Status = "duplicate"
	StatusRejected  Status = "rejected"
	StatusConflict  Status = "conflict"
)

// Result is the outcome of one event of a batch. RecordEvents sends
// results in the order of the events, without their EventID (and without
// TxID when it is this transaction's): the client has both already.
type Result struct {
	EventID string `json:"eventId,omitempty"`
	Status  Status `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	TxID    string `json:"txId,omitempty"`
}

// BatchResult is the outcome of one RecordEvents transaction.
type BatchResult struct {
	TxID    string   `json:"txId"`
	Results []Result `json:"results"`
}

// PackStatus is a pack's state.
type PackStatus string

// Pack states. Recalled and expired are derived when a pack is read (from
// its batch record and the date), so a recall writes one key, not one per pack.
const (
	PackUnknown   PackStatus = "unknown"
	PackActive    PackStatus = "active"
	PackInTransit PackStatus = "in-transit"
	PackDispensed PackStatus = "dispensed"
	PackDestroyed PackStatus = "destroyed"
	PackStolen    PackStatus = "stolen"
	PackRecalled  PackStatus = "recalled"
	PackExpired   PackStatus = "expired"
	PackSample    PackStatus = "sample"
	PackExported  PackStatus = "exported"
)

// Alert is one reason a pack must not be handed out, or a warning.
type Alert struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Verification answers "may I hand out this pack?".
type Verification struct {
	GTIN      string     `json:"gtin"`
	Serial    string     `json:"serial"`
	Status    PackStatus `json:"status"`
	Batch     string     `json:"batch,omitempty"`
	Expiry    string     `json:"expiry,omitempty"`
	Alerts    []Alert    `json:"alerts,omitempty"`
	LastEvent string     `json:"lastEvent,omitempty"`
	LastKind  Kind       `json:"lastKind,omitempty"`
	LastTime  time.Time  `json:"lastTime,omitempty"`
	LastPlace string     `json:"lastPlace,omitempty"`
	AsOf      time.Time  `json:"asOf"`
}

// HistoryEntry is one recorded event of a pack, as EPCIS 2.0 JSON.
type HistoryEntry struct {
	EventID   string          `json:"eventId"`
	Kind      Kind            `json:"kind"`
	TxID      string          `json:"txId"`
	TxTime    time.Time       `json:"txTime"`
	EventTime time.Time       `json:"eventTime"`
	EPCIS     json.RawMessage `json:"epcis"`
}

// PackRef names a pack inside a logistic unit.
type PackRef struct {
	GTIN   string     `json:"gtin"`
	Serial string     `json:"serial"`
	Batch  string     `json:"batch,omitempty"`
	Expiry string     `json:"expiry,omitempty"`
	Status PackStatus `json:"status"`
}

// Contents is what an SSCC holds, recursively.
type Contents struct {
	SSCC     string     `json:"sscc"`
	Status   PackStatus `json:"status"`
	Location string     `json:"location,omitempty"`
	Packs    []PackRef  `json:"packs,omitempty"`
	Units    []Contents `json:"units,omitempty"`
}

// PackChange is a pack's state after a transaction, for offline copies.
type PackChange struct {
	GTIN      string     `json:"gtin"`
	Serial    string     `json:"serial"`
	Batch     string     `json:"batch"`
	Expiry    string     `json:"expiry"`
	Status    PackStatus `json:"status"` // stored state: recalls and expiry are derived
	LastEvent string     `json:"lastEvent"`
	LastKind  Kind       `json:"lastKind"`
	LastTime  time.Time  `json:"lastTime"`
	LastPlace string     `json:"lastPlace,omitempty"`
}

// Recall is a recalled batch.
type Recall struct {
	GTIN    string    `json:"gtin"`
	Batch   string    `json:"batch"`
	EventID string    `json:"eventId"`
	Time    time.Time `json:"time"`
	Reason  string    `json:"reason,omitempty"` // the recall event's note
}

// Page is one page of the full state: packs and recalled batches.
type Page struct {
	Packs    []PackChange `json:"packs"`
	Recalls  []Recall     `json:"recalls"`
	Bookmark string       `json:"bookmark"` // empty on the last page
}

// EventName is the name of the one chaincode event each RecordEvents
// transaction sets.
const EventName = "medtrace"

// Emission is the payload of the chaincode event of a RecordEvents
// transaction: the event IDs it recorded and the recalls it made. The pack
// states it changed are its pack records in the transaction's write set,
// which offline copies read from the block (they are not repeated here:
// every byte of a transaction is handled many times over by the network).
type Emission struct {
	TxID     string   `json:"txId"`
	Accepted []string `json:"accepted,omitempty"`
	Rejected []string `json:"rejected,omitempty"`
	Recalls  []Recall `json:"recalls,omitempty"`
}

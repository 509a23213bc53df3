// Package ledger is MedTrace's client for the traceability ledger on
// Hyperledger Fabric: it submits batches of business events, verifies packs,
// reads histories and follows chaincode events. The wire types below are
// shared by the chaincode, the sync engine and the UI.
package ledger

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is a business event kind (EPCIS 2.0 business step).
type Kind string

// The business event kinds MedTrace records.
const (
	KindCommission   Kind = "commission"    // a manufacturer declares GTIN, serial, batch, expiry
	KindPack         Kind = "pack"          // children packed into an SSCC case or pallet
	KindUnpack       Kind = "unpack"        // an SSCC opened
	KindShip         Kind = "ship"          // leaves a location
	KindReceive      Kind = "receive"       // arrives at a location
	KindDispense     Kind = "dispense"      // handed to a patient
	KindUndoDispense Kind = "undo-dispense" // a mistaken dispense undone (same location, within 10 days)
	KindDestroy      Kind = "destroy"
	KindStolen       Kind = "stolen"
	KindRecall       Kind = "recall" // a whole batch (GTIN + batch)
	KindSample       Kind = "sample"
	KindExport       Kind = "export"
	KindInspect      Kind = "inspect" // a regulator's inspection, conformant or not
)

// Event is one business event as captured by MedTrace. Its ID is the
// idempotency key on the ledger: MedTrace makes it from the event's content
// (ContentID) when the event is captured; a UUID is accepted too.
type Event struct {
	ID           string    `json:"id"`
	Kind         Kind      `json:"kind"`
	Time         time.Time `json:"time"`
	Location     string    `json:"location,omitempty"`     // GLN where it happened
	Counterparty string    `json:"counterparty,omitempty"` // GLN of the other party (ship to, receive from)
	GTIN         string    `json:"gtin,omitempty"`
	Serial       string    `json:"serial,omitempty"`
	Batch        string    `json:"batch,omitempty"`
	Expiry       string    `json:"expiry,omitempty"`     // YYYY-MM-DD
	SSCC         string    `json:"sscc,omitempty"`       // the logistic unit (pack, unpack, ship, receive, destroy, stolen, export)
	Children     []string  `json:"children,omitempty"`   // pack/unpack: SSCCs (18 digits) and packs (PackKey)
	Conformant   *bool     `json:"conformant,omitempty"` // inspect only
	Note         string    `json:"note,omitempty"`
}

// Content IDs (the chaincode's twin is in chaincode/trace/ids.go; both are
// checked against testdata/wire/content-ids.json).
const (
	ContentIDPrefix = "ni:///sha-256;"
	ContentIDSuffix = "?ver=medtrace1"
)

// ContentID returns the ID the ledger derives from ev's content (ev.ID is
// ignored): ContentIDPrefix, the unpadded base64url SHA-256 of the event's
// JSON with an empty ID and its time in UTC, then ContentIDSuffix. The same
// event sent twice has the same ID, and two different events never do, so
// the ledger finds a replay in the record of the pack the event names and
// needs no key per event ID: a one-pack event costs one key.
func ContentID(ev Event) string {
	_, id := EncodeWithContentID(ev)
	return id
}

// EncodeWithContentID returns ev's JSON (its time in UTC, its ID ev.ID or,
// when that is empty, the content ID) and its content ID, from one
// encoding of the event: what a queue stores for each event.
func EncodeWithContentID(ev Event) (body []byte, contentID string) {
	id := ev.ID
	ev.ID = ""
	ev.Time = ev.Time.UTC()
	canonical, _ := json.Marshal(&ev) // cannot fail: plain fields only
	sum := sha256.Sum256(canonical)
	contentID = ContentIDPrefix + base64.RawURLEncoding.EncodeToString(sum[:]) + ContentIDSuffix
	if id == "" {
		id = contentID
	}
	// The canonical form starts with the empty ID; put the real one there.
	const empty = `{"id":""`
	quoted, _ := json.Marshal(id)
	body = make([]byte, 0, len(canonical)+len(quoted))
	body = append(append(append(body, `{"id":`...), quoted...), canonical[len(empty):]...)
	return body, contentID
}

// IsContentID reports whether id has the form of a content ID (whether it
// is the ID of a given event is ContentID's to say).
func IsContentID(id string) bool {
	return len(id) == len(ContentIDPrefix)+43+len(ContentIDSuffix) &&
		strings.HasPrefix(id, ContentIDPrefix) && strings.HasSuffix(id, ContentIDSuffix)
}

// ErrContentIDMismatch says an event's ID has the form of a content ID but
// is not its content's: the event was changed after it got its ID. The
// ledger would reject it.
var ErrContentIDMismatch = errors.New("event ID is not the event's content ID")

// WithContentID returns ev with its ID set to ContentID(ev).
func (ev Event) WithContentID() Event {
	ev.ID = ContentID(ev)
	return ev
}

// PackKey names a pack among an SSCC's children: the 14-digit GTIN, a
// slash, and the serial.
func PackKey(gtin, serial string) string { return gtin + "/" + serial }

// Status is the ledger's answer for one event of a batch.
type Status string

// Per-event outcomes.
const (
	StatusAccepted  Status = "accepted"  // recorded now
	StatusDuplicate Status = "duplicate" // the same ID with the same content was recorded before: success
	StatusRejected  Status = "rejected"  // an illegal step; never retry
	StatusConflict  Status = "conflict"  // the same ID with different content
)

// Result is the outcome of one event. The chaincode leaves EventID (and
// TxID when it is the batch's) out, as results come in the order of the
// events sent; Submit and CommitStatus fill them in.
type Result struct {
	EventID string `json:"eventId,omitempty"`
	Status  Status `json:"status"`
	Reason  string `json:"reason,omitempty"`  // stable reason code when rejected
	Message string `json:"message,omitempty"` // a sentence a pharmacist can act on
	TxID    string `json:"txId,omitempty"`    // the transaction that recorded it (the original one for duplicates)
}

// BatchResult is the outcome of one submitted batch.
type BatchResult struct {
	TxID    string   `json:"txId"`
	Block   uint64   `json:"block"`
	Results []Result `json:"results"`
}

// PackStatus is a pack's state on the ledger.
type PackStatus string

// Pack states.
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

// Alert is one reason a pack must not be handed out, or a warning about it.
type Alert struct {
	Code    string `json:"code"`    // stable, e.g. "already-dispensed", "recalled-batch", "expired", "batch-mismatch"
	Message string `json:"message"` // plain words
}

// Verification is the answer to "may I hand out this pack?".
type Verification struct {
	GTIN      string     `json:"gtin"`
	Serial    string     `json:"serial"`
	Status    PackStatus `json:"status"`
	Batch     string     `json:"batch,omitempty"`  // as the manufacturer declared it
	Expiry    string     `json:"expiry,omitempty"` // as the manufacturer declared it
	Alerts    []Alert    `json:"alerts,omitempty"`
	LastEvent string     `json:"lastEvent,omitempty"` // event ID
	LastKind  Kind       `json:"lastKind,omitempty"`
	LastTime  time.Time  `json:"lastTime,omitempty"`
	LastPlace string     `json:"lastPlace,omitempty"` // GLN
	// Block is the block this answer reflects: set for answers from a
	// local copy (the copy's last block); 0 for Client.Verify, which does
	// not learn which block the peer read (a chain-info query would cost a
	// second round trip per verify), so online answers carry AsOf only.
	Block   uint64    `json:"block,omitempty"`
	AsOf    time.Time `json:"asOf"`    // when this answer was true (online: the query's time)
	Offline bool      `json:"offline"` // answered from the local copy
}

// HistoryEntry is one recorded event of a pack.
type HistoryEntry struct {
	EventID   string          `json:"eventId"`
	Kind      Kind            `json:"kind"`
	TxID      string          `json:"txId"`
	TxTime    time.Time       `json:"txTime"`    // when the transaction was made
	EventTime time.Time       `json:"eventTime"` // when the event happened
	EPCIS     json.RawMessage `json:"epcis"`     // the event as EPCIS 2.0 JSON
}

// PackRef is a pack inside a logistic unit.
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
	Status   PackStatus `json:"status"` // unknown when never packed
	Location string     `json:"location,omitempty"`
	Packs    []PackRef  `json:"packs,omitempty"`
	Units    []Contents `json:"units,omitempty"`
}

// PackChange is a pack's state after a transaction, as offline copies keep
// it. Status is the stored state: recalls come as Recall entries and expiry
// is judged from the date.
type PackChange struct {
	GTIN      string     `json:"gtin"`
	Serial    string     `json:"serial"`
	Batch     string     `json:"batch"`
	Expiry    string     `json:"expiry"`
	Status    PackStatus `json:"status"`
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
	Reason  string    `json:"reason,omitempty"`
}

// TxEvents is what one valid RecordEvents transaction recorded: the payload
// of its chaincode event, and the pack states it wrote (Packs, read from
// the transaction's write set in the block, in key order).
type TxEvents struct {
	TxID     string       `json:"txId"`
	Accepted []string     `json:"accepted,omitempty"` // event IDs
	Rejected []string     `json:"rejected,omitempty"` // event IDs recorded as rejected
	Packs    []PackChange `json:"packs,omitempty"`
	Recalls  []Recall     `json:"recalls,omitempty"`
}

// BlockEvents is one block's MedTrace transactions, in order. Every block
// is delivered, with or without transactions, so a caller that stores
// Block+1 as its checkpoint after handling it resumes without gaps.
type BlockEvents struct {
	Block uint64     `json:"block"`
	Time  time.Time  `json:"time"` // the first transaction's timestamp; zero for blocks without transactions
	Txs   []TxEvents `json:"txs,omitempty"`
}

// Changes is the net effect of a range of blocks: the latest state of every
// pack changed and every recall, for offline copies.
type Changes struct {
	FromBlock uint64       `json:"fromBlock"`
	ToBlock   uint64       `json:"toBlock"` // last block included; next call starts at ToBlock+1
	Time      time.Time    `json:"time"`
	Packs     []PackChange `json:"packs"`
	Recalls   []Recall     `json:"recalls"`
}

// Errors the sync engine and the UI must tell apart.
var (
	// ErrUnavailable means the ledger could not be reached: retry later.
	ErrUnavailable = errors.New("ledger unavailable")
	// ErrCommitUnknown means a transaction was sent but its commit status is
	// unknown: look it up by transaction ID before resubmitting.
	ErrCommitUnknown = errors.New("ledger commit status unknown")
	// ErrRejected means the ledger refused the whole request (endorsement or
	// validation failure, access denied): do not retry unchanged.
	ErrRejected = errors.New("ledger rejected the request")
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

package trace

import (
	"encoding/json"
	"fmt"
	"time"
)

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
	Block   uint64   `json:"block,omitempty"` // set by the client from the commit; the chaincode cannot know it
	Results []Result `json:"results"`
}

// Complete fills in what the chaincode leaves out of the results to keep
// transactions small: each one's event ID (results come in the order of
// the events sent, whose IDs are ids) and the TxID of those this
// transaction recorded. A result that names another event is an error.
func (r *BatchResult) Complete(ids []string) error {
	if len(r.Results) != len(ids) {
		return fmt.Errorf("%d results for %d events", len(r.Results), len(ids))
	}
	for i := range r.Results {
		res := &r.Results[i]
		switch res.EventID {
		case "":
			res.EventID = ids[i]
		case ids[i]:
		default:
			return fmt.Errorf("result %d is for event %s, not %s", i, res.EventID, ids[i])
		}
		if res.TxID == "" {
			res.TxID = r.TxID
		}
	}
	return nil
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
	// Holder is who holds the pack and where (see CustodyRefusal);
	// Consignee, while it is in transit, who is to receive it and where.
	// Both are nil in answers about packs recorded before custody was
	// kept, or from copies that do not keep it.
	Holder    *Party `json:"holder,omitempty"`
	Consignee *Party `json:"consignee,omitempty"`
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
	TxTime    time.Time       `json:"txTime"`          // when the transaction was made
	EventTime time.Time       `json:"eventTime"`       // when the event happened
	Place     string          `json:"place,omitempty"` // GLN where it happened
	EPCIS     json.RawMessage `json:"epcis"`           // the event as EPCIS 2.0 JSON (see EPCIS)
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
	Holder    *Party     `json:"holder,omitempty"`    // who holds it (nil in records from before custody was kept)
	Consignee *Party     `json:"consignee,omitempty"` // while in transit
}

// UnitChange is a logistic unit's (case's or pallet's) state after a
// transaction, as offline copies keep it: with its children as canonical
// references (Child.Ref: an SSCC, GTIN/serial or a China pack's code), so
// a copy rebuilds its Contents from its own records.
type UnitChange struct {
	SSCC      string     `json:"sscc"`
	Status    PackStatus `json:"status"`
	Location  string     `json:"location,omitempty"` // GLN where its holder holds it
	Parent    string     `json:"parent,omitempty"`   // SSCC it is packed in
	Children  []string   `json:"children,omitempty"`
	Holder    *Party     `json:"holder,omitempty"`    // who holds it (nil in records from before custody was kept)
	Consignee *Party     `json:"consignee,omitempty"` // while in transit
}

// Recall is a recalled batch, or (Withdrawn) the withdrawal of a batch's
// recall: then EventID, Time and Reason are the withdrawal's, and offline
// copies forget the batch's recall.
type Recall struct {
	GTIN      string    `json:"gtin"`
	Batch     string    `json:"batch"`
	EventID   string    `json:"eventId"`
	Time      time.Time `json:"time"`
	Reason    string    `json:"reason,omitempty"`
	Withdrawn bool      `json:"withdrawn,omitempty"`
}

// TxEvents is what one valid RecordEvents transaction recorded: the
// recalls of its chaincode event and the pack and unit states it wrote (read
// from the transaction's write set in the block, in key order). Which of
// its events were accepted is in the same block: the events sent and the
// results returned.
type TxEvents struct {
	TxID    string       `json:"txId"`
	Packs   []PackChange `json:"packs,omitempty"`
	Units   []UnitChange `json:"units,omitempty"` // the unit states it wrote, read from the write set like Packs
	Recalls []Recall     `json:"recalls,omitempty"`
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
// pack and logistic unit changed and every recall, for offline copies.
type Changes struct {
	FromBlock uint64       `json:"fromBlock"`
	ToBlock   uint64       `json:"toBlock"` // last block included; next call starts at ToBlock+1
	Time      time.Time    `json:"time"`
	Packs     []PackChange `json:"packs"`
	Units     []UnitChange `json:"units,omitempty"`
	Recalls   []Recall     `json:"recalls"`
}

// Page is one page of the full state: packs, logistic units and recalled
// batches (the chaincode's Export, for offline copies). Units is absent
// from pages of chaincodes that export none.
type Page struct {
	Packs    []PackChange `json:"packs"`
	Units    []UnitChange `json:"units,omitempty"`
	Recalls  []Recall     `json:"recalls"`
	Bookmark string       `json:"bookmark"` // empty on the last page
}

// EventName is the name of the one chaincode event each RecordEvents
// transaction sets.
const EventName = "medtrace"

// Emission is the payload of the chaincode event of a RecordEvents
// transaction: the recalls it made. The pack states it changed are its pack
// records in the transaction's write set, and which events it accepted its
// results beside the events sent, all of which offline copies read from the
// block: nothing is repeated here (every byte of a transaction is handled
// many times over by the network; the event IDs it once listed were a
// tenth of a commissioning's bytes).
type Emission struct {
	TxID    string   `json:"txId"`
	Recalls []Recall `json:"recalls,omitempty"`
}

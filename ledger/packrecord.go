package ledger

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"google.golang.org/protobuf/proto"

	"github.com/medtrace/medtrace/trace"
)

// packKeyPrefix starts the world-state key of every pack record the
// chaincode writes ("p:<GTIN>:<serial>"), unitKeyPrefix that of every
// logistic unit's ("u:<SSCC>").
const (
	packKeyPrefix = trace.PackStateKeyPrefix
	unitKeyPrefix = "u:"
)

// packRecord is the part of the chaincode's stored pack record that offline
// copies need. testdata/wire/pack-record.json is a record with every field,
// pack-record-compact.json one as the chaincode writes it now (without what
// its key and its log say again: the GTIN and serial, the latest event's
// kind, time and place, the logged events' IDs); this package's and the
// chaincode's tests both check them.
type packRecord struct {
	GTIN      string           `json:"g"`
	Serial    string           `json:"s"`
	Batch     string           `json:"b"`
	Expiry    string           `json:"x"`
	Status    trace.PackStatus `json:"st"`
	LastKind  trace.Kind       `json:"lk"`
	LastTime  time.Time        `json:"lt"`
	LastPlace string           `json:"lp,omitempty"`
	// Custody: the holder's MSP at Location and, in transit, the
	// consignee's MSP at Dest. Records written before custody was kept have
	// no holder; their copies then name none.
	Holder    string `json:"h,omitempty"`
	Location  string `json:"l,omitempty"`
	Consignee string `json:"cn,omitempty"`
	Dest      string `json:"d,omitempty"`
	// Owner commissioned it; Indexed says the record was written with the
	// holder index, so a holder left out is the owner.
	Owner   string `json:"o"`
	Indexed bool   `json:"ix,omitempty"`
	// Events are the accepted events' IDs, oldest first; an empty one
	// stands for the next entry of Log, which holds the event.
	Events []string            `json:"ev"`
	Log    []trace.LoggedEvent `json:"lg,omitempty"`
}

// decodePackRecord reads the pack record stored under key, filling in what
// the chaincode leaves out of it.
func decodePackRecord(key string, b []byte) (packRecord, error) {
	var r packRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return packRecord{}, fmt.Errorf("pack record %s: %w", key, err)
	}
	if r.GTIN == "" {
		var ok bool
		if r.GTIN, r.Serial, ok = trace.SplitPackStateKey(key); !ok {
			return packRecord{}, fmt.Errorf("pack record %s: not a pack record's key", key)
		}
	}
	r.Holder = trace.RecordHolder(r.Holder, r.Owner, r.Indexed)
	trace.FillLogged(r.Log, r.Batch, r.Expiry)
	if r.LastKind == "" {
		if last := trace.LastLogged(r.Events, r.Log); last != nil {
			r.LastKind, r.LastTime, r.LastPlace = last.Event.Kind, last.Event.Time, last.Event.Location
		}
	}
	return r, nil
}

// change is the pack's state as offline copies keep it.
func (r *packRecord) change() trace.PackChange {
	last := ""
	if n := len(r.Events); n > 0 {
		last = r.Events[n-1]
		if l := trace.LastLogged(r.Events, r.Log); l != nil {
			last = l.EventID(r.GTIN, r.Serial)
		}
	}
	c := trace.PackChange{GTIN: r.GTIN, Serial: r.Serial, Batch: r.Batch, Expiry: r.Expiry, Status: r.Status,
		LastEvent: last, LastKind: r.LastKind, LastTime: r.LastTime, LastPlace: r.LastPlace}
	if r.Holder != "" {
		c.Holder = &trace.Party{MSP: r.Holder, GLN: r.Location}
	}
	if r.Status == trace.PackInTransit && r.Consignee != "" {
		c.Consignee = &trace.Party{MSP: r.Consignee, GLN: r.Dest}
	}
	return c
}

// unitRecord is the part of the chaincode's stored logistic unit record
// that offline copies need (testdata/wire/unit-record.json is one).
type unitRecord struct {
	SSCC     string           `json:"c"`
	Status   trace.PackStatus `json:"st"`
	Location string           `json:"l,omitempty"`
	Dest     string           `json:"d,omitempty"`
	Parent   string           `json:"p,omitempty"`
	Children []string         `json:"ch,omitempty"`
	// Custody as in packRecord.
	Holder    string `json:"h,omitempty"`
	Consignee string `json:"cn,omitempty"`
}

// change is the unit's state as offline copies keep it.
func (r *unitRecord) change() trace.UnitChange {
	c := trace.UnitChange{SSCC: r.SSCC, Status: r.Status, Location: r.Location, Parent: r.Parent, Children: r.Children}
	if r.Holder != "" {
		c.Holder = &trace.Party{MSP: r.Holder, GLN: r.Location}
	}
	if r.Status == trace.PackInTransit && r.Consignee != "" {
		c.Consignee = &trace.Party{MSP: r.Consignee, GLN: r.Dest}
	}
	return c
}

// recordChanges reads the pack and logistic unit records a transaction
// wrote in the chaincode's namespace from its read-write set (the chaincode
// writes keys in order).
func recordChanges(b []byte, namespace string) ([]trace.PackChange, []trace.UnitChange, error) {
	txrw := &rwset.TxReadWriteSet{}
	if err := proto.Unmarshal(b, txrw); err != nil {
		return nil, nil, fmt.Errorf("read-write set: %w", err)
	}
	var packs []trace.PackChange
	var units []trace.UnitChange
	for _, ns := range txrw.GetNsRwset() {
		if ns.GetNamespace() != namespace {
			continue
		}
		kv := &kvrwset.KVRWSet{}
		if err := proto.Unmarshal(ns.GetRwset(), kv); err != nil {
			return nil, nil, fmt.Errorf("read-write set of %s: %w", namespace, err)
		}
		for _, w := range kv.GetWrites() {
			switch {
			case w.GetIsDelete():
			case strings.HasPrefix(w.GetKey(), packKeyPrefix):
				r, err := decodePackRecord(w.GetKey(), w.GetValue())
				if err != nil {
					return nil, nil, err
				}
				packs = append(packs, r.change())
			case strings.HasPrefix(w.GetKey(), unitKeyPrefix):
				var r unitRecord
				if err := json.Unmarshal(w.GetValue(), &r); err != nil {
					return nil, nil, fmt.Errorf("unit record %s: %w", w.GetKey(), err)
				}
				units = append(units, r.change())
			}
		}
	}
	return packs, units, nil
}

package trace

import (
	"strings"
	"time"
)

// PackStateKeyPrefix starts the ledger's world-state key of every pack
// record ("p:<GTIN>:<serial>", PackStateKey).
const PackStateKeyPrefix = "p:"

// PackStateKey is the world-state key of the record of pack gtin/serial
// (gtin a GTIN-14 or a China product, "CN8123456").
func PackStateKey(gtin, serial string) string { return PackStateKeyPrefix + gtin + ":" + serial }

// SplitPackStateKey returns the GTIN and serial of a pack record's key; ok
// is false for any other key. A serial may hold ':' (GS1 allows it); a
// GTIN or China product never does.
func SplitPackStateKey(key string) (gtin, serial string, ok bool) {
	rest, found := strings.CutPrefix(key, PackStateKeyPrefix)
	if !found {
		return "", "", false
	}
	gtin, serial, ok = strings.Cut(rest, ":")
	return gtin, serial, ok && gtin != "" && serial != ""
}

// LoggedEvent is a content-addressed event as its pack's record keeps it:
// the transaction that recorded it (its ID and ledger time) and the event
// without its ID, GTIN and serial. The record names the pack; the ID is
// the event's content ID, which the record leaves out (ID empty) because
// it can be computed again (EventID): records written before they did so
// hold it.
type LoggedEvent struct {
	ID     string    `json:"i,omitempty"`
	TxID   string    `json:"tx"`
	TxTime time.Time `json:"tt"`
	Event  EventBody `json:"e"`
}

// EventID is the logged event's ID: as kept, or else the content ID of
// the event it is about pack gtin/serial.
func (l *LoggedEvent) EventID(gtin, serial string) string {
	if l.ID != "" {
		return l.ID
	}
	return ContentID(l.Event.Event("", gtin, serial))
}

// EventBody is an Event without the ID, GTIN and serial that its pack's
// record holds. A struct, not the JSON as sent: encoding/json would
// re-compact a raw message on every write of the record.
type EventBody struct {
	Kind         Kind      `json:"kind"`
	Time         time.Time `json:"time"`
	Location     string    `json:"location,omitempty"`
	Counterparty string    `json:"counterparty,omitempty"`
	Batch        string    `json:"batch,omitempty"`
	Expiry       string    `json:"expiry,omitempty"`
	SSCC         string    `json:"sscc,omitempty"`
	Children     []string  `json:"children,omitempty"`
	Conformant   *bool     `json:"conformant,omitempty"`
	Note         string    `json:"note,omitempty"`
	Link         string    `json:"link,omitempty"`
}

// BodyOf is ev without its ID, GTIN and serial.
func BodyOf(ev *Event) EventBody {
	return EventBody{Kind: ev.Kind, Time: ev.Time, Location: ev.Location, Counterparty: ev.Counterparty,
		Batch: ev.Batch, Expiry: ev.Expiry, SSCC: ev.SSCC, Children: ev.Children, Conformant: ev.Conformant, Note: ev.Note, Link: ev.Link}
}

// Event is the whole event again, as it was sent.
func (b *EventBody) Event(id, gtin, serial string) Event {
	return Event{ID: id, Kind: b.Kind, Time: b.Time, Location: b.Location, Counterparty: b.Counterparty,
		GTIN: gtin, Serial: serial, Batch: b.Batch, Expiry: b.Expiry, SSCC: b.SSCC, Children: b.Children,
		Conformant: b.Conformant, Note: b.Note, Link: b.Link}
}

// LastLogged is the latest of a pack record's events when its log holds it:
// events are the record's event IDs, oldest first, where an empty one
// stands for the next entry of log. It returns nil when the latest event is
// kept elsewhere (under its own key) or there is none.
func LastLogged(events []string, log []LoggedEvent) *LoggedEvent {
	if n := len(events); n == 0 || events[n-1] != "" || len(log) == 0 {
		return nil
	}
	return &log[len(log)-1]
}

// FillLogged gives a logged commissioning that was stored without them its
// pack's batch and expiry (a commissioning always names both, and they are
// the record's).
func FillLogged(log []LoggedEvent, batch, expiry string) {
	for i := range log {
		if e := &log[i].Event; e.Kind == KindCommission && e.Batch == "" && e.Expiry == "" {
			e.Batch, e.Expiry = batch, expiry
		}
	}
}

// RecordHolder is the holder a pack record names: holder as stored, or,
// left out of a record written with the holder index (indexed, which always
// names its holder), its commissioner owner.
func RecordHolder(holder, owner string, indexed bool) string {
	if holder == "" && indexed {
		return owner
	}
	return holder
}

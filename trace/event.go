package trace

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Event is one business event as MedTrace captures it and the chaincode
// records it. Its ID is the idempotency key on the ledger: MedTrace makes it
// from the event's content (ContentID) when the event is captured; a UUID is
// accepted too.
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
	Children     []string  `json:"children,omitempty"`   // pack/unpack: child references (see Child.Ref)
	Conformant   *bool     `json:"conformant,omitempty"` // inspect only
	Note         string    `json:"note,omitempty"`
	// Link is, on a commission only, the pack's other code as a child
	// reference (Child.Ref): a China drug code on a GS1 pack, or GTIN/serial
	// on a China pack. The two name one pack: what happens under either
	// name happens to it (see CheckEvent and the chaincode).
	Link string `json:"link,omitempty"`
}

// Content IDs: an event's ID may be the hash of its own content (RFC 6920
// "ni" form): ContentIDPrefix, the unpadded base64url SHA-256 of the event's
// canonical JSON (the event with an empty ID and its time in UTC, as
// encoding/json writes Event), then ContentIDSuffix. The same content always
// has the same ID and different content never does, so the ledger finds a
// replay in the record of the pack the event names and needs no key per
// event ID. testdata/content-ids.json pins the encoding.
const (
	ContentIDPrefix = "ni:///sha-256;"
	ContentIDSuffix = "?ver=medtrace1"
)

// contentIDLen is the length of a content ID: prefix, 43 base64url
// characters, suffix.
const contentIDLen = len(ContentIDPrefix) + 43 + len(ContentIDSuffix)

// ErrContentIDMismatch says an event's ID has the form of a content ID but
// is not its content's: the event was changed after it got its ID. The
// ledger would reject it.
var ErrContentIDMismatch = errors.New("event ID is not the event's content ID")

// ContentID returns the ID derived from ev's content (ev.ID is ignored).
func ContentID(ev Event) string {
	return contentIDOf(canonicalJSON(ev))
}

// canonicalJSON is what ev's content ID hashes: ev with an empty ID and its
// time in UTC, as encoding/json writes Event. It starts with emptyID.
func canonicalJSON(ev Event) []byte {
	ev.ID = ""
	ev.Time = ev.Time.UTC()
	b, _ := json.Marshal(&ev) // cannot fail: plain fields only
	return b
}

// emptyID starts every canonical JSON.
const emptyID = `{"id":""`

// contentIDOf is the content ID of canonical JSON.
func contentIDOf(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return ContentIDPrefix + base64.RawURLEncoding.EncodeToString(sum[:]) + ContentIDSuffix
}

// EncodeWithContentID returns ev's JSON (its time in UTC, its ID ev.ID or,
// when that is empty, the content ID) and its content ID, from one encoding
// of the event: what a queue stores for each event.
func EncodeWithContentID(ev Event) (body []byte, contentID string) {
	id := ev.ID
	canonical := canonicalJSON(ev)
	contentID = contentIDOf(canonical)
	if id == "" {
		id = contentID
	}
	// The canonical form starts with the empty ID; put the real one there.
	quoted, _ := json.Marshal(id)
	body = make([]byte, 0, len(canonical)+len(quoted))
	body = append(append(append(body, `{"id":`...), quoted...), canonical[len(emptyID):]...)
	return body, contentID
}

// EncodeBatch is events as RecordEvents takes them: a JSON array in which
// an event whose ID is its content ID is sent without it (the ledger names
// such an event by its content ID again; the ID was a third of a
// commissioning's bytes, and every byte of a transaction is handled many
// times over by the network); any other keeps its ID.
func EncodeBatch(events []Event) ([]byte, error) {
	out := []byte{'['}
	for i, ev := range events {
		if i > 0 {
			out = append(out, ',')
		}
		if IsContentID(ev.ID) {
			canonical := canonicalJSON(ev)
			if contentIDOf(canonical) == ev.ID {
				if ev.Time.Location() == time.UTC { // as sent: the canonical JSON without its empty ID
					out = append(append(out, '{'), canonical[len(emptyID)+1:]...)
					continue
				}
				sent := ev // its own time zone kept (EPCIS shows the offset)
				sent.ID = ""
				b, err := json.Marshal(&sent)
				if err != nil {
					return nil, fmt.Errorf("encode event %d: %w", i, err)
				}
				out = append(append(out, '{'), b[len(emptyID)+1:]...)
				continue
			}
		}
		b, err := json.Marshal(&ev)
		if err != nil {
			return nil, fmt.Errorf("encode event %d: %w", i, err)
		}
		out = append(out, b...)
	}
	return append(out, ']'), nil
}

// SentID is the ID of ev as RecordEvents received it: its own, or, sent
// without one (EncodeBatch), its content ID.
func SentID(ev Event) string {
	if ev.ID == "" {
		return ContentID(ev)
	}
	return ev.ID
}

// IsContentID reports whether id has the form of a content ID (whether it
// is the ID of a given event is ContentID's to say).
func IsContentID(id string) bool {
	return len(id) == contentIDLen && strings.HasPrefix(id, ContentIDPrefix) && strings.HasSuffix(id, ContentIDSuffix)
}

// WithContentID returns ev with its ID set to ContentID(ev).
func (ev Event) WithContentID() Event {
	ev.ID = ContentID(ev)
	return ev
}

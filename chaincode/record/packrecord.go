package record

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// A pack's record is stored without what its key and its log already say:
// the GTIN and serial (the key's, trace.SplitPackStateKey), the latest
// event's kind, time and place when the log's last entry has them, the
// IDs of the log's content-addressed events (computed again,
// trace.LoggedEvent.EventID), a logged commissioning's batch and expiry
// (the record's), and the holder when it is the commissioner (in a record
// written with the holder index, whose holder is always named). A commissioning's record is so about a third
// smaller: the write set is what a peer's time per event grows with, and
// the state database's compaction with the bytes it holds. Records written
// before hold every field, and read as they are.

// decodePack reads the pack record stored under key. With derived non-nil
// the IDs of its log are filled in and each one computed is added to it;
// with derived nil they are left for whoever needs them (lastEvent).
func decodePack(key string, b []byte, derived map[string]bool) (*pack, error) {
	p := new(pack)
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	if p.GTIN == "" {
		var ok bool
		if p.GTIN, p.Serial, ok = trace.SplitPackStateKey(key); !ok {
			return nil, fmt.Errorf("decode %s: not a pack record's key", key)
		}
	}
	p.Holder = trace.RecordHolder(p.Holder, p.Owner, p.Indexed)
	trace.FillLogged(p.Log, p.Batch, p.Expiry)
	if p.LastKind == "" {
		if last := trace.LastLogged(p.Events, p.Log); last != nil {
			p.LastKind, p.LastTime, p.LastPlace = last.Event.Kind, last.Event.Time, last.Event.Location
		}
	}
	if derived != nil {
		for i := range p.Log {
			if p.Log[i].ID == "" {
				p.Log[i].ID = p.Log[i].EventID(p.GTIN, p.Serial)
				derived[p.Log[i].ID] = true
			}
		}
	}
	return p, nil
}

// encodePack is p as stored under its key: without the fields decodePack
// fills in again. derived are the IDs known to be their log entries'
// content IDs (the events logged now, and those filled in when read).
func encodePack(p *pack, derived map[string]bool) ([]byte, error) {
	c := *p
	c.GTIN, c.Serial = "", ""
	if last := trace.LastLogged(c.Events, c.Log); last != nil && last.Event.Kind == c.LastKind &&
		last.Event.Location == c.LastPlace && sameInstant(last.Event.Time, c.LastTime) {
		c.LastKind, c.LastTime, c.LastPlace = "", time.Time{}, ""
	}
	if c.Indexed && c.Holder == c.Owner {
		c.Holder = ""
	}
	c.Log = slices.Clone(c.Log)
	for i := range c.Log {
		if derived[c.Log[i].ID] {
			c.Log[i].ID = ""
		}
		if e := &c.Log[i].Event; e.Kind == KindCommission && e.Batch == c.Batch && e.Expiry == c.Expiry {
			e.Batch, e.Expiry = "", ""
		}
	}
	return json.Marshal(&c)
}

// sameInstant reports whether a and b are written the same in JSON (the
// same instant in the same offset), so that one can stand for the other.
func sameInstant(a, b time.Time) bool {
	return a.Equal(b) && a.Format(time.RFC3339Nano) == b.Format(time.RFC3339Nano)
}

package station

import (
	"context"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/trace"
)

// HistoryEntry is one event in a pack's timeline.
type HistoryEntry struct {
	Kind    trace.Kind
	Time    time.Time
	Place   string // GLN
	TxID    string // empty while only queued locally
	Pending bool   // queued here, not yet on the ledger
}

// maxPendingHistory bounds the queued events History adds to a pack's
// timeline (the newest; a pack has a handful in practice).
const maxPendingHistory = 100

// History lists a pack's events: the ledger's when connected, then the
// ones queued here that the ledger does not have yet. Without the ledger
// and with nothing queued, the error says why the ledger did not answer.
func (s *Station) History(ctx context.Context, gtin, serial string) ([]HistoryEntry, error) {
	var out []HistoryEntry
	var onlineErr error
	if oc, err := s.link.client(); err == nil {
		hs, err := oc.C.History(ctx, gtin, serial)
		if err != nil {
			onlineErr = err
		}
		for _, e := range hs {
			out = append(out, HistoryEntry{Kind: e.Kind, Time: e.EventTime, Place: e.Place, TxID: e.TxID})
		}
	} else {
		onlineErr = err
	}
	qs, err := s.store.Events(ctx, store.EventFilter{States: []store.State{store.StatePending, store.StateInFlight},
		Key: gtin + "/" + serial, Limit: maxPendingHistory, Newest: true})
	if err != nil {
		return out, err
	}
	for _, q := range qs {
		if q.Event.GTIN == gtin && q.Event.Serial == serial {
			out = append(out, HistoryEntry{Kind: q.Event.Kind, Time: q.Event.Time, Place: q.Event.Location, Pending: true})
		}
	}
	if len(out) == 0 && onlineErr != nil {
		return nil, onlineErr
	}
	return out, nil
}

package station

import (
	"context"
	"fmt"
	"os/user"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/trace"
)

// QueueCounts summarises the outbox (conflicts count as rejected: neither
// is ever retried).
type QueueCounts struct {
	Pending, InFlight, Recorded, Rejected int
}

// QueuedEvent is one event in the outbox with its sync state.
type QueuedEvent struct {
	Event    trace.Event
	State    string // "pending", "inflight", "recorded", "rejected" or "conflict"
	TxID     string
	Block    uint64
	Reason   string // rejection reason code
	Message  string // rejection message
	Attempts int
}

// Counts summarises the outbox.
func (s *Station) Counts(ctx context.Context) (QueueCounts, error) {
	m, err := s.store.Counts(ctx)
	if err != nil {
		return QueueCounts{}, err
	}
	return QueueCounts{Pending: m[store.StatePending], InFlight: m[store.StateInFlight],
		Recorded: m[store.StateRecorded], Rejected: m[store.StateRejected] + m[store.StateConflict]}, nil
}

// Events returns the newest limit events of the outbox, newest first.
func (s *Station) Events(ctx context.Context, limit int) ([]QueuedEvent, error) {
	qs, err := s.store.Events(ctx, store.EventFilter{Limit: max(limit, 1), Newest: true})
	if err != nil {
		return nil, err
	}
	out := make([]QueuedEvent, 0, len(qs))
	for i := len(qs) - 1; i >= 0; i-- {
		q := qs[i]
		out = append(out, QueuedEvent{Event: q.Event, State: string(q.State), TxID: q.TxID, Block: q.Block,
			Reason: q.Reason, Message: q.Message, Attempts: q.Attempts})
	}
	return out, nil
}

// Requeue gives rejected events back to the queue, recorded as the
// operating system user running the station, at the desk role. It returns
// how many went back.
func (s *Station) Requeue(ctx context.Context, role string, ids ...string) (int, error) {
	u, err := user.Current()
	if err != nil {
		return 0, fmt.Errorf("re-queue: who is re-queueing: %w", err)
	}
	done, err := s.store.Requeue(ctx, store.Actor{User: u.Username, Role: role}, ids...)
	if len(done) > 0 {
		s.store.Notify()
	}
	return len(done), err
}

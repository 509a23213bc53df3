package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Requeue records that a user gave a rejected event back to the queue.
type Requeue struct {
	EventID string
	At      time.Time
	By      string // the operating system user
	Role    string // the MedTrace role they worked as, "" if not known
	// What the ledger had said, kept for the audit trail.
	Reason, Message, TxID string
	Block                 uint64
}

// Actor is who re-queues events.
type Actor struct {
	User string // the operating system user; required
	Role string // the MedTrace role, if known
}

// ErrNoSuchEvent means no queued event has the ID or sequence number given.
var ErrNoSuchEvent = errors.New("no such event in the queue")

// NotRejectedError means an event asked to be re-queued is not rejected.
type NotRejectedError struct {
	Ref   string // the ID or sequence number as given
	State State
}

// Error names the event and its state.
func (e *NotRejectedError) Error() string {
	return fmt.Sprintf("event %s is %s, not rejected: only rejected events can be re-queued", e.Ref, e.State)
}

// Requeue gives rejected events back to the queue as pending, in one
// durable transaction, recording for each who did it and when together
// with the rejection it had (which stays listed by Requeues). refs are
// event IDs or sequence numbers; none means every rejected event. If any
// ref names no event (ErrNoSuchEvent) or one that is not rejected
// (*NotRejectedError), nothing changes. It returns the records written,
// in queue order.
func (s *Store) Requeue(ctx context.Context, by Actor, refs ...string) ([]Requeue, error) {
	if strings.TrimSpace(by.User) == "" {
		return nil, errors.New("re-queue: who re-queues is required")
	}
	var out []Requeue
	err := s.write(ctx, "re-queue", func(tx *sql.Tx) error {
		out = out[:0]
		type ev struct {
			seq int64
			id  string
		}
		var evs []ev
		if len(refs) == 0 {
			rows, err := tx.QueryContext(ctx, `SELECT seq, id FROM events WHERE state = 'rejected' ORDER BY seq`)
			if err != nil {
				return err
			}
			defer func() { _ = rows.Close() }() // rows.Err reports what went wrong
			for rows.Next() {
				var e ev
				if err := rows.Scan(&e.seq, &e.id); err != nil {
					return err
				}
				evs = append(evs, e)
			}
			if err := rows.Err(); err != nil {
				return err
			}
			_ = rows.Close() // all read; rows.Err was checked
		}
		seen := map[int64]bool{}
		for _, ref := range refs {
			var e ev
			var st string
			q, arg := `SELECT seq, id, state FROM events WHERE id = ?`, any(ref)
			if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
				q, arg = `SELECT seq, id, state FROM events WHERE seq = ?`, n
			}
			err := tx.QueryRowContext(ctx, q, arg).Scan(&e.seq, &e.id, &st)
			if errors.Is(err, sql.ErrNoRows) {
				return &refError{fmt.Errorf("re-queue %s: %w", ref, ErrNoSuchEvent)}
			}
			if err != nil {
				return err
			}
			if State(st) != StateRejected {
				return &refError{&NotRejectedError{Ref: ref, State: State(st)}}
			}
			if !seen[e.seq] {
				seen[e.seq] = true
				evs = append(evs, e)
			}
		}
		now := s.now()
		for _, e := range evs {
			r := Requeue{EventID: e.id, At: now.UTC(), By: by.User, Role: by.Role}
			var block int64
			if err := tx.QueryRowContext(ctx, `SELECT reason, message, coalesce(tx_id, ''), coalesce(block, 0) FROM events WHERE seq = ?`,
				e.seq).Scan(&r.Reason, &r.Message, &r.TxID, &block); err != nil {
				return err
			}
			r.Block = uint64(block)
			if _, err := tx.ExecContext(ctx, `INSERT INTO requeues (event_id, at, os_user, role, reason, message, tx_id, block)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.EventID, now.UnixNano(), r.By, r.Role, r.Reason, r.Message, r.TxID, block); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE events SET state = 'pending', reason = '', message = '', tx_id = NULL, block = NULL,
				not_before = 0, updated_at = ? WHERE seq = ? AND state = 'rejected'`, now.UnixNano(), e.seq); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	var re *refError
	if errors.As(err, &re) {
		return nil, re.err
	}
	if err != nil {
		return nil, err
	}
	if len(out) > 0 {
		s.Notify()
	}
	return out, nil
}

// refError carries a bad reference through the store's error
// classification unchanged.
type refError struct{ err error }

func (e *refError) Error() string { return e.err.Error() }
func (e *refError) Unwrap() error { return e.err }

// Requeues lists every re-queue of an event, oldest first; an empty
// eventID lists those of all events.
func (s *Store) Requeues(ctx context.Context, eventID string) ([]Requeue, error) {
	q := `SELECT event_id, at, os_user, role, reason, message, tx_id, block FROM requeues`
	var args []any
	if eventID != "" {
		q += ` WHERE event_id = ?`
		args = append(args, eventID)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, s.classify("list re-queues", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what went wrong
	var out []Requeue
	for rows.Next() {
		var r Requeue
		var at, block int64
		if err := rows.Scan(&r.EventID, &at, &r.By, &r.Role, &r.Reason, &r.Message, &r.TxID, &block); err != nil {
			return nil, s.classify("list re-queues", err)
		}
		r.At, r.Block = time.Unix(0, at).UTC(), uint64(block)
		out = append(out, r)
	}
	return out, s.classify("list re-queues", rows.Err())
}

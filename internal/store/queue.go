package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/medtrace/medtrace/trace"
)

// State is an event's sync state.
type State string

// Sync states.
const (
	StatePending  State = "pending"  // waiting to be sent
	StateInFlight State = "inflight" // claimed by a sync engine under a lease
	StateRecorded State = "recorded" // on the ledger (accepted, or a duplicate of itself)
	StateRejected State = "rejected" // refused by the ledger; never retried
	StateConflict State = "conflict" // the ledger holds a different event with the same ID
)

// ParseState checks a state name.
func ParseState(s string) (State, error) {
	switch st := State(s); st {
	case StatePending, StateInFlight, StateRecorded, StateRejected, StateConflict:
		return st, nil
	}
	return "", fmt.Errorf("unknown sync state %q (want pending, inflight, recorded, rejected or conflict)", s)
}

// ErrNoSuchClaim means the claim is no longer held (its lease ran out and
// another engine took it over, or it was already settled).
var ErrNoSuchClaim = errors.New("claim no longer held")

// Queued is an event in the outbox with its sync state.
type Queued struct {
	Seq      int64
	Event    trace.Event
	State    State
	Attempts int
	TxID     string
	Block    uint64
	Reason   string // the ledger's reason code when rejected or in conflict
	// Message is the ledger's sentence when rejected or in conflict, and
	// the last error (why it is not on the ledger yet) while pending.
	Message   string
	CreatedAt time.Time
	UpdatedAt time.Time
	NotBefore time.Time // while pending: not sent again before this; zero means any time
	// Requeued is the latest time a user gave this event back to the queue
	// after a rejection, nil if never (Requeues lists them all).
	Requeued *Requeue
	// Signer is the identity that must sign it (SignedBy); "" for none.
	Signer string
}

// ErrBadSigner means an identity's name is too long or has leading or
// trailing spaces.
var ErrBadSigner = errors.New("bad signer: an identity's name has at most 200 characters and no leading or trailing spaces")

// SignerError is why a pending event is not sent by a sync engine: another
// identity must sign it. The Queue screen shows it beside the event.
type SignerError struct {
	Signer   string // the identity the event waits for ("" for none named)
	Identity string // the identity the engine holds ("" for none named)
}

func (e *SignerError) Error() string {
	switch {
	case e.Signer == "":
		return fmt.Sprintf("waiting: queued without a signing identity, and this computer signs as %s", e.Identity)
	case e.Identity == "":
		return fmt.Sprintf("waiting for %s to sign it: this computer's sync names no identity", e.Signer)
	}
	return fmt.Sprintf("waiting for %s to sign it: this computer signs as %s, and never sends an event as another identity", e.Signer, e.Identity)
}

// WaitsFor says why an engine signing as identity does not send q: a
// *SignerError when q is pending or in flight for another identity, nil
// otherwise.
func (q Queued) WaitsFor(identity string) error {
	if (q.State == StatePending || q.State == StateInFlight) && q.Signer != identity {
		return &SignerError{Signer: q.Signer, Identity: identity}
	}
	return nil
}

// Waiting counts the pending events an engine signing as identity does not
// send, by the identity that must sign them.
func (s *Store) Waiting(ctx context.Context, identity string) (map[string]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT signer, count(*) FROM events WHERE state IN ('pending', 'inflight') AND signer != ? GROUP BY signer`, identity)
	if err != nil {
		return nil, s.classify("count waiting events", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what went wrong
	out := map[string]int{}
	for rows.Next() {
		var signer string
		var n int
		if err := rows.Scan(&signer, &n); err != nil {
			return nil, s.classify("count waiting events", err)
		}
		out[signer] = n
	}
	return out, s.classify("count waiting events", rows.Err())
}

// EnqueueOption sets how an event is queued.
type EnqueueOption func(*enqueueOptions)

type enqueueOptions struct {
	signer string
}

// SignedBy names the identity that must sign the event on the ledger: the
// name of the connection profile's identity the user works as (for
// example "pharmacy"). A sync engine sends only the events of the identity
// it holds (ClaimAndPrepareAs); the others wait (SignerError). Without it
// the event names no identity, and only an engine that names none sends it.
func SignedBy(identity string) EnqueueOption {
	return func(o *enqueueOptions) { o.signer = identity }
}

// maxSigner bounds an identity's name.
const maxSigner = 200

// Enqueue stores an event for the ledger in one durable transaction. A
// zero time is filled with the store's clock, then an empty ID with the
// event's content ID (ledger.ContentID): the idempotency key on the ledger.
func (s *Store) Enqueue(ctx context.Context, ev trace.Event, opts ...EnqueueOption) (trace.Event, error) {
	err := s.write(ctx, "enqueue", func(tx *sql.Tx) error {
		var err error
		ev, err = s.EnqueueTx(ctx, tx, ev, opts...)
		return err
	})
	if err != nil {
		return trace.Event{}, err
	}
	s.Notify()
	return ev, nil
}

// NewEventID returns a new time-ordered ID (UUIDv7), for claims.
func NewEventID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new event id: %w", err)
	}
	return id.String(), nil
}

// EnqueueTx stores an event inside the caller's transaction (see BeginTx);
// call Notify after committing. A content-addressed event already queued
// stays as it was (with its signer).
func (s *Store) EnqueueTx(ctx context.Context, tx *sql.Tx, ev trace.Event, opts ...EnqueueOption) (trace.Event, error) {
	var o enqueueOptions
	for _, f := range opts {
		f(&o)
	}
	if ev.Kind == "" {
		return trace.Event{}, errors.New("enqueue: event has no kind")
	}
	if len(o.signer) > maxSigner || strings.TrimSpace(o.signer) != o.signer {
		return trace.Event{}, fmt.Errorf("enqueue: %w", ErrBadSigner)
	}
	now := s.now()
	if ev.Time.IsZero() {
		ev.Time = now
	}
	ev.Time = ev.Time.UTC()
	body, cid := trace.EncodeWithContentID(ev)
	if ev.ID == "" {
		ev.ID = cid
	}
	insert := `INSERT INTO events (id, kind, body, created_at, updated_at, keys, signer) VALUES (?, ?, ?, ?, ?, ?, ?)`
	if trace.IsContentID(ev.ID) {
		if ev.ID != cid {
			return trace.Event{}, fmt.Errorf("enqueue %s: %w", ev.ID, trace.ErrContentIDMismatch)
		}
		// The same content is the same event: queued once.
		insert += ` ON CONFLICT (id) DO NOTHING`
	}
	if _, err := tx.ExecContext(ctx, insert,
		ev.ID, string(ev.Kind), string(body), now.UnixNano(), now.UnixNano(), strings.Join(eventKeys(ev), " "), o.signer); err != nil {
		return trace.Event{}, err
	}
	return ev, nil
}

// eventKeys names what an event is about: the pack (GTIN/serial), the
// logistic unit (SSCC) and the children packed or unpacked.
func eventKeys(ev trace.Event) []string {
	var keys []string
	if ev.Serial != "" {
		keys = append(keys, ev.GTIN+"/"+ev.Serial)
	}
	if ev.SSCC != "" {
		keys = append(keys, ev.SSCC)
	}
	for _, c := range ev.Children {
		if c != "" && !strings.ContainsAny(c, " ") {
			keys = append(keys, c)
		}
	}
	return keys
}

// Claim is a batch of events held by one sync engine under a lease.
type Claim struct {
	ID     string        // the claim's own ID
	TxID   string        // the transaction it was sent in before, "" if never sent
	Events []trace.Event // in capture order
	// Recovered is true when the claim was taken over from an expired lease
	// (for example after a crash): if TxID is set, look it up before resending.
	Recovered bool
	// Attempts is the most times any of its events was claimed, this
	// claim included.
	Attempts int
}

// ClaimBatch takes up to max events under a lease. An in-flight batch whose
// lease ran out (or whose claim time lies in the future because the clock was
// set back) is taken over first, whole; otherwise the oldest pending events
// are claimed. It returns a Claim with no events when there is nothing to do.
func (s *Store) ClaimBatch(ctx context.Context, max int, lease time.Duration) (Claim, error) {
	return s.ClaimAndPrepare(ctx, max, lease, nil)
}

// ClaimAndPrepare is ClaimBatch that, for freshly claimed events, also
// calls prepare (which builds and signs their transaction, without sending
// it) and stores the transaction ID it returns, in the same durable
// transaction. A recovered claim is returned without calling prepare: look
// its TxID up first. If prepare fails, nothing is claimed. It claims only
// events that name no signer (ClaimAndPrepareAs with "").
func (s *Store) ClaimAndPrepare(ctx context.Context, max int, lease time.Duration, prepare func([]trace.Event) (txID string, err error)) (Claim, error) {
	return s.ClaimAndPrepareAs(ctx, "", max, lease, prepare)
}

// ClaimAndPrepareAs is ClaimAndPrepare for the sync engine that signs as
// identity: it claims only events whose signer (SignedBy) is identity, and
// takes over only such a claim. Events of other identities stay pending
// and still keep later events about the same pack behind them, so nothing
// about one pack is reordered across identities.
func (s *Store) ClaimAndPrepareAs(ctx context.Context, identity string, max int, lease time.Duration, prepare func([]trace.Event) (txID string, err error)) (Claim, error) {
	if max <= 0 {
		max = 1
	}
	var c Claim
	err := s.write(ctx, "claim", func(tx *sql.Tx) error {
		now := s.now().UnixNano()
		id, err := NewEventID()
		if err != nil {
			return err
		}
		c = Claim{ID: id}
		var old string
		var txID sql.NullString
		err = tx.QueryRowContext(ctx, `SELECT claim, tx_id FROM events WHERE state = 'inflight'
			AND (lease_until <= ? OR claimed_at > ?) AND signer = ? ORDER BY seq LIMIT 1`, now, now, identity).Scan(&old, &txID)
		switch {
		case err == nil:
			c.Recovered, c.TxID = true, txID.String
			_, err = tx.ExecContext(ctx, `UPDATE events SET claim = ?, claimed_at = ?, lease_until = ?, attempts = attempts + 1, updated_at = ?
				WHERE claim = ? AND state = 'inflight'`, c.ID, now, now+int64(lease), now, old)
		case errors.Is(err, sql.ErrNoRows):
			err = s.claimPending(ctx, tx, identity, c.ID, now, lease, max)
		}
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT body, attempts FROM events WHERE claim = ? AND state = 'inflight' ORDER BY seq`, c.ID)
		if err != nil {
			return err
		}
		defer func() { _ = rows.Close() }() // rows.Err reports what went wrong
		for rows.Next() {
			var body string
			var attempts int
			if err := rows.Scan(&body, &attempts); err != nil {
				return err
			}
			if attempts > c.Attempts {
				c.Attempts = attempts
			}
			var ev trace.Event
			if err := json.Unmarshal([]byte(body), &ev); err != nil {
				return fmt.Errorf("event body: %w", err)
			}
			c.Events = append(c.Events, ev)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		_ = rows.Close() // all read; rows.Err was checked
		if prepare == nil || c.Recovered || len(c.Events) == 0 {
			return nil
		}
		prepared, err := prepare(c.Events)
		if err != nil {
			return &prepareError{err}
		}
		c.TxID = prepared
		_, err = tx.ExecContext(ctx, `UPDATE events SET tx_id = ? WHERE claim = ? AND state = 'inflight'`, prepared, c.ID)
		return err
	})
	var pe *prepareError
	if errors.As(err, &pe) {
		return Claim{}, pe.err
	}
	return c, err
}

// prepareError carries a prepare callback's error through the store's
// error classification unchanged.
type prepareError struct{ err error }

func (e *prepareError) Error() string { return e.err.Error() }
func (e *prepareError) Unwrap() error { return e.err }

// claimPending claims up to max pending events in capture order, skipping
// any event about a pack or unit that an event in flight (or an earlier
// skipped event) is about, so that batches sent side by side never reach
// the ledger out of order for the same pack.
func (s *Store) claimPending(ctx context.Context, tx *sql.Tx, identity, claim string, now int64, lease time.Duration, max int) error {
	// The keys of every event in flight, in one row: SQLite joins them
	// faster than a row each crosses into Go (BenchmarkClaimBesideInflight,
	// 2,000 in flight: 59-62 against 67-72 µs per event claimed and settled).
	var inflight sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT group_concat(keys, ' ') FROM events
		WHERE state = 'inflight' AND keys != ''`).Scan(&inflight); err != nil {
		return err
	}
	blocked := map[string]bool{}
	for _, key := range strings.Fields(inflight.String) {
		blocked[key] = true
	}
	// Events parked until later (the ledger refused the one-event request
	// they were sent in) are skipped like blocked ones, and block what
	// comes after them about the same pack; the window grows by their number.
	var parked int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE not_before > ? AND state = 'pending'`, now).Scan(&parked); err != nil {
		return err
	}
	// Events another identity signs are skipped like parked ones, and the
	// window grows by their number too.
	var others int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE state = 'pending' AND signer != ?`, identity).Scan(&others); err != nil {
		return err
	}
	// Scan a window of pending events; skipped ones are taken by a later claim.
	rows, err := tx.QueryContext(ctx, `SELECT seq, keys, not_before, signer FROM events WHERE state = 'pending' ORDER BY seq LIMIT ?`,
		4*max+len(blocked)+parked+others)
	if err != nil {
		return err
	}
	var take []int64
	for rows.Next() && len(take) < max {
		var seq, notBefore int64
		var k, signer string
		if err := rows.Scan(&seq, &k, &notBefore, &signer); err != nil {
			_ = rows.Close() // the scan error is the one to report
			return err
		}
		keys := strings.Fields(k)
		skip := notBefore > now || signer != identity
		for _, key := range keys {
			if blocked[key] {
				skip = true
				break
			}
		}
		if skip {
			for _, key := range keys {
				blocked[key] = true
			}
			continue
		}
		take = append(take, seq)
	}
	_ = rows.Close() // enough read; rows.Err is checked next
	if err := rows.Err(); err != nil {
		return err
	}
	// One statement for the whole claim (at most 500 events at a time).
	for len(take) > 0 {
		part := take[:min(len(take), 500)]
		take = take[len(part):]
		args := []any{claim, now, now + int64(lease), now}
		for _, seq := range part {
			args = append(args, seq)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET state = 'inflight', claim = ?, claimed_at = ?, lease_until = ?,
			attempts = attempts + 1, tx_id = NULL, not_before = 0, updated_at = ? WHERE state = 'pending' AND seq IN (?`+
			strings.Repeat(", ?", len(part)-1)+`)`, args...); err != nil {
			return err
		}
	}
	return nil
}

// inClaim runs fn in a write transaction after checking the claim is still held.
func (s *Store) inClaim(ctx context.Context, op, claim string, fn func(tx *sql.Tx, now int64) error) error {
	return s.write(ctx, op, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE claim = ? AND state = 'inflight'`, claim).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("claim %s: %w", claim, ErrNoSuchClaim)
		}
		return fn(tx, s.now().UnixNano())
	})
}

// SetTxID durably records the transaction ID a claim is about to be sent
// in, before it is sent, so that a crash can be resolved by looking it up.
func (s *Store) SetTxID(ctx context.Context, claim, txID string) error {
	return s.inClaim(ctx, "record transaction id", claim, func(tx *sql.Tx, now int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE events SET tx_id = ?, updated_at = ? WHERE claim = ? AND state = 'inflight'`, txID, now, claim)
		return err
	})
}

// Extend renews a claim's lease.
func (s *Store) Extend(ctx context.Context, claim string, lease time.Duration) error {
	return s.inClaim(ctx, "extend lease", claim, func(tx *sql.Tx, now int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE events SET lease_until = ?, claimed_at = ? WHERE claim = ? AND state = 'inflight'`, now+int64(lease), now, claim)
		return err
	})
}

// Release gives a claim's events back as pending (nothing reached the
// ledger), keeping their attempt counts and noting why.
func (s *Store) Release(ctx context.Context, claim, why string) error {
	return s.inClaim(ctx, "release", claim, func(tx *sql.Tx, now int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE events SET state = 'pending', claim = NULL, claimed_at = NULL, lease_until = NULL,
			tx_id = NULL, message = ?, updated_at = ? WHERE claim = ? AND state = 'inflight'`, why, now, claim)
		return err
	})
}

// Park gives a claim's events back as pending like Release, but none is
// claimed again before until: the ledger refused the request they were
// sent in as a whole, and sending them at once would be refused again.
// Later events about the same packs wait behind them.
func (s *Store) Park(ctx context.Context, claim, why string, until time.Time) error {
	return s.inClaim(ctx, "park", claim, func(tx *sql.Tx, now int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE events SET state = 'pending', claim = NULL, claimed_at = NULL, lease_until = NULL,
			tx_id = NULL, message = ?, not_before = ?, updated_at = ? WHERE claim = ? AND state = 'inflight'`, why, until.UnixNano(), now, claim)
		return err
	})
}

// Expire ends a claim's lease now but keeps its transaction ID, so the next
// claim looks the transaction up before anything is resent.
func (s *Store) Expire(ctx context.Context, claim, why string) error {
	return s.inClaim(ctx, "expire lease", claim, func(tx *sql.Tx, now int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE events SET lease_until = ?, message = ?, updated_at = ? WHERE claim = ? AND state = 'inflight'`, now, why, now, claim)
		return err
	})
}

// Record settles a claim with the ledger's answer: accepted and duplicate
// events become recorded (with transaction and block), rejected and
// conflicting ones keep the reason; events the answer does not mention go
// back to pending.
func (s *Store) Record(ctx context.Context, claim string, res trace.BatchResult) error {
	return s.inClaim(ctx, "record result", claim, func(tx *sql.Tx, now int64) error {
		// The common answer, accepted by this transaction, is one statement
		// for the whole batch; the others are written one by one.
		var accepted []any
		var each *sql.Stmt
		defer func() {
			if each != nil {
				_ = each.Close() // a statement of a transaction that ends here
			}
		}()
		for _, r := range res.Results {
			var st State
			switch r.Status {
			case trace.StatusAccepted, trace.StatusDuplicate:
				st = StateRecorded
			case trace.StatusRejected:
				st = StateRejected
			case trace.StatusConflict:
				st = StateConflict
			default:
				return fmt.Errorf("event %s: unknown ledger status %q", r.EventID, r.Status)
			}
			txID := r.TxID
			if txID == "" {
				txID = res.TxID
			}
			if st == StateRecorded && txID == res.TxID && r.Reason == "" && r.Message == "" {
				accepted = append(accepted, r.EventID)
				continue
			}
			if each == nil {
				var err error
				if each, err = tx.PrepareContext(ctx, `UPDATE events SET state = ?, tx_id = ?, block = ?, reason = ?, message = ?,
					claim = NULL, claimed_at = NULL, lease_until = NULL, updated_at = ? WHERE claim = ? AND id = ? AND state = 'inflight'`); err != nil {
					return err
				}
			}
			if _, err := each.ExecContext(ctx, string(st), txID, int64(res.Block), r.Reason, r.Message, now, claim, r.EventID); err != nil {
				return err
			}
		}
		for len(accepted) > 0 {
			part := accepted[:min(len(accepted), 500)]
			accepted = accepted[len(part):]
			args := append([]any{res.TxID, int64(res.Block), now, claim}, part...)
			if _, err := tx.ExecContext(ctx, `UPDATE events SET state = 'recorded', tx_id = ?, block = ?, reason = '', message = '',
				claim = NULL, claimed_at = NULL, lease_until = NULL, updated_at = ? WHERE claim = ? AND state = 'inflight' AND id IN (?`+
				strings.Repeat(", ?", len(part)-1)+`)`, args...); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE events SET state = 'pending', claim = NULL, claimed_at = NULL, lease_until = NULL,
			tx_id = NULL, message = 'not in the ledger''s answer', updated_at = ? WHERE claim = ? AND state = 'inflight'`, now, claim)
		return err
	})
}

// Reject marks every event of a claim rejected with a reason. The sync
// engine never calls it (only the chaincode's per-event verdict, through
// Record, rejects an event); it is kept for tools that must retire events
// by hand. The events are kept and listed; a user can Requeue them.
func (s *Store) Reject(ctx context.Context, claim, reason, message string) error {
	return s.inClaim(ctx, "reject", claim, func(tx *sql.Tx, now int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE events SET state = 'rejected', reason = ?, message = ?, claim = NULL,
			claimed_at = NULL, lease_until = NULL, updated_at = ? WHERE claim = ? AND state = 'inflight'`, reason, message, now, claim)
		return err
	})
}

// Counts returns how many events are in each state.
func (s *Store) Counts(ctx context.Context) (map[State]int, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT state, count(*) FROM events GROUP BY state`)
	if err != nil {
		return nil, s.classify("count events", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what went wrong
	out := map[State]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, s.classify("count events", err)
		}
		out[State(st)] = n
	}
	return out, s.classify("count events", rows.Err())
}

// Unsent is the number of events not yet settled (pending or in flight).
func (s *Store) Unsent(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE state IN ('pending', 'inflight')`).Scan(&n)
	return n, s.classify("count events", err)
}

// Refused is the number of events the ledger refused (rejected or in
// conflict): they wait for a user, never for the sync engine.
func (s *Store) Refused(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE state IN ('rejected', 'conflict')`).Scan(&n)
	return n, s.classify("count events", err)
}

// EventFilter selects outbox events; the zero value selects all.
type EventFilter struct {
	States   []State // any of these; empty means all
	AfterSeq int64
	Limit    int // 0 means no limit
	// Newest, with Limit, selects the newest Limit events (still listed
	// in capture order) instead of the oldest.
	Newest bool
	// Key, when set, selects the events about one item: a pack as
	// "GTIN/serial" or an SSCC (as the event or a child names it).
	Key string
}

// Events lists outbox events in capture order.
func (s *Store) Events(ctx context.Context, f EventFilter) ([]Queued, error) {
	q := `SELECT seq, body, state, attempts, coalesce(events.tx_id, ''), coalesce(events.block, 0), events.reason, events.message, created_at, updated_at,
		not_before, coalesce(r.at, 0), coalesce(r.os_user, ''), coalesce(r.role, ''), coalesce(r.reason, ''), coalesce(r.message, ''),
		coalesce(r.tx_id, ''), coalesce(r.block, 0), signer
		FROM events LEFT JOIN requeues r ON r.id = (SELECT max(id) FROM requeues WHERE event_id = events.id) WHERE seq > ?`
	args := []any{f.AfterSeq}
	if len(f.States) > 0 {
		q += " AND state IN (?" + strings.Repeat(", ?", len(f.States)-1) + ")"
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if f.Key != "" {
		q += " AND instr(' ' || keys || ' ', ?) > 0"
		args = append(args, " "+f.Key+" ")
	}
	if f.Newest && f.Limit > 0 {
		q = "SELECT * FROM (" + q + " ORDER BY seq DESC LIMIT ?) ORDER BY seq"
		args = append(args, f.Limit)
	} else {
		q += " ORDER BY seq"
		if f.Limit > 0 {
			q += " LIMIT ?"
			args = append(args, f.Limit)
		}
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.classify("list events", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what went wrong
	var out []Queued
	for rows.Next() {
		var e Queued
		var body, st string
		var block, created, updated, notBefore, rqAt, rqBlock int64
		var rq Requeue
		if err := rows.Scan(&e.Seq, &body, &st, &e.Attempts, &e.TxID, &block, &e.Reason, &e.Message, &created, &updated,
			&notBefore, &rqAt, &rq.By, &rq.Role, &rq.Reason, &rq.Message, &rq.TxID, &rqBlock, &e.Signer); err != nil {
			return nil, s.classify("list events", err)
		}
		if notBefore > 0 {
			e.NotBefore = time.Unix(0, notBefore).UTC()
		}
		if rqAt > 0 {
			rq.At, rq.Block = time.Unix(0, rqAt).UTC(), uint64(rqBlock)
			e.Requeued = &rq
		}
		if err := json.Unmarshal([]byte(body), &e.Event); err != nil {
			return nil, fmt.Errorf("list events: event %d: %w", e.Seq, err)
		}
		e.State, e.Block = State(st), uint64(block)
		e.CreatedAt, e.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
		out = append(out, e)
	}
	return out, s.classify("list events", rows.Err())
}

// Package outbox is MedTrace's sync engine. It sends the business events
// waiting in the local store to the ledger, exactly once, and keeps the local
// copy of ledger state fresh for offline checks.
//
// An event's life: captured into the store (pending), claimed in a batch
// under a lease (in flight), its transaction ID written to the store before
// the batch is sent, then settled with the ledger's answer (recorded,
// rejected or conflict). After a crash, a batch whose lease ran out is looked
// up by its transaction ID before anything is sent again; event IDs are the
// ledger's idempotency keys, so even a resend is recorded once.
//
// Only the chaincode's own verdict on an event (a per-event Result with
// status rejected, its reason code and sentence) rejects it. A request that
// fails as a whole (peer, orderer or chaincode unreachable, endorsement
// timeouts and aborts, a chaincode not yet initialised, an identity the
// peer does not accept, TLS failures) leaves its events pending with the
// error as their last error, and is tried again after an exponential,
// capped, jittered backoff. See Disposition.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/trace"
)

// ErrTxNotFound is what Ledger.CommitStatus wraps when the ledger has no
// valid transaction with that ID: the batch may be resent. It is the ledger
// package's sentinel.
var ErrTxNotFound = ledger.ErrTxNotFound

// Ledger is what the engine needs from the ledger client.
type Ledger interface {
	// Prepare builds and signs a batch's transaction without sending it, so
	// its ID can be stored first.
	Prepare(ctx context.Context, events []trace.Event) (Pending, error)
	// CommitStatus looks a transaction up, given the events it was sent
	// with: its block and per-event results, or an error wrapping
	// ErrTxNotFound, ledger.ErrUnavailable or ledger.ErrCommitUnknown.
	CommitStatus(ctx context.Context, txID string, events []trace.Event) (trace.BatchResult, error)
}

// Pending is a prepared, not yet sent, transaction.
type Pending interface {
	TxID() string
	// Submit sends the transaction and waits for its commit. Errors wrap
	// ledger.ErrUnavailable (nothing was sent), ledger.ErrCommitUnknown
	// (sent, outcome unknown) or ledger.ErrRejected.
	Submit(ctx context.Context) (trace.BatchResult, error)
}

// Status is the engine's state as the UI shows it.
type Status struct {
	Pending     int       // events not yet on the ledger (pending or in flight)
	LastSuccess time.Time // when the ledger last accepted a batch; zero if never
	Err         error     // the current problem, nil when the last attempt worked
	RetryAt     time.Time // when the next attempt is due while Err is set
	Recorded    int       // events settled by this engine since it started
	// Rejected is how many events the ledger refused (rejected by the
	// chaincode, or in conflict): they need a user's attention (re-queue
	// them once the cause is fixed); the engine never sends them again.
	Rejected int
	// Waiting is how many of the Pending events another identity must
	// sign, by that identity ("" for events queued without one): this
	// engine never sends them (store.Queued.WaitsFor says why, per event).
	Waiting map[string]int
	At      time.Time // when this status was reported
}

// WaitingTotal is how many events wait for another identity.
func (s Status) WaitingTotal() int {
	n := 0
	for _, c := range s.Waiting {
		n += c
	}
	return n
}

// Progress receives the engine's status after every change. The UI
// implements it; calls come from the engine's goroutines, one at a time.
type Progress interface {
	SyncStatus(Status)
}

// Config configures an Engine. Store and Ledger are required.
type Config struct {
	Store  *store.Store
	Ledger Ledger
	// Signer is the identity Ledger signs as: the connection profile's
	// identity name, as events were queued with store.SignedBy. The engine
	// sends only events queued for it; "" sends only events queued without
	// one (as before identities were recorded).
	Signer   string
	Feed     Feed     // keeps the local copy fresh; nil means no following
	Progress Progress // nil means nobody listens

	BatchSize  int           // events per transaction; 0 means 100
	InFlight   int           // batches sent side by side; 0 means 4 (events about the same pack are never reordered)
	Lease      time.Duration // how long a claim is held; 0 means 2 minutes
	MinBackoff time.Duration // first retry delay while the ledger is down; 0 means 500ms
	MaxBackoff time.Duration // longest retry delay; 0 means 1 minute
	Idle       time.Duration // how often an idle engine looks for events enqueued by other processes; 0 means 10s
	// RefreshEvery is how often a copy that cannot follow blocks (the
	// identity may not read them: ledger.ErrPermissionDenied) is refreshed
	// by a scoped snapshot; 0 means 5 minutes (DefaultRefreshEvery).
	RefreshEvery time.Duration
	// RefreshGap is how long such a copy waits after one of the engine's
	// own batches commits before it refreshes, taking in the batches
	// committed meanwhile; 0 means 15s (DefaultRefreshGap).
	RefreshGap time.Duration
	Now        func() time.Time
}

// Engine moves events from the store's outbox to the ledger.
type Engine struct {
	cfg  Config
	rand *rand.Rand

	reportMu sync.Mutex // one report at a time: Progress is never called concurrently

	mu     sync.Mutex
	status Status
	solo   int // claims to make one event at a time (after a whole batch was refused)

	committed chan struct{} // a batch of this engine's settled (refresh.go); never blocks a sender
}

// New returns an engine; start it with Run or Drain.
func New(cfg Config) *Engine {
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100
	}
	if cfg.InFlight <= 0 {
		cfg.InFlight = 4
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2 * time.Minute
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 500 * time.Millisecond
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Minute
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 10 * time.Second
	}
	if cfg.RefreshEvery <= 0 {
		cfg.RefreshEvery = DefaultRefreshEvery
	}
	if cfg.RefreshGap <= 0 {
		cfg.RefreshGap = DefaultRefreshGap
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	seed := uint64(cfg.Now().UnixNano())
	return &Engine{cfg: cfg, rand: rand.New(rand.NewPCG(seed, seed>>1|1)), committed: make(chan struct{}, 1)}
}

// Status returns the engine's current status.
func (e *Engine) Status() Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.status
}

// Run sends events until ctx is done, backing off exponentially with jitter
// while the ledger is unavailable and waking early when an event is
// enqueued. With a Feed it also keeps the local copy fresh. It returns
// ctx's error, or a store error that makes going on pointless (a damaged,
// full or read-only database).
func (e *Engine) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	followErr := make(chan error, 1)
	if e.cfg.Feed != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			followErr <- e.follow(ctx)
		}()
	}
	e.report(ctx, nil, 0)
	errs := make(chan error, e.cfg.InFlight)
	for range e.cfg.InFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := e.send(ctx)
			cancel() // one sender's fatal error stops them all
			errs <- err
		}()
	}
	err := <-errs
	wg.Wait()
	select {
	case ferr := <-followErr:
		if err == nil || errors.Is(err, context.Canceled) {
			if ferr != nil && !errors.Is(ferr, context.Canceled) {
				return ferr
			}
		}
	default:
	}
	return err
}

// send is one of Run's sending loops.
func (e *Engine) send(ctx context.Context) error {
	failures, conflicts := 0, 0
	for {
		n, err := e.Step(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if fatal(err) {
			e.report(ctx, err, 0)
			return err
		}
		if errors.Is(err, ledger.ErrReadConflict) && conflicts < maxConflictResends {
			conflicts++ // lost to a transaction in flight: send again at once
			continue
		}
		conflicts = 0
		var wait time.Duration
		wake := e.cfg.Store.Enqueued()
		switch {
		case err != nil:
			failures++
			wait = e.backoff(failures)
			wake = nil // a new event does not make the ledger come back
			e.report(ctx, err, wait)
		case n > 0:
			failures = 0
			if n >= e.cfg.BatchSize {
				e.cfg.Store.Notify() // more may be waiting: wake another sender
			}
			continue
		default:
			failures = 0
			wait = e.cfg.Idle
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		case <-wake:
			t.Stop()
		}
	}
}

// fatal tells store failures no retry can fix from ledger trouble.
func fatal(err error) bool {
	var de *store.DBError
	return errors.As(err, &de)
}

// backoff is the delay before retry number n (from 1): exponential, capped,
// with full jitter in its upper half.
func (e *Engine) backoff(n int) time.Duration {
	d := e.cfg.MinBackoff
	for i := 1; i < n && d < e.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, e.cfg.MaxBackoff)
	e.mu.Lock()
	j := e.rand.Int64N(int64(d)/2 + 1)
	e.mu.Unlock()
	return d/2 + time.Duration(j)
}

// maxConflictResends is how many read conflicts in a row one of Drain's
// senders sends again at once before it reports the last one.
const maxConflictResends = 5

// Drain sends, InFlight batches side by side, until nothing more can be
// sent, the ledger fails or ctx ends, and returns the final status (for
// `medtrace sync --once`). A batch that lost a read conflict to another
// transaction in flight (ledger.ErrReadConflict) is sent again at once, a
// few times at most: it is no outage.
func (e *Engine) Drain(ctx context.Context) (Status, error) {
	e.report(ctx, nil, 0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var err error // the first failure; the other senders stop at theirs
	for range e.cfg.InFlight {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conflicts := 0
			for {
				n, serr := e.Step(ctx)
				if errors.Is(serr, ledger.ErrReadConflict) && conflicts < maxConflictResends && ctx.Err() == nil {
					conflicts++
					continue
				}
				conflicts = 0
				if serr != nil {
					mu.Lock()
					if err == nil {
						err = serr
					}
					mu.Unlock()
					return
				}
				if n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	e.report(ctx, err, 0)
	return e.Status(), err
}

// Step claims one batch and settles it, returning how many events it
// settled. A batch recovered from an expired lease is first looked up by
// its transaction ID.
func (e *Engine) Step(ctx context.Context) (int, error) {
	st := e.cfg.Store
	size := e.cfg.BatchSize
	e.mu.Lock()
	if e.solo > 0 {
		size = 1
		e.solo--
	}
	e.mu.Unlock()
	// A fresh claim is prepared (built and signed) and its transaction ID
	// stored in the claim's own transaction: one commit before sending.
	var p Pending
	c, err := st.ClaimAndPrepareAs(ctx, e.cfg.Signer, size, e.cfg.Lease, func(evs []trace.Event) (string, error) {
		var err error
		if p, err = e.cfg.Ledger.Prepare(ctx, evs); err != nil {
			return "", fmt.Errorf("prepare batch: %w", err)
		}
		return p.TxID(), nil
	})
	if err != nil {
		return 0, err
	}
	if len(c.Events) == 0 {
		return 0, nil
	}
	if c.Recovered && c.TxID != "" {
		res, err := e.lookup(ctx, c.TxID, c.Events)
		switch {
		case err == nil:
			return e.settle(ctx, c, res)
		case errors.Is(err, ErrTxNotFound) || errors.Is(err, ledger.ErrRejected):
			// Never reached the ledger, or the peer invalidated it (nothing
			// of it recorded): send again below, under a fresh lease.
			if err := st.Extend(ctx, c.ID, e.cfg.Lease); err != nil {
				return 0, err
			}
		default:
			return 0, errors.Join(fmt.Errorf("look up transaction %s: %w", c.TxID, err), st.Expire(ctx, c.ID, err.Error()))
		}
	}
	if c.Recovered {
		p = nil // prepare anew: the old transaction is not on the ledger
	}
	return e.submit(ctx, c, p)
}

// lookup asks for a transaction's commit status with a bounded wait.
func (e *Engine) lookup(ctx context.Context, txID string, events []trace.Event) (trace.BatchResult, error) {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Lease/2)
	defer cancel()
	return e.cfg.Ledger.CommitStatus(ctx, txID, events)
}

// submit sends the claim's transaction (preparing it and storing its ID
// first when p is nil) and settles the claim with the answer.
func (e *Engine) submit(ctx context.Context, c store.Claim, p Pending) (int, error) {
	st := e.cfg.Store
	sctx, cancel := context.WithTimeout(ctx, e.cfg.Lease/2)
	defer cancel()
	if p == nil {
		var err error
		if p, err = e.cfg.Ledger.Prepare(sctx, c.Events); err != nil {
			return 0, errors.Join(fmt.Errorf("prepare batch: %w", err), st.Release(context.WithoutCancel(ctx), c.ID, err.Error()))
		}
		if err := st.SetTxID(ctx, c.ID, p.TxID()); err != nil {
			return 0, errors.Join(err, st.Release(context.WithoutCancel(ctx), c.ID, err.Error()))
		}
	}
	res, err := p.Submit(sctx)
	bg := context.WithoutCancel(ctx) // settle what the ledger said even while stopping
	if err == nil {
		if res.TxID == "" {
			res.TxID = p.TxID()
		}
		return e.settle(bg, c, res)
	}
	// Never a verdict on the events: they stay pending, the error noted.
	why := err.Error()
	switch DispositionOf(err, len(c.Events)) {
	case Split:
		// If one event made the request fail, it must not hold up the
		// others: send them one by one.
		e.mu.Lock()
		e.solo = len(c.Events)
		e.mu.Unlock()
		return 0, errors.Join(fmt.Errorf("send batch of %d: %w (trying one by one)", len(c.Events), err), st.Release(bg, c.ID, why))
	case Park:
		// Refused as a whole on its own: later events go first, this one
		// waits as long as the engine's backoff.
		until := e.cfg.Now().Add(e.backoff(c.Attempts))
		return 0, errors.Join(fmt.Errorf("send event: %w", err), st.Park(bg, c.ID, why, until))
	case Retry:
		return 0, errors.Join(fmt.Errorf("send batch: %w", err), st.Release(bg, c.ID, why))
	default: // LookUp
		// Sent, outcome unknown (ledger.ErrCommitUnknown, a timeout, ...):
		// keep the transaction ID and look it up before anything is resent.
		return 0, errors.Join(fmt.Errorf("send batch: %w", err), st.Expire(bg, c.ID, why))
	}
}

// Disposition is what the engine does with a claim whose request failed.
// None of them settles an event: only the ledger's per-event results do.
type Disposition int

// What happens to the events of a failed request.
const (
	Retry  Disposition = iota // back to pending as they were; sent again after the backoff
	LookUp                    // sent, outcome unknown: the transaction is looked up before any resend
	Split                     // back to pending, the next claims one event each (one event may spoil the request)
	Park                      // one event refused as a whole: back to pending, not sent again before its backoff ends
)

// String names the disposition.
func (d Disposition) String() string {
	switch d {
	case Retry:
		return "retry"
	case LookUp:
		return "look up"
	case Split:
		return "split"
	case Park:
		return "park"
	}
	return fmt.Sprintf("disposition(%d)", int(d))
}

// DispositionOf says what becomes of a claim of n events whose Submit
// failed with err, by the error's class (ledger.ErrUnavailable,
// ErrCommitUnknown, ErrRejected, which the ledger client derives from gRPC
// codes and fabric-gateway's error types). A request refused as a whole
// (ErrRejected) is not a verdict on its events: the gateway answers
// Aborted alike when the chaincode refuses a whole request and when it
// could not be launched, and an identity or channel problem is fixed by an
// administrator, not by dropping the work.
func DispositionOf(err error, n int) Disposition {
	switch {
	case errors.Is(err, ledger.ErrRejected) && n > 1:
		return Split
	case errors.Is(err, ledger.ErrRejected):
		return Park
	case errors.Is(err, ledger.ErrUnavailable):
		return Retry
	}
	return LookUp
}

// settle records the ledger's answer for a claim.
func (e *Engine) settle(ctx context.Context, c store.Claim, res trace.BatchResult) (int, error) {
	if err := e.cfg.Store.Record(ctx, c.ID, res); err != nil {
		return 0, err
	}
	e.mu.Lock()
	e.status.LastSuccess = e.cfg.Now()
	e.mu.Unlock()
	e.settled(len(res.Results))
	select {
	case e.committed <- struct{}{}:
	default: // a refresh is already due
	}
	e.report(ctx, nil, 0)
	return len(c.Events), nil
}

func (e *Engine) settled(n int) {
	e.mu.Lock()
	e.status.Recorded += n
	e.mu.Unlock()
}

// report refreshes the status and tells Progress; retryIn > 0 is the wait
// before the next attempt.
func (e *Engine) report(ctx context.Context, err error, retryIn time.Duration) {
	e.reportMu.Lock()
	defer e.reportMu.Unlock()
	now := e.cfg.Now()
	var retryAt time.Time
	if retryIn > 0 {
		retryAt = now.Add(retryIn)
	}
	n, cerr := e.cfg.Store.Unsent(ctx)
	var refused int
	if cerr == nil {
		refused, cerr = e.cfg.Store.Refused(ctx)
	}
	var waiting map[string]int
	if cerr == nil {
		waiting, cerr = e.cfg.Store.Waiting(ctx, e.cfg.Signer)
	}
	e.mu.Lock()
	if cerr == nil {
		e.status.Pending, e.status.Rejected, e.status.Waiting = n, refused, waiting
	}
	e.status.Err, e.status.RetryAt, e.status.At = err, retryAt, now
	if err == nil && cerr != nil && ctx.Err() == nil {
		e.status.Err = cerr
	}
	s := e.status
	e.mu.Unlock()
	if e.cfg.Progress != nil {
		e.cfg.Progress.SyncStatus(s)
	}
}

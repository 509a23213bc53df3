package station

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/sync/outbox"
)

// SyncReport is the sync engine's progress as a desk shows it.
type SyncReport struct {
	Syncing     bool
	Done, Total int // events submitted so far in this round / to submit
	Pending     int
	LastSuccess time.Time
	Err         error // the current error (e.g. ledger unavailable), nil when fine
}

// dialTimeout bounds connecting to the ledger.
const dialTimeout = 10 * time.Second

// Run connects to the ledger from src and runs the sync engine until ctx
// ends, telling report how it goes (from the engine's goroutine). When it
// cannot connect, or the engine stops on an error, it reports that error
// with the number of events still waiting, and returns it; Verify, History
// and Download then answer with ledger.ErrUnavailable and the reason. It
// returns nil when ctx ends. Run at most once per station at a time; the
// store must stay open until it returns.
func (s *Station) Run(ctx context.Context, src Source, report func(SyncReport)) error {
	err := s.connectAndSync(ctx, src, report)
	s.link.set(nil, err)
	if ctx.Err() != nil {
		return nil // stopping: no one to tell
	}
	n, _ := s.store.Unsent(ctx)
	report(SyncReport{Err: err, Pending: n})
	return err
}

func (s *Station) connectAndSync(ctx context.Context, src Source, report func(SyncReport)) error {
	lc, where, err := src.Config()
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	c, err := ledger.Dial(dctx, lc)
	cancel()
	if err != nil {
		return fmt.Errorf("connect to the ledger (%s as %s): %w", where, lc.MSPID, err)
	}
	defer c.Close()
	oc := outbox.NewClient(c)
	s.link.set(oc, nil)
	e := outbox.New(outbox.Config{Store: s.store, Ledger: oc, Feed: oc, Progress: &progress{report: report}})
	if err := e.Run(ctx); ctx.Err() == nil {
		return err
	}
	return nil
}

// SyncNow wakes the sync engine (after "retry"); without a ledger
// connection it says why there is none.
func (s *Station) SyncNow(context.Context) error {
	if _, err := s.link.client(); err != nil {
		return err
	}
	s.store.Notify()
	return nil
}

// progress turns the engine's status into reports, with a progress count
// over the events pending since the queue was last empty.
type progress struct {
	report func(SyncReport)
	mu     sync.Mutex
	peak   int
}

// SyncStatus implements outbox.Progress.
func (p *progress) SyncStatus(st outbox.Status) {
	p.mu.Lock()
	if st.Pending == 0 {
		p.peak = 0
	} else if st.Pending > p.peak {
		p.peak = st.Pending
	}
	r := SyncReport{Pending: st.Pending, LastSuccess: st.LastSuccess, Err: st.Err,
		Syncing: st.Pending > 0 && st.Err == nil, Done: p.peak - st.Pending, Total: p.peak}
	p.mu.Unlock()
	p.report(r)
}

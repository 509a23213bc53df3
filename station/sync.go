package station

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/sync/outbox"
)

// SyncReport is the sync engine's progress as a desk or command shows it.
type SyncReport struct {
	Syncing     bool
	Done, Total int // events submitted so far in this round / to submit
	Pending     int
	LastSuccess time.Time
	Err         error     // the current error (e.g. ledger unavailable), nil when fine
	RetryAt     time.Time // when the next attempt is due while Err is set
	Recorded    int       // events settled since the engine started
	Rejected    int       // events the ledger refused: they need a user's attention
	// Waiting counts the pending events another identity must sign, by
	// identity: this station never sends them as its own.
	Waiting map[string]int
}

// Connect dials the ledger from src; until Disconnect, Verify, History,
// Contents and Download ask it. A failure is kept as the reason those
// answer ledger.ErrUnavailable, and returned.
func (s *Station) Connect(ctx context.Context, src Source) error {
	s.Disconnect()
	lc, where, err := src.Config()
	if err == nil {
		dctx, cancel := context.WithTimeout(ctx, s.dialTimeout)
		var c *ledger.Client
		c, err = ledger.Dial(dctx, lc)
		cancel()
		if err == nil {
			s.link.set(outbox.NewClient(c), nil)
			return nil
		}
		err = fmt.Errorf("connect to the ledger (%s as %s): %w", where, lc.MSPID, err)
	}
	s.link.set(nil, err)
	return err
}

// Disconnect closes the ledger connection, if any.
func (s *Station) Disconnect() {
	if c := s.link.take(); c != nil {
		_ = c.Close() // closing a gRPC connection reports nothing a user can act on
	}
}

// engine returns a sync engine over the connection, reporting to report.
func (s *Station) engine(report func(SyncReport)) (*outbox.Engine, error) {
	oc, err := s.link.client()
	if err != nil {
		return nil, err
	}
	return outbox.New(outbox.Config{Store: s.store, Ledger: oc, Feed: oc, Signer: s.Identity(),
		Progress: &progress{report: report}}), nil
}

// Drain sends every event waiting and waits for the ledger's verdicts
// (`medtrace sync --once`); it needs Connect first.
func (s *Station) Drain(ctx context.Context, report func(SyncReport)) (SyncReport, error) {
	e, err := s.engine(report)
	if err != nil {
		return SyncReport{}, err
	}
	st, err := e.Drain(ctx)
	if err == nil {
		_, err = s.SendAlertReports(ctx) // what the refusals just learnt raised (alertreports.go)
	}
	return reportOf(st, 0), err
}

// Sync runs the sync engine on the connection until ctx ends (nil) or it
// stops on an error; it needs Connect first.
func (s *Station) Sync(ctx context.Context, report func(SyncReport)) error {
	e, err := s.engine(func(r SyncReport) {
		report(r)
		s.wakeAlerts() // a refusal learnt may have raised an alert the ledger keeps
	})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.sendAlerts(ctx) // the alert reports (alertreports.go), while the engine runs
	}()
	s.wakeAlerts() // those left from an earlier run
	if err := e.Run(ctx); ctx.Err() == nil {
		return err
	}
	return nil
}

// Run connects from src and syncs until ctx ends, telling report how it
// goes (from the engine's goroutine): the desktop's background sync. When
// it cannot connect, or the engine stops on an error, it reports that
// error with the number of events still waiting, and returns it. It
// returns nil when ctx ends. The store must stay open until it returns.
func (s *Station) Run(ctx context.Context, src Source, report func(SyncReport)) error {
	err := s.Connect(ctx, src)
	if err == nil {
		err = s.Sync(ctx, report)
		s.Disconnect()
	}
	if err != nil {
		s.link.set(nil, err)
	}
	if ctx.Err() != nil {
		return nil // stopping: no one to tell
	}
	n, _ := s.store.Unsent(ctx)
	report(SyncReport{Err: err, Pending: n})
	return err
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
	r := reportOf(st, p.peak)
	p.mu.Unlock()
	if p.report != nil {
		p.report(r)
	}
}

// reportOf is the engine's status as a report, with peak the most events
// pending since the queue was last empty.
func reportOf(st outbox.Status, peak int) SyncReport {
	return SyncReport{Pending: st.Pending, LastSuccess: st.LastSuccess, Err: st.Err, RetryAt: st.RetryAt,
		Recorded: st.Recorded, Rejected: st.Rejected, Waiting: st.Waiting,
		Syncing: st.Pending > st.WaitingTotal() && st.Err == nil,
		Done:    max(peak-st.Pending, 0), Total: peak}
}

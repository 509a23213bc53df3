package station

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/trace"
)

// ScanRecord is one scan as a desk or command read it, kept whether or not
// it parsed.
type ScanRecord struct {
	Code     Code   // as parsed; its Raw is kept exactly as read
	Session  string // the working session (duplicates are flagged within it)
	Source   string // "wedge", "serial:/dev/ttyACM0", "image:/path", "camera:/dev/video0", "cli"
	Role     string
	Location string // GLN
	Time     time.Time
}

// Captured is what the store said about a scan it kept.
type Captured struct {
	ScanID int64         // the scan's number in the store
	Events []trace.Event // the events queued with it, with their IDs and times

	// DuplicateOf is the earlier scan of the same pack or SSCC in the same
	// session, 0 if none; the new scan is kept all the same.
	DuplicateOf int64
	// ClockBehind > 0: this scan is older than the newest scan kept, by
	// that much (the device clock was probably set back).
	ClockBehind time.Duration
}

// storeScan is r as the store keeps it.
func storeScan(r ScanRecord) store.Scan {
	c := r.Code
	sc := store.Scan{Session: r.Session, Raw: c.Raw, Valid: c.Valid, Scheme: c.Scheme, GTIN: c.GTIN,
		Serial: c.Serial, Batch: c.Batch, Expiry: c.ExpiryDate(), SSCC: c.SSCC, Source: r.Source,
		Role: r.Role, Location: r.Location, Time: r.Time, Problems: []store.Problem{}}
	for _, p := range c.Problems {
		sc.Problems = append(sc.Problems, store.Problem{Code: p.Code, AI: p.AI, Message: p.Message})
	}
	return sc
}

// Capture keeps a scan and the business events it produced in one durable
// transaction: either all are on disk when it returns nil, or none is.
// Events are checked by the trace core's form rules first: when one is ill
// formed (the ledger would refuse it) the scan alone is kept, no event is
// queued, and the error wraps a *trace.BadEventError. A session's second
// scan of the same pack or SSCC is kept and flagged in DuplicateOf. The
// events are to be signed by the station's identity (SetIdentity).
func (s *Station) Capture(ctx context.Context, r ScanRecord, events ...trace.Event) (Captured, error) {
	if bad := s.check(events); bad != nil {
		c, err := s.Capture(ctx, r)
		if err != nil {
			return c, errors.Join(bad, err)
		}
		return c, bad
	}
	tx, err := s.store.BeginTx(ctx)
	if err != nil {
		return Captured{}, err
	}
	sc := storeScan(r)
	signer := store.SignedBy(s.Identity())
	queued := make([]trace.Event, 0, len(events))
	for i, ev := range events {
		ev, err := s.store.EnqueueTx(ctx, tx, ev, signer)
		if err != nil {
			_ = tx.Rollback() // the enqueue error is the one to report
			return Captured{}, err
		}
		if i == 0 {
			sc.EventID = ev.ID
		}
		queued = append(queued, ev)
	}
	res, err := s.store.RecordScanTx(ctx, tx, sc)
	if err != nil {
		_ = tx.Rollback()
		return Captured{}, err
	}
	if err := tx.Commit(); err != nil {
		return Captured{}, fmt.Errorf("capture: %w", err)
	}
	if len(events) > 0 {
		s.store.Notify()
	}
	return Captured{ScanID: res.ID, Events: queued, DuplicateOf: res.DuplicateOf, ClockBehind: res.ClockBehind}, nil
}

// RecordScan keeps one scan durably (committed and synced).
func (s *Station) RecordScan(ctx context.Context, r ScanRecord) error {
	_, err := s.Capture(ctx, r)
	return err
}

// Enqueue queues business events for the ledger in one durable
// transaction, each checked by the trace core's form rules first and
// signed by the station's identity. When it
// returns nil the events are on disk and the sync engine is woken.
func (s *Station) Enqueue(ctx context.Context, events ...trace.Event) error {
	if err := s.check(events); err != nil {
		return err
	}
	tx, err := s.store.BeginTx(ctx)
	if err != nil {
		return err
	}
	signer := store.SignedBy(s.Identity())
	for _, ev := range events {
		if _, err := s.store.EnqueueTx(ctx, tx, ev, signer); err != nil {
			_ = tx.Rollback() // the enqueue error is the one to report
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("queue events: %w", err)
	}
	s.store.Notify()
	return nil
}

// check dates events that have no time yet with the station's clock, then
// refuses the first one the trace core finds ill formed, with a
// *trace.BadEventError.
func (s *Station) check(events []trace.Event) error {
	for i := range events {
		if events[i].Time.IsZero() {
			events[i].Time = s.now().UTC()
		}
		if err := events[i].Check(); err != nil {
			return fmt.Errorf("event %d of %d (%s): %w", i+1, len(events), events[i].Kind, err)
		}
	}
	return nil
}

package outbox

import (
	"context"
	"time"
)

// Refresh defaults for copies that cannot follow blocks (Config.RefreshEvery
// and RefreshGap). A scoped snapshot reads the member's whole read scope
// (the chaincode's Export pages), so it is bounded in time: at most one per
// RefreshGap after the engine's own batches, and one per RefreshEvery.
const (
	DefaultRefreshEvery = 5 * time.Minute
	DefaultRefreshGap   = 15 * time.Second
)

// refresh keeps the local copy of an identity that may not read blocks
// fresh with scoped snapshots (Feed.Snapshot: the chaincode's Export gives
// each member its read scope, the packs and units it holds or has held,
// its own products for a manufacturer): one at once, one RefreshGap after
// each of the engine's own committed batches (those arriving meanwhile
// included), and one every RefreshEvery for what others did. A failed
// snapshot is tried again after the engine's backoff; a store failure no
// retry can fix ends it.
func (e *Engine) refresh(ctx context.Context) error {
	failures := 0
	for {
		_, err := Snapshot(ctx, e.cfg.Store, e.cfg.Feed, nil)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if fatal(err) {
			return err
		}
		wait, wake := e.cfg.RefreshEvery, e.committed
		if err != nil {
			failures++
			wait, wake = e.backoff(failures), nil
		} else {
			failures = 0
		}
		if err := e.refreshWait(ctx, wait, wake); err != nil {
			return err
		}
	}
}

// refreshWait waits wait, or until the engine commits a batch (wake) and
// RefreshGap more has passed; it returns ctx's error when ctx ends first.
func (e *Engine) refreshWait(ctx context.Context, wait time.Duration, wake <-chan struct{}) error {
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	case <-wake:
	}
	gap := time.NewTimer(e.cfg.RefreshGap)
	defer gap.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-gap.C:
	}
	select {
	case <-e.committed: // committed during the gap: this refresh takes it in
	default:
	}
	return nil
}

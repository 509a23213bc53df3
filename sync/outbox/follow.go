package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
)

// Checkpoint is the name of the checkpoint that tracks the ledger events
// applied to the local copy.
const Checkpoint = "ledger-events"

// Feed is where the local copy's changes come from (the ledger's chaincode
// events and state pages).
type Feed interface {
	// Follow calls apply for each block's changes from fromBlock on, in
	// order, until ctx ends or the connection fails.
	Follow(ctx context.Context, fromBlock uint64, apply func(store.Changes) error) error
	// Snapshot calls page for each page of the full current state, all
	// pages stamped with the same block; done counts packs so far and
	// total is the number of packs, 0 when the ledger does not say.
	Snapshot(ctx context.Context, page func(c store.Changes, done, total int) error) error
}

// follow keeps the local copy fresh, reconnecting with backoff. An identity
// the channel does not let read blocks (ledger.ErrPermissionDenied, told by
// the error's type) refreshes its copy by scoped snapshots instead: that is
// no outage, and it is neither reported nor retried as one.
func (e *Engine) follow(ctx context.Context) error {
	failures := 0
	for {
		from, err := e.cfg.Store.Checkpoint(ctx, Checkpoint)
		if err != nil {
			return err
		}
		err = e.cfg.Feed.Follow(ctx, from+1, func(c store.Changes) error {
			failures = 0
			_, err := e.cfg.Store.ApplyChanges(ctx, c, store.Apply{Checkpoint: Checkpoint})
			return err
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if fatal(err) {
			return err
		}
		if errors.Is(err, ledger.ErrPermissionDenied) {
			return e.refresh(ctx)
		}
		failures++
		t := time.NewTimer(e.backoff(failures))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// SnapshotProgress is told how far a snapshot download has got.
type SnapshotProgress func(done, total int)

// Snapshot downloads the full ledger state into the local copy, page by
// page, then stamps the copy with the snapshot's block and time and moves the
// event checkpoint there, so following resumes right after it, and forgets
// the recalls it no longer lists (withdrawn). An interrupted download
// leaves the previous stamp in place.
func Snapshot(ctx context.Context, st *store.Store, feed Feed, progress SnapshotProgress) (store.CopyStamp, error) {
	var last store.Changes
	pages := 0
	err := feed.Snapshot(ctx, func(c store.Changes, done, total int) error {
		if pages > 0 && c.Block != last.Block {
			return fmt.Errorf("snapshot page at block %d, earlier pages at %d", c.Block, last.Block)
		}
		pages++
		last = c
		if _, err := st.ApplyChanges(ctx, c, store.Apply{Checkpoint: Checkpoint, Partial: true}); err != nil {
			return err
		}
		if progress != nil {
			progress(done, total)
		}
		return nil
	})
	if err != nil {
		return store.CopyStamp{}, fmt.Errorf("snapshot: %w", err)
	}
	if pages == 0 {
		return store.CopyStamp{}, errors.New("snapshot: the ledger sent no state")
	}
	if _, err := st.ApplyChanges(ctx, store.Changes{Block: last.Block, Time: last.Time}, store.Apply{Checkpoint: Checkpoint}); err != nil {
		return store.CopyStamp{}, fmt.Errorf("snapshot: %w", err)
	}
	// A recall the copy held that the snapshot did not list was withdrawn.
	if _, err := st.DropRecallsBefore(ctx, last.Block); err != nil {
		return store.CopyStamp{}, fmt.Errorf("snapshot: %w", err)
	}
	return st.Stamp(ctx)
}

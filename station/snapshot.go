package station

import (
	"context"
	"errors"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/sync/outbox"
)

// SnapshotInfo describes the local copy of the ledger.
type SnapshotInfo struct {
	Block uint64
	AsOf  time.Time
	Packs int64
}

// Download fetches the ledger's state into the local copy (what an
// inspector needs offline), reporting progress in packs.
func (s *Station) Download(ctx context.Context, progress func(done, total int64)) (SnapshotInfo, error) {
	oc, err := s.link.client()
	if err != nil {
		return SnapshotInfo{}, err
	}
	if _, err := outbox.Snapshot(ctx, s.store, oc, func(done, total int) { progress(int64(done), int64(total)) }); err != nil {
		return SnapshotInfo{}, err
	}
	return s.Current(ctx)
}

// Current describes the local copy; the zero SnapshotInfo when there is
// none.
func (s *Station) Current(ctx context.Context) (SnapshotInfo, error) {
	stamp, err := s.store.Stamp(ctx)
	if errors.Is(err, store.ErrNoCopy) {
		return SnapshotInfo{}, nil
	}
	if err != nil {
		return SnapshotInfo{}, err
	}
	packs, _, err := s.store.CopySize(ctx)
	return SnapshotInfo{Block: stamp.Block, AsOf: stamp.AsOf, Packs: packs}, err
}

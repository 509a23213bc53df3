package outbox

import (
	"context"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/trace"
)

// Client adapts *ledger.Client to the engine's Ledger, Feed and
// OnlineVerifier.
type Client struct {
	C *ledger.Client
	// PageSize is the number of packs per snapshot page; 0 means 1000.
	PageSize int
	// Now stamps snapshots; nil means time.Now.
	Now func() time.Time
}

// NewClient wraps a ledger client.
func NewClient(c *ledger.Client) *Client { return &Client{C: c} }

// Prepare builds and signs a batch's transaction.
func (c *Client) Prepare(ctx context.Context, events []trace.Event) (Pending, error) {
	p, err := c.C.Prepare(ctx, events)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// CommitStatus looks a transaction up: from its block for identities that
// may read blocks, from the chaincode's answer to its events for the
// others (ledger.Client.Outcome).
func (c *Client) CommitStatus(ctx context.Context, txID string, events []trace.Event) (trace.BatchResult, error) {
	return c.C.Outcome(ctx, txID, events)
}

// Verify asks the ledger about a pack.
func (c *Client) Verify(ctx context.Context, gtin, serial, batch, expiry string) (trace.Verification, error) {
	return c.C.Verify(ctx, gtin, serial, batch, expiry)
}

// Contents returns what an SSCC holds, with each pack's status.
func (c *Client) Contents(ctx context.Context, sscc string) (trace.Contents, error) {
	return c.C.Contents(ctx, sscc)
}

// Close closes the connection.
func (c *Client) Close() error { return c.C.Close() }

// packCopy converts the ledger's pack state.
func packCopy(p trace.PackChange, block uint64) store.PackCopy {
	return store.PackCopy{GTIN: p.GTIN, Serial: p.Serial, Status: p.Status, Batch: p.Batch, Expiry: p.Expiry,
		LastEvent: p.LastEvent, LastKind: p.LastKind, LastTime: p.LastTime, LastPlace: p.LastPlace, Block: block}
}

// unitCopy converts the ledger's logistic unit state.
func unitCopy(u trace.UnitChange, block uint64) store.UnitCopy {
	return store.UnitCopy{SSCC: u.SSCC, Status: u.Status, Location: u.Location, Parent: u.Parent, Children: u.Children, Block: block}
}

// recallCopy converts a recall.
func recallCopy(r trace.Recall, block uint64) store.RecallCopy {
	return store.RecallCopy{GTIN: r.GTIN, Batch: r.Batch, Reason: r.Reason, Block: block, Time: r.Time, Withdrawn: r.Withdrawn}
}

// Follow applies each block's changes from fromBlock on, in order. A block
// without a timestamp (no transactions) moves the block but keeps the time.
func (c *Client) Follow(ctx context.Context, fromBlock uint64, apply func(store.Changes) error) error {
	ch, err := c.C.Events(ctx, fromBlock)
	if err != nil {
		return err
	}
	for be := range ch {
		if err := apply(blockChanges(be)); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("follow the ledger: %w: the block stream ended", ledger.ErrUnavailable)
}

// Snapshot reads the ledger's full state page by page. The pages are
// stamped with the block before the first page (later changes are applied
// again by Follow, harmlessly) and the time the download started.
func (c *Client) Snapshot(ctx context.Context, page func(store.Changes, int, int) error) error {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	size := c.PageSize
	if size <= 0 {
		size = 1000
	}
	h, err := c.C.Height(ctx)
	if err != nil {
		return err
	}
	if h == 0 {
		return fmt.Errorf("snapshot: %w: the channel has no blocks", ledger.ErrUnavailable)
	}
	block, at, done := h-1, now(), 0
	_, err = c.C.Snapshot(ctx, size, func(p ledger.Page) error {
		done += len(p.Packs) + len(p.Units)
		return page(pageChanges(p, block, at), done, 0)
	})
	return err
}

// blockChanges is what one block changes in the local copy: the packs and
// logistic units its transactions wrote and the recalls they made.
func blockChanges(be trace.BlockEvents) store.Changes {
	sc := store.Changes{Block: be.Block, Time: be.Time}
	for _, tx := range be.Txs {
		for _, p := range tx.Packs {
			sc.Packs = append(sc.Packs, packCopy(p, be.Block))
		}
		for _, u := range tx.Units {
			sc.Units = append(sc.Units, unitCopy(u, be.Block))
		}
		for _, r := range tx.Recalls {
			sc.Recalls = append(sc.Recalls, recallCopy(r, be.Block))
		}
	}
	return sc
}

// pageChanges is one snapshot page for the local copy, stamped with block
// and time at.
func pageChanges(p ledger.Page, block uint64, at time.Time) store.Changes {
	sc := store.Changes{Block: block, Time: at}
	for _, pc := range p.Packs {
		sc.Packs = append(sc.Packs, packCopy(pc, block))
	}
	for _, u := range p.Units {
		sc.Units = append(sc.Units, unitCopy(u, block))
	}
	for _, r := range p.Recalls {
		sc.Recalls = append(sc.Recalls, recallCopy(r, block))
	}
	return sc
}

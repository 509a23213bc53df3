package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// PackCopy is the local copy of one pack's ledger state.
type PackCopy struct {
	GTIN      string
	Serial    string
	Status    trace.PackStatus
	Batch     string
	Expiry    string // YYYY-MM-DD
	LastEvent string
	LastKind  trace.Kind
	LastTime  time.Time
	LastPlace string
	Block     uint64 // the block that last changed it
}

// RecallCopy is the local copy of one recalled batch. In Changes, one
// marked Withdrawn is the withdrawal of the batch's recall (its reason and
// time the withdrawal's): ApplyChanges forgets the recall.
type RecallCopy struct {
	GTIN      string
	Batch     string
	Reason    string
	Block     uint64
	Time      time.Time
	Withdrawn bool
}

// Changes is a set of ledger state changes to apply to the local copy, as of
// a block: a page of a snapshot or the events of one block.
type Changes struct {
	Block   uint64    // the ledger height these changes bring the copy to
	Time    time.Time // when that block was made (or the snapshot taken)
	Packs   []PackCopy
	Units   []UnitCopy
	Recalls []RecallCopy
}

// CopyStamp says what the local copy reflects.
type CopyStamp struct {
	Block uint64
	AsOf  time.Time
}

// ErrNoCopy means there is no local copy of the ledger yet.
var ErrNoCopy = errors.New("no local copy of the ledger (download a snapshot while online)")

// Apply says how ApplyChanges treats a set of changes.
type Apply struct {
	// Checkpoint names the checkpoint moved to the changes' block in the
	// same transaction, so the copy and its checkpoint never disagree.
	// Changes at or below it are skipped: applying a block twice is harmless.
	Checkpoint string
	// Partial marks a page of a snapshot still being downloaded: the rows are
	// written but neither the checkpoint nor the copy's stamp moves, so an
	// interrupted download never claims to be complete.
	Partial bool
}

// ApplyChanges writes changes to the local copy (a pack's state is never
// replaced by an older one) and reports whether they were applied.
func (s *Store) ApplyChanges(ctx context.Context, c Changes, o Apply) (applied bool, err error) {
	checkpoint := o.Checkpoint
	err = s.write(ctx, "apply ledger changes", func(tx *sql.Tx) error {
		var cp sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT block FROM checkpoints WHERE name = ?`, checkpoint).Scan(&cp); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if cp.Valid && uint64(cp.Int64) >= c.Block && !o.Partial {
			return nil
		}
		pst, err := tx.PrepareContext(ctx, `INSERT INTO packs (gtin, serial, status, batch, expiry, last_event, last_kind, last_time, last_place, block)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (gtin, serial) DO UPDATE SET status = excluded.status, batch = excluded.batch, expiry = excluded.expiry,
			last_event = excluded.last_event, last_kind = excluded.last_kind, last_time = excluded.last_time,
			last_place = excluded.last_place, block = excluded.block WHERE excluded.block >= packs.block`)
		if err != nil {
			return err
		}
		defer func() { _ = pst.Close() }() // a prepared statement: closing it only frees it
		for _, p := range c.Packs {
			var lt int64
			if !p.LastTime.IsZero() {
				lt = p.LastTime.UnixNano()
			}
			if _, err := pst.ExecContext(ctx, p.GTIN, p.Serial, string(p.Status), p.Batch, p.Expiry, p.LastEvent,
				string(p.LastKind), lt, p.LastPlace, int64(p.Block)); err != nil {
				return err
			}
		}
		if err := applyUnits(ctx, tx, c.Units); err != nil {
			return err
		}
		if err := applyRecalls(ctx, tx, c.Recalls); err != nil {
			return err
		}
		if o.Partial {
			applied = true
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO copy_state (id, block, as_of) VALUES (1, ?, ?)
			ON CONFLICT (id) DO UPDATE SET block = max(block, excluded.block), as_of = max(as_of, excluded.as_of)`,
			int64(c.Block), c.Time.UnixNano()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (name, block, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET block = max(block, excluded.block), updated_at = excluded.updated_at`,
			checkpoint, int64(c.Block), s.now().UnixNano()); err != nil {
			return err
		}
		applied = true
		return nil
	})
	return applied, err
}

// applyRecalls writes recalls and withdrawals in their order: a recall is
// kept (the first one of a batch stays, its block the latest that listed
// it), a withdrawal forgets the batch's recall made at or before its block
// (a batch recalled again later keeps its new recall).
func applyRecalls(ctx context.Context, tx *sql.Tx, rs []RecallCopy) error {
	for _, r := range rs {
		var err error
		if r.Withdrawn {
			_, err = tx.ExecContext(ctx, `DELETE FROM recalls WHERE gtin = ? AND batch = ? AND block <= ?`, r.GTIN, r.Batch, int64(r.Block))
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO recalls (gtin, batch, reason, block, at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (gtin, batch) DO UPDATE SET block = max(block, excluded.block)`, r.GTIN, r.Batch, r.Reason, int64(r.Block), r.Time.UnixNano())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// DropRecallsBefore forgets the recalls no change since block listed: a
// snapshot of block lists every batch recalled then (ApplyChanges moves a
// listed recall's block up to it), so what it did not list was withdrawn
// meanwhile. It returns how many it forgot.
func (s *Store) DropRecallsBefore(ctx context.Context, block uint64) (int64, error) {
	var n int64
	err := s.write(ctx, "drop withdrawn recalls", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM recalls WHERE block < ?`, int64(block))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}

// Checkpoint returns the block a named checkpoint has reached (0 if none).
func (s *Store) Checkpoint(ctx context.Context, name string) (uint64, error) {
	var b int64
	err := s.r.QueryRowContext(ctx, `SELECT block FROM checkpoints WHERE name = ?`, name).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return uint64(b), s.classify("read checkpoint", err)
}

// Stamp returns what the local copy reflects, or ErrNoCopy.
func (s *Store) Stamp(ctx context.Context) (CopyStamp, error) {
	st, err := s.stmt(ctx, `SELECT block, as_of FROM copy_state WHERE id = 1`)
	if err != nil {
		return CopyStamp{}, err
	}
	var b, at int64
	if err := st.QueryRowContext(ctx).Scan(&b, &at); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return CopyStamp{}, ErrNoCopy
		}
		return CopyStamp{}, s.classify("read local copy", err)
	}
	return CopyStamp{Block: uint64(b), AsOf: time.Unix(0, at).UTC()}, nil
}

// LocalPack is everything the local copy knows about one pack, read at once.
type LocalPack struct {
	Stamp  CopyStamp
	Found  bool        // the pack is in the copy
	Pack   PackCopy    // valid when Found
	Recall *RecallCopy // the pack's batch (or the batch asked about) is recalled
}

// LookupPack reads a pack, its batch's recall and the copy's stamp. batch,
// if not empty, is also checked for a recall (the batch printed on the pack
// may differ from the declared one). The stamp is read first, so the answer
// is at least as fresh as it says.
func (s *Store) LookupPack(ctx context.Context, gtin, serial, batch string) (LocalPack, error) {
	stamp, err := s.Stamp(ctx)
	if err != nil {
		return LocalPack{}, err
	}
	out := LocalPack{Stamp: stamp}
	st, err := s.stmt(ctx, `SELECT status, batch, expiry, last_event, last_kind, last_time, last_place, block
		FROM packs WHERE gtin = ? AND serial = ?`)
	if err != nil {
		return LocalPack{}, err
	}
	var status, lk string
	var lt, pblock int64
	p := &out.Pack
	err = st.QueryRowContext(ctx, gtin, serial).Scan(&status, &p.Batch, &p.Expiry, &p.LastEvent, &lk, &lt, &p.LastPlace, &pblock)
	switch {
	case err == nil:
		out.Found = true
		p.GTIN, p.Serial, p.Status, p.LastKind, p.Block = gtin, serial, trace.PackStatus(status), trace.Kind(lk), uint64(pblock)
		if lt != 0 {
			p.LastTime = time.Unix(0, lt).UTC()
		}
	case errors.Is(err, sql.ErrNoRows):
		out.Pack = PackCopy{}
	default:
		return LocalPack{}, s.classify("look up pack", err)
	}
	for _, b := range []string{out.Pack.Batch, batch} {
		if b == "" || out.Recall != nil {
			continue
		}
		if out.Recall, err = s.recall(ctx, gtin, b); err != nil {
			return LocalPack{}, err
		}
	}
	return out, nil
}

// recall returns the recall of a batch, nil if it is not recalled.
func (s *Store) recall(ctx context.Context, gtin, batch string) (*RecallCopy, error) {
	st, err := s.stmt(ctx, `SELECT reason, block, at FROM recalls WHERE gtin = ? AND batch = ?`)
	if err != nil {
		return nil, err
	}
	r := RecallCopy{GTIN: gtin, Batch: batch}
	var block, at int64
	err = st.QueryRowContext(ctx, gtin, batch).Scan(&r.Reason, &block, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.classify("look up recall", err)
	}
	r.Block, r.Time = uint64(block), time.Unix(0, at).UTC()
	return &r, nil
}

// CopySize returns how many packs and recalled batches the local copy holds.
func (s *Store) CopySize(ctx context.Context) (packs, recalls int64, err error) {
	if err := s.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM packs), (SELECT count(*) FROM recalls)`).Scan(&packs, &recalls); err != nil {
		return 0, 0, s.classify("count local copy", err)
	}
	return packs, recalls, nil
}

// ClearCopy empties the local copy and its checkpoint before a fresh snapshot.
func (s *Store) ClearCopy(ctx context.Context, checkpoint string) error {
	return s.write(ctx, "clear local copy", func(tx *sql.Tx) error {
		for _, q := range []string{`DELETE FROM packs`, `DELETE FROM units`, `DELETE FROM recalls`, `DELETE FROM copy_state`} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM checkpoints WHERE name = ?`, checkpoint)
		return err
	})
}

// String describes the stamp for people: "as of TIME (block N)".
func (c CopyStamp) String() string {
	return fmt.Sprintf("as of %s (block %d)", c.AsOf.Format(time.RFC3339), c.Block)
}

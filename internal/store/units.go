package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// UnitCopy is the local copy of one logistic unit's (case's or pallet's)
// ledger state: its children as canonical references (trace.Child.Ref).
type UnitCopy struct {
	SSCC     string
	Status   trace.PackStatus
	Location string // GLN where its holder holds it
	Parent   string // SSCC it is packed in
	Children []string
	Block    uint64 // the block that last changed it
}

// MaxUnitDepth bounds how deep LookupUnit follows units packed in units (a
// pallet of cases of cases...), as the chaincode's contents query does.
const MaxUnitDepth = 16

// ErrUnitTooLarge is wrapped by LookupUnit when a unit holds more than
// trace.MaxChildren packs and units in all, or nests deeper than
// MaxUnitDepth: the copy cannot answer for it in bounded time and space.
var ErrUnitTooLarge = errors.New("the unit holds too much to check from the local copy")

// applyUnits upserts units in the apply transaction tx; a unit's state is
// never replaced by an older one.
func applyUnits(ctx context.Context, tx *sql.Tx, units []UnitCopy) error {
	if len(units) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO units (sscc, status, location, parent, children, block)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (sscc) DO UPDATE SET status = excluded.status, location = excluded.location,
		parent = excluded.parent, children = excluded.children, block = excluded.block WHERE excluded.block >= units.block`)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }() // a prepared statement: closing it only frees it
	for _, u := range units {
		if err := trace.CheckSSCC(u.SSCC); err != nil {
			return fmt.Errorf("unit %q: %w", u.SSCC, err)
		}
		if len(u.Children) > trace.MaxChildren {
			return fmt.Errorf("unit %s: %d children: %w", u.SSCC, len(u.Children), ErrUnitTooLarge)
		}
		ch := u.Children
		if ch == nil {
			ch = []string{}
		}
		b, err := json.Marshal(ch)
		if err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, u.SSCC, string(u.Status), u.Location, u.Parent, string(b), int64(u.Block)); err != nil {
			return err
		}
	}
	return nil
}

// LocalUnit is everything the local copy knows about one logistic unit and
// what it holds, read in one transaction.
type LocalUnit struct {
	Stamp CopyStamp
	Found bool // the unit is in the copy
	// Contents is the unit's tree as the copy keeps it: each pack with its
	// stored status, batch and expiry (unknown when the copy lacks it), each
	// inner unit with its own. Recalls and expiry are not applied: Recalls
	// lists the recalled batches among its packs, for the verdict rule.
	Contents trace.Contents
	Recalls  []RecallCopy
	// Nodes is how many packs and units the tree holds (the unit itself
	// not counted).
	Nodes int
}

// LookupUnit rebuilds what an SSCC holds, recursively, from the local copy,
// as of the copy's stamp: every pack and inner unit its records name, with
// their states. It returns ErrNoCopy without a copy, and an error wrapping
// ErrUnitTooLarge past trace.MaxChildren packs and units or MaxUnitDepth
// levels. A unit the copy lacks comes back with Found false and status
// unknown.
func (s *Store) LookupUnit(ctx context.Context, sscc string) (LocalUnit, error) {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return LocalUnit{}, s.classify("look up unit", err)
	}
	defer func() { _ = tx.Rollback() }() // a read-only transaction: nothing to keep
	out, err := lookupUnit(ctx, tx, sscc)
	if err != nil {
		if errors.Is(err, ErrNoCopy) || errors.Is(err, ErrUnitTooLarge) {
			return LocalUnit{}, err
		}
		return LocalUnit{}, s.classify("look up unit", err)
	}
	return out, nil
}

// lookupUnit is LookupUnit inside the read transaction tx.
func lookupUnit(ctx context.Context, tx *sql.Tx, sscc string) (LocalUnit, error) {
	var b, at int64
	if err := tx.QueryRowContext(ctx, `SELECT block, as_of FROM copy_state WHERE id = 1`).Scan(&b, &at); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return LocalUnit{}, ErrNoCopy
		}
		return LocalUnit{}, err
	}
	out := LocalUnit{Stamp: CopyStamp{Block: uint64(b), AsOf: timeOf(at)}}
	ust, err := tx.PrepareContext(ctx, `SELECT status, location, children FROM units WHERE sscc = ?`)
	if err != nil {
		return LocalUnit{}, err
	}
	defer func() { _ = ust.Close() }() // a prepared statement: closing it only frees it
	pst, err := tx.PrepareContext(ctx, `SELECT status, batch, expiry FROM packs WHERE gtin = ? AND serial = ?`)
	if err != nil {
		return LocalUnit{}, err
	}
	defer func() { _ = pst.Close() }() // as above
	rst, err := tx.PrepareContext(ctx, `SELECT reason, block, at FROM recalls WHERE gtin = ? AND batch = ?`)
	if err != nil {
		return LocalUnit{}, err
	}
	defer func() { _ = rst.Close() }() // as above
	checked := map[[2]string]bool{}    // batches whose recall was looked up
	seen := map[string]bool{}
	var walk func(sscc string, depth int) (trace.Contents, bool, error)
	walk = func(sscc string, depth int) (trace.Contents, bool, error) {
		c := trace.Contents{SSCC: sscc, Status: trace.PackUnknown}
		var status, children string
		err := ust.QueryRowContext(ctx, sscc).Scan(&status, &c.Location, &children)
		if errors.Is(err, sql.ErrNoRows) {
			return c, false, nil
		}
		if err != nil {
			return trace.Contents{}, false, err
		}
		c.Status = trace.PackStatus(status)
		seen[sscc] = true
		var refs []string
		if err := json.Unmarshal([]byte(children), &refs); err != nil {
			return trace.Contents{}, false, fmt.Errorf("stored children of %s: %w", sscc, err)
		}
		for _, ref := range refs {
			ch, err := trace.ParseChildRef(ref)
			if err != nil {
				return trace.Contents{}, false, fmt.Errorf("stored child %q of %s: %w", ref, sscc, err)
			}
			if ch.IsUnit() && seen[ch.SSCC] {
				continue // a cycle the ledger would not record; never loop on it
			}
			if out.Nodes++; out.Nodes > trace.MaxChildren {
				return trace.Contents{}, false, fmt.Errorf("unit %s: more than %d packs and units: %w", out.Contents.SSCC, trace.MaxChildren, ErrUnitTooLarge)
			}
			if ch.IsUnit() {
				if depth+1 > MaxUnitDepth {
					return trace.Contents{}, false, fmt.Errorf("unit %s: units nested more than %d deep: %w", out.Contents.SSCC, MaxUnitDepth, ErrUnitTooLarge)
				}
				sub, _, err := walk(ch.SSCC, depth+1)
				if err != nil {
					return trace.Contents{}, false, err
				}
				c.Units = append(c.Units, sub)
				continue
			}
			p := trace.PackRef{GTIN: ch.GTIN, Serial: ch.Serial, Status: trace.PackUnknown}
			var ps string
			err = pst.QueryRowContext(ctx, ch.GTIN, ch.Serial).Scan(&ps, &p.Batch, &p.Expiry)
			switch {
			case err == nil:
				p.Status = trace.PackStatus(ps)
			case !errors.Is(err, sql.ErrNoRows):
				return trace.Contents{}, false, err
			}
			c.Packs = append(c.Packs, p)
			key := [2]string{p.GTIN, p.Batch}
			if p.Batch == "" || checked[key] {
				continue
			}
			checked[key] = true
			r := RecallCopy{GTIN: p.GTIN, Batch: p.Batch}
			var rb, rat int64
			err = rst.QueryRowContext(ctx, p.GTIN, p.Batch).Scan(&r.Reason, &rb, &rat)
			switch {
			case err == nil:
				r.Block, r.Time = uint64(rb), timeOf(rat)
				out.Recalls = append(out.Recalls, r)
			case !errors.Is(err, sql.ErrNoRows):
				return trace.Contents{}, false, err
			}
		}
		return c, true, nil
	}
	out.Contents.SSCC = sscc // named in the size errors
	c, found, err := walk(sscc, 0)
	if err != nil {
		return LocalUnit{}, err
	}
	out.Contents, out.Found = c, found
	return out, nil
}

// timeOf is a stored UnixNano time in UTC.
func timeOf(ns int64) time.Time { return time.Unix(0, ns).UTC() }

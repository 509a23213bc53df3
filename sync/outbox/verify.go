package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/trace"
)

// OnlineVerifier answers verifications from the ledger itself
// (*ledger.Client satisfies it).
type OnlineVerifier interface {
	Verify(ctx context.Context, gtin, serial, batch, expiry string) (trace.Verification, error)
}

// Query is the pack a verification asks about, as read from its code.
type Query struct {
	GTIN, Serial string
	Batch        string // as printed, "" if not read
	Expiry       string // YYYY-MM-DD as printed, "" if not read
}

// Verifier answers "may I hand out this pack?": online through the ledger
// with a short timeout, otherwise from the local copy.
type Verifier struct {
	Store   *store.Store
	Online  OnlineVerifier   // nil means offline only
	Timeout time.Duration    // for the online attempt; 0 means 3s
	Now     func() time.Time // for expiry checks; nil means time.Now
}

// Verify answers online if it can and falls back to the local copy. An
// offline answer has Offline set and says as of which time and block; online
// is the online attempt's error when it fell back (nil otherwise).
func (v *Verifier) Verify(ctx context.Context, q Query) (ans trace.Verification, online error, err error) {
	if v.Online != nil {
		timeout := v.Timeout
		if timeout <= 0 {
			timeout = 3 * time.Second
		}
		octx, cancel := context.WithTimeout(ctx, timeout)
		ans, online = v.Online.Verify(octx, q.GTIN, q.Serial, q.Batch, q.Expiry)
		cancel()
		if online == nil {
			return ans, nil, nil
		}
		if ctx.Err() != nil {
			return trace.Verification{}, online, ctx.Err()
		}
	}
	ans, err = v.Offline(ctx, q)
	return ans, online, err
}

// Offline answers from the local copy alone. With no local copy it returns
// store.ErrNoCopy: an answer without an "as of" would mislead.
func (v *Verifier) Offline(ctx context.Context, q Query) (trace.Verification, error) {
	lp, err := v.Store.LookupPack(ctx, q.GTIN, q.Serial, q.Batch)
	if err != nil {
		return trace.Verification{}, fmt.Errorf("verify offline: %w", err)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	return Judge(lp, q, now()), nil
}

// Judge turns what the local copy knows about a pack into a verification:
// the trace core's verdict rule (trace.Judge, the one the chaincode runs),
// on the copy, as of the copy's stamp.
func Judge(lp store.LocalPack, q Query, now time.Time) trace.Verification {
	ans := trace.Verification{GTIN: q.GTIN, Serial: q.Serial, Block: lp.Stamp.Block, AsOf: lp.Stamp.AsOf, Offline: true}
	scan := trace.Scan{GTIN: q.GTIN, Serial: q.Serial, Batch: q.Batch, Expiry: q.Expiry}
	var recall *trace.Recall
	if r := lp.Recall; r != nil {
		recall = &trace.Recall{GTIN: r.GTIN, Batch: r.Batch, Time: r.Time, Reason: r.Reason}
	}
	if !lp.Found {
		ans.Status, ans.Alerts = trace.Judge(nil, recall, scan, now)
		// Not in the copy is not "never commissioned": the copy may be older
		// than the pack.
		ans.Alerts[0].Message = fmt.Sprintf("This pack is not in the local copy of the ledger %s. Do not hand it out until it is checked online.", lp.Stamp)
		return ans
	}
	p := lp.Pack
	facts := trace.PackFacts{GTIN: p.GTIN, Serial: p.Serial, Batch: p.Batch, Expiry: p.Expiry, Status: p.Status}
	if p.Status == trace.PackDispensed {
		facts.DispensedAt, facts.DispensedOn = p.LastPlace, p.LastTime
	}
	ans.Status, ans.Alerts = trace.Judge(&facts, recall, scan, now)
	ans.Batch, ans.Expiry = p.Batch, p.Expiry
	ans.LastEvent, ans.LastKind, ans.LastTime, ans.LastPlace = p.LastEvent, p.LastKind, p.LastTime, p.LastPlace
	return ans
}

// IsOffline reports whether err means the ledger could not answer in time.
func IsOffline(err error) bool {
	return errors.Is(err, ledger.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)
}

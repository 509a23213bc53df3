package outbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
)

// OnlineVerifier answers verifications from the ledger itself
// (*ledger.Client satisfies it).
type OnlineVerifier interface {
	Verify(ctx context.Context, gtin, serial, batch, expiry string) (ledger.Verification, error)
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
func (v *Verifier) Verify(ctx context.Context, q Query) (ans ledger.Verification, online error, err error) {
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
			return ledger.Verification{}, online, ctx.Err()
		}
	}
	ans, err = v.Offline(ctx, q)
	return ans, online, err
}

// Offline answers from the local copy alone. With no local copy it returns
// store.ErrNoCopy: an answer without an "as of" would mislead.
func (v *Verifier) Offline(ctx context.Context, q Query) (ledger.Verification, error) {
	lp, err := v.Store.LookupPack(ctx, q.GTIN, q.Serial, q.Batch)
	if err != nil {
		return ledger.Verification{}, fmt.Errorf("verify offline: %w", err)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	return Judge(lp, q, now()), nil
}

// Judge turns what the local copy knows about a pack into a verification,
// with the alerts a pharmacist must see. It is the offline twin of the
// chaincode's verify.
func Judge(lp store.LocalPack, q Query, now time.Time) ledger.Verification {
	ans := ledger.Verification{GTIN: q.GTIN, Serial: q.Serial, Status: ledger.PackUnknown,
		Block: lp.Stamp.Block, AsOf: lp.Stamp.AsOf, Offline: true}
	alert := func(code, msg string, args ...any) {
		ans.Alerts = append(ans.Alerts, ledger.Alert{Code: code, Message: fmt.Sprintf(msg, args...)})
	}
	if !lp.Found {
		alert("unknown-pack", "This pack is not in the local copy of the ledger %s. Do not hand it out until it is checked online.", lp.Stamp)
	} else {
		p := lp.Pack
		ans.Status, ans.Batch, ans.Expiry = p.Status, p.Batch, p.Expiry
		ans.LastEvent, ans.LastKind, ans.LastTime, ans.LastPlace = p.LastEvent, p.LastKind, p.LastTime, p.LastPlace
		switch p.Status {
		case ledger.PackDispensed:
			alert("already-dispensed", "This pack was already dispensed%s.", where(p))
		case ledger.PackDestroyed:
			alert("destroyed", "This pack was reported destroyed%s.", where(p))
		case ledger.PackStolen:
			alert("stolen", "This pack was reported stolen%s.", where(p))
		case ledger.PackExported:
			alert("exported", "This pack was exported%s.", where(p))
		case ledger.PackSample:
			alert("sample", "This pack is a sample and must not be dispensed.")
		}
		if q.Batch != "" && p.Batch != "" && q.Batch != p.Batch {
			alert("batch-mismatch", "The batch on the pack (%s) is not the batch the manufacturer declared (%s).", q.Batch, p.Batch)
		}
		if q.Expiry != "" && p.Expiry != "" && q.Expiry != p.Expiry {
			alert("expiry-mismatch", "The expiry on the pack (%s) is not the one the manufacturer declared (%s).", q.Expiry, p.Expiry)
		}
	}
	if lp.Recall != nil {
		ans.Status = ledger.PackRecalled
		alert("recalled-batch", "Batch %s is recalled%s.", lp.Recall.Batch, reason(lp.Recall.Reason))
	}
	exp := ans.Expiry
	if exp == "" {
		exp = q.Expiry
	}
	if exp != "" {
		if d, err := time.Parse("2006-01-02", exp); err == nil && now.After(d.Add(24*time.Hour)) {
			if ans.Status == ledger.PackActive {
				ans.Status = ledger.PackExpired
			}
			alert("expired", "This pack expired on %s.", exp)
		}
	}
	return ans
}

func where(p store.PackCopy) string {
	s := ""
	if p.LastPlace != "" {
		s += " at " + p.LastPlace
	}
	if !p.LastTime.IsZero() {
		s += " on " + p.LastTime.Format("2006-01-02")
	}
	return s
}

func reason(r string) string {
	if r == "" {
		return ""
	}
	return ": " + r
}

// IsOffline reports whether err means the ledger could not answer in time.
func IsOffline(err error) bool {
	return errors.Is(err, ledger.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded)
}

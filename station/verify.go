package station

import (
	"context"
	"fmt"

	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// Answer is a verification and, when the local copy answered, why the
// ledger did not.
type Answer struct {
	trace.Verification
	Online error // nil when the ledger answered (or was not asked)
}

// Ask answers "may I hand out this pack?": the ledger's answer when it
// gives one within the station's verify timeout, else the local copy's
// (which says as of which block), with the ledger's failure in Online.
// With offlineOnly it asks the local copy only (an inspector in the
// field). The error says why neither answered.
func (s *Station) Ask(ctx context.Context, c Code, offlineOnly bool) (Answer, error) {
	q := outbox.Query{GTIN: c.GTIN, Serial: c.Serial, Batch: c.Batch, Expiry: c.ExpiryDate()}
	ov := &outbox.Verifier{Store: s.store, Timeout: s.verifyTimeout}
	if offlineOnly {
		v, err := ov.Offline(ctx, q)
		return Answer{Verification: v}, err
	}
	oc, linkErr := s.link.client()
	if oc != nil {
		ov.Online = oc
	}
	v, online, err := ov.Verify(ctx, q)
	if online == nil && oc == nil {
		online = linkErr
	}
	return Answer{Verification: v, Online: online}, err
}

// Verify is Ask for a screen: when neither the ledger nor the local copy
// answers, the error names both failures.
func (s *Station) Verify(ctx context.Context, c Code, offlineOnly bool) (trace.Verification, error) {
	a, err := s.Ask(ctx, c, offlineOnly)
	if err != nil && a.Online != nil {
		return a.Verification, fmt.Errorf("%w (the ledger did not answer either: %v)", err, a.Online)
	}
	return a.Verification, err
}

// Contents answers what the ledger says a case or pallet holds, each
// child with its status. It needs the ledger; UnitContents falls back to
// the local copy.
func (s *Station) Contents(ctx context.Context, sscc string) (trace.Contents, error) {
	oc, err := s.link.client()
	if err != nil {
		return trace.Contents{}, err
	}
	return oc.Contents(ctx, sscc)
}

package station

import (
	"context"
	"fmt"

	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// Verify answers "may I hand out this pack?": the ledger's answer when it
// gives one within the station's verify timeout, else the local copy's
// (which says as of which block). With offlineOnly it asks the local copy
// only (an inspector in the field). When neither answers, the error says
// why both failed.
func (s *Station) Verify(ctx context.Context, c Code, offlineOnly bool) (trace.Verification, error) {
	q := outbox.Query{GTIN: c.GTIN, Serial: c.Serial, Batch: c.Batch, Expiry: c.ExpiryDate()}
	ov := &outbox.Verifier{Store: s.store, Timeout: s.verifyTimeout}
	if offlineOnly {
		return ov.Offline(ctx, q)
	}
	oc, linkErr := s.link.client()
	if oc != nil {
		ov.Online = oc
	}
	ans, online, err := ov.Verify(ctx, q)
	if err != nil {
		if online == nil {
			online = linkErr
		}
		if online != nil {
			return ans, fmt.Errorf("%w (the ledger did not answer either: %v)", err, online)
		}
	}
	return ans, err
}

// Contents answers what the ledger says a case or pallet holds, each
// child with its status. It needs the ledger.
func (s *Station) Contents(ctx context.Context, sscc string) (trace.Contents, error) {
	oc, err := s.link.client()
	if err != nil {
		return trace.Contents{}, err
	}
	return oc.Contents(ctx, sscc)
}

package ledger

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"

	"github.com/medtrace/medtrace/trace"
)

// MaxAlerts bounds the alerts Alerts reads in one call.
const MaxAlerts = 5000

// alertPageSize is how many alerts one Alerts query page asks for (the
// chaincode's largest page).
const alertPageSize = 500

// ReportAlert reports to the ledger an event this station queued that
// came back refused (a clone alert), and returns the alert the ledger
// keeps: one per refused event ID, so a report made again returns the
// first one's (and submits nothing). A report the chaincode refuses (a
// site not the certificate's, a malformed report) wraps ErrRejected;
// one that could not be made wraps ErrUnavailable or ErrCommitUnknown:
// send it again.
func (c *Client) ReportAlert(ctx context.Context, r trace.AlertReport) (trace.LedgerAlert, error) {
	b, err := json.Marshal(&r)
	if err != nil {
		return trace.LedgerAlert{}, fmt.Errorf("report alert: %w", err)
	}
	p, err := c.contract.NewProposal("ReportAlert", client.WithArguments(string(b)))
	if err != nil {
		return trace.LedgerAlert{}, fmt.Errorf("report alert: %w", err)
	}
	txID := p.TransactionID()
	tx, err := p.EndorseWithContext(ctx)
	if err != nil {
		return trace.LedgerAlert{}, fmt.Errorf("report alert: %w", classify(txID, err))
	}
	var a trace.LedgerAlert
	if err := json.Unmarshal(tx.Result(), &a); err != nil {
		return trace.LedgerAlert{}, fmt.Errorf("report alert: decode answer: %w", err)
	}
	if a.TxID != txID {
		return a, nil // kept before: this transaction writes nothing
	}
	commit, err := tx.SubmitWithContext(ctx)
	if err != nil {
		return trace.LedgerAlert{}, fmt.Errorf("report alert: %w", classify(txID, err))
	}
	st, err := commit.StatusWithContext(ctx)
	if err != nil {
		return trace.LedgerAlert{}, fmt.Errorf("report alert: %w", &TxError{TxID: txID, Class: ErrCommitUnknown, Err: err})
	}
	if !st.Successful {
		return trace.LedgerAlert{}, fmt.Errorf("report alert: %w", invalidated(txID, st.Code))
	}
	return a, nil
}

// Alerts reads the alerts stations reported to the ledger, at most max
// (1 to MaxAlerts), page by page. Only the regulator may: others get an
// error wrapping ErrRejected.
func (c *Client) Alerts(ctx context.Context, max int) ([]trace.LedgerAlert, error) {
	if max < 1 || max > MaxAlerts {
		return nil, fmt.Errorf("alerts: at most 1 to %d, not %d", MaxAlerts, max)
	}
	var out []trace.LedgerAlert
	bookmark := ""
	for {
		var p trace.AlertPage
		if err := c.evaluate(ctx, &p, "Alerts", bookmark, fmt.Sprint(min(alertPageSize, max-len(out)))); err != nil {
			return nil, err
		}
		out = append(out, p.Alerts...)
		if p.Bookmark == "" || len(out) >= max {
			return out, nil
		}
		bookmark = p.Bookmark
	}
}

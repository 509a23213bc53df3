package station

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/trace"
)

// alertReportBatch is how many pending alert reports one
// SendAlertReports call sends.
const alertReportBatch = 100

// ledgerReport is the report to the ledger of alert a: an event this
// station queued came back refused with a reason that signals a clone, a
// theft or a diversion (trace.AlertKindOf is not "other"), at a site.
// It is nil for other alerts (a scan's verdicts, other refusals), which
// stay on this station's list only, and for an alert whose particulars do
// not make a well-formed report (trace.AlertReport.Check).
func ledgerReport(a AlertRecord) *trace.AlertReport {
	kind := trace.AlertKindOf(a.Code)
	if a.Source != "refusal" || a.EventID == "" || kind == trace.AlertOther {
		return nil
	}
	r := &trace.AlertReport{Kind: kind, Code: a.Code, EventID: a.EventID, EventKind: a.Event, Time: a.Time,
		GTIN: a.GTIN, Serial: a.Serial, SSCC: a.SSCC, Site: a.Place}
	if r.Check() != nil {
		return nil
	}
	return r
}

// wakeAlerts tells the alert sender (Sync) there may be reports to send.
func (s *Station) wakeAlerts() {
	select {
	case s.alertWake <- struct{}{}:
	default: // already woken
	}
}

// SendAlertReports sends the alert reports waiting for the ledger (at
// most alertReportBatch), oldest first, and marks each: reported, or
// refused for good (the ledger's answer kept), or still pending when the
// ledger could not be reached (the error is returned; they are sent
// again later). It needs Connect first.
func (s *Station) SendAlertReports(ctx context.Context) (sent int, err error) {
	oc, err := s.link.client()
	if err != nil {
		return 0, err
	}
	pending, err := s.store.PendingAlertReports(ctx, alertReportBatch)
	if err != nil {
		return 0, err
	}
	for _, p := range pending {
		id := p.Report.EventID
		a, err := oc.C.ReportAlert(ctx, p.Report)
		switch {
		case err == nil:
			if err := s.store.MarkAlertReport(ctx, id, store.ReportReported, a.TxID, ""); err != nil {
				return sent, err
			}
			sent++
		case errors.Is(err, ledger.ErrRejected):
			if err := s.store.MarkAlertReport(ctx, id, store.ReportRefused, "", err.Error()); err != nil {
				return sent, err
			}
		default:
			if merr := s.store.MarkAlertReport(ctx, id, store.ReportPending, "", err.Error()); merr != nil {
				return sent, errors.Join(err, merr)
			}
			return sent, fmt.Errorf("report alert of event %s: %w", id, err)
		}
	}
	return sent, nil
}

// sendAlerts sends alert reports each time it is woken (wakeAlerts: an
// alert was queued, or the sync engine reported) until ctx ends. A
// failure waits for the next wake: the sync engine's reports come with
// its own retries.
func (s *Station) sendAlerts(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.alertWake:
		}
		_, _ = s.SendAlertReports(ctx) // kept pending with the failure; sent again on the next wake
	}
}

// SourceLedger is the Source of an alert read from the ledger's alert
// list (LedgerAlerts): a station, maybe another member's, reported it.
const SourceLedger = "ledger"

// LedgerAlerts lists the alerts stations reported to the ledger that f
// selects (its kinds, since, text and limit as for Alerts, on the refused
// event's time), newest first. Only the regulator may read them: others
// get an error wrapping ledger.ErrRejected. It needs the ledger.
func (s *Station) LedgerAlerts(ctx context.Context, f AlertFilter) ([]AlertRecord, error) {
	oc, err := s.link.client()
	if err != nil {
		return nil, err
	}
	las, err := oc.C.Alerts(ctx, ledger.MaxAlerts)
	if err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit <= 0 || limit > store.MaxListLimit {
		limit = 1000
	}
	text := strings.TrimSpace(f.Text)
	out := []AlertRecord{}
	for _, la := range las {
		a := AlertRecord{Time: la.Time, Kind: la.Kind, Code: la.Code, Source: SourceLedger, EventID: la.EventID, Event: la.EventKind,
			GTIN: la.GTIN, Serial: la.Serial, SSCC: la.SSCC, Place: la.Site, By: la.MSP}
		switch {
		case len(f.Kinds) > 0 && !slices.Contains(f.Kinds, a.Kind),
			a.Time.Before(f.Since),
			text != "" && !slices.Contains([]string{a.GTIN, a.Serial, a.SSCC, a.Place}, text):
			continue
		}
		out = append(out, a)
	}
	slices.SortStableFunc(out, func(x, y AlertRecord) int { return y.Time.Compare(x.Time) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

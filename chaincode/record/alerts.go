package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/medtrace/medtrace/trace"
)

// prefixAlert keys the alerts stations report, one per refused event ID.
const prefixAlert = "a:"

// MaxAlertPage is the largest page of alerts Alerts returns.
const MaxAlertPage = 500

// maxAlertReport bounds a report's JSON, in bytes.
const maxAlertReport = 2048

// ReportAlert keeps an alert a member's station reports (an event it
// queued came back refused: a clone alert) under its own key, one per
// refused event ID: a report of an ID already kept returns the alert kept
// and writes nothing. The submitter records it as for events (a member
// whose certificate names its role; Config.writer), at its certificate's
// site, or one of its organisation's locations when the certificate names
// none; the MSP and the ledger time are the transaction's.
func ReportAlert(st State, tx Tx, raw []byte) (LedgerAlert, error) {
	cfg, err := LoadConfig(st)
	if err != nil {
		return LedgerAlert{}, err
	}
	org, err := cfg.writer(tx)
	if err != nil {
		return LedgerAlert{}, err
	}
	if len(raw) > maxAlertReport {
		return LedgerAlert{}, fmt.Errorf("%w: an alert report is at most %d bytes, not %d", ErrBadRequest, maxAlertReport, len(raw))
	}
	var r trace.AlertReport
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return LedgerAlert{}, fmt.Errorf("%w: the alert report is not valid JSON for one: %w", ErrBadRequest, err)
	}
	if err := r.Check(); err != nil {
		return LedgerAlert{}, fmt.Errorf("%w: %w", ErrBadRequest, err)
	}
	switch {
	case tx.Cert.GLN != "" && r.Site != tx.Cert.GLN:
		return LedgerAlert{}, fmt.Errorf("%w: this user's certificate is for site %s: it may not report an alert from %s", ErrAccessDenied, tx.Cert.GLN, r.Site)
	case tx.Cert.GLN == "" && !slices.Contains(org.GLNs, r.Site):
		return LedgerAlert{}, fmt.Errorf("%w: site %s is not one of %s's locations", ErrAccessDenied, r.Site, tx.MSP)
	}
	key := prefixAlert + r.EventID
	prev, err := st.GetState(key)
	if err != nil {
		return LedgerAlert{}, fmt.Errorf("read %s: %w", key, err)
	}
	if prev != nil {
		var a LedgerAlert
		if err := json.Unmarshal(prev, &a); err != nil {
			return LedgerAlert{}, fmt.Errorf("decode %s: %w", key, err)
		}
		return a, nil
	}
	a := LedgerAlert{AlertReport: r, MSP: tx.MSP, TxID: tx.ID, TxTime: tx.Time}
	b, err := json.Marshal(&a)
	if err != nil {
		return LedgerAlert{}, err
	}
	if err := st.PutState(key, b); err != nil {
		return LedgerAlert{}, fmt.Errorf("write %s: %w", key, err)
	}
	return a, nil
}

// Alerts returns one page of the alerts stations reported, in refused
// event ID order; start with bookmark "". Only the regulator reads them.
func Alerts(st State, pg Pager, tx Tx, bookmark string, pageSize int) (AlertPage, error) {
	cfg, err := LoadConfig(st)
	if err != nil {
		return AlertPage{}, err
	}
	org, err := cfg.reader(tx)
	if err != nil {
		return AlertPage{}, err
	}
	if org.Role != RoleRegulator {
		return AlertPage{}, fmt.Errorf("%w: the alert list is the regulator's, not %s's", ErrAccessDenied, tx.MSP)
	}
	if pageSize < 1 || pageSize > MaxAlertPage {
		return AlertPage{}, fmt.Errorf("%w: page size must be 1 to %d", ErrBadRequest, MaxAlertPage)
	}
	if bookmark != "" && !strings.HasPrefix(bookmark, prefixAlert) {
		return AlertPage{}, fmt.Errorf("%w: bad bookmark", ErrBadRequest)
	}
	kvs, next, err := pg.ScanPage(prefixAlert, prefixAlert[:1]+";", pageSize, bookmark)
	if err != nil {
		return AlertPage{}, fmt.Errorf("scan alerts: %w", err)
	}
	out := AlertPage{Alerts: make([]LedgerAlert, 0, len(kvs))}
	for _, kv := range kvs {
		var a LedgerAlert
		if err := json.Unmarshal(kv.Value, &a); err != nil {
			return AlertPage{}, fmt.Errorf("decode %s: %w", kv.Key, err)
		}
		out.Alerts = append(out.Alerts, a)
	}
	if next != "" && len(kvs) == pageSize {
		out.Bookmark = next
	}
	return out, nil
}

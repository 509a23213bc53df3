package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/medtrace/medtrace/trace"
)

// The states of an alert report (AlertReportState).
const (
	ReportPending  = "pending"  // waiting to reach the ledger
	ReportReported = "reported" // the ledger keeps it
	ReportRefused  = "refused"  // the ledger refused it for good (its message says why)
)

// AlertReportRecord is one alert report this station keeps for the ledger.
type AlertReportRecord struct {
	Report   trace.AlertReport
	State    string
	Attempts int
	TxID     string // the transaction that reported it
	Message  string // why the ledger refused it, or the last failure
}

// RecordAlertReported stores alert a, as RecordAlert, and in the same
// transaction queues r (when not nil) for the ledger: once per refused
// event ID, kept until the ledger has it (MarkAlertReport).
func (s *Store) RecordAlertReported(ctx context.Context, a Alert, r *trace.AlertReport) (added bool, err error) {
	if err := checkAlert(a); err != nil {
		return false, err
	}
	var body []byte
	if r != nil {
		if err := r.Check(); err != nil {
			return false, fmt.Errorf("queue alert report: %w", err)
		}
		if body, err = json.Marshal(r); err != nil {
			return false, fmt.Errorf("queue alert report: %w", err)
		}
	}
	err = s.write(ctx, "record alert", func(tx *sql.Tx) error {
		if added, err = insertAlert(ctx, tx, a); err != nil || r == nil {
			return err
		}
		now := s.now().UnixNano()
		_, err = tx.ExecContext(ctx, `INSERT INTO alert_reports (event_id, body, created_at, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (event_id) DO NOTHING`, r.EventID, string(body), now, now)
		return err
	})
	return added, err
}

// PendingAlertReports lists the alert reports waiting for the ledger,
// oldest first, at most limit (1 to MaxListLimit).
func (s *Store) PendingAlertReports(ctx context.Context, limit int) ([]AlertReportRecord, error) {
	if limit < 1 || limit > MaxListLimit {
		return nil, fmt.Errorf("pending alert reports: limit %d is not 1 to %d", limit, MaxListLimit)
	}
	return s.alertReports(ctx, `WHERE state = 'pending' ORDER BY created_at LIMIT ?`, limit)
}

// AlertReports lists every alert report kept, oldest first, at most limit.
func (s *Store) AlertReports(ctx context.Context, limit int) ([]AlertReportRecord, error) {
	if limit < 1 || limit > MaxListLimit {
		return nil, fmt.Errorf("alert reports: limit %d is not 1 to %d", limit, MaxListLimit)
	}
	return s.alertReports(ctx, `ORDER BY created_at LIMIT ?`, limit)
}

func (s *Store) alertReports(ctx context.Context, where string, limit int) ([]AlertReportRecord, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT body, state, attempts, tx_id, message FROM alert_reports `+where, limit)
	if err != nil {
		return nil, s.classify("list alert reports", err)
	}
	defer func() { _ = rows.Close() }() // a read: nothing to lose
	var out []AlertReportRecord
	for rows.Next() {
		var rec AlertReportRecord
		var body string
		if err := rows.Scan(&body, &rec.State, &rec.Attempts, &rec.TxID, &rec.Message); err != nil {
			return nil, s.classify("list alert reports", err)
		}
		if err := json.Unmarshal([]byte(body), &rec.Report); err != nil {
			return nil, fmt.Errorf("alert report: %w", err)
		}
		out = append(out, rec)
	}
	return out, s.classify("list alert reports", rows.Err())
}

// ErrNoAlertReport means no alert report has that event ID.
var ErrNoAlertReport = errors.New("no such alert report")

// MarkAlertReport records an attempt to report the alert of eventID:
// state ReportReported with the transaction, ReportRefused with why, or
// ReportPending with the failure (it is sent again later).
func (s *Store) MarkAlertReport(ctx context.Context, eventID, state, txID, message string) error {
	switch state {
	case ReportPending, ReportReported, ReportRefused:
	default:
		return fmt.Errorf("mark alert report: unknown state %q", state)
	}
	if len(message) > MaxTextBytes {
		message = message[:MaxTextBytes]
	}
	return s.write(ctx, "mark alert report", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alert_reports SET state = ?, tx_id = ?, message = ?, attempts = attempts + 1, updated_at = ?
			WHERE event_id = ? AND state = 'pending'`, state, txID, message, s.now().UnixNano(), eventID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err == nil {
				err = fmt.Errorf("mark alert report %s: %w", eventID, ErrNoAlertReport)
			}
			return err
		}
		return nil
	})
}

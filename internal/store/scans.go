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

// Problem is one thing wrong with a scanned code, as the parser reported it.
type Problem struct {
	Code    string `json:"code"`
	AI      string `json:"ai,omitempty"`
	Message string `json:"message"`
}

// Scan is one code as a scanner read it, kept whether or not it parsed.
type Scan struct {
	ID       int64     // set by the store
	Session  string    // the working session (e.g. one receiving run); duplicates are flagged within it
	Raw      []byte    // the bytes exactly as read
	Valid    bool      // the parser's verdict
	Scheme   string    // e.g. "gs1", "ifa-ppn"
	GTIN     string    // 14 digits when known
	Serial   string    // the pack's serial number
	Batch    string    // batch/lot
	Expiry   string    // YYYY-MM-DD
	SSCC     string    // a logistic unit's code
	Problems []Problem // everything the parser found wrong
	Source   string    // e.g. "camera", "wedge", "serial:/dev/ttyACM0", "cli"
	Operator string    // who scanned
	Role     string    // manufacturer, distributor, pharmacy, regulator
	Location string    // GLN where it was scanned
	Device   string    // the device's name
	Time     time.Time // when it was read; zero means the store's clock
	EventID  string    // the event it produced, if any
}

// ScanResult is what the caller tells the user after a scan was stored durably.
type ScanResult struct {
	ID int64
	// DuplicateOf is the earlier scan of the same pack (or SSCC) in the same
	// session, 0 if none. The new scan is kept all the same.
	DuplicateOf int64
	// ClockBehind > 0 means this scan's time is earlier than the newest scan
	// already stored by that much: the device clock was probably set back.
	// The scan is kept with the time given.
	ClockBehind time.Duration
}

// clockSlack is how far back a scan's time may go before it is flagged.
const clockSlack = 2 * time.Second

// RecordScan stores one scan durably (committed and synced) and reports
// whether the same pack was already scanned in the session.
func (s *Store) RecordScan(ctx context.Context, sc Scan) (ScanResult, error) {
	var res ScanResult
	err := s.write(ctx, "record scan", func(tx *sql.Tx) error {
		var err error
		res, err = s.RecordScanTx(ctx, tx, sc)
		return err
	})
	return res, err
}

// Capture stores a scan and the business event it produced in one durable
// transaction; the event's ID and time are filled in when empty.
func (s *Store) Capture(ctx context.Context, sc Scan, ev trace.Event) (ScanResult, trace.Event, error) {
	var res ScanResult
	err := s.write(ctx, "capture", func(tx *sql.Tx) error {
		var err error
		if ev, err = s.EnqueueTx(ctx, tx, ev); err != nil {
			return err
		}
		sc.EventID = ev.ID
		res, err = s.RecordScanTx(ctx, tx, sc)
		return err
	})
	if err != nil {
		return ScanResult{}, trace.Event{}, err
	}
	s.Notify()
	return res, ev, nil
}

// RecordScanTx stores a scan inside the caller's transaction (see BeginTx).
func (s *Store) RecordScanTx(ctx context.Context, tx *sql.Tx, sc Scan) (ScanResult, error) {
	if sc.Raw == nil {
		sc.Raw = []byte{}
	}
	if sc.Time.IsZero() {
		sc.Time = s.now()
	}
	if sc.Problems == nil {
		sc.Problems = []Problem{}
	}
	probs, err := json.Marshal(sc.Problems)
	if err != nil {
		return ScanResult{}, fmt.Errorf("record scan: %w", err)
	}
	var res ScanResult
	switch {
	case sc.GTIN != "" && sc.Serial != "":
		err = tx.QueryRowContext(ctx, `SELECT id FROM scans WHERE session = ? AND gtin = ? AND serial = ? ORDER BY id LIMIT 1`,
			sc.Session, sc.GTIN, sc.Serial).Scan(&res.DuplicateOf)
	case sc.SSCC != "":
		err = tx.QueryRowContext(ctx, `SELECT id FROM scans WHERE session = ? AND sscc = ? ORDER BY id LIMIT 1`,
			sc.Session, sc.SSCC).Scan(&res.DuplicateOf)
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return ScanResult{}, err
	}
	var newest sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT scanned_at FROM scans ORDER BY id DESC LIMIT 1`).Scan(&newest); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return ScanResult{}, err
	}
	if newest.Valid {
		if d := time.Duration(newest.Int64 - sc.Time.UnixNano()); d > clockSlack {
			res.ClockBehind = d
		}
	}
	var eventID any
	if sc.EventID != "" {
		eventID = sc.EventID
	}
	r, err := tx.ExecContext(ctx, `INSERT INTO scans (session, raw, valid, scheme, gtin, serial, batch, expiry, sscc,
		problems, source, operator, role, location, device, scanned_at, event_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		sc.Session, sc.Raw, sc.Valid, sc.Scheme, sc.GTIN, sc.Serial, sc.Batch, sc.Expiry, sc.SSCC,
		string(probs), sc.Source, sc.Operator, sc.Role, sc.Location, sc.Device, sc.Time.UnixNano(), eventID)
	if err != nil {
		return ScanResult{}, err
	}
	res.ID, err = r.LastInsertId()
	return res, err
}

// ScanFilter selects scans; the zero value selects all.
type ScanFilter struct {
	Session string
	AfterID int64 // only scans with a larger ID
	Limit   int   // 0 means no limit
}

// Scans returns stored scans in the order they were read.
func (s *Store) Scans(ctx context.Context, f ScanFilter) ([]Scan, error) {
	q := `SELECT id, session, raw, valid, scheme, gtin, serial, batch, expiry, sscc, problems,
		source, operator, role, location, device, scanned_at, coalesce(event_id, '')
		FROM scans WHERE id > ? AND (? = '' OR session = ?) ORDER BY id`
	args := []any{f.AfterID, f.Session, f.Session}
	if f.Limit > 0 {
		q += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.classify("list scans", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what went wrong
	var out []Scan
	for rows.Next() {
		var sc Scan
		var probs string
		var at int64
		if err := rows.Scan(&sc.ID, &sc.Session, &sc.Raw, &sc.Valid, &sc.Scheme, &sc.GTIN, &sc.Serial, &sc.Batch,
			&sc.Expiry, &sc.SSCC, &probs, &sc.Source, &sc.Operator, &sc.Role, &sc.Location, &sc.Device, &at, &sc.EventID); err != nil {
			return nil, s.classify("list scans", err)
		}
		if err := json.Unmarshal([]byte(probs), &sc.Problems); err != nil {
			return nil, fmt.Errorf("list scans: scan %d problems: %w", sc.ID, err)
		}
		sc.Time = time.Unix(0, at).UTC()
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, s.classify("list scans", err)
	}
	return out, nil
}

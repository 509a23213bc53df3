package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/medtrace/medtrace/trace"
)

// findingsSchema is the migration that adds the desks' records: an
// inspector's findings (kept across restarts until the report is taken)
// and the alerts this station saw (refused events, packs that must not be
// handed out), one per refused event.
const findingsSchema = `CREATE TABLE findings (
		id         INTEGER PRIMARY KEY,
		at         INTEGER NOT NULL,
		inspector  TEXT    NOT NULL DEFAULT '',
		location   TEXT    NOT NULL DEFAULT '',
		raw        BLOB    NOT NULL,
		gtin       TEXT    NOT NULL DEFAULT '',
		serial     TEXT    NOT NULL DEFAULT '',
		batch      TEXT    NOT NULL DEFAULT '',
		expiry     TEXT    NOT NULL DEFAULT '',
		sscc       TEXT    NOT NULL DEFAULT '',
		reason     TEXT    NOT NULL DEFAULT '',
		offline    INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1)),
		as_of      INTEGER NOT NULL DEFAULT 0,
		conformant INTEGER NOT NULL CHECK (conformant IN (0, 1)),
		note       TEXT    NOT NULL DEFAULT '',
		photo      TEXT    NOT NULL DEFAULT '',
		event_id   TEXT    NOT NULL DEFAULT ''
	);
	CREATE TABLE alerts (
		id         INTEGER PRIMARY KEY,
		at         INTEGER NOT NULL,
		kind       TEXT    NOT NULL,
		code       TEXT    NOT NULL DEFAULT '',
		message    TEXT    NOT NULL DEFAULT '',
		source     TEXT    NOT NULL,
		event_id   TEXT,
		event_kind TEXT    NOT NULL DEFAULT '',
		gtin       TEXT    NOT NULL DEFAULT '',
		serial     TEXT    NOT NULL DEFAULT '',
		batch      TEXT    NOT NULL DEFAULT '',
		sscc       TEXT    NOT NULL DEFAULT '',
		place      TEXT    NOT NULL DEFAULT ''
	);
	CREATE UNIQUE INDEX alerts_event ON alerts (event_id) WHERE event_id IS NOT NULL;
	CREATE INDEX alerts_at ON alerts (at);`

// Limits on what one finding or alert may hold, so a pasted novel or a
// runaway caller cannot grow the store without bound.
const (
	MaxNoteRunes   = 2000 // a finding's note
	MaxTextBytes   = 4096 // a photo path, an alert's message, a raw scan
	MaxListLimit   = 1000 // rows one Findings, Alerts or Recalls call returns
	defaultListMax = MaxListLimit
)

// ErrTooLong is wrapped when a finding or alert holds more text than the
// limits above allow; nothing is stored.
var ErrTooLong = errors.New("text too long")

// Finding is one item an inspector checked, with the result.
type Finding struct {
	ID         int64 // set by the store
	Time       time.Time
	Inspector  string // the inspector's name
	Location   string // GLN of the inspector's office
	Raw        []byte // the code as scanned
	GTIN       string
	Serial     string
	Batch      string
	Expiry     string // YYYY-MM-DD
	SSCC       string
	Reason     string // the verdict's reason code
	Offline    bool   // the verdict came from the local copy
	AsOf       time.Time
	Conformant bool
	Note       string
	Photo      string // path of a photo file
	EventID    string // the inspect event queued for it, if any
}

func (f Finding) check() error {
	switch {
	case f.Time.IsZero():
		return errors.New("finding without a time")
	case utf8.RuneCountInString(f.Note) > MaxNoteRunes:
		return fmt.Errorf("note of %d characters (at most %d): %w", utf8.RuneCountInString(f.Note), MaxNoteRunes, ErrTooLong)
	case len(f.Photo) > MaxTextBytes, len(f.Raw) > MaxTextBytes, len(f.Inspector) > MaxTextBytes:
		return fmt.Errorf("photo path, scan or inspector name over %d bytes: %w", MaxTextBytes, ErrTooLong)
	}
	return nil
}

// SaveFinding stores f durably and returns it with its ID.
func (s *Store) SaveFinding(ctx context.Context, f Finding) (Finding, error) {
	if err := f.check(); err != nil {
		return f, fmt.Errorf("save finding: %w", err)
	}
	raw := f.Raw
	if raw == nil {
		raw = []byte{}
	}
	var asOf int64
	if !f.AsOf.IsZero() {
		asOf = f.AsOf.UnixNano()
	}
	err := s.write(ctx, "save finding", func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO findings (at, inspector, location, raw, gtin, serial, batch, expiry, sscc,
			reason, offline, as_of, conformant, note, photo, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			f.Time.UnixNano(), f.Inspector, f.Location, raw, f.GTIN, f.Serial, f.Batch, f.Expiry, f.SSCC,
			f.Reason, boolInt(f.Offline), asOf, boolInt(f.Conformant), f.Note, f.Photo, f.EventID)
		if err != nil {
			return err
		}
		f.ID, err = res.LastInsertId()
		return err
	})
	return f, err
}

// Findings lists stored findings, oldest first, at most limit (0 or more
// than MaxListLimit: MaxListLimit), the newest ones when there are more.
func (s *Store) Findings(ctx context.Context, limit int) ([]Finding, error) {
	if limit <= 0 || limit > MaxListLimit {
		limit = defaultListMax
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, at, inspector, location, raw, gtin, serial, batch, expiry, sscc, reason,
		offline, as_of, conformant, note, photo, event_id FROM
		(SELECT * FROM findings ORDER BY id DESC LIMIT ?) ORDER BY id`, limit)
	if err != nil {
		return nil, s.classify("list findings", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what went wrong
	var out []Finding
	for rows.Next() {
		var f Finding
		var at, asOf int64
		var offline, conformant int
		if err := rows.Scan(&f.ID, &at, &f.Inspector, &f.Location, &f.Raw, &f.GTIN, &f.Serial, &f.Batch, &f.Expiry, &f.SSCC,
			&f.Reason, &offline, &asOf, &conformant, &f.Note, &f.Photo, &f.EventID); err != nil {
			return nil, s.classify("list findings", err)
		}
		f.Time = time.Unix(0, at).UTC()
		if asOf != 0 {
			f.AsOf = time.Unix(0, asOf).UTC()
		}
		f.Offline, f.Conformant = offline == 1, conformant == 1
		out = append(out, f)
	}
	return out, s.classify("list findings", rows.Err())
}

// Alert is one alert this station saw: an event the ledger refused, or a
// verdict that said a pack must not be handed out.
type Alert struct {
	ID        int64 // set by the store
	Time      time.Time
	Kind      string // the desk's grouping, e.g. "double-dispense"
	Code      string // the ledger's reason code
	Message   string // the ledger's sentence
	Source    string // "refusal" or "scan"
	EventID   string // the refused event; "" for a scan (then never deduplicated)
	EventKind trace.Kind
	GTIN      string
	Serial    string
	Batch     string
	SSCC      string
	Place     string // GLN
}

// AlertFilter selects alerts.
type AlertFilter struct {
	Kinds []string  // any of these; none: all
	Since time.Time // zero: from the start
	Text  string    // matches a GTIN, serial, batch, SSCC or place exactly
	Limit int       // 0 or more than MaxListLimit: MaxListLimit
}

// RecordAlert stores a durably. An alert for an event that already has one
// is not stored again: added is false.
func (s *Store) RecordAlert(ctx context.Context, a Alert) (added bool, err error) {
	if err := checkAlert(a); err != nil {
		return false, err
	}
	err = s.write(ctx, "record alert", func(tx *sql.Tx) error {
		added, err = insertAlert(ctx, tx, a)
		return err
	})
	return added, err
}

// checkAlert says what a lacks to be stored.
func checkAlert(a Alert) error {
	switch {
	case a.Time.IsZero():
		return errors.New("record alert: no time")
	case a.Kind == "" || a.Source == "":
		return errors.New("record alert: no kind or source")
	case len(a.Message) > MaxTextBytes:
		return fmt.Errorf("record alert: message of %d bytes: %w", len(a.Message), ErrTooLong)
	}
	return nil
}

// insertAlert stores a in tx unless its event has an alert already.
func insertAlert(ctx context.Context, tx *sql.Tx, a Alert) (added bool, err error) {
	var ev any
	if a.EventID != "" {
		ev = a.EventID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO alerts (at, kind, code, message, source, event_id, event_kind, gtin, serial, batch, sscc, place)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) WHERE event_id IS NOT NULL DO NOTHING`,
		a.Time.UnixNano(), a.Kind, a.Code, a.Message, a.Source, ev, string(a.EventKind), a.GTIN, a.Serial, a.Batch, a.SSCC, a.Place)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Alerts lists alerts matching f, newest first.
func (s *Store) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	limit := f.Limit
	if limit <= 0 || limit > MaxListLimit {
		limit = defaultListMax
	}
	q := `SELECT id, at, kind, code, message, source, coalesce(event_id, ''), event_kind, gtin, serial, batch, sscc, place
		FROM alerts WHERE at >= ?`
	var since int64
	if !f.Since.IsZero() {
		since = f.Since.UnixNano()
	}
	args := []any{since}
	if len(f.Kinds) > 0 {
		q += " AND kind IN (?" + strings.Repeat(", ?", len(f.Kinds)-1) + ")"
		for _, k := range f.Kinds {
			args = append(args, k)
		}
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		q += " AND ? IN (gtin, serial, batch, sscc, place)"
		args = append(args, t)
	}
	q += " ORDER BY at DESC, id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.classify("list alerts", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what went wrong
	var out []Alert
	for rows.Next() {
		var a Alert
		var at int64
		var kind string
		if err := rows.Scan(&a.ID, &at, &a.Kind, &a.Code, &a.Message, &a.Source, &a.EventID, &kind,
			&a.GTIN, &a.Serial, &a.Batch, &a.SSCC, &a.Place); err != nil {
			return nil, s.classify("list alerts", err)
		}
		a.Time, a.EventKind = time.Unix(0, at).UTC(), trace.Kind(kind)
		out = append(out, a)
	}
	return out, s.classify("list alerts", rows.Err())
}

// Recalls lists the recalled batches in the local copy, newest first, at
// most limit (0 or more than MaxListLimit: MaxListLimit).
func (s *Store) Recalls(ctx context.Context, limit int) ([]RecallCopy, error) {
	if limit <= 0 || limit > MaxListLimit {
		limit = defaultListMax
	}
	rows, err := s.r.QueryContext(ctx, `SELECT gtin, batch, reason, block, at FROM recalls ORDER BY block DESC, at DESC, gtin, batch LIMIT ?`, limit)
	if err != nil {
		return nil, s.classify("list recalls", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what went wrong
	var out []RecallCopy
	for rows.Next() {
		var r RecallCopy
		var at int64
		if err := rows.Scan(&r.GTIN, &r.Batch, &r.Reason, &r.Block, &at); err != nil {
			return nil, s.classify("list recalls", err)
		}
		if at != 0 {
			r.Time = time.Unix(0, at).UTC()
		}
		out = append(out, r)
	}
	return out, s.classify("list recalls", rows.Err())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

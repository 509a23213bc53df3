package store

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema's versions, forward only: migrations[i] takes
// the database from user_version i to i+1. Never edit a released one; add
// a new one.
var migrations = []string{
	// 1: scans and the outbox with each event's sync state.
	`CREATE TABLE scans (
		id         INTEGER PRIMARY KEY,
		session    TEXT    NOT NULL,
		raw        BLOB    NOT NULL,
		valid      INTEGER NOT NULL CHECK (valid IN (0, 1)),
		scheme     TEXT    NOT NULL DEFAULT '',
		gtin       TEXT    NOT NULL DEFAULT '',
		serial     TEXT    NOT NULL DEFAULT '',
		batch      TEXT    NOT NULL DEFAULT '',
		expiry     TEXT    NOT NULL DEFAULT '',
		sscc       TEXT    NOT NULL DEFAULT '',
		problems   TEXT    NOT NULL DEFAULT '[]',
		source     TEXT    NOT NULL DEFAULT '',
		operator   TEXT    NOT NULL DEFAULT '',
		role       TEXT    NOT NULL DEFAULT '',
		location   TEXT    NOT NULL DEFAULT '',
		device     TEXT    NOT NULL DEFAULT '',
		scanned_at INTEGER NOT NULL
	);
	CREATE TABLE events (
		seq         INTEGER PRIMARY KEY,
		id          TEXT    NOT NULL UNIQUE,
		kind        TEXT    NOT NULL,
		body        TEXT    NOT NULL,
		created_at  INTEGER NOT NULL,
		state       TEXT    NOT NULL DEFAULT 'pending'
		            CHECK (state IN ('pending', 'inflight', 'recorded', 'rejected', 'conflict')),
		attempts    INTEGER NOT NULL DEFAULT 0,
		claim       TEXT,
		claimed_at  INTEGER,
		lease_until INTEGER,
		tx_id       TEXT,
		block       INTEGER,
		reason      TEXT    NOT NULL DEFAULT '',
		message     TEXT    NOT NULL DEFAULT '',
		updated_at  INTEGER NOT NULL
	);
	CREATE INDEX events_state ON events (state, seq);
	CREATE INDEX events_claim ON events (claim) WHERE claim IS NOT NULL;`,

	// 2: the local copy of ledger state and sync checkpoints.
	`CREATE TABLE packs (
		gtin       TEXT    NOT NULL,
		serial     TEXT    NOT NULL,
		status     TEXT    NOT NULL,
		batch      TEXT    NOT NULL DEFAULT '',
		expiry     TEXT    NOT NULL DEFAULT '',
		last_event TEXT    NOT NULL DEFAULT '',
		last_kind  TEXT    NOT NULL DEFAULT '',
		last_time  INTEGER NOT NULL DEFAULT 0,
		last_place TEXT    NOT NULL DEFAULT '',
		block      INTEGER NOT NULL,
		PRIMARY KEY (gtin, serial)
	) WITHOUT ROWID;
	CREATE TABLE recalls (
		gtin   TEXT    NOT NULL,
		batch  TEXT    NOT NULL,
		reason TEXT    NOT NULL DEFAULT '',
		block  INTEGER NOT NULL,
		at     INTEGER NOT NULL DEFAULT 0,
		PRIMARY KEY (gtin, batch)
	) WITHOUT ROWID;
	CREATE TABLE copy_state (
		id    INTEGER PRIMARY KEY CHECK (id = 1),
		block INTEGER NOT NULL,
		as_of INTEGER NOT NULL
	);
	CREATE TABLE checkpoints (
		name       TEXT PRIMARY KEY,
		block      INTEGER NOT NULL,
		updated_at INTEGER NOT NULL
	);`,

	// 3: scans link to the event they produced; same-pack-in-session lookups.
	`ALTER TABLE scans ADD COLUMN event_id TEXT REFERENCES events (id);
	CREATE INDEX scans_session_pack ON scans (session, gtin, serial) WHERE gtin != '';
	CREATE INDEX scans_session_sscc ON scans (session, sscc) WHERE sscc != '';`,

	// 4: the packs and units each event touches, so batches sent side by
	// side never reorder two events about the same thing.
	`ALTER TABLE events ADD COLUMN keys TEXT NOT NULL DEFAULT '';
	UPDATE events SET keys = trim(
		CASE WHEN coalesce(json_extract(body, '$.serial'), '') != ''
			THEN json_extract(body, '$.gtin') || '/' || json_extract(body, '$.serial') ELSE '' END || ' ' ||
		CASE WHEN coalesce(json_extract(body, '$.sscc'), '') != '' THEN json_extract(body, '$.sscc') ELSE '' END || ' ' ||
		coalesce((SELECT group_concat(value, ' ') FROM json_each(body, '$.children')), ''));`,

	// 5: a pending event's earliest next attempt (after the ledger refused
	// the one-event request it was sent in), and the record of rejected
	// events a user gave back to the queue: who, when, and what the ledger
	// had said (the rejection stays visible after the event is recorded).
	`ALTER TABLE events ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0;
	CREATE INDEX events_parked ON events (not_before) WHERE not_before > 0;
	CREATE TABLE requeues (
		id       INTEGER PRIMARY KEY,
		event_id TEXT    NOT NULL REFERENCES events (id),
		at       INTEGER NOT NULL,
		os_user  TEXT    NOT NULL,
		role     TEXT    NOT NULL DEFAULT '',
		reason   TEXT    NOT NULL DEFAULT '',
		message  TEXT    NOT NULL DEFAULT '',
		tx_id    TEXT    NOT NULL DEFAULT '',
		block    INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX requeues_event ON requeues (event_id, id);`,

	// 6: the desks' records: inspection findings and alerts (findings.go).
	findingsSchema,

	// 7: the identity that must sign each event (SignedBy): a sync engine
	// sends only its own identity's events. Events from before name none
	// (''), and only an engine that names no identity sends those.
	`ALTER TABLE events ADD COLUMN signer TEXT NOT NULL DEFAULT '';`,

	// 8: the logistic units (cases, pallets) of the local ledger copy, each
	// with its children as canonical references (a JSON array), so an SSCC
	// verifies with its contents offline (units.go).
	`CREATE TABLE units (
		sscc     TEXT PRIMARY KEY,
		status   TEXT    NOT NULL,
		location TEXT    NOT NULL DEFAULT '',
		parent   TEXT    NOT NULL DEFAULT '',
		children TEXT    NOT NULL DEFAULT '[]',
		block    INTEGER NOT NULL
	) WITHOUT ROWID;`,

	// 9: a copy made before 8 learnt its units only as blocks changed
	// them (and which copies were cannot be told apart): the copy's stamp
	// and checkpoint go, so it no longer claims to be complete as of its
	// block, and the sync engine follows the ledger again from its first
	// block (every unit's latest state; a pack or recall row is never
	// replaced by an older one) unless an inspector's download replaces it
	// first. Offline answers say "no local copy" until a block is applied
	// again; the rows stay.
	`DELETE FROM copy_state;
	DELETE FROM checkpoints;`,

	// 10: the alerts this station reports to the ledger (an event it
	// queued came back refused), one per refused event, kept until the
	// ledger has them (alertreports.go).
	`CREATE TABLE alert_reports (
		event_id   TEXT PRIMARY KEY,
		body       TEXT    NOT NULL,
		state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'reported', 'refused')),
		attempts   INTEGER NOT NULL DEFAULT 0,
		tx_id      TEXT    NOT NULL DEFAULT '',
		message    TEXT    NOT NULL DEFAULT '',
		created_at INTEGER NOT NULL,
		updated_at INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX alert_reports_pending ON alert_reports (created_at) WHERE state = 'pending';`,
}

// SchemaVersion is the schema version this build writes.
func SchemaVersion() int { return len(migrations) }

// migrate brings the database to version target, one transaction per step.
func (s *Store) migrate(ctx context.Context, target int) error {
	var v int
	if err := s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return s.classify("read schema version", err)
	}
	if v > len(migrations) {
		return &DBError{Kind: ErrTooNew, Path: s.path, Backup: s.NewestBackup(), Op: "open",
			Err: fmt.Errorf("schema version %d, this medtrace knows up to %d", v, len(migrations))}
	}
	for ; v < target; v++ {
		err := s.write(ctx, fmt.Sprintf("migrate to schema %d", v+1), func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

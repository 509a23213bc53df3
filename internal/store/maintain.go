package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"
)

// Maintenance defaults.
const (
	DefaultCheckEvery  = 24 * time.Hour // full integrity check
	DefaultBackupEvery = 24 * time.Hour // rotating backup
	DefaultKeep        = 7              // backups kept
	DefaultRetryAfter  = time.Hour      // after a failed check or backup
)

// checkedFile, in the data folder, holds the time of the last full
// integrity check that passed (RFC 3339), so the schedule survives restarts.
const checkedFile = "integrity-checked"

// backupPrefix and backupSuffix frame the names Backup gives its files;
// rotation only ever removes files named so.
const (
	backupPrefix     = "medtrace-"
	backupSuffix     = ".db"
	backupTimeLayout = "20060102T150405.000000000Z"
)

// Maintenance says when Run checks and backs up the database. The zero
// value is the default: a full integrity check and a backup at most once a
// day each, seven backups kept.
type Maintenance struct {
	CheckEvery  time.Duration // between full integrity checks; 0 means DefaultCheckEvery
	BackupEvery time.Duration // between backups; 0 means DefaultBackupEvery
	Keep        int           // backups kept in backups/; 0 means DefaultKeep
	RetryAfter  time.Duration // wait after a failure; 0 means DefaultRetryAfter
	// Report, if set, receives the outcome of every check and backup.
	Report func(MaintenanceResult)
}

// MaintenanceResult is the outcome of one scheduled check or backup.
type MaintenanceResult struct {
	Op      string    // "warm", "integrity check" or "backup"
	At      time.Time // when it ended
	Path    string    // the backup written
	Removed []string  // older backups removed by rotation
	Err     error     // nil when it succeeded; a *DBError when the database is damaged
}

func (m Maintenance) withDefaults() Maintenance {
	if m.CheckEvery <= 0 {
		m.CheckEvery = DefaultCheckEvery
	}
	if m.BackupEvery <= 0 {
		m.BackupEvery = DefaultBackupEvery
	}
	if m.Keep <= 0 {
		m.Keep = DefaultKeep
	}
	if m.RetryAfter <= 0 {
		m.RetryAfter = DefaultRetryAfter
	}
	return m
}

// Run checks and backs up the database on m's schedule until ctx ends,
// then returns ctx's error. The caller owns it: start it once per process
// (go s.Run(ctx, m)) and cancel ctx before Close. It first reads the file
// into the operating system's cache (Warm, reported as "warm"), then does
// what is due, then sleeps on a timer (at most an hour at a time, so a
// clock change is noticed). Outcomes go to m.Report.
func (s *Store) Run(ctx context.Context, m Maintenance) error {
	_, err := s.Warm(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if m.Report != nil {
		m.Report(MaintenanceResult{Op: "warm", At: s.now(), Err: err})
	}
	for {
		next := s.Maintain(ctx, m)
		wait := min(max(next.Sub(s.now()), time.Second), time.Hour)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Maintain does what is due now, once: the full integrity check when the
// last passing one is older than CheckEvery, then a backup when the newest
// is older than BackupEvery, then removes all but the Keep newest backups.
// A database that fails its check is not backed up (rotation would push
// good backups out). It returns when something is next due.
func (s *Store) Maintain(ctx context.Context, m Maintenance) time.Time {
	m = m.withDefaults()
	report := func(r MaintenanceResult) {
		if m.Report != nil {
			r.At = s.now()
			m.Report(r)
		}
	}
	now := s.now()
	checked := s.lastChecked()
	if !now.Before(checked.Add(m.CheckEvery)) || checked.After(now) {
		err := s.Check(ctx)
		if err == nil {
			checked = s.now()
			err = s.markChecked(checked)
		}
		report(MaintenanceResult{Op: "integrity check", Err: err})
		if err != nil {
			return s.now().Add(m.RetryAfter)
		}
	}
	next := checked.Add(m.CheckEvery)
	newest, ok := s.newestBackupTime()
	now = s.now()
	if ok && newest.After(now) {
		// The clock was set back past the newest backup: count from the
		// last backup this process made, if any, so that backups neither
		// stop until the clock catches up nor run at every pass.
		s.maintMu.Lock()
		newest, ok = s.lastBackup, !s.lastBackup.IsZero() && !s.lastBackup.After(now)
		s.maintMu.Unlock()
	}
	if !ok || !now.Before(newest.Add(m.BackupEvery)) {
		path, removed, err := s.rotateBackup(ctx, m.Keep)
		report(MaintenanceResult{Op: "backup", Path: path, Removed: removed, Err: err})
		if err != nil {
			return earliest(next, s.now().Add(m.RetryAfter))
		}
		newest = s.now()
		s.maintMu.Lock()
		s.lastBackup = newest
		s.maintMu.Unlock()
	}
	return earliest(next, newest.Add(m.BackupEvery))
}

// rotateBackup writes a backup, checks it, and removes the oldest backups
// beyond keep. A backup that fails its check is removed and reported.
func (s *Store) rotateBackup(ctx context.Context, keep int) (string, []string, error) {
	path, err := s.Backup(ctx)
	if err != nil {
		return "", nil, err
	}
	if err := checkFile(ctx, path); err != nil {
		err = fmt.Errorf("backup %s failed its check: %w", path, err)
		if rerr := os.Remove(path); rerr != nil {
			err = errors.Join(err, fmt.Errorf("remove the failed backup: %w", rerr))
		}
		return "", nil, err
	}
	// The oldest by the time in their names go first, never the one just
	// written (with the clock set back it sorts before older ones).
	names := slices.DeleteFunc(s.backupNames(), func(n string) bool { return n == filepath.Base(path) })
	var removed []string
	var errs []error
	for len(names) > keep-1 {
		p := filepath.Join(s.dir, BackupDir, names[0])
		names = names[1:]
		if err := os.Remove(p); err != nil {
			errs = append(errs, fmt.Errorf("remove old backup: %w", err))
			continue
		}
		removed = append(removed, p)
	}
	return path, removed, errors.Join(errs...)
}

// backupNames lists the backups Backup made, oldest first.
func (s *Store) backupNames() []string {
	ents, err := os.ReadDir(filepath.Join(s.dir, BackupDir))
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		if _, ok := backupTime(e.Name()); ok && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names
}

// backupTime reads the time in a backup's name.
func backupTime(name string) (time.Time, bool) {
	if !strings.HasPrefix(name, backupPrefix) || !strings.HasSuffix(name, backupSuffix) {
		return time.Time{}, false
	}
	t, err := time.Parse(backupTimeLayout, strings.TrimSuffix(strings.TrimPrefix(name, backupPrefix), backupSuffix))
	return t, err == nil
}

// newestBackupTime is the time of the newest backup Backup made.
func (s *Store) newestBackupTime() (time.Time, bool) {
	names := s.backupNames()
	if len(names) == 0 {
		return time.Time{}, false
	}
	return backupTime(names[len(names)-1])
}

// lastChecked is the time of the last passing full check, zero if unknown.
func (s *Store) lastChecked() time.Time {
	b, err := os.ReadFile(filepath.Join(s.dir, checkedFile))
	if err != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil {
		return time.Time{}
	}
	return t
}

// markChecked records a passing full check (written whole, then renamed).
func (s *Store) markChecked(at time.Time) error {
	p := filepath.Join(s.dir, checkedFile)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(at.UTC().Format(time.RFC3339Nano)+"\n"), 0o600); err != nil {
		return fmt.Errorf("record integrity check: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("record integrity check: %w", err)
	}
	return nil
}

// checkFile runs quick_check on a database file opened read-only.
func checkFile(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: path}).EscapedPath()+"?mode=ro")
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }() // read-only: closing it loses nothing
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("%w: %s", ErrCorrupt, res)
	}
	return nil
}

// earliest returns the earlier of two times.
func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

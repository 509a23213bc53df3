// Package store is MedTrace's local SQLite store: every scan as read, the
// outbox of business events waiting for the ledger with their sync state,
// the local copy of ledger state used for offline checks, and sync
// checkpoints. Every write is durable (WAL, synchronous=FULL) before it
// returns. Open runs a quick check; Run checks fully and backs up on a
// schedule.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-sqlite3"
)

// FileName is the database's name inside the data folder.
const FileName = "medtrace.db"

// BackupDir is the folder, inside the data folder, that holds backups.
const BackupDir = "backups"

// Errors callers must tell apart. A *DBError wraps exactly one of them.
var (
	// ErrCorrupt means the database file is damaged or is not a MedTrace database.
	ErrCorrupt = errors.New("database is corrupt")
	// ErrUnreadable means the database file exists but cannot be opened.
	ErrUnreadable = errors.New("database cannot be opened")
	// ErrDiskFull means the disk (or the database's size limit) is full; nothing was written.
	ErrDiskFull = errors.New("disk is full")
	// ErrReadOnly means the database or its folder cannot be written; nothing was written.
	ErrReadOnly = errors.New("database is read-only")
	// ErrTooNew means the database was written by a newer MedTrace (its schema version is unknown).
	ErrTooNew = errors.New("database is from a newer medtrace")
	// ErrIO means the operating system could not read or write the database
	// file (a failing disk, a file cut short under the app).
	ErrIO = errors.New("database file i/o failed")
)

// DBError is a database problem a user must act on: it names the database
// file and, when one exists, the newest backup.
type DBError struct {
	Kind   error  // one of ErrCorrupt, ErrUnreadable, ErrDiskFull, ErrReadOnly, ErrTooNew, ErrIO
	Path   string // the database file
	Backup string // the newest backup, "" if none
	Op     string // what was being done
	Err    error  // the underlying error
}

// Error describes the problem, the file and what to do.
func (e *DBError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v: %s", e.Op, e.Kind, e.Path)
	if e.Err != nil {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	switch e.Kind {
	case ErrIO:
		if e.Backup != "" {
			fmt.Fprintf(&b, "; check the disk; newest backup: %s", e.Backup)
		} else {
			b.WriteString("; check the disk")
		}
	case ErrCorrupt, ErrUnreadable, ErrTooNew:
		if e.Backup != "" {
			fmt.Fprintf(&b, "; newest backup: %s (the database was left untouched)", e.Backup)
		} else {
			b.WriteString("; no backup found (the database was left untouched)")
		}
	case ErrDiskFull:
		b.WriteString("; free some space and try again, nothing was lost")
	case ErrReadOnly:
		b.WriteString("; make the file and its folder writable and try again, nothing was lost")
	}
	return b.String()
}

// Unwrap returns the error's kind and its cause.
func (e *DBError) Unwrap() []error { return []error{e.Kind, e.Err} }

// Options tune a Store. The zero value is the default.
type Options struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// BusyTimeout is how long a write waits for another process's write; 0 means 5s.
	BusyTimeout time.Duration
	// MaxPageCount, when > 0, caps the database size in pages (PRAGMA
	// max_page_count). Tests use it to simulate a full disk.
	MaxPageCount int
	// SkipOpenCheck leaves out the quick_check Open runs before anything
	// else (for tools that reopen a known-good database many times).
	SkipOpenCheck bool
}

// Store is the local database. It is safe for concurrent use.
type Store struct {
	dir    string
	path   string
	w      *sql.DB // the single writer connection (BEGIN IMMEDIATE)
	r      *sql.DB // readers (query_only)
	now    func() time.Time
	notify chan struct{}

	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

	maintMu    sync.Mutex
	lastBackup time.Time // the last backup Maintain made in this process
}

// Open opens (creating if needed) the database in dir, with the folder
// readable by its owner only, and migrates it to the current schema. A
// damaged database is reported as a *DBError naming the newest backup; it is
// never recreated.
func Open(ctx context.Context, dir string, opt Options) (*Store, error) {
	return open(ctx, dir, opt, len(migrations))
}

// open opens the database and migrates it to schema version target.
func open(ctx context.Context, dir string, opt Options, target int) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.BusyTimeout == 0 {
		opt.BusyTimeout = 5 * time.Second
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s := &Store{dir: abs, path: filepath.Join(abs, FileName), now: opt.Now,
		notify: make(chan struct{}, 1), stmts: map[string]*sql.Stmt{}}
	if err := s.prepareFiles(); err != nil {
		return nil, err
	}
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "FULL")
	q.Set("_busy_timeout", fmt.Sprint(opt.BusyTimeout.Milliseconds()))
	q.Set("_foreign_keys", "on")
	q.Set("_txlock", "immediate")
	dsn := "file:" + (&url.URL{Path: s.path}).EscapedPath() + "?" + q.Encode()
	s.w, err = sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, s.classify("open", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetConnMaxIdleTime(0)
	s.w.SetConnMaxLifetime(0)
	if err := s.w.PingContext(ctx); err != nil {
		_ = s.w.Close() // the open failed: its error is the one to report
		return nil, s.classify("open", err)
	}
	// Reading page 1 tells a damaged header apart from a fresh file.
	if _, err := s.w.ExecContext(ctx, "PRAGMA user_version"); err != nil {
		_ = s.w.Close() // the open failed: its error is the one to report
		return nil, s.classify("open", err)
	}
	if _, err := s.w.ExecContext(ctx, "PRAGMA mmap_size = 0"); err != nil {
		_ = s.w.Close() // the open failed: its error is the one to report
		return nil, s.classify("open", err)
	}
	if !opt.SkipOpenCheck {
		if err := s.quickCheck(ctx); err != nil {
			_ = s.w.Close() // the open failed: its error is the one to report
			return nil, err
		}
	}
	if opt.MaxPageCount > 0 {
		if _, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count=%d", opt.MaxPageCount)); err != nil {
			_ = s.w.Close() // the open failed: its error is the one to report
			return nil, s.classify("open", err)
		}
	}
	if err := s.migrate(ctx, target); err != nil {
		_ = s.w.Close() // the open failed: its error is the one to report
		return nil, err
	}
	rq := url.Values{}
	rq.Set("_busy_timeout", fmt.Sprint(opt.BusyTimeout.Milliseconds()))
	rq.Set("_query_only", "on")
	// Readers never map the file: a read error on a mapped page is a
	// SIGBUS that kills the process, while read(2) returns an error that
	// reaches the caller. mmap_size is set to 0 explicitly so that no
	// build default can turn it on.
	s.r = sql.OpenDB(connector{dsn: "file:" + (&url.URL{Path: s.path}).EscapedPath() + "?" + rq.Encode(),
		drv: &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec("PRAGMA mmap_size = 0", nil)
			return err
		}}})
	s.r.SetMaxOpenConns(4)
	s.r.SetMaxIdleConns(4)
	return s, nil
}

// connector opens connections with a driver of the store's own (no global
// driver registration).
type connector struct {
	dsn string
	drv *sqlite3.SQLiteDriver
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.drv }

// prepareFiles creates the data folder (mode 0700) and the database file
// (mode 0600), and checks an existing file can be read.
func (s *Store) prepareFiles() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return s.classify("create data folder", err)
	}
	if err := os.Chmod(s.dir, 0o700); err != nil && !errors.Is(err, os.ErrPermission) {
		return s.classify("protect data folder", err)
	}
	f, err := os.OpenFile(s.path, os.O_RDONLY, 0)
	switch {
	case errors.Is(err, os.ErrNotExist):
		f, err = os.OpenFile(s.path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return s.classify("create database", err)
		}
		return f.Close()
	case err != nil:
		return &DBError{Kind: ErrUnreadable, Path: s.path, Backup: s.NewestBackup(), Op: "open", Err: err}
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	st, err := f.Stat()
	if err != nil {
		return &DBError{Kind: ErrUnreadable, Path: s.path, Backup: s.NewestBackup(), Op: "open", Err: err}
	}
	if !st.Mode().IsRegular() {
		return &DBError{Kind: ErrUnreadable, Path: s.path, Backup: s.NewestBackup(), Op: "open", Err: errors.New("not a regular file")}
	}
	if st.Size() > 0 {
		hdr := make([]byte, 16)
		if _, err := io.ReadFull(f, hdr); err != nil || string(hdr) != "SQLite format 3\x00" {
			return &DBError{Kind: ErrCorrupt, Path: s.path, Backup: s.NewestBackup(), Op: "open", Err: errors.New("file is not a database")}
		}
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(s.path, 0o600); err != nil && !errors.Is(err, os.ErrPermission) {
			return s.classify("protect database", err)
		}
	}
	return nil
}

// classify turns an SQLite or file-system error into a *DBError when the
// user must act on it, and wraps anything else with op.
func (s *Store) classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *DBError
	if errors.As(err, &de) {
		return err
	}
	kind := error(nil)
	var se sqlite3.Error
	switch {
	case errors.As(err, &se):
		switch se.Code {
		case sqlite3.ErrFull:
			kind = ErrDiskFull
		case sqlite3.ErrReadonly, sqlite3.ErrPerm:
			kind = ErrReadOnly
		case sqlite3.ErrCorrupt, sqlite3.ErrNotADB:
			kind = ErrCorrupt
		case sqlite3.ErrCantOpen:
			kind = ErrUnreadable
		case sqlite3.ErrIoErr:
			kind = ErrIO
		}
	case errors.Is(err, os.ErrPermission):
		kind = ErrReadOnly
	case isENOSPC(err):
		kind = ErrDiskFull
	case isEROFS(err):
		kind = ErrReadOnly
	}
	if kind == nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	e := &DBError{Kind: kind, Path: s.path, Op: op, Err: err}
	if kind == ErrCorrupt || kind == ErrUnreadable || kind == ErrIO {
		e.Backup = s.NewestBackup()
	}
	return e
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Dir is the data folder.
func (s *Store) Dir() string { return s.dir }

// Close closes the database.
func (s *Store) Close() error {
	var errs []error
	s.stmtMu.Lock()
	for _, st := range s.stmts {
		errs = append(errs, st.Close())
	}
	s.stmts = nil
	s.stmtMu.Unlock()
	if s.r != nil {
		errs = append(errs, s.r.Close())
	}
	errs = append(errs, s.w.Close())
	return errors.Join(errs...)
}

// stmt returns a cached prepared statement on the reader pool.
func (s *Store) stmt(ctx context.Context, q string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if st, ok := s.stmts[q]; ok {
		return st, nil
	}
	st, err := s.r.PrepareContext(ctx, q)
	if err != nil {
		return nil, s.classify("prepare", err)
	}
	s.stmts[q] = st
	return st, nil
}

// BeginTx starts a write transaction (BEGIN IMMEDIATE) for callers that
// enqueue inside their own transaction with the ...Tx methods. While it is
// open, this process's other writes wait; call Notify after committing.
func (s *Store) BeginTx(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.classify("begin", err)
	}
	return tx, nil
}

// Notify wakes whoever waits on Enqueued. Enqueue calls it itself; a caller
// that used EnqueueTx calls it after committing.
func (s *Store) Notify() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Enqueued is signalled (coalesced) when events were enqueued by this process.
func (s *Store) Enqueued() <-chan struct{} { return s.notify }

// write runs fn in one write transaction and commits it durably.
func (s *Store) write(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.classify(op, err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback() // fn's error is the one to report; nothing was committed either way
		return s.classify(op, err)
	}
	if err := tx.Commit(); err != nil {
		_ = tx.Rollback() // the commit's error is the one to report
		return s.classify(op, err)
	}
	return nil
}

// Backup writes a consistent copy of the database to a new file in the
// backups folder (VACUUM INTO, safe while the app runs) and returns its path.
func (s *Store) Backup(ctx context.Context) (string, error) {
	bdir := filepath.Join(s.dir, BackupDir)
	if err := os.MkdirAll(bdir, 0o700); err != nil {
		return "", s.classify("backup", err)
	}
	name := backupPrefix + s.now().UTC().Format(backupTimeLayout) + backupSuffix
	dest := filepath.Join(bdir, name)
	if err := s.BackupTo(ctx, dest); err != nil {
		return "", err
	}
	// The new name survives a power loss only once its folder is synced.
	if d, err := os.Open(bdir); err == nil {
		err = errors.Join(d.Sync(), d.Close())
		if err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
	}
	return dest, nil
}

// BackupTo writes a consistent copy of the database to dest, which must not exist.
func (s *Store) BackupTo(ctx context.Context, dest string) error {
	if _, err := os.Stat(dest); err == nil {
		return fmt.Errorf("backup: %s already exists", dest)
	}
	// A connection of its own: VACUUM INTO reads one snapshot without
	// holding up this process's writer.
	db, err := sql.Open("sqlite3", "file:"+(&url.URL{Path: s.path}).EscapedPath()+"?_busy_timeout=5000")
	if err != nil {
		return s.classify("backup", err)
	}
	defer func() { _ = db.Close() }() // it only read: closing it loses nothing
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", dest); err != nil {
		_ = os.Remove(dest) // a partial copy, if any; the VACUUM's error is the one to report
		return s.classify("backup", err)
	}
	if err := os.Chmod(dest, 0o600); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	f, err := os.Open(dest)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := errors.Join(f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// NewestBackup returns the newest file in the backups folder, or "".
func (s *Store) NewestBackup() string {
	ents, err := os.ReadDir(filepath.Join(s.dir, BackupDir))
	if err != nil {
		return ""
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".db") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return ""
	}
	sort.Strings(names)
	return filepath.Join(s.dir, BackupDir, names[len(names)-1])
}

// Check runs SQLite's full integrity check and reports damage as a *DBError.
func (s *Store) Check(ctx context.Context) error {
	return s.runCheck(ctx, s.r, "check", "PRAGMA integrity_check")
}

// quickCheck runs PRAGMA quick_check (the integrity check without its
// index-content cross-checks) on the writer at open, for the tables that
// exist nowhere else (scans and the outbox) with their indexes. The local
// copy of the ledger (packs, recalls), which can be downloaded again and may
// hold millions of packs, is left to Run's full integrity check: a
// quick_check of a copy of 10 million packs (1.3 GB) took 15.9 s.
func (s *Store) quickCheck(ctx context.Context) error {
	var have int
	if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'events'`).Scan(&have); err != nil {
		return s.classify("open (quick check)", err)
	}
	if have == 0 {
		// A new database (or one from before the outbox): check it whole.
		return s.runCheck(ctx, s.w, "open (quick check)", "PRAGMA quick_check")
	}
	for _, table := range []string{"scans", "events"} {
		if err := s.runCheck(ctx, s.w, "open (quick check)", "PRAGMA quick_check("+table+")"); err != nil {
			return err
		}
	}
	return nil
}

// runCheck runs an integrity-check pragma on db and reports what it found
// as a *DBError.
func (s *Store) runCheck(ctx context.Context, db *sql.DB, op, pragma string) error {
	rows, err := db.QueryContext(ctx, pragma)
	if err != nil {
		return s.classify(op, err)
	}
	defer func() { _ = rows.Close() }() // rows.Err below reports what went wrong
	var msgs []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return s.classify(op, err)
		}
		if m != "ok" {
			msgs = append(msgs, m)
		}
	}
	if err := rows.Err(); err != nil {
		return s.classify(op, err)
	}
	if len(msgs) > 0 {
		return &DBError{Kind: ErrCorrupt, Path: s.path, Backup: s.NewestBackup(), Op: op, Err: errors.New(strings.Join(msgs, "; "))}
	}
	return nil
}

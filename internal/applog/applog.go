// Package applog is MedTrace's log: log/slog records to a size-capped,
// rotating file in the data folder, and optionally to a terminal.
//
// The file is logs/medtrace.log in the data folder. When a write would take
// it past MaxBytes it is renamed medtrace.log.1 (the older ones move up to
// .2, .3, ...) and a new file is started; Keep old files are kept and the
// oldest is deleted, so the log never takes more than about
// (Keep+1)*MaxBytes. The file is created on the first record written, so a
// command that logs nothing leaves nothing behind.
package applog

import (
	"io"
	"log/slog"
	"path/filepath"

	"github.com/medtrace/medtrace/internal/datadir"
)

// Defaults for Options.
const (
	DefaultMaxBytes = 5 << 20 // 5 MiB a file
	DefaultKeep     = 3       // old files kept beside the current one
)

// FileName is the current log file's name inside Dir.
const FileName = "medtrace.log"

// Dir returns the folder of the log files for a data folder.
func Dir(dataDir string) string { return filepath.Join(dataDir, "logs") }

// Path returns the current log file for a data folder; the app's settings
// show it.
func Path(dataDir string) string { return filepath.Join(Dir(dataDir), FileName) }

// EnvData names the data folder when set (as the CLI's --data default).
const EnvData = "MEDTRACE_DATA"

// UserPath returns the log file of the data folder MedTrace uses when no
// --data flag names one: $MEDTRACE_DATA, else the per-user data folder. The
// app's settings show it.
func UserPath(getenv func(string) string) (string, error) {
	if v := getenv(EnvData); v != "" {
		return Path(v), nil
	}
	dir, err := datadir.Here(getenv)
	if err != nil {
		return "", err
	}
	return Path(dir), nil
}

// Options configure Open. The zero value logs Info and above to the file.
type Options struct {
	MaxBytes  int64      // size at which the file rotates; 0 means DefaultMaxBytes
	Keep      int        // old files kept; 0 means DefaultKeep, negative none
	FileLevel slog.Level // lowest level written to the file (default Info)
	// Terminal, when set, also receives records at TerminalLevel and above
	// as text (e.g. os.Stderr for --verbose).
	Terminal      io.Writer
	TerminalLevel slog.Level
}

// Log is a logger writing to the rotating file and, optionally, a terminal.
type Log struct {
	*slog.Logger
	file *Rotator
}

// Open returns the log of a data folder. It does not touch the disk: the
// file and its folder are created on the first record. An empty dataDir
// gives a log that writes to the terminal only (if any).
func Open(dataDir string, opt Options) *Log {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.Keep == 0 {
		opt.Keep = DefaultKeep
	}
	if opt.Keep < 0 {
		opt.Keep = 0
	}
	var hs []slog.Handler
	l := &Log{}
	if dataDir != "" {
		l.file = NewRotator(Path(dataDir), opt.MaxBytes, opt.Keep)
		hs = append(hs, slog.NewJSONHandler(l.file, &slog.HandlerOptions{Level: opt.FileLevel}))
	}
	if opt.Terminal != nil {
		hs = append(hs, slog.NewTextHandler(opt.Terminal, &slog.HandlerOptions{Level: opt.TerminalLevel}))
	}
	switch len(hs) {
	case 0:
		l.Logger = slog.New(slog.DiscardHandler)
	case 1:
		l.Logger = slog.New(hs[0])
	default:
		l.Logger = slog.New(slog.NewMultiHandler(hs...))
	}
	return l
}

// Path returns the current log file, "" when the log has no file.
func (l *Log) Path() string {
	if l.file == nil {
		return ""
	}
	return l.file.Path()
}

// Err returns the first error writing the file, if any: slog drops a
// handler's errors, so the caller asks here and says so.
func (l *Log) Err() error {
	if l.file == nil {
		return nil
	}
	return l.file.Err()
}

// Close closes the file.
func (l *Log) Close() error {
	if l.file == nil {
		return nil
	}
	return l.file.Close()
}

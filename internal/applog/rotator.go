package applog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// ErrClosed is returned by writes to a closed Rotator.
var ErrClosed = errors.New("log file closed")

// Rotator is an io.WriteCloser appending to a file that it rotates by size:
// path, path.1 (the newest old one), ... path.Keep. It is safe for
// concurrent use. Each Write goes to one file whole: a write that would
// take the file past the cap goes to a new file (a single write larger than
// the cap is written whole, to a file of its own).
type Rotator struct {
	path string
	max  int64
	keep int

	mu     sync.Mutex
	f      *os.File
	size   int64
	closed bool
	err    error // the first write error
}

// NewRotator returns a Rotator for path, capped at maxBytes a file with
// keep old files. Nothing is opened until the first Write.
func NewRotator(path string, maxBytes int64, keep int) *Rotator {
	return &Rotator{path: path, max: maxBytes, keep: keep}
}

// Path returns the current file's path.
func (r *Rotator) Path() string { return r.path }

// Write appends p to the current file, rotating first if p would take it
// past the cap.
func (r *Rotator) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := r.write(p)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

func (r *Rotator) write(p []byte) (int, error) {
	if r.closed {
		return 0, ErrClosed
	}
	if r.f == nil {
		if err := r.open(); err != nil {
			return 0, err
		}
	}
	if r.size > 0 && r.size+int64(len(p)) > r.max {
		if err := r.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("write log %s: %w", r.path, err)
	}
	return n, nil
}

// open opens (or creates) the current file for appending.
func (r *Rotator) open() error {
	if err := os.MkdirAll(filepath.Dir(r.path), 0o755); err != nil {
		return fmt.Errorf("log folder: %w", err)
	}
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("open log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		_ = f.Close() // the Stat error is the one to report
		return fmt.Errorf("open log: %w", err)
	}
	r.f, r.size = f, st.Size()
	return nil
}

// rotate closes the current file, shifts the old ones up by one (deleting
// the oldest) and opens a new current file.
func (r *Rotator) rotate() error {
	if err := r.f.Close(); err != nil {
		r.f = nil
		return fmt.Errorf("close log: %w", err)
	}
	r.f = nil
	if r.keep == 0 {
		if err := os.Remove(r.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate log: %w", err)
		}
		return r.open()
	}
	if err := os.Remove(r.old(r.keep)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotate log: %w", err)
	}
	for i := r.keep - 1; i >= 1; i-- {
		if err := os.Rename(r.old(i), r.old(i+1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("rotate log: %w", err)
		}
	}
	if err := os.Rename(r.path, r.old(1)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("rotate log: %w", err)
	}
	return r.open()
}

func (r *Rotator) old(i int) string { return fmt.Sprintf("%s.%d", r.path, i) }

// Err returns the first error a Write met, or nil.
func (r *Rotator) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Close closes the current file; later writes fail with ErrClosed.
func (r *Rotator) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	if err != nil {
		return fmt.Errorf("close log: %w", err)
	}
	return nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxWarmBytes bounds how much of the database file Warm reads: a file
// larger than this is read up to it.
const MaxWarmBytes = 4 << 30

// warmChunk is how much Warm reads at a time (its only buffer).
const warmChunk = 1 << 20

// Warm reads the database file once from start to end (at most
// MaxWarmBytes), so that the operating system holds it in its cache and an
// offline lookup reads memory, not the disk. No connection maps the file
// (a read error on a mapped page would be a SIGBUS), so every page SQLite's
// own cache does not hold is a read(2): from the operating system's cache
// in microseconds, from the disk in a tenth of a millisecond to several
// milliseconds. SQLite's own cache does not help across writes: in WAL mode
// a commit empties the page cache of every other connection, and a scan is
// committed before each verify. The memory is the kernel's cache, which
// it takes back when it needs it; nothing stays in this process but one
// 1 MiB buffer while Warm runs. It returns the bytes read, ctx's error if
// it ends first, or a *DBError (ErrIO) when the file cannot be read.
func (s *Store) Warm(ctx context.Context) (int64, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return 0, s.classify("warm", err)
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	buf := make([]byte, warmChunk)
	var n int64
	for n < MaxWarmBytes {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		m, err := f.ReadAt(buf[:min(int64(len(buf)), MaxWarmBytes-n)], n)
		n += int64(m)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, &DBError{Kind: ErrIO, Path: s.path, Backup: s.NewestBackup(), Op: "warm",
				Err: fmt.Errorf("read at %d: %w", n, err)}
		}
	}
	return n, nil
}

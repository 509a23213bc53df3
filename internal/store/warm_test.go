package store

import (
	"context"
	"errors"
	"os"
	"testing"
)

// TestWarm reads the whole file, stops when its context ends, and reports
// a file it cannot read as ErrIO (an error, never a crash).
func TestWarm(t *testing.T) {
	full := openTest(t, Options{})
	ctx := context.Background()
	// Enough rows for more than one of Warm's reads.
	changes := Changes{Block: 2}
	for i := range 20_000 {
		gtin, serial := benchPack(i)
		changes.Packs = append(changes.Packs, PackCopy{GTIN: gtin, Serial: serial, Status: "active", Batch: "B1", Block: 2})
	}
	if _, err := full.ApplyChanges(ctx, changes, Apply{Checkpoint: "events"}); err != nil {
		t.Fatal(err)
	}
	// The rows are in the WAL until a checkpoint writes them to the file.
	if _, err := full.w.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(full.Path())
	must(t, err)
	if st.Size() <= warmChunk {
		t.Fatalf("file of %d bytes: the test needs more than one read", st.Size())
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, c := range []struct {
		name    string
		s       *Store
		ctx     context.Context
		want    int64
		wantErr error
	}{
		{"whole file", full, ctx, st.Size(), nil},
		{"context ended", full, cancelled, 0, context.Canceled},
		{"unreadable (a folder)", &Store{dir: t.TempDir(), path: t.TempDir()}, ctx, 0, ErrIO},
	} {
		t.Run(c.name, func(t *testing.T) {
			n, err := c.s.Warm(c.ctx)
			if n != c.want || !errors.Is(err, c.wantErr) || (c.wantErr == nil) != (err == nil) {
				t.Fatalf("Warm read %d bytes (%v), want %d (%v)", n, err, c.want, c.wantErr)
			}
			var de *DBError
			if errors.Is(err, ErrIO) && (!errors.As(err, &de) || de.Path != c.s.Path()) {
				t.Errorf("%v does not name the file", err)
			}
		})
	}
}

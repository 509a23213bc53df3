//go:build linux

package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// dropOSCache asks the kernel to drop a file's pages from its cache, so a
// benchmark starts as after a reboot (or after the host reclaimed them).
func dropOSCache(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}

// osCacheDropped reports whether dropOSCache does anything here.
const osCacheDropped = true

package network

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// proc is a process the network started, as its pid file records it.
type proc struct {
	PID   int
	Start string // start time from /proc (empty where unknown); guards against reused PIDs
}

// stat is what /proc/PID/stat tells about a process.
type stat struct {
	state byte   // R, S, D, Z, ...
	start string // start time in clock ticks since boot
}

// readPidFile reads a pid file: the PID on the first line, the start time on
// the second. ok is false when there is no pid file.
func readPidFile(path string) (p proc, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return p, false, nil
	}
	if err != nil {
		return p, false, err
	}
	lines := strings.Fields(string(b))
	if len(lines) == 0 {
		return p, true, fmt.Errorf("pid file %s is empty", path)
	}
	pid, err := strconv.Atoi(lines[0])
	if err != nil || pid <= 0 {
		return p, true, fmt.Errorf("pid file %s: bad pid %q", path, lines[0])
	}
	p.PID = pid
	if len(lines) > 1 {
		p.Start = lines[1]
	}
	return p, true, nil
}

func writePidFile(path string, p proc) error {
	return writeFileAtomic(path, []byte(fmt.Sprintf("%d\n%s\n", p.PID, p.Start)), 0o644)
}

// tail returns the last n lines of a file (for error reports).
func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer func() { _ = f.Close() }() // read only
	const max = 64 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		if _, err := f.Seek(fi.Size()-max, io.SeekStart); err != nil {
			return ""
		}
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return ""
	}
	b = bytes.TrimRight(b, "\n")
	if len(b) == 0 {
		return ""
	}
	lines := bytes.Split(b, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n"))) + "\n"
}

package app

import "runtime/debug"

// The desktop app's garbage collector settings. Go's default (GOGC=100)
// lets the heap grow to twice what is live before collecting; for a window
// that idles with about 16 MB live (most of it parsed fonts) half of that
// headroom is plenty, and it is 7 MB less resident memory (docs/gui.md,
// Performance). The soft limit makes the collector work harder only when
// the Go heap nears it, e.g. while a large photo is decoded. GOGC and
// GOMEMLIMIT in the environment still win.
const (
	desktopGCPercent   = 50
	desktopMemoryLimit = 128 << 20
)

// TuneGC applies the desktop app's garbage collector settings unless the
// environment (read through lookup, e.g. os.LookupEnv) sets them.
func TuneGC(lookup func(string) (string, bool)) {
	if _, ok := lookup("GOGC"); !ok {
		debug.SetGCPercent(desktopGCPercent)
	}
	if _, ok := lookup("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(desktopMemoryLimit)
	}
}

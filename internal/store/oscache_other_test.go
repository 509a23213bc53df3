//go:build !linux

package store

// dropOSCache does nothing on this system.
func dropOSCache(string) error { return nil }

// osCacheDropped reports whether dropOSCache does anything here.
const osCacheDropped = false

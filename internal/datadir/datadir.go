// Package datadir finds MedTrace's per-user data folder.
package datadir

import (
	"errors"
	"path/filepath"
	"runtime"
)

// ErrNoHome says there is no per-user data folder: HOME (or LocalAppData on
// Windows) is not set.
var ErrNoHome = errors.New("no per-user data folder (HOME is not set)")

// User returns MedTrace's per-user data folder for goos, from the
// environment as getenv reads it: %LocalAppData%\medtrace on Windows,
// ~/Library/Application Support/medtrace on macOS, and
// $XDG_DATA_HOME/medtrace (default ~/.local/share/medtrace) elsewhere.
func User(goos string, getenv func(string) string) (string, error) {
	var base string
	switch goos {
	case "windows":
		base = getenv("LocalAppData")
	case "darwin", "ios":
		if h := getenv("HOME"); h != "" {
			base = filepath.Join(h, "Library", "Application Support")
		}
	default:
		base = getenv("XDG_DATA_HOME")
		if base == "" || !filepath.IsAbs(base) {
			if h := getenv("HOME"); h != "" {
				base = filepath.Join(h, ".local", "share")
			}
		}
	}
	if base == "" {
		return "", ErrNoHome
	}
	return filepath.Join(base, "medtrace"), nil
}

// Here is User for the running system.
func Here(getenv func(string) string) (string, error) { return User(runtime.GOOS, getenv) }

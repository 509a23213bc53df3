//go:build !unix

package network

import (
	"context"
	"time"
)

func startDetached(dir, logPath string, env, argv []string) (proc, error) {
	return proc{}, ErrUnsupported
}

func (p proc) alive() bool { return false }

func (p proc) stop(ctx context.Context, grace time.Duration) error { return nil }

func withLock(ctx context.Context, dir string, fn func() error) error { return ErrUnsupported }

func procStat(pid int) (stat, bool) { return stat{}, false }

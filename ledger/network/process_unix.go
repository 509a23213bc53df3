//go:build unix

package network

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startDetached starts argv in its own session with stdin from /dev/null and
// stdout and stderr appended to logPath. A short-lived shell forks it, so the
// process is reparented at once and outlives the caller; nothing here waits
// for it.
func startDetached(dir, logPath string, env, argv []string) (proc, error) {
	script := `log=$1; shift; "$@" </dev/null >>"$log" 2>&1 & echo $!`
	cmd := exec.Command("/bin/sh", append([]string{"-c", script, "sh", logPath}, argv...)...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.Output()
	if err != nil {
		return proc{}, fmt.Errorf("start %s: %w", argv[0], err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || pid <= 0 {
		return proc{}, fmt.Errorf("start %s: no process id from the shell (%q)", argv[0], out)
	}
	p := proc{PID: pid}
	if st, ok := procStat(pid); ok {
		p.Start = st.start
	}
	return p, nil
}

// procStat reads /proc/PID/stat; ok is false when there is no such file.
func procStat(pid int) (stat, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return stat{}, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return stat{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 || len(f[0]) != 1 {
		return stat{}, false
	}
	return stat{state: f[0][0], start: f[19]}, true
}

// threads reads the thread count from /proc/PID/status (0 when unknown).
func threads(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// procfs reports whether /proc describes processes on this system.
func procfs() bool {
	_, ok := procStat(os.Getpid())
	return ok
}

// alive reports whether p still runs: the same process (same start time
// where /proc tells it), not a zombie.
func (p proc) alive() bool {
	if p.PID <= 0 {
		return false
	}
	if procfs() {
		st, ok := procStat(p.PID)
		if !ok || (p.Start != "" && st.start != p.Start) {
			return false
		}
		if st.state == 'Z' || st.state == 'X' {
			// A zombie is dead, unless only its main thread has exited and
			// the others still tear down (and still hold its sockets).
			return threads(p.PID) > 1
		}
		return true
	}
	err := syscall.Kill(p.PID, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// stop sends SIGTERM, waits up to grace for the process to end, then sends
// SIGKILL and waits again.
func (p proc) stop(ctx context.Context, grace time.Duration) error {
	if !p.alive() {
		return nil
	}
	if err := syscall.Kill(p.PID, syscall.SIGTERM); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal pid %d: %w", p.PID, err)
	}
	if p.waitGone(ctx, grace) {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := syscall.Kill(p.PID, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill pid %d: %w", p.PID, err)
	}
	if p.waitGone(ctx, 5*time.Second) {
		return nil
	}
	return fmt.Errorf("pid %d still runs after SIGKILL", p.PID)
}

// waitGone waits until the process has ended or d has passed.
func (p proc) waitGone(ctx context.Context, d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for p.alive() {
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return !p.alive()
		case <-tick.C:
		}
	}
	return true
}

// withLock runs fn while holding the state directory's lock file, so that
// concurrent Up and Down calls (from several test binaries, say) take turns.
func withLock(ctx context.Context, dir string, fn func() error) error {
	l := layout{dir}
	f, err := os.OpenFile(l.lockFile(), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadStateDir, err)
	}
	defer func() { _ = f.Close() }() // a lock file, never written; closing releases the lock too
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return fmt.Errorf("lock %s: %w", l.lockFile(), err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the lock on %s: %w", dir, ctx.Err())
		case <-tick.C:
		}
	}
	// Unlocks before the close; should it fail, the close releases the lock.
	defer func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }()
	return fn()
}

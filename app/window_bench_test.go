package app

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkWindowFootprint measures the real binary in a real window (its
// own Xvfb, so Mesa's llvmpipe software OpenGL): start to a usable window
// (Fyne's OnStarted), then, after a pharmacist's session of 20 scans and a
// visit to the queue and settings screens, the idle CPU over 3 s and the
// resident memory, split by where it lives (from /proc/PID/smaps). It runs
// in English and in Chinese, whose system CJK font Fyne parses into the Go
// heap. Each iteration is one start of the app; run it with -benchtime=3x
// for three. The breakdown is logged with -v; docs/gui.md explains it.
func BenchmarkWindowFootprint(b *testing.B) {
	bin := buildBinary(b)
	display := startXvfb(b).display
	for _, lang := range []struct{ name, locale string }{{"en", "en_GB.UTF-8"}, {"zh", "zh_CN.UTF-8"}} {
		b.Run(lang.name, func(b *testing.B) {
			var sum footprint
			for i := 0; i < b.N; i++ {
				f := runFootprint(b, bin, display, lang.locale)
				b.Logf("start %.0f ms, idle CPU %.1f %%, RSS %.1f MB, PSS %.1f MB (anonymous %.1f); RSS by mapping: "+
					"anonymous %.1f MB (Go heap live %d MB, goal %d MB at the last GC), C malloc heap %.1f, "+
					"libLLVM %.1f, swrast_dri %.1f, app binary %.1f, X shared memory %.1f, other mappings %.1f",
					f.startMS, f.cpu, f.rss, f.pss, f.pssAnon, f.anon, f.goLive, f.goGoal, f.cHeap,
					f.llvm, f.swrast, f.binary, f.shm, f.files)
				sum.add(f)
			}
			n := float64(b.N)
			b.ReportMetric(sum.startMS/n, "start-ms")
			b.ReportMetric(sum.cpu/n, "idle-cpu-%")
			b.ReportMetric(sum.rss/n, "rss-MB")
			b.ReportMetric(sum.pss/n, "pss-MB")
		})
	}
}

// footprint is one run's figures (MB are MiB).
type footprint struct {
	startMS, cpu, rss, pss, pssAnon               float64
	anon, cHeap, llvm, swrast, binary, shm, files float64
	goLive, goGoal                                int
}

func (f *footprint) add(g footprint) {
	f.startMS += g.startMS
	f.cpu += g.cpu
	f.rss += g.rss
	f.pss += g.pss
}

// lockedBuffer collects the app's stderr (the runtime's gctrace lines).
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// gcLine is the runtime's gctrace summary: heap at start, end and live
// after the cycle, then the next goal.
var gcLine = regexp.MustCompile(`(\d+)->(\d+)->(\d+) MB, (\d+) MB goal`)

func runFootprint(b *testing.B, bin, display, locale string) footprint {
	b.Helper()
	data, tmp := b.TempDir(), b.TempDir()
	seedBenchStore(b, data)
	status := filepath.Join(tmp, "status")
	var stderr lockedBuffer
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "XDG_CONFIG_HOME="+filepath.Join(tmp, "config"),
		"MEDTRACE_DATA="+data, "MEDTRACE_LEDGER_PROFILE=", "MEDTRACE_LEDGER_STATE=", "MEDTRACE_TEST_STATUS="+status,
		"LC_ALL="+locale, "LANGUAGE=", "TZ=UTC", "GODEBUG=gctrace=1")
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			if err := <-exited; err == nil {
				b.Log("the app exited cleanly as it was killed")
			}
		}
	}()
	seen := 0
	wait := func(ev string) map[string]any {
		b.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
			lines := statusLines(status)
			for i := seen; i < len(lines); i++ {
				if lines[i]["event"] == ev {
					seen = i + 1
					return lines[i]
				}
			}
			select {
			case err := <-exited:
				b.Fatalf("app exited while waiting for %q: %v\n%s", ev, err, stderr.String())
			case <-time.After(10 * time.Millisecond):
			}
		}
		b.Fatalf("no %q status within 20 s", ev)
		return nil
	}
	xdo := func(args ...string) {
		b.Helper()
		c := exec.Command("xdotool", args...)
		c.Env = append(os.Environ(), "DISPLAY="+display)
		if out, err := c.CombinedOutput(); err != nil {
			b.Fatalf("xdotool %v: %v %s", args, err, out)
		}
	}
	scan := func(code string) {
		for i, part := range strings.Split(code, "\x1d") {
			if i > 0 {
				xdo("key", "ctrl+bracketright")
			}
			xdo("type", "--delay", "4", part)
		}
		xdo("key", "Return")
	}

	wait("ready")
	f := footprint{startMS: float64(time.Since(start).Microseconds()) / 1000}
	xdo("key", "1")
	wait("screen")
	wait("location")
	xdo("type", "--delay", "4", "4012345000009")
	xdo("key", "Return")
	if got := wait("location"); got["state"] != "set" {
		b.Fatalf("location %v", got)
	}
	codes := []string{rwActive, rwRecalled, rwDispensed, rwDamaged}
	for i := 0; i < 20; i++ {
		scan(codes[i%len(codes)])
		wait("verdict")
		wait("drawn")
	}
	for _, k := range []string{"ctrl+2", "ctrl+3", "ctrl+1"} {
		xdo("key", k)
		wait("screen")
	}
	time.Sleep(5 * time.Second) // idle, as a till between customers
	pid := cmd.Process.Pid
	t0, c0 := time.Now(), cpuTicks(b, pid)
	time.Sleep(3 * time.Second)
	f.cpu = (cpuTicks(b, pid) - c0) / 100 / time.Since(t0).Seconds() * 100
	readSmaps(b, pid, bin, &f)

	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-exited:
		if err != nil {
			b.Errorf("app exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		b.Error("app did not exit within 10 s of SIGTERM")
	}
	if m := gcLine.FindAllStringSubmatch(stderr.String(), -1); len(m) > 0 {
		last := m[len(m)-1]
		f.goLive, _ = strconv.Atoi(last[3])
		f.goGoal, _ = strconv.Atoi(last[4])
	}
	return f
}

// cpuTicks is the process's user+system time in clock ticks (1/100 s).
func cpuTicks(b *testing.B, pid int) float64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	s := string(data)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseFloat(fields[11], 64)
	st, _ := strconv.ParseFloat(fields[12], 64)
	return u + st
}

// readSmaps fills f's memory figures: the totals from smaps_rollup and the
// resident set per kind of mapping from smaps.
func readSmaps(b *testing.B, pid int, bin string, f *footprint) {
	mb := func(kb string) float64 { v, _ := strconv.ParseFloat(kb, 64); return v / 1024 }
	roll, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(roll), "\n") {
		fs := strings.Fields(l)
		if len(fs) < 2 {
			continue
		}
		switch fs[0] {
		case "Rss:":
			f.rss = mb(fs[1])
		case "Pss:":
			f.pss = mb(fs[1])
		case "Pss_Anon:":
			f.pssAnon = mb(fs[1])
		}
	}
	smaps, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps", pid))
	if err != nil {
		b.Fatal(err)
	}
	var into *float64
	for _, l := range strings.Split(string(smaps), "\n") {
		fs := strings.Fields(l)
		if len(fs) >= 5 && strings.Contains(fs[0], "-") && !strings.HasSuffix(fs[0], ":") {
			name := ""
			if len(fs) >= 6 {
				name = fs[5]
			}
			switch {
			case name == "":
				into = &f.anon
			case name == "[heap]":
				into = &f.cHeap
			case strings.Contains(name, "libLLVM"):
				into = &f.llvm
			case strings.Contains(name, "swrast_dri"):
				into = &f.swrast
			case name == bin:
				into = &f.binary
			case strings.HasPrefix(name, "/SYSV"):
				into = &f.shm
			default:
				into = &f.files
			}
			continue
		}
		if len(fs) >= 2 && fs[0] == "Rss:" && into != nil {
			*into += mb(fs[1])
		}
	}
}

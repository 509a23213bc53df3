package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// header names the columns of a row.
const header = "packs\tevents/s\tstate_MB\tpeer_blocks_MB\torderer_MB\tpeer_rss_MB\tpeer_us/ev\tchaincode_us/ev\torderer_us/ev\tclient_us/ev\tload1\telapsed_s"

// components are the network's processes whose CPU a row reports, then
// this client.
var components = []string{"peer", "chaincode", "orderer", "client"}

// meter reads the network's disk, memory and CPU from its state folder
// and /proc (Linux).
type meter struct {
	state string
	t0    time.Time
}

// mark is where the current window began.
type mark struct {
	t      time.Time
	packs  int
	cpuSec map[string]float64
}

func newMeter(state string) *meter { return &meter{state: state} }

func (m *meter) start(now time.Time) mark {
	m.t0 = now
	return mark{t: now, cpuSec: m.cpu()}
}

// row formats the window that ends now with packs committed so far and
// starts the next window in w.
func (m *meter) row(now time.Time, packs int, w *mark) string {
	cpu := m.cpu()
	n := packs - w.packs
	rate := float64(n) / now.Sub(w.t).Seconds()
	f := []string{strconv.Itoa(packs), fmt.Sprintf("%.0f", rate),
		mb(dirSize(m.path("peer", "data", "ledgersData", "stateLeveldb"))),
		mb(dirSize(m.path("peer", "data", "ledgersData", "chains"))),
		mb(dirSize(m.path("orderer"))),
		mb(m.rss("peer"))}
	for _, c := range components {
		t0, ok0 := w.cpuSec[c]
		t1, ok1 := cpu[c]
		if !ok0 || !ok1 || n <= 0 {
			f = append(f, "-")
			continue
		}
		f = append(f, fmt.Sprintf("%.0f", (t1-t0)*1e6/float64(n)))
	}
	f = append(f, loadAverage(), fmt.Sprintf("%.0f", now.Sub(m.t0).Seconds()))
	*w = mark{t: now, packs: packs, cpuSec: cpu}
	return strings.Join(f, "\t")
}

func (m *meter) path(elem ...string) string {
	return filepath.Join(append([]string{m.state}, elem...)...)
}

// pid is a network process's from its pid file, or this process's for
// "client"; "" if unknown.
func (m *meter) pid(component string) string {
	if component == "client" {
		return "self"
	}
	b, err := os.ReadFile(m.path("pids", component+".pid"))
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// cpu is each component's user plus system CPU seconds so far.
func (m *meter) cpu() map[string]float64 {
	out := map[string]float64{}
	for _, c := range components {
		pid := m.pid(c)
		if pid == "" {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
		if err != nil {
			continue
		}
		if t, ok := cpuSeconds(stat); ok {
			out[c] = t
		}
	}
	return out
}

// cpuSeconds reads utime plus stime from a /proc/PID/stat line.
func cpuSeconds(stat []byte) (float64, bool) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, false
	}
	// Fields after the command name: utime and stime are the 12th and 13th.
	f := strings.Fields(string(stat[i+1:]))
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseFloat(f[11], 64)
	s, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (u + s) / 100, true // clock ticks: 100 a second on Linux
}

// rss is a component's resident memory in bytes, -1 if unknown.
func (m *meter) rss(component string) int64 {
	pid := m.pid(component)
	if pid == "" {
		return -1
	}
	b, err := os.ReadFile(filepath.Join("/proc", pid, "status"))
	if err != nil {
		return -1
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				return -1
			}
			return kb * 1024
		}
	}
	return -1
}

// dirSize is the bytes of the regular files under dir, -1 if it cannot
// be read.
func dirSize(dir string) int64 {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // a LevelDB file compacted away while walking
			}
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil {
				return err
			}
			n += info.Size()
		}
		return nil
	})
	if err != nil {
		return -1
	}
	return n
}

// mb formats bytes as megabytes (10^6), "-" when unknown.
func mb(b int64) string {
	if b < 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(b)/1e6)
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "-"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "-"
	}
	return f[0]
}

// snapshot is a finished peer snapshot.
type snapshot struct {
	block uint64
	dir   string
	bytes int64
	took  time.Duration
}

// Where the local network keeps the peer's files (ledger/network's layout).
const (
	channel       = "medtrace"
	peerOrgDomain = "peer.medtrace.test"
	peerPortShift = 10 // network.PortsFrom: the peer listens on the base port + 10
)

// takeSnapshot asks the peer, as its organisation's admin, for a snapshot
// of the channel at the last committed block and waits until the peer has
// moved it to its completed folder (inotify: the peer renames it there
// when done).
func takeSnapshot(ctx context.Context, state, fabricBin string) (snapshot, error) {
	base, err := portBase(state)
	if err != nil {
		return snapshot{}, err
	}
	completed := filepath.Join(state, "peer", "snapshots", "completed", channel)
	if err := os.MkdirAll(completed, 0o755); err != nil {
		return snapshot{}, fmt.Errorf("snapshot folder: %w", err)
	}
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK) // non-blocking: os.File polls it, so Close ends a Read
	if err != nil {
		return snapshot{}, fmt.Errorf("watch the snapshot folder: %w", err)
	}
	watch := os.NewFile(uintptr(fd), "inotify")
	defer func() { _ = watch.Close() }() // only read from
	if _, err := unix.InotifyAddWatch(fd, completed, unix.IN_MOVED_TO|unix.IN_CREATE); err != nil {
		return snapshot{}, fmt.Errorf("watch the snapshot folder: %w", err)
	}
	before, err := os.ReadDir(completed)
	if err != nil {
		return snapshot{}, fmt.Errorf("snapshot folder: %w", err)
	}
	org := filepath.Join(state, "crypto", "peerOrganizations", peerOrgDomain)
	peer := fmt.Sprintf("127.0.0.1:%d", base+peerPortShift)
	tlsCA := filepath.Join(org, "tlsca", "tlsca."+peerOrgDomain+"-cert.pem")
	cmd := exec.CommandContext(ctx, filepath.Join(fabricBin, "peer"), "snapshot", "submitrequest",
		"-c", channel, "-b", "0", "--peerAddress", peer, "--tlsRootCertFile", tlsCA)
	cmd.Env = append(os.Environ(),
		"FABRIC_CFG_PATH="+filepath.Join(state, "config", "peer"),
		"CORE_PEER_LOCALMSPID=PeerOrgMSP",
		"CORE_PEER_MSPCONFIGPATH="+filepath.Join(org, "users", "Admin@"+peerOrgDomain, "msp"),
		"CORE_PEER_ADDRESS="+peer,
		"CORE_PEER_TLS_ENABLED=true",
		"CORE_PEER_TLS_ROOTCERT_FILE="+tlsCA)
	t0 := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		return snapshot{}, fmt.Errorf("peer snapshot submitrequest: %w: %s", err, bytes.TrimSpace(out))
	}
	// The read below blocks; closing the descriptor when ctx ends unblocks it.
	stop := context.AfterFunc(ctx, func() { _ = watch.Close() }) // a second close is harmless
	defer stop()
	seen := map[string]bool{}
	for _, e := range before {
		seen[e.Name()] = true
	}
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		entries, err := os.ReadDir(completed)
		if err != nil {
			return snapshot{}, fmt.Errorf("snapshot folder: %w", err)
		}
		for _, e := range entries {
			if seen[e.Name()] {
				continue
			}
			block, err := strconv.ParseUint(e.Name(), 10, 64)
			if err != nil {
				continue
			}
			dir := filepath.Join(completed, e.Name())
			return snapshot{block: block, dir: dir, bytes: dirSize(dir), took: time.Since(t0)}, nil
		}
		if _, err := watch.Read(buf); err != nil {
			if ctx.Err() != nil {
				return snapshot{}, ctx.Err()
			}
			return snapshot{}, fmt.Errorf("watch the snapshot folder: %w", err)
		}
	}
}

// portBase reads the network's base port from its network.json.
func portBase(state string) (int, error) {
	path := filepath.Join(state, "network.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("the network's ports: %w", err)
	}
	var st struct {
		PortBase int `json:"portBase"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return 0, fmt.Errorf("the network's ports: %s: %w", path, err)
	}
	if st.PortBase <= 0 || st.PortBase > 65535-peerPortShift {
		return 0, fmt.Errorf("the network's ports: %s has no usable portBase (%d)", path, st.PortBase)
	}
	return st.PortBase, nil
}

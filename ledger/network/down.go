package network

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// stopGrace is how long a process gets to end after SIGTERM.
const stopGrace = 10 * time.Second

func down(ctx context.Context, cfg Config) error {
	l := layout{cfg.StateDir}
	t0 := time.Now()
	st, _, err := loadState(l.root)
	if err != nil {
		return err
	}
	cs := (&upRun{cfg: cfg, l: l, st: st, topo: topologyOf(st), ports: portsOf(topologyOf(st), st.PortBase)}).componentNames()
	var errs []error
	stopped := 0
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		p, ok, err := readPidFile(l.pidFile(c))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		if p.alive() {
			if err := p.stop(ctx, stopGrace); err != nil {
				errs = append(errs, fmt.Errorf("stop %s: %w", c, err))
				continue
			}
			stopped++
			fmt.Fprintf(cfg.Log, "%s: stopped pid %d\n", c, p.PID)
		}
		if err := os.Remove(l.pidFile(c)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if stopped > 0 {
		fmt.Fprintf(cfg.Log, "down in %s\n", time.Since(t0).Round(time.Millisecond))
	} else {
		fmt.Fprintln(cfg.Log, "not running")
	}
	return nil
}

// ComponentStatus is one process of the network.
type ComponentStatus struct {
	Name    string `json:"name"`
	PID     int    `json:"pid,omitempty"`
	Running bool   `json:"running"`
	Stale   bool   `json:"stale,omitempty"` // a pid file names a process that no longer runs
	Log     string `json:"log"`
}

// Status is what Status reports about a network.
type Status struct {
	StateDir   string            `json:"stateDir"`
	Created    bool              `json:"created"`
	Topology   string            `json:"topology,omitempty"`
	Members    map[string]int    `json:"members,omitempty"` // the consortium's peer ports by role
	Ports      Ports             `json:"ports"`
	Components []ComponentStatus `json:"components"`
	Height     uint64            `json:"height,omitempty"` // blocks on the peer's channel ledger
	HeightErr  string            `json:"heightError,omitempty"`
	PackageID  string            `json:"packageId,omitempty"`
	Sequence   int               `json:"sequence,omitempty"`
	Profile    string            `json:"profile,omitempty"` // connection.json, when written
}

// Running reports whether every component runs.
func (s Status) Running() bool {
	if len(s.Components) == 0 {
		return false
	}
	for _, c := range s.Components {
		if !c.Running {
			return false
		}
	}
	return true
}

// StatusOf reports which processes of the network in cfg.StateDir run
// and, when the peer runs, the channel's block height. It fails with
// ErrNotCreated when the directory holds no network.
func StatusOf(ctx context.Context, cfg Config) (Status, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return Status{}, err
	}
	l := layout{cfg.StateDir}
	s := Status{StateDir: l.root}
	st, exists, err := loadState(l.root)
	if err != nil {
		return s, err
	}
	if !exists {
		return s, fmt.Errorf("%w: %s", ErrNotCreated, l.root)
	}
	s.Created = true
	s.Topology = topologyOf(st)
	s.Ports = portsOf(s.Topology, st.PortBase)
	s.Members = memberPorts(s.Topology, st.PortBase)
	s.PackageID, s.Sequence = st.PackageID, st.Sequence
	if st.ProfileWritten {
		s.Profile = l.profile()
	}
	u := &upRun{cfg: cfg, l: l, st: st, topo: s.Topology, ports: s.Ports}
	gw := u.gatewayPeer()
	gwRunning := false
	for _, c := range u.componentNames() {
		cs := ComponentStatus{Name: c, Log: l.logFile(c)}
		p, ok, err := readPidFile(l.pidFile(c))
		if err == nil && ok {
			cs.PID = p.PID
			cs.Running = p.alive()
			cs.Stale = !cs.Running
		}
		gwRunning = gwRunning || c == gw.Name && cs.Running
		s.Components = append(s.Components, cs)
	}
	if gwRunning {
		h, err := u.height(ctx)
		if err != nil {
			s.HeightErr = err.Error()
		}
		s.Height = h
	}
	return s, nil
}

// height reads the channel's block height from the gateway peer's metrics.
func (u *upRun) height(ctx context.Context) (uint64, error) {
	return u.heightOf(ctx, u.gatewayPeer())
}

// heightOf reads the channel's block height from peer p's metrics.
func (u *upRun) heightOf(ctx context.Context, p peerNode) (uint64, error) {
	body, err := u.peerMetrics(ctx, p)
	if err != nil {
		return 0, err
	}
	v, ok := metric(body, fmt.Sprintf(`ledger_blockchain_height{channel="%s"}`, Channel))
	if !ok {
		return 0, fmt.Errorf("peer metrics: no block height for channel %q", Channel)
	}
	return uint64(v), nil
}

// metric finds a sample in Prometheus text format.
func metric(body []byte, series string) (float64, bool) {
	for _, line := range strings.Split(string(body), "\n") {
		rest, ok := strings.CutPrefix(line, series+" ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		return v, err == nil
	}
	return 0, false
}

// StopComponent stops one process of the network in stateDir (say
// "peer-distributor"; see Status's component names) by the PID in its pid
// file, as Down does for all of them; the next Up starts it again. Tests
// use it to take organisations off the network.
func StopComponent(ctx context.Context, stateDir, component string) error {
	cfg, err := Config{StateDir: stateDir}.normalize()
	if err != nil {
		return err
	}
	return withLock(ctx, cfg.StateDir, func() error {
		u, err := loadRun(cfg)
		if err != nil {
			return err
		}
		l := u.l
		if !slices.Contains(u.componentNames(), component) {
			return fmt.Errorf("the network in %s has no component %q", l.root, component)
		}
		p, ok, err := readPidFile(l.pidFile(component))
		if err != nil || !ok {
			return err
		}
		if p.alive() {
			if err := p.stop(ctx, stopGrace); err != nil {
				return fmt.Errorf("stop %s: %w", component, err)
			}
		}
		if err := os.Remove(l.pidFile(component)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	})
}

package network

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

func TestPortsFrom(t *testing.T) {
	tests := []struct {
		name string
		base int
	}{
		{"default", DefaultPortBase},
		{"low", 1024},
		{"high", 65535 - portSpan},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seen := map[int]string{}
			for _, p := range PortsFrom(tt.base).list() {
				if p.port < tt.base || p.port >= tt.base+portSpan {
					t.Errorf("%s port %d outside [%d, %d)", p.name, p.port, tt.base, tt.base+portSpan)
				}
				if other, dup := seen[p.port]; dup {
					t.Errorf("%s and %s share port %d", p.name, other, p.port)
				}
				seen[p.port] = p.name
			}
			if len(seen) != 8 {
				t.Errorf("got %d distinct ports, want 8", len(seen))
			}
		})
	}
}

func TestConfigNormalize(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr error
		wantAny bool // any error
	}{
		{"ok", Config{StateDir: "/tmp/x"}, nil, false},
		{"relative made absolute", Config{StateDir: "rel/dir"}, nil, false},
		{"no state", Config{}, ErrBadStateDir, true},
		{"quote in path", Config{StateDir: "/tmp/it's"}, ErrBadStateDir, true},
		{"dollar in path", Config{StateDir: "/tmp/$HOME"}, ErrBadStateDir, true},
		{"newline in path", Config{StateDir: "/tmp/a\nb"}, ErrBadStateDir, true},
		{"port base too low", Config{StateDir: "/tmp/x", PortBase: 80}, nil, true},
		{"port base too high", Config{StateDir: "/tmp/x", PortBase: 65530}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.normalize()
			if tt.wantAny != (err != nil) {
				t.Fatalf("normalize() error = %v, want error: %v", err, tt.wantAny)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("normalize() error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && !filepath.IsAbs(got.StateDir) {
				t.Errorf("StateDir %q not absolute", got.StateDir)
			}
		})
	}
}

func TestOrgsDemoData(t *testing.T) {
	roles := map[string]bool{}
	for _, o := range Orgs() {
		t.Run(o.Role, func(t *testing.T) {
			roles[o.Role] = true
			if len(o.GLN) != 13 || !validGS1CheckDigit(o.GLN) {
				t.Errorf("GLN %q has no valid GS1 check digit", o.GLN)
			}
			if !strings.HasSuffix(o.Domain, ".medtrace.test") || o.MSPID != o.Name+"MSP" {
				t.Errorf("org %+v does not follow the naming contract", o)
			}
			for _, p := range o.CompanyPrefixes {
				gs1 := len(p) >= 6 && len(p) <= 12 && strings.Trim(p, "0123456789") == ""
				if !gs1 && !trace.IsCNProduct(p) {
					t.Errorf("prefix %q is neither a GS1 company prefix (6-12 digits) nor a China product identifier (CN + 7 digits)", p)
				}
			}
		})
	}
	for _, r := range []string{"manufacturer", "distributor", "pharmacy", "regulator"} {
		if !roles[r] {
			t.Errorf("no %s organisation", r)
		}
	}
}

// validGS1CheckDigit checks a GS1 key's last digit (mod 10, weights 3 and 1
// from the right).
func validGS1CheckDigit(s string) bool {
	sum := 0
	for i := len(s) - 2; i >= 0; i-- {
		d := int(s[i] - '0')
		if d < 0 || d > 9 {
			return false
		}
		if (len(s)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return int(s[len(s)-1]-'0') == (10-sum%10)%10
}

func TestReadPidFile(t *testing.T) {
	tests := []struct {
		name    string
		content string // "-" means no file
		want    proc
		wantOK  bool
		wantErr bool
	}{
		{"missing", "-", proc{}, false, false},
		{"pid and start", "123\n456\n", proc{PID: 123, Start: "456"}, true, false},
		{"pid only", "77\n", proc{PID: 77}, true, false},
		{"empty", "", proc{}, true, true},
		{"garbage", "abc\n", proc{}, true, true},
		{"negative", "-5\n", proc{}, true, true},
		{"zero", "0\n", proc{}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.pid")
			if tt.content != "-" {
				if err := os.WriteFile(path, []byte(tt.content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, ok, err := readPidFile(path)
			if (err != nil) != tt.wantErr || ok != tt.wantOK {
				t.Fatalf("readPidFile() = %+v, %v, %v; want ok %v, error %v", got, ok, err, tt.wantOK, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("readPidFile() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzReadPidFile(f *testing.F) {
	for _, s := range []string{"1\n2\n", "", "x", "99999999999999999999", "12 34 56"} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, s string) {
		path := filepath.Join(dir, "f.pid")
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		p, ok, err := readPidFile(path)
		if !ok {
			t.Fatal("existing file reported missing")
		}
		if err == nil && p.PID <= 0 {
			t.Fatalf("accepted pid %d", p.PID)
		}
	})
}

func TestMetric(t *testing.T) {
	body := []byte(`# HELP ledger_blockchain_height Height of the chain in blocks.
# TYPE ledger_blockchain_height gauge
ledger_blockchain_height{channel="other"} 9
ledger_blockchain_height{channel="medtrace"} 42
consensus_etcdraft_is_leader{channel="medtrace"} 1
broken{channel="medtrace"} x
`)
	tests := []struct {
		name   string
		series string
		want   float64
		wantOK bool
	}{
		{"height", `ledger_blockchain_height{channel="medtrace"}`, 42, true},
		{"other channel", `ledger_blockchain_height{channel="other"}`, 9, true},
		{"leader", `consensus_etcdraft_is_leader{channel="medtrace"}`, 1, true},
		{"absent", `ledger_blockchain_height{channel="none"}`, 0, false},
		{"not a number", `broken{channel="medtrace"}`, 0, false},
		{"prefix only", `ledger_blockchain_height`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := metric(body, tt.series)
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("metric(%s) = %v, %v; want %v, %v", tt.series, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func FuzzMetric(f *testing.F) {
	f.Add([]byte("a{b=\"c\"} 1\n"), `a{b="c"}`)
	f.Add([]byte("x 1e9\nx NaN"), "x")
	f.Fuzz(func(t *testing.T, body []byte, series string) {
		v, ok := metric(body, series)
		if !ok && v != 0 {
			t.Fatalf("not found but value %v", v)
		}
	})
}

func TestReadProfile(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		wantErr bool
	}{
		{"valid", "profile-valid.json", false},
		{"no identities", "profile-no-identities.json", true},
		{"identity without key", "profile-no-key.json", true},
		{"no peer", "profile-no-peer.json", true},
		{"not json", "profile-not-json.json", true},
		{"missing file", "does-not-exist.json", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ReadProfile(filepath.Join("testdata", tt.file))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ReadProfile() error = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && (p.Channel != Channel || len(p.Roles()) != 4) {
				t.Errorf("ReadProfile() = %+v", p)
			}
		})
	}
}

func FuzzReadProfile(f *testing.F) {
	for _, name := range []string{"profile-valid.json", "profile-no-key.json", "profile-not-json.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "p.json")
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := ReadProfile(path)
		if err != nil {
			return
		}
		if p.Peer.Endpoint == "" || len(p.Identities) == 0 {
			t.Fatalf("accepted an incomplete profile: %+v", p)
		}
	})
}

func TestDefaultStateDir(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the table below describes Linux; %s has its own rule", runtime.GOOS)
	}
	tests := []struct {
		name    string
		env     map[string]string
		want    string
		wantErr bool
	}{
		{"xdg", map[string]string{"XDG_DATA_HOME": "/data", "HOME": "/home/u"}, "/data/medtrace/ledger", false},
		{"home", map[string]string{"HOME": "/home/u"}, "/home/u/.local/share/medtrace/ledger", false},
		{"relative xdg ignored", map[string]string{"XDG_DATA_HOME": "rel", "HOME": "/home/u"}, "/home/u/.local/share/medtrace/ledger", false},
		{"nothing", map[string]string{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DefaultStateDir(func(k string) string { return tt.env[k] })
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("DefaultStateDir() = %q, %v; want %q, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestFindCheckout(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dir     string
		want    string
		wantErr error
	}{
		{"from this package", wd, filepath.Dir(filepath.Dir(wd)), nil},
		{"outside", t.TempDir(), "", ErrNoCheckout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := FindCheckout(tt.dir)
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Errorf("FindCheckout(%s) = %q, %v; want %q, %v", tt.dir, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestWritePackage(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.tar.gz"), filepath.Join(dir, "b.tar.gz")
	if err := writePackage(a, 27070); err != nil {
		t.Fatal(err)
	}
	if err := writePackage(b, 27070); err != nil {
		t.Fatal(err)
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Fatal("the same address gave two different packages (the package ID would change)")
	}
	files := untar(t, ab)
	if files[0].name != "metadata.json" || files[1].name != "code.tar.gz" {
		t.Fatalf("package files %v, want metadata.json then code.tar.gz", files)
	}
	var meta map[string]string
	if err := json.Unmarshal(files[0].data, &meta); err != nil || meta["type"] != ccaasType || meta["label"] != Chaincode {
		t.Fatalf("metadata.json = %s (%v)", files[0].data, err)
	}
	code := untar(t, files[1].data)
	if len(code) != 1 || code[0].name != "connection.json" || !bytes.Contains(code[0].data, []byte(`"127.0.0.1:27070"`)) {
		t.Fatalf("code.tar.gz = %v", code)
	}
	if err := writePackage(b, 27071); err != nil {
		t.Fatal(err)
	}
	if bb2, _ := os.ReadFile(b); bytes.Equal(bb, bb2) {
		t.Error("another address gave the same package")
	}
}

type tarFile struct {
	name string
	data []byte
}

// must stops the test at once when a fixture cannot be made.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// stopWhenDone stops p when t ends (if the test has not) and fails the
// test if it cannot.
func stopWhenDone(t testing.TB, p proc) {
	t.Cleanup(func() {
		if err := p.stop(context.Background(), time.Second); err != nil {
			t.Errorf("stop pid %d: %v", p.PID, err)
		}
	})
}

func untar(t *testing.T, b []byte) []tarFile {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var out []tarFile
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tarFile{h.Name, data})
	}
}

// TestBuilderScripts runs the external builder's detect, build and release
// scripts as the peer would.
func TestBuilderScripts(t *testing.T) {
	l := layout{t.TempDir()}
	ports := PortsFrom(DefaultPortBase)
	if err := renderAll(l, ports); err != nil {
		t.Fatal(err)
	}
	d := newRenderData(l, ports)
	pems := map[string]string{
		d.ClientCert: "-----BEGIN CERTIFICATE-----\nQ0xJRU5U\n-----END CERTIFICATE-----\n",
		d.ClientKey:  "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n",
		d.RootCert:   "-----BEGIN CERTIFICATE-----\nUk9PVA==\n-----END CERTIFICATE-----\n",
	}
	for path, pem := range pems {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(pem), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(l.builderDir(), "bin")
	sh := func(name string, args ...string) error {
		out, err := exec.Command(filepath.Join(bin, name), args...).CombinedOutput()
		if err != nil {
			return errors.New(string(out) + err.Error())
		}
		return nil
	}
	mkdir := func(name string) string {
		p := filepath.Join(t.TempDir(), name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	src, meta, bld, rel := mkdir("src"), mkdir("meta"), mkdir("build"), mkdir("release")

	t.Run("detect rejects other types", func(t *testing.T) {
		must(t, os.WriteFile(filepath.Join(meta, "metadata.json"), []byte(`{"type":"golang","label":"x"}`), 0o644))
		if err := sh("detect", src, meta); err == nil {
			t.Fatal("detect claimed a golang package")
		}
	})
	t.Run("detect claims ours", func(t *testing.T) {
		must(t, os.WriteFile(filepath.Join(meta, "metadata.json"), []byte(`{"label":"medtrace","type":"medtrace-ccaas"}`), 0o644))
		if err := sh("detect", src, meta); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("build without connection.json fails", func(t *testing.T) {
		if err := sh("build", src, meta, bld); err == nil {
			t.Fatal("build succeeded without connection.json")
		}
	})
	t.Run("build and release", func(t *testing.T) {
		must(t, os.WriteFile(filepath.Join(src, "connection.json"), []byte(`{"address":"127.0.0.1:27070"}`), 0o644))
		if err := sh("build", src, meta, bld); err != nil {
			t.Fatal(err)
		}
		if err := sh("release", bld, rel); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(rel, "chaincode", "server", "connection.json"))
		if err != nil {
			t.Fatal(err)
		}
		var c struct {
			Address            string `json:"address"`
			DialTimeout        string `json:"dial_timeout"`
			TLSRequired        bool   `json:"tls_required"`
			ClientAuthRequired bool   `json:"client_auth_required"`
			ClientCert         string `json:"client_cert"`
			ClientKey          string `json:"client_key"`
			RootCert           string `json:"root_cert"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("release wrote invalid JSON: %v\n%s", err, b)
		}
		if c.Address != "127.0.0.1:27070" || !c.TLSRequired || !c.ClientAuthRequired || c.DialTimeout != "10s" {
			t.Errorf("connection.json = %+v", c)
		}
		if c.ClientCert != pems[d.ClientCert] || c.ClientKey != pems[d.ClientKey] || c.RootCert != pems[d.RootCert] {
			t.Errorf("TLS material not copied exactly: %+v", c)
		}
	})
}

func TestRenderAll(t *testing.T) {
	l := layout{t.TempDir()}
	ports := PortsFrom(31000)
	if err := renderAll(l, ports); err != nil {
		t.Fatal(err)
	}
	files := map[string][]namedPort{
		filepath.Join(l.peerConfigDir(), "core.yaml"): {{"peer", ports.Peer}, {"peer chaincode", ports.PeerChaincode},
			{"peer operations", ports.PeerOperations}},
		filepath.Join(l.ordererConfigDir(), "orderer.yaml"): {{"orderer", ports.Orderer}, {"admin", ports.OrdererAdmin},
			{"cluster", ports.OrdererCluster}, {"operations", ports.OrdererOperations}},
		filepath.Join(l.configDir(), "configtx.yaml"): {{"orderer", ports.Orderer}, {"cluster", ports.OrdererCluster},
			{"anchor peer", ports.Peer}},
	}
	for path, want := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			for _, p := range want {
				if !strings.Contains(s, ":"+strconv.Itoa(p.port)) && !strings.Contains(s, " "+strconv.Itoa(p.port)) {
					t.Errorf("%s port %d missing", p.name, p.port)
				}
			}
			if strings.Contains(s, "<no value>") || strings.Contains(s, "/var/hyperledger") {
				t.Error("unfilled value or a path outside the state directory")
			}
			if strings.Contains(s, "0.0.0.0") {
				t.Error("listens beyond 127.0.0.1")
			}
		})
	}
	t.Run("core.yaml runs without Docker", func(t *testing.T) {
		b, _ := os.ReadFile(filepath.Join(l.peerConfigDir(), "core.yaml"))
		if !strings.Contains(string(b), "vm:\n  endpoint:\n") || !strings.Contains(string(b), "path: "+l.builderDir()) {
			t.Error("vm.endpoint not empty or external builder missing")
		}
	})
}

func TestStartDetachedAndStop(t *testing.T) {
	l := layout{t.TempDir()}
	logPath := filepath.Join(l.root, "sleep.log")
	p, err := startDetached(l.root, logPath, os.Environ(), []string{"/bin/sh", "-c", "echo started; exec sleep 600"})
	if err != nil {
		t.Fatal(err)
	}
	stopWhenDone(t, p)
	if !p.alive() {
		t.Fatalf("pid %d not alive right after start", p.PID)
	}
	if p.Start == "" && procfs() {
		t.Error("no start time recorded")
	}
	t.Run("log", func(t *testing.T) {
		if got := waitLog(logPath, "started\n"); got != "started\n" {
			t.Errorf("log = %q", got)
		}
	})
	t.Run("reused pid is not ours", func(t *testing.T) {
		if (proc{PID: p.PID, Start: "1"}).alive() && procfs() {
			t.Error("a process with another start time counted as ours")
		}
	})
	t.Run("stop", func(t *testing.T) {
		if err := p.stop(context.Background(), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		if p.alive() {
			t.Fatal("still alive after stop")
		}
	})
}

func TestStopIgnoresSIGTERM(t *testing.T) {
	dir := t.TempDir()
	p, err := startDetached(dir, filepath.Join(dir, "log"), os.Environ(),
		[]string{"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"})
	if err != nil {
		t.Fatal(err)
	}
	stopWhenDone(t, p)
	// Signal only once the trap is set.
	if got := waitLog(filepath.Join(dir, "log"), "ready\n"); got != "ready\n" {
		t.Fatalf("log = %q", got)
	}
	t0 := time.Now()
	if err := p.stop(context.Background(), 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if p.alive() {
		t.Fatal("alive after SIGKILL")
	}
	if d := time.Since(t0); d < 300*time.Millisecond {
		t.Errorf("stopped after %s: SIGTERM should have been ignored for the grace period", d)
	}
}

// waitLog waits up to five seconds for a detached child to write want.
func waitLog(path, want string) string {
	deadline := time.Now().Add(5 * time.Second)
	got := tail(path, 1)
	for got != want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		got = tail(path, 1)
	}
	return got
}

func TestCheckPorts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }() // closed below already unless the test failed first
	busy := ln.Addr().(*net.TCPAddr).Port
	err = checkPorts([]namedPort{{"busy", busy}})
	var pe *PortInUseError
	if !errors.As(err, &pe) || pe.Port != busy || pe.Name != "busy" {
		t.Fatalf("checkPorts() = %v, want a PortInUseError for %d", err, busy)
	}
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if err := checkPorts([]namedPort{{"free", busy}}); err != nil {
		t.Fatalf("checkPorts() on a freed port = %v", err)
	}
}

func TestTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	var b strings.Builder
	for i := 0; i < 100; i++ {
		b.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	must(t, os.WriteFile(path, []byte(b.String()), 0o644))
	empty := filepath.Join(t.TempDir(), "empty")
	must(t, os.WriteFile(empty, nil, 0o644))
	tests := []struct {
		name string
		path string
		n    int
		want string
	}{
		{"last three", path, 3, "line 97\nline 98\nline 99\n"},
		{"missing file", path + ".nope", 3, ""},
		{"empty file", empty, 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tail(tt.path, tt.n); got != tt.want {
				t.Errorf("tail() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDownIfUnused(t *testing.T) {
	me := proc{PID: os.Getpid()}
	if st, ok := procStat(me.PID); ok {
		me.Start = st.start
	}
	tests := []struct {
		name        string
		lease       string // lease file name; "" for none
		wantStopped bool
	}{
		{"a live test holds a lease", strconv.Itoa(me.PID) + "." + me.Start + ".1", false},
		{"the lease holder died", strconv.Itoa(me.PID) + ".1.1", true},
		{"no lease", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "the lease holder died" && !procfs() {
				t.Skip("needs /proc to tell a reused PID from its first owner")
			}
			l := layout{t.TempDir()}
			must(t, os.MkdirAll(l.pidDir(), 0o755))
			p, err := startDetached(l.root, filepath.Join(l.root, "log"), os.Environ(), []string{"sleep", "600"})
			if err != nil {
				t.Fatal(err)
			}
			stopWhenDone(t, p)
			if err := writePidFile(l.pidFile(compOrderer), p); err != nil {
				t.Fatal(err)
			}
			if tt.lease != "" {
				must(t, os.MkdirAll(l.leaseDir(), 0o755))
				must(t, os.WriteFile(filepath.Join(l.leaseDir(), tt.lease), nil, 0o644))
			}
			stopped, err := DownIfUnused(context.Background(), l.root, io.Discard)
			if err != nil || stopped != tt.wantStopped {
				t.Fatalf("DownIfUnused() = %v, %v; want %v", stopped, err, tt.wantStopped)
			}
			if p.alive() == tt.wantStopped {
				t.Errorf("process alive = %v after DownIfUnused() = %v", p.alive(), stopped)
			}
			_, markerErr := os.Stat(l.path(testStartedMarker))
			if tt.wantStopped != (markerErr != nil) {
				t.Errorf("marker present = %v, want %v", markerErr == nil, !tt.wantStopped)
			}
		})
	}
}

func TestUpRefuses(t *testing.T) {
	fakeBins := t.TempDir()
	for _, name := range []string{"peer", "orderer", "configtxgen", "cryptogen", "osnadmin"} {
		if err := os.WriteFile(filepath.Join(fakeBins, name), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"no fabric", Config{StateDir: t.TempDir(), FabricBin: t.TempDir()}, ErrFabricMissing},
		{"no chaincode", Config{StateDir: t.TempDir(), FabricBin: fakeBins}, ErrNoChaincode},
		{"no state directory", Config{FabricBin: fakeBins}, ErrBadStateDir},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Up(context.Background(), tt.cfg); !errors.Is(err, tt.want) {
				t.Fatalf("Up() = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestSourceFingerprint(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("main.go", "package main\n")
	write("go.mod", "module x\n")
	base, err := sourceFingerprint(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		change  func()
		changes bool
	}{
		{"nothing", func() {}, false},
		{"a test file", func() { write("main_test.go", "package main\n") }, false},
		{"a test binary", func() { write("x.test", "ELF") }, false},
		{"a hidden directory", func() { write(".git/HEAD", "ref") }, false},
		{"a source file", func() { write("more.go", "package main\n") }, true},
		{"a file in a package", func() { write("trace/a.go", "package trace\n") }, true},
		{"a module beside it, not used", func() { write("../core/a.go", "package core\n") }, false},
		{"a local replace", func() { write("go.mod", "module x\n\nreplace example.com/core => ../core\n") }, true},
		{"a file of the replacing module", func() { write("../core/b.go", "package core\n") }, true},
		{"a test file of the replacing module", func() { write("../core/a_test.go", "package core\n") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.change()
			got, err := sourceFingerprint(dir)
			if err != nil {
				t.Fatal(err)
			}
			if (got != base) != tt.changes {
				t.Errorf("fingerprint changed = %v, want %v", got != base, tt.changes)
			}
			base = got
		})
	}
}

func TestRotate(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		size    int
		rotated bool
	}{
		{"small log stays", 10, false},
		{"large log set aside", 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".log")
			must(t, os.WriteFile(path, bytes.Repeat([]byte("x"), tt.size), 0o644))
			if err := rotate(path, 50); err != nil {
				t.Fatal(err)
			}
			_, errOld := os.Stat(path + ".1")
			_, errCur := os.Stat(path)
			if (errOld == nil) != tt.rotated || (errCur == nil) == tt.rotated {
				t.Errorf("after rotate: .1 exists %v, log exists %v; want rotated %v", errOld == nil, errCur == nil, tt.rotated)
			}
		})
	}
	t.Run("missing log", func(t *testing.T) {
		if err := rotate(filepath.Join(dir, "none.log"), 50); err != nil {
			t.Fatal(err)
		}
	})
}

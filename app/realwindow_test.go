package app

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/trace"
)

// The real-window test runs the real binary (real parser, real store) under
// its own Xvfb and types into it with xdotool, as a person or a
// keyboard-wedge scanner would. With MEDTRACE_SCREENSHOTS=DIR it saves a
// screenshot of every main screen in both languages to DIR (`make
// screenshots` passes docs/screenshots).

// Codes with correct check digits (GTIN 09501101530003, SSCCs 3 4012345 ...).
const (
	rwGTIN      = "09501101530003"
	rwActive    = "0109501101530003" + "17271231" + "10B2027A" + "\x1d" + "21PACK0001"
	rwRecalled  = "0109501101530003" + "17271231" + "10R0042" + "\x1d" + "21PACK0002"
	rwDispensed = "0109501101530003" + "17271231" + "10B2027A" + "\x1d" + "21PACK0003"
	rwDamaged   = "0109501101530004" + "17271231" + "10B2027A" + "\x1d" + "21PACK0009"
	rwSSCC      = "00340123450000000017"
	rwSSCC2     = "00340123450000000024"
)

// seedStore gives the data folder a local copy of the ledger: three packs,
// one batch recalled, one pack dispensed elsewhere, and a pallet holding
// two of them.
func seedStore(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}()
	asOf := time.Date(2026, 11, 27, 7, 45, 0, 0, time.UTC)
	ch := store.Changes{Block: 4711, Time: asOf,
		Packs: []store.PackCopy{
			{GTIN: rwGTIN, Serial: "PACK0001", Status: trace.PackActive, Batch: "B2027A", Expiry: "2027-12-31", Block: 4700},
			{GTIN: rwGTIN, Serial: "PACK0002", Status: trace.PackActive, Batch: "R0042", Expiry: "2027-12-31", Block: 4700},
			{GTIN: rwGTIN, Serial: "PACK0003", Status: trace.PackDispensed, Batch: "B2027A", Expiry: "2027-12-31", Block: 4705,
				LastKind: trace.KindDispense, LastPlace: "4012345000016", LastTime: time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)},
		},
		// The pallet rwSSCC holds the first pack and the dispensed one.
		Units: []store.UnitCopy{{SSCC: rwSSCC[2:], Status: trace.PackActive, Location: "4012345000016",
			Children: []string{rwGTIN + "/PACK0001", rwGTIN + "/PACK0003"}, Block: 4706}},
		Recalls: []store.RecallCopy{{GTIN: rwGTIN, Batch: "R0042", Reason: "contamination", Block: 4702, Time: asOf}},
	}
	if _, err := st.ApplyChanges(ctx, ch, store.Apply{Checkpoint: "ledger-events"}); err != nil {
		t.Fatal(err)
	}
}

type xsession struct {
	t       testing.TB
	display string
	shots   string // screenshot folder, "" for none
}

// startXvfb starts a private X server on a free display and stops it (by
// its own PID) when the test ends.
func startXvfb(t testing.TB) *xsession {
	t.Helper()
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed for the real-window test (make deps installs it): %v", tool, err)
		}
	}
	for n := 91; n < 200; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		cmd := exec.Command("Xvfb", fmt.Sprintf(":%d", n), "-screen", "0", "1100x760x24", "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
				t.Cleanup(func() { _ = cmd.Process.Kill(); <-done })
				return &xsession{t: t, display: fmt.Sprintf(":%d", n), shots: os.Getenv("MEDTRACE_SCREENSHOTS")}
			}
			select {
			case <-done:
				deadline = time.Time{} // lost a race for this display: try the next
			case <-time.After(50 * time.Millisecond):
			}
		}
		_ = cmd.Process.Kill()
		<-done
	}
	t.Fatal("no free X display")
	return nil
}

// appRun is one run of the real binary.
type appRun struct {
	x      *xsession
	cmd    *exec.Cmd
	status string
	seen   int // status lines already consumed
	start  time.Time
	exited chan error
}

func (x *xsession) launch(bin, dataDir, locale string) *appRun {
	t := x.t
	tmp := t.TempDir()
	r := &appRun{x: x, status: filepath.Join(tmp, "status"), exited: make(chan error, 1)}
	r.cmd = exec.Command(bin)
	r.cmd.Env = append(os.Environ(), "DISPLAY="+x.display, "XDG_CONFIG_HOME="+filepath.Join(tmp, "config"),
		"MEDTRACE_DATA="+dataDir, "MEDTRACE_LEDGER_PROFILE=", "MEDTRACE_LEDGER_STATE=", "MEDTRACE_TEST_STATUS="+r.status, "LC_ALL="+locale, "LANGUAGE=", "TZ=UTC")
	r.cmd.Stderr = &testWriter{t: t}
	r.start = time.Now()
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.exited <- r.cmd.Wait() }()
	t.Cleanup(func() {
		if r.cmd.ProcessState == nil {
			_ = r.cmd.Process.Kill()
		}
	})
	return r
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if !strings.Contains(line, "Fyne error") && !strings.Contains(line, "Cause:") && !strings.Contains(line, "At:") {
			w.t.Log("app: " + line)
		}
	}
	return len(p), nil
}

// waitFor waits for the next status line with event ev and returns it.
func (r *appRun) waitFor(ev string) map[string]any {
	r.x.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		lines := r.lines()
		for i := r.seen; i < len(lines); i++ {
			if lines[i]["event"] == ev {
				r.seen = i + 1
				return lines[i]
			}
		}
		select {
		case err := <-r.exited:
			r.x.t.Fatalf("app exited while waiting for %q: %v", ev, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	r.x.t.Fatalf("no %q status within 20 s; status so far: %v", ev, r.lines())
	return nil
}

func (r *appRun) lines() []map[string]any { return statusLines(r.status) }

// statusLines reads the JSON lines the app writes to MEDTRACE_TEST_STATUS.
func statusLines(path string) []map[string]any {
	file, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer func() { _ = file.Close() }() // read only
	var out []map[string]any
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		var m map[string]any
		if json.Unmarshal(sc.Bytes(), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func (r *appRun) xdo(args ...string) {
	r.x.t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+r.x.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		r.x.t.Fatalf("xdotool %v: %v %s", args, err, out)
	}
}

// typeCode types a code as a wedge scanner does: characters, Ctrl+] for
// GS, then Enter. It returns when Enter was sent.
func (r *appRun) typeCode(code string) time.Time {
	for i, part := range strings.Split(code, "\x1d") {
		if i > 0 {
			r.xdo("key", "ctrl+bracketright")
		}
		if part != "" {
			r.xdo("type", "--delay", "4", part)
		}
	}
	r.xdo("key", "Return")
	return time.Now()
}

func (r *appRun) key(k string) { r.xdo("key", k) }

// pixel returns the colour of one screen pixel as "R,G,B".
func (r *appRun) pixel(at map[string]any) string {
	r.x.t.Helper()
	cmd := exec.Command("import", "-window", "root", "-crop", fmt.Sprintf("1x1+%v+%v", at["x"], at["y"]), "-depth", "8", "txt:-")
	cmd.Env = append(os.Environ(), "DISPLAY="+r.x.display)
	out, err := cmd.Output()
	if err != nil {
		r.x.t.Fatalf("screen grab: %v", err)
	}
	// "0,0: (27,127,59)  #1B7F3B  srgb(27,127,59)"
	s := string(out)
	if i := strings.Index(s, "0,0: ("); i >= 0 {
		s = s[i+6:]
		if j := strings.IndexByte(s, ')'); j >= 0 {
			return s[:j]
		}
	}
	return s
}

// setLocation answers the first-run question for this site's GLN, first
// with a wrong check digit (refused), then with a right one.
func (r *appRun) setLocation() {
	r.waitFor("location")
	r.xdo("type", "--delay", "4", "4012345000008")
	r.key("Return")
	r.key("ctrl+a")
	r.xdo("type", "--delay", "4", "4012345000009")
	r.key("Return")
	if got := r.waitFor("location"); got["state"] != "set" {
		r.x.t.Fatalf("location %v", got)
	}
}

// shot saves a screenshot of the window when screenshots were asked for.
func (r *appRun) shot(name string) {
	t := r.x.t
	if r.x.shots == "" {
		return
	}
	time.Sleep(300 * time.Millisecond) // let the frame with the last change be drawn
	path := filepath.Join(r.x.shots, name+".png")
	cmd := exec.Command("import", "-window", "root", path)
	cmd.Env = append(os.Environ(), "DISPLAY="+r.x.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot %s: %v %s", name, err, out)
	}
}

// stop ends the app with SIGTERM and checks it exits cleanly.
func (r *appRun) stop() {
	t := r.x.t
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-r.exited:
		if err != nil {
			t.Errorf("app exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("app did not exit within 10 s of SIGTERM")
		_ = r.cmd.Process.Kill()
	}
}

func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "medtrace")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/medtrace/medtrace")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func expect(t *testing.T, got map[string]any, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if fmt.Sprint(got[k]) != fmt.Sprint(v) {
			t.Errorf("status %s = %v, want %v (line %v)", k, got[k], v, got)
		}
	}
}

func TestRealWindow(t *testing.T) {
	if testing.Short() {
		t.Skip("real-window test: not in -short mode")
	}
	bin := buildBinary(t)
	x := startXvfb(t)
	if x.shots != "" {
		if err := os.MkdirAll(x.shots, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, lang := range []struct{ name, locale string }{{"en", "en_GB.UTF-8"}, {"zh", "zh_CN.UTF-8"}} {
		t.Run("pharmacist "+lang.name, func(t *testing.T) {
			x.t = t
			data := t.TempDir()
			seedStore(t, data)
			r := x.launch(bin, data, lang.locale)
			ready := r.waitFor("ready")
			t.Logf("start to ready: %v", time.Since(r.start))
			expect(t, ready, map[string]any{"screen": "chooser", "lang": lang.name})
			r.shot("chooser-" + lang.name)
			r.key("1")
			r.waitFor("screen")
			r.setLocation()

			r.typeCode(rwActive)
			v := r.waitFor("verdict")
			expect(t, v, map[string]any{"level": "ok", "reason": ReasonActive, "offline": true, "serial": "PACK0001"})
			r.waitFor("drawn")
			band := v["band"].(map[string]any)
			// The verdict's colour must reach the screen (X server pixels),
			// read with ImageMagick's import when it is installed.
			if _, err := exec.LookPath("import"); err == nil {
				seen := ""
				for end := time.Now().Add(3 * time.Second); time.Now().Before(end) && seen != band["rgb"]; {
					seen = r.pixel(band)
				}
				if seen != band["rgb"] {
					t.Errorf("verdict band on screen is %s, want %s", seen, band["rgb"])
				}
			} else {
				t.Log("ImageMagick's import is not installed: the on-screen colour of the verdict is not checked")
			}
			// Scan to verdict drawn: the app reports when the first frame
			// reached the changed band, timed from the Enter key's arrival.
			var set, frame []float64
			for i := 0; i < 40; i++ {
				r.typeCode([]string{rwRecalled, rwActive, rwDispensed, rwDamaged}[i%4])
				r.waitFor("verdict")
				d := r.waitFor("drawn")
				set = append(set, d["terminator_to_set_ms"].(float64))
				frame = append(frame, d["terminator_to_frame_ms"].(float64))
			}
			sort.Float64s(set)
			sort.Float64s(frame)
			t.Logf("terminator to verdict on the widgets: p50 %.1f ms, p95 %.1f ms; to the frame that draws it: p50 %.1f ms, p95 %.1f ms, max %.1f ms",
				set[20], set[38], frame[20], frame[38], frame[39])
			r.typeCode(rwActive)
			expect(t, r.waitFor("verdict"), map[string]any{"level": "ok", "serial": "PACK0001"})
			r.shot("pharmacist-active-" + lang.name)
			r.key("F2")
			expect(t, r.waitFor("dispensed"), map[string]any{"serial": "PACK0001"})

			r.typeCode(rwRecalled)
			expect(t, r.waitFor("verdict"), map[string]any{"level": "bad", "reason": ReasonRecalled})
			r.shot("pharmacist-recalled-" + lang.name)
			r.typeCode(rwDispensed)
			expect(t, r.waitFor("verdict"), map[string]any{"level": "bad", "reason": ReasonDispensed})
			r.shot("pharmacist-dispensed-" + lang.name)
			r.typeCode(rwDamaged)
			expect(t, r.waitFor("verdict"), map[string]any{"level": "bad", "reason": ReasonDamaged})
			r.typeCode("hello")
			expect(t, r.waitFor("verdict"), map[string]any{"level": "bad", "reason": ReasonNotPackCode})

			// The camera preview opens with F12 and closes with F12; with no
			// camera (as on CI) it says so instead of failing.
			r.key("F12")
			expect(t, r.waitFor("camera"), map[string]any{"state": "open", "device": "/dev/video0"})
			if _, err := os.Stat("/dev/video0"); errors.Is(err, fs.ErrNotExist) {
				expect(t, r.waitFor("camera"), map[string]any{"state": "error"})
				r.shot("pharmacist-nocamera-" + lang.name)
			}
			r.key("F12")
			expect(t, r.waitFor("camera"), map[string]any{"state": "closed"})

			r.key("ctrl+2")
			expect(t, r.waitFor("screen"), map[string]any{"screen": "queue"})
			r.shot("queue-" + lang.name)
			r.key("ctrl+3")
			expect(t, r.waitFor("screen"), map[string]any{"screen": "settings"})
			r.shot("settings-" + lang.name)
			if lang.name == "en" {
				measureIdle(t, r.cmd.Process.Pid)
			}
			r.stop()
			checkQueued(t, data, []trace.Kind{trace.KindDispense})
		})
		t.Run("warehouse "+lang.name, func(t *testing.T) {
			x.t = t
			data := t.TempDir()
			r := x.launch(bin, data, lang.locale)
			r.waitFor("ready")
			r.key("2")
			r.waitFor("screen")
			r.setLocation()
			r.waitFor("screen")
			r.xdo("type", "--delay", "4", "4098765000003")
			r.key("F2")
			expect(t, r.waitFor("session"), map[string]any{"state": "started", "kind": "receive"})
			r.typeCode(rwSSCC)
			expect(t, r.waitFor("wh-scan"), map[string]any{"outcome": station.OutAdded})
			r.typeCode(rwActive)
			expect(t, r.waitFor("wh-scan"), map[string]any{"outcome": station.OutAdded})
			r.typeCode(rwActive)
			expect(t, r.waitFor("wh-scan"), map[string]any{"outcome": station.OutDuplicate})
			r.key("F6")
			r.typeCode(rwSSCC2)
			expect(t, r.waitFor("wh-scan"), map[string]any{"outcome": station.OutParent})
			r.typeCode(rwRecalled)
			expect(t, r.waitFor("wh-scan"), map[string]any{"outcome": station.OutChild})
			r.typeCode(rwDamaged)
			expect(t, r.waitFor("wh-scan"), map[string]any{"outcome": station.OutUnexpected})
			r.shot("warehouse-" + lang.name)
			r.key("F9")
			expect(t, r.waitFor("session"), map[string]any{"state": "closed", "events": 4})
			r.stop()
			checkQueued(t, data, []trace.Kind{trace.KindReceive, trace.KindReceive, trace.KindReceive, trace.KindPack})
		})
		t.Run("inspector "+lang.name, func(t *testing.T) {
			x.t = t
			data := t.TempDir()
			seedStore(t, data)
			r := x.launch(bin, data, lang.locale)
			r.waitFor("ready")
			r.key("3")
			r.waitFor("screen")
			r.setLocation()
			r.typeCode(rwRecalled)
			expect(t, r.waitFor("verdict"), map[string]any{"level": "bad", "reason": ReasonRecalled, "offline": true})
			r.key("F2")
			expect(t, r.waitFor("finding"), map[string]any{"conformant": false, "queued": true})
			r.typeCode(rwActive)
			expect(t, r.waitFor("verdict"), map[string]any{"level": "ok", "offline": true})
			r.shot("inspector-" + lang.name)
			r.stop()
			checkQueued(t, data, []trace.Kind{trace.KindInspect})

			// The finding survives a restart; the regulator's tab lists the
			// recalled pack seen by the scan above.
			r = x.launch(bin, data, lang.locale) // a new run: its preferences start empty
			r.waitFor("ready")
			r.key("3")
			r.waitFor("screen")
			r.setLocation()
			expect(t, r.waitFor("findings"), map[string]any{"loaded": 1})
			r.key("ctrl+2")
			expect(t, r.waitFor("screen"), map[string]any{"screen": "regulator"})
			r.key("F5") // read again: the first reading may have come before the tab was shown
			expect(t, r.waitFor("alerts"), map[string]any{"count": 1})
			r.shot("regulator-" + lang.name)
			r.stop()
		})
		t.Run("clone alert "+lang.name, func(t *testing.T) {
			x.t = t
			data := t.TempDir()
			seedStore(t, data)
			refuseDispense(t, data)
			r := x.launch(bin, data, lang.locale)
			r.waitFor("ready")
			r.key("1")
			r.waitFor("screen")
			r.setLocation()
			expect(t, r.waitFor("banner"), map[string]any{"refusals": 1, "code": "already-dispensed"})
			r.shot("pharmacist-clonealert-" + lang.name)
			// A pallet with no ledger to ask: the local copy answers with its
			// contents (a dispensed pack inside: red), as of its block.
			r.typeCode(rwSSCC)
			expect(t, r.waitFor("verdict"), map[string]any{"level": "bad", "reason": ReasonUnitProblem, "sscc": "340123450000000017", "offline": true})
			r.shot("pharmacist-sscc-offline-" + lang.name)
			r.stop()
		})
		t.Run("manufacturer "+lang.name, func(t *testing.T) {
			x.t = t
			data := t.TempDir()
			r := x.launch(bin, data, lang.locale)
			r.waitFor("ready")
			r.key("4")
			r.waitFor("screen")
			r.setLocation()
			expect(t, r.waitFor("screen"), map[string]any{"screen": "manufacturer"})
			r.shot("manufacturer-" + lang.name)
			r.stop()
		})
	}
}

// refuseDispense queues a dispense in the store at dir and has the ledger
// refuse it as a second dispense (what the sync engine records when an
// offline dispense of a cloned code reaches the ledger).
func refuseDispense(t *testing.T, dir string) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}()
	ev := trace.Event{Kind: trace.KindDispense, Time: time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC), Location: "4012345000009",
		GTIN: rwGTIN, Serial: "PACK0003", Batch: "B2027A", Expiry: "2027-12-31"}.WithContentID()
	if _, err := st.Enqueue(ctx, ev); err != nil {
		t.Fatal(err)
	}
	c, err := st.ClaimBatch(ctx, 10, time.Minute)
	if err != nil || len(c.Events) != 1 {
		t.Fatalf("claim: %v %+v", err, c)
	}
	if err := st.Reject(ctx, c.ID, "already-dispensed", "pack "+rwGTIN+" serial PACK0003 was already dispensed at 4012345000016 on 2026-11-20"); err != nil {
		t.Fatal(err)
	}
}

// checkQueued opens the app's store after it exited and checks the events
// it queued, in order.
func checkQueued(t *testing.T, dir string, want []trace.Kind) {
	t.Helper()
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	}()
	qs, err := st.Events(context.Background(), store.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []trace.Kind
	for _, q := range qs {
		got = append(got, q.Event.Kind)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("queued %v, want %v", got, want)
	}
	scans, err := st.Scans(context.Background(), store.ScanFilter{})
	if err != nil || len(scans) == 0 {
		t.Errorf("no scans kept (%v)", err)
	}
}

// measureIdle logs the app's CPU use over 3 s of idling and its resident
// memory (figures for docs/gui.md; speed is not asserted in tests).
func measureIdle(t *testing.T, pid int) {
	ticks := func() float64 {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return 0
		}
		f := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
		u, _ := strconv.ParseFloat(f[11], 64)
		s, _ := strconv.ParseFloat(f[12], 64)
		return u + s
	}
	time.Sleep(time.Second)
	t0, c0 := time.Now(), ticks()
	time.Sleep(3 * time.Second)
	cpu := (ticks() - c0) / 100 / time.Since(t0).Seconds() * 100
	rss := ""
	if data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(l, "VmRSS:") {
				rss = strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:"))
			}
		}
	}
	t.Logf("idle: %.1f%% CPU over 3 s, RSS %s", cpu, rss)
}

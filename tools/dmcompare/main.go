// Command dmcompare reads the same Data Matrix images with MedTrace's
// decoder (scanner/dmdecode) and with zxing-cpp (Debian's
// python3-zxing-cpp, through zxing_read.py beside this file) and prints a
// side-by-side table per image set: found, right, wrong, and the median and
// 95th percentile of the per-image median CPU time of both (and the median
// wall time), the two decoders taking turns image by image.
//
// Usage:
//
//	go run ./tools/dmcompare [-reps 5] [-python /usr/bin/python3] DIR...
//
// Each DIR is an image set (its images with the expected bytes beside each
// in NAME.txt or NAME.bin, as in the shared corpus) or a folder of such
// sets. Images are loaded and turned grey before timing on both sides;
// MedTrace runs with dmdecode.NoBudget (the outcome depends on the image
// alone) on one core (GOMAXPROCS 1), zxing-cpp 1.4 is single-threaded.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/webp"

	"golang.org/x/sys/unix"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/dmdecode"
)

// errUsage is returned for a bad command line.
var errUsage = errors.New("usage: dmcompare [-reps N] [-python PATH] [-helper PATH] DIR [DIR...]")

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "dmcompare:", err)
		os.Exit(1)
	}
}

// item is one image with its expected bytes.
type item struct {
	group     string // the DIR argument it was found under
	set, path string
	want      []byte
}

// result is one decoder's outcome on one image: the median wall and
// process CPU time of its runs.
type result struct {
	found, right bool
	dur, cpu     time.Duration
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("dmcompare", flag.ContinueOnError)
	reps := fs.Int("reps", 5, "timed runs per image and decoder (the median is taken)")
	python := fs.String("python", "/usr/bin/python3", "the Python that has Debian's python3-zxing-cpp")
	helper := fs.String("helper", defaultHelper(), "zxing-cpp helper script")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() == 0 || *reps < 1 {
		return errUsage
	}
	runtime.GOMAXPROCS(1)
	var items []item
	for _, dir := range fs.Args() {
		its, err := listSets(dir)
		if err != nil {
			return err
		}
		for i := range its {
			its[i].group = filepath.Base(filepath.Clean(dir))
		}
		items = append(items, its...)
	}
	if len(items) == 0 {
		return fmt.Errorf("no images with expected results in %v", fs.Args())
	}
	load0 := loadAverage()
	start := time.Now()
	zx, mt, err := compare(ctx, *python, *helper, items, *reps)
	if err != nil {
		return err
	}
	printTable(out, items, zx, mt)
	fmt.Fprintf(out, "\n%s, %d images, %d timed runs each; %s; Go %s, GOMAXPROCS 1; zxing-cpp %s; %s-%s UTC; load average %s at start, %s at end\n",
		machine(), len(items), *reps, cpuModel(), strings.TrimPrefix(runtime.Version(), "go"), zxingVersion(),
		start.UTC().Format("2006-01-02 15:04"), time.Now().UTC().Format("15:04"), load0, loadAverage())
	return nil
}

// defaultHelper is zxing_read.py beside this source file (go run), or
// under tools/dmcompare of the working directory when the build trimmed
// source paths.
func defaultHelper() string {
	if _, self, _, ok := runtime.Caller(0); ok {
		p := filepath.Join(filepath.Dir(self), "zxing_read.py")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join("tools", "dmcompare", "zxing_read.py")
}

// listSets lists the images of dir (one set named after dir) and of its
// subfolders (one set each).
func listSets(dir string) ([]item, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var items []item
	for _, e := range entries {
		if e.IsDir() {
			sub, err := listImages(filepath.Join(dir, e.Name()), e.Name())
			if err != nil {
				return nil, err
			}
			items = append(items, sub...)
		}
	}
	own, err := listImages(dir, filepath.Base(dir))
	if err != nil {
		return nil, err
	}
	return append(items, own...), nil
}

func listImages(dir, set string) ([]item, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", dir, err)
	}
	var items []item
	for _, e := range entries {
		n := e.Name()
		switch strings.ToLower(filepath.Ext(n)) {
		case ".png", ".jpg", ".jpeg", ".webp", ".gif":
		default:
			continue
		}
		base := filepath.Join(dir, strings.TrimSuffix(n, filepath.Ext(n)))
		it := item{set: set, path: filepath.Join(dir, n)}
		if b, err := os.ReadFile(base + ".bin"); err == nil {
			it.want = b
		} else if b, err := os.ReadFile(base + ".txt"); err == nil {
			it.want = b
		} else {
			continue // no expected result: not part of the comparison
		}
		items = append(items, it)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].path < items[j].path })
	return items, nil
}

// zxLine is one line of zxing_read.py's output.
type zxLine struct {
	Path    string  `json:"path"`
	Error   string  `json:"error"`
	Ms      float64 `json:"ms"`
	CPUMs   float64 `json:"cpu_ms"`
	Symbols []struct {
		Hex  string `json:"hex"`
		Text string `json:"text"`
	} `json:"symbols"`
}

// compare reads every item with zxing-cpp (the helper, kept running and
// asked one image at a time) and then with MedTrace, image by image, so a
// change in the machine's load falls on both alike.
func compare(ctx context.Context, python, helper string, items []item, reps int) ([]result, []result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, helper, fmt.Sprint(reps))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, fmt.Errorf("zxing-cpp helper: %w", err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, fmt.Errorf("zxing-cpp helper: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, fmt.Errorf("zxing-cpp helper (%s %s): %w", python, helper, err)
	}
	// The helper ends when its input closes (or ctx ends); Wait reaps it.
	defer func() {
		_ = in.Close() // the helper reads to the end of its input
		_ = cmd.Wait() // its exit status is of no use once every answer is in
	}()
	sc := bufio.NewScanner(outPipe)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	dec := dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget})
	zx, mt := make([]result, len(items)), make([]result, len(items))
	for i, it := range items {
		if _, err := io.WriteString(in, it.path+"\n"); err != nil {
			return nil, nil, fmt.Errorf("zxing-cpp helper: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
		}
		if !sc.Scan() {
			return nil, nil, fmt.Errorf("zxing-cpp helper (%s %s; install python3-zxing-cpp) gave no answer for %s: %v: %s",
				python, helper, it.path, sc.Err(), bytes.TrimSpace(stderr.Bytes()))
		}
		if zx[i], err = parseZX(sc.Bytes(), it); err != nil {
			return nil, nil, err
		}
		if mt[i], err = runMedTrace(ctx, dec, it, reps); err != nil {
			return nil, nil, err
		}
	}
	return zx, mt, nil
}

// parseZX turns the helper's answer for it into a result.
func parseZX(lineBytes []byte, it item) (result, error) {
	var l zxLine
	if err := json.Unmarshal(lineBytes, &l); err != nil {
		return result{}, fmt.Errorf("zxing-cpp helper output: %w", err)
	}
	if l.Path != it.path {
		return result{}, fmt.Errorf("zxing-cpp helper answered %q for %q", l.Path, it.path)
	}
	if l.Error != "" {
		return result{}, fmt.Errorf("zxing-cpp helper: %s: %s", l.Path, l.Error)
	}
	r := result{found: len(l.Symbols) > 0, dur: time.Duration(l.Ms * float64(time.Millisecond)),
		cpu: time.Duration(l.CPUMs * float64(time.Millisecond))}
	for _, s := range l.Symbols {
		b, err := hex.DecodeString(s.Hex)
		if err != nil {
			return result{}, fmt.Errorf("zxing-cpp helper output: %w", err)
		}
		// Right when the bytes, the bytes without a leading GS (the first
		// FNC1 of GS1), or the text as UTF-8 (ECI) are the expected bytes.
		if bytes.Equal(b, it.want) || bytes.Equal(bytes.TrimPrefix(b, []byte{0x1d}), it.want) || s.Text == string(it.want) {
			r.right = true
		}
	}
	return r, nil
}

// runMedTrace decodes it reps times with MedTrace's decoder.
func runMedTrace(ctx context.Context, dec *dmdecode.Decoder, it item, reps int) (result, error) {
	img, _, err := scanner.LoadImage(ctx, it.path, scanner.ImageLimits{})
	if err != nil {
		return result{}, fmt.Errorf("load %s: %w", it.path, err)
	}
	var res result
	ds, cs := make([]time.Duration, reps), make([]time.Duration, reps)
	for k := range ds {
		t0, c0 := time.Now(), processCPU()
		reads, err := dec.Decode(ctx, img)
		cs[k], ds[k] = processCPU()-c0, time.Since(t0)
		if ctx.Err() != nil {
			return result{}, fmt.Errorf("decode %s: %w", it.path, ctx.Err())
		}
		if k > 0 {
			continue
		}
		res.found = err == nil
		for _, r := range reads {
			if bytes.Equal(r.Data, it.want) {
				res.right = true
			}
		}
	}
	res.dur, res.cpu = median(ds), median(cs)
	return res, nil
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
	return ds[len(ds)/2]
}

// processCPU is the CPU time this process has used (all threads: the
// decoder's and the garbage collector's), as Python's time.process_time
// gives it for the helper.
func processCPU() time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_PROCESS_CPUTIME_ID, &ts); err != nil {
		return 0
	}
	return time.Duration(ts.Nano())
}

// stats sums one decoder's results over a set.
type stats struct {
	n, found, right, wrong int
	durs, cpus             []time.Duration
}

func (s *stats) add(r result) {
	s.n++
	if r.found {
		s.found++
	}
	if r.right {
		s.right++
	}
	if r.found && !r.right {
		s.wrong++
	}
	s.durs = append(s.durs, r.dur)
	s.cpus = append(s.cpus, r.cpu)
}

// pct returns the p-th percentile of ds in milliseconds.
func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[int(p*float64(len(s)-1)+0.5)]) / float64(time.Millisecond)
}

func printTable(out io.Writer, items []item, zx, mt []result) {
	var sets, groups []string
	zs, ms := map[string]*stats{}, map[string]*stats{}
	zg, mg := map[string]*stats{}, map[string]*stats{}
	for i, it := range items {
		if zs[it.set] == nil {
			zs[it.set], ms[it.set] = &stats{}, &stats{}
			sets = append(sets, it.set)
		}
		if zg[it.group] == nil {
			zg[it.group], mg[it.group] = &stats{}, &stats{}
			groups = append(groups, it.group)
		}
		zs[it.set].add(zx[i])
		ms[it.set].add(mt[i])
		zg[it.group].add(zx[i])
		mg[it.group].add(mt[i])
	}
	fmt.Fprintln(out, "| set (images) | zxing-cpp: found, right, wrong | zxing-cpp: CPU ms median, p95 (wall median) | MedTrace: found, right, wrong | MedTrace: CPU ms median, p95 (wall median) | CPU median ratio |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|")
	row := func(name string, z, m *stats) {
		zm, mm := pct(z.cpus, 0.5), pct(m.cpus, 0.5)
		ratio := "-"
		if zm > 0 {
			ratio = fmt.Sprintf("%.1fx", mm/zm)
		}
		fmt.Fprintf(out, "| %s (%d) | %d, %d, %d | %.3f, %.3f (%.3f) | %d, %d, %d | %.3f, %.3f (%.3f) | %s |\n",
			name, z.n, z.found, z.right, z.wrong, zm, pct(z.cpus, 0.95), pct(z.durs, 0.5),
			m.found, m.right, m.wrong, mm, pct(m.cpus, 0.95), pct(m.durs, 0.5), ratio)
	}
	for _, s := range sets {
		row(s, zs[s], ms[s])
	}
	for _, g := range groups {
		row("**all of "+g+"**", zg[g], mg[g])
	}
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func machine() string {
	return fmt.Sprintf("%d cores (%s/%s)", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "cpu unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "cpu unknown"
}

func zxingVersion() string {
	b, err := exec.Command("dpkg-query", "-W", "-f=${Version}", "python3-zxing-cpp").Output()
	if err != nil {
		return "(version unknown)"
	}
	return "python3-zxing-cpp " + string(b)
}

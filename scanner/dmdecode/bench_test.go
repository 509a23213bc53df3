package dmdecode

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"

	"github.com/medtrace/medtrace/scanner/dmencode"
)

// gozxingAlone decodes with gozxing's own DataMatrixReader (hybrid
// binarizer, its detector, decoder and text), as an application using
// gozxing directly would; a leading GS (its FNC1) is dropped.
func gozxingAlone(img image.Image, c corpusCase) outcome {
	start := time.Now()
	var text []byte
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(gozxing.NewLuminanceSourceFromImage(img)))
	if err == nil {
		var res *gozxing.Result
		if res, err = datamatrix.NewDataMatrixReader().Decode(bmp, nil); err == nil {
			text = bytes.TrimPrefix([]byte(res.GetText()), []byte{0x1d})
		}
	}
	o := outcome{dur: time.Since(start)}
	if c.want == nil {
		o.ok, o.wrong = err != nil, err == nil
		return o
	}
	o.ok = err == nil && bytes.Equal(text, c.want)
	o.wrong = err == nil && !o.ok
	return o
}

// Benchmarks. `make bench` runs them; BenchmarkCorpusTable prints the decode
// table over the shared corpus for gozxing alone and for MedTrace's decoder
// side by side, from one run over the same images.

type setStats struct {
	n, zxOK, mtOK, mtWrong int
	zx, mt, all            []time.Duration
}

func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(p*float64(len(s)-1) + 0.5)
	return float64(s[i].Microseconds()) / 1000
}

// timeDecode decodes img reps times and returns the median duration and the
// outcome of the first run.
func timeDecode(dec func(image.Image, corpusCase) outcome, img image.Image, c corpusCase, reps int) (outcome, time.Duration) {
	var first outcome
	ds := make([]time.Duration, reps)
	for i := 0; i < reps; i++ {
		o := dec(img, c)
		if i == 0 {
			first = o
		}
		ds[i] = o.dur
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return first, ds[reps/2]
}

var tableOnce sync.Once

func BenchmarkCorpusTable(b *testing.B) {
	cases := loadCorpus(b)
	if cases == nil {
		b.Skip("shared corpus absent: " + corpusDir)
	}
	imgs := make([]image.Image, len(cases))
	for i, c := range cases {
		imgs[i] = loadImage(b, c.path)
	}
	mt, mtAll := New(Options{}), New(Options{All: true})
	medtrace := func(img image.Image, c corpusCase) outcome { return runCase(mt, img, c) }
	medtraceAll := func(img image.Image, c corpusCase) outcome { return runCase(mtAll, img, c) }
	tableOnce.Do(func() {
		stats := map[string]*setStats{}
		var sets []string
		total := &setStats{}
		for i, c := range cases {
			if c.want == nil {
				continue // must-not-decode images are checked by TestCorpus
			}
			s := stats[c.set]
			if s == nil {
				s = &setStats{}
				stats[c.set] = s
				sets = append(sets, c.set)
			}
			oz, dz := timeDecode(gozxingAlone, imgs[i], c, 5)
			om, dm := timeDecode(medtrace, imgs[i], c, 5)
			_, da := timeDecode(medtraceAll, imgs[i], c, 3)
			for _, st := range []*setStats{s, total} {
				st.n++
				st.zx = append(st.zx, dz)
				st.mt = append(st.mt, dm)
				st.all = append(st.all, da)
				if oz.ok {
					st.zxOK++
				}
				if om.ok {
					st.mtOK++
				}
				if om.wrong {
					st.mtWrong++
				}
			}
		}
		var sb strings.Builder
		sb.WriteString("\n| set | gozxing v0.1.1 alone: decoded, median ms, p95 ms | MedTrace: decoded, median ms, p95 ms | MedTrace wrong | MedTrace --all: median ms |\n|---|---|---|---|---|\n")
		row := func(name string, s *setStats) {
			fmt.Fprintf(&sb, "| %s (%d) | %d, %.2f, %.2f | %d, %.2f, %.2f | %d | %.2f |\n", name, s.n,
				s.zxOK, pct(s.zx, 0.5), pct(s.zx, 0.95), s.mtOK, pct(s.mt, 0.5), pct(s.mt, 0.95), s.mtWrong, pct(s.all, 0.5))
		}
		for _, name := range sets {
			row(name, stats[name])
		}
		row("total", total)
		b.Log(sb.String())
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, c := range cases {
			runCase(mt, imgs[j], c)
		}
	}
}

// frameMedian decodes img b.N times on one locked OS thread and reports the
// median wall time and the median CPU time of that thread per decode (the
// CPU figure is what one core needs, whatever else loads the machine).
func frameMedian(b *testing.B, img image.Image, wantFound bool, strategies int) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	d := New(Options{Budget: time.Second, Strategies: strategies})
	g := toGray(img)
	wall := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0, start := threadCPU(), time.Now()
		_, err := d.DecodeGray(context.Background(), g)
		wall = append(wall, time.Since(start))
		if c0 >= 0 {
			cpu = append(cpu, threadCPU()-c0)
		}
		if (err == nil) != wantFound {
			b.Fatalf("found=%v, want %v (%v)", err == nil, wantFound, err)
		}
	}
	b.ReportMetric(pct(wall, 0.5), "median-wall-ms")
	if len(cpu) > 0 {
		b.ReportMetric(pct(cpu, 0.5), "median-cpu-ms")
	}
}

// BenchmarkFrame1080Code: a 1920x1080 frame holding one small GS1 code
// (2.5 px modules, rotated) in clutter, as from a camera.
func BenchmarkFrame1080Code(b *testing.B) {
	f := clutterFrame(1920, 1080, 42)
	s, err := dmencode.Encode([]byte("0109506000134352172912311"+"0AB12C\x1d21SN7730519"), true, dmencode.ShapeSquare)
	if err != nil {
		b.Fatal(err)
	}
	paste(f, scaled(s.Image(10, 2), 0.3), 1130, 610, 23)
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("strategies=%d", n), func(b *testing.B) { frameMedian(b, f, true, n) })
	}
}

// BenchmarkFrame1080Empty: a 1920x1080 cluttered frame with no code (the
// common case in a live camera).
func BenchmarkFrame1080Empty(b *testing.B) {
	f := clutterFrame(1920, 1080, 43)
	for _, n := range []int{1, 2} {
		b.Run(fmt.Sprintf("strategies=%d", n), func(b *testing.B) { frameMedian(b, f, false, n) })
	}
}

// BenchmarkFrame1080Case12: a case of packs, twelve GS1 codes (4 px
// modules, turned -30..47 degrees) in one cluttered 1920x1080 frame, all of
// them read (Options.All).
func BenchmarkFrame1080Case12(b *testing.B) {
	f := clutterFrame(1920, 1080, 9)
	for i := 0; i < 12; i++ {
		s, err := dmencode.Encode([]byte(fmt.Sprintf("0104150000000017\x1d21PACK%03d", i)), true, dmencode.ShapeSquare)
		if err != nil {
			b.Fatal(err)
		}
		paste(f, s.Image(4, 2), 120+(i%4)*440, 80+(i/4)*330, float64(i*7-30))
	}
	d := New(Options{Budget: time.Minute, All: true})
	g := toGray(f)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var wall, cpu []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c0, start := threadCPU(), time.Now()
		reads, err := d.DecodeGray(context.Background(), g)
		wall = append(wall, time.Since(start))
		if c0 >= 0 {
			cpu = append(cpu, threadCPU()-c0)
		}
		if err != nil || len(reads) != 12 {
			b.Fatalf("%d reads, %v", len(reads), err)
		}
	}
	b.ReportMetric(pct(wall, 0.5), "median-wall-ms")
	if len(cpu) > 0 {
		b.ReportMetric(pct(cpu, 0.5), "median-cpu-ms")
	}
}

package camera

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/dmdecode"
	"github.com/medtrace/medtrace/scanner/dmencode"
)

func codeImage(t *testing.T, data string) *image.Gray {
	t.Helper()
	s, err := dmencode.Encode([]byte(data), true, dmencode.ShapeSquare)
	if err != nil {
		t.Fatal(err)
	}
	return s.Image(4, 3)
}

func blankImage() *image.Gray {
	img := image.NewGray(image.Rect(0, 0, 100, 100))
	for i := range img.Pix {
		img.Pix[i] = 230
	}
	return img
}

func writePNG(t *testing.T, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

const (
	codeA = "0104150000000017\x1d21AAA"
	codeB = "0104150000000017\x1d21BBB"
)

func TestPipelineReplay(t *testing.T) {
	dir := t.TempDir()
	frames := []image.Image{codeImage(t, codeA), codeImage(t, codeA), codeImage(t, codeA), blankImage(), codeImage(t, codeB), codeImage(t, codeB)}
	for i, f := range frames {
		writePNG(t, filepath.Join(dir, string(rune('a'+i))+".png"), f)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := NewFolderSource(context.Background(), dir, 30*time.Millisecond, false)
	if err != nil {
		t.Fatal(err)
	}
	// In lockstep the source gives the next frame only when the previous
	// one has been decoded: no frame is dropped however slow the machine is
	// (dropping is TestPipelineDecodesNewestFrame's subject).
	ls := newLockstep(src, dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget}))
	p := NewPipeline(ls, ls, 0)
	var got []scanner.Read
	if err := p.Run(context.Background(), func(r scanner.Read) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got[0].Data) != codeA || string(got[1].Data) != codeB {
		t.Fatalf("reads %+v", got)
	}
	for _, r := range got {
		if r.Source.Kind != scanner.KindCamera || r.Source.Name != dir || r.Symbology != scanner.SymGS1DataMatrix || len(r.Corners) == 0 {
			t.Errorf("read %+v", r)
		}
	}
	st := p.Stats()
	if st.Captured != 6 || st.Reads != 2 || st.Decoded != 6 || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestPipelineRunFramesReportsEveryFrame(t *testing.T) {
	dir := t.TempDir()
	// The code sits at (40, 30) in a 200x160 frame; it is in frames a and b,
	// not in c.
	frame := func(withCode bool) image.Image {
		img := image.NewGray(image.Rect(0, 0, 200, 160))
		for i := range img.Pix {
			img.Pix[i] = 255
		}
		if withCode {
			code := codeImage(t, codeA)
			draw.Draw(img, code.Bounds().Add(image.Pt(40, 30)), code, code.Bounds().Min, draw.Src)
		}
		return img
	}
	for name, withCode := range map[string]bool{"a.png": true, "b.png": true, "c.png": false} {
		writePNG(t, filepath.Join(dir, name), frame(withCode))
	}
	src, err := NewFolderSource(context.Background(), dir, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	ls := newLockstep(src, dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget}))
	var frames [][]scanner.Read
	var emitted []scanner.Read
	err = NewPipeline(ls, ls, 0).RunFrames(context.Background(),
		func(f Frame, reads []scanner.Read) { frames = append(frames, append([]scanner.Read(nil), reads...)) },
		func(r scanner.Read) { emitted = append(emitted, r) })
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 3 || len(frames[0]) != 1 || len(frames[1]) != 1 || len(frames[2]) != 0 {
		t.Fatalf("reads per frame: %v", frames)
	}
	if len(emitted) != 1 {
		t.Fatalf("emitted %d reads, want the code once", len(emitted))
	}
	// The symbol image has a 3-module quiet zone at 4 px per module: the
	// symbol itself starts 12 px in.
	code := codeImage(t, codeA).Bounds()
	want := image.Rect(40+12, 30+12, 40+code.Dx()-12, 30+code.Dy()-12)
	for i, reads := range frames[:2] {
		r := reads[0]
		if r.Source.Kind != scanner.KindCamera || r.Time.IsZero() {
			t.Errorf("frame %d read %+v", i, r)
		}
		got := r.Bounds()
		if d := max(distance(got.Min.X, want.Min.X), distance(got.Min.Y, want.Min.Y), distance(got.Max.X, want.Max.X), distance(got.Max.Y, want.Max.Y)); d > 4 {
			t.Errorf("frame %d box %v, want %v (within a module)", i, got, want)
		}
	}
}

// distance is |a-b| (abs in v4l2.go is Linux-only).
func distance(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}

func TestPipelineReportsAgainAfterForget(t *testing.T) {
	src := &chanSource{ch: make(chan Frame)}
	p := NewPipeline(src, dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget}), 100*time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reads := make(chan scanner.Read, 8)
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, func(r scanner.Read) { reads <- r }) }()
	t0 := time.Now()
	img := codeImage(t, codeA)
	for i, at := range []time.Duration{0, 50 * time.Millisecond, 90 * time.Millisecond, 400 * time.Millisecond} {
		src.ch <- Frame{Image: img, Time: t0.Add(at), Seq: uint64(i + 1)}
		if i == 0 || i == 3 {
			select {
			case <-reads:
			case <-time.After(5 * time.Second):
				t.Fatalf("frame %d: no read", i)
			}
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := len(reads); n != 0 {
		t.Fatalf("%d extra reads", n)
	}
	if st := p.Stats(); st.Reads != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// lockstep is a Source and a Decoder: Next waits until the frame it gave
// before has been decoded (a refused frame is not waited for).
type lockstep struct {
	Source
	dec     Decoder
	decoded chan struct{} // one token per decoded frame
	owed    bool          // a frame was given and is not yet decoded
}

func newLockstep(src Source, dec Decoder) *lockstep {
	return &lockstep{Source: src, dec: dec, decoded: make(chan struct{}, 1)}
}

func (l *lockstep) Next(ctx context.Context) (Frame, error) {
	if l.owed {
		select {
		case <-l.decoded:
		case <-ctx.Done():
			return Frame{}, ctx.Err()
		}
	}
	f, err := l.Source.Next(ctx)
	l.owed = err == nil
	return f, err
}

func (l *lockstep) Decode(ctx context.Context, img image.Image) ([]scanner.Read, error) {
	defer func() { l.decoded <- struct{}{} }()
	return l.dec.Decode(ctx, img)
}

// chanSource yields the frames sent on ch; drained (if set) is closed when
// ch has been closed and seen.
type chanSource struct {
	ch      chan Frame
	drained chan struct{}
}

func (s *chanSource) Name() string { return "test" }
func (s *chanSource) Next(ctx context.Context) (Frame, error) {
	select {
	case f, ok := <-s.ch:
		if !ok {
			if s.drained != nil {
				close(s.drained)
				s.drained = nil
			}
			return Frame{}, ErrEndOfStream
		}
		return f, nil
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	}
}

// gateDecoder blocks its first Decode until released and records which
// frames (by image pointer) it was given.
type gateDecoder struct {
	mu      sync.Mutex
	started chan struct{}
	release chan struct{}
	seen    []image.Image
}

func (d *gateDecoder) Decode(ctx context.Context, img image.Image) ([]scanner.Read, error) {
	d.mu.Lock()
	first := len(d.seen) == 0
	d.seen = append(d.seen, img)
	d.mu.Unlock()
	if first {
		close(d.started)
		<-d.release
	}
	return nil, scanner.ErrNotFound
}

func TestPipelineDecodesNewestFrame(t *testing.T) {
	src := &chanSource{ch: make(chan Frame), drained: make(chan struct{})}
	drained := src.drained
	dec := &gateDecoder{started: make(chan struct{}), release: make(chan struct{})}
	p := NewPipeline(src, dec, 0)
	imgs := make([]image.Image, 6)
	for i := range imgs {
		imgs[i] = image.NewGray(image.Rect(0, 0, 1, 1))
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(context.Background(), func(scanner.Read) {}) }()
	src.ch <- Frame{Image: imgs[0], Seq: 1}
	<-dec.started
	for i := 1; i < 6; i++ { // five frames arrive while the decoder is busy
		src.ch <- Frame{Image: imgs[i], Seq: uint64(i + 1)}
	}
	// Once the source has seen the end, the capture goroutine has stored
	// frame 6 (it stores each frame before asking for the next).
	close(src.ch)
	<-drained
	close(dec.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(dec.seen) != 2 || dec.seen[0] != imgs[0] || dec.seen[1] != imgs[5] {
		t.Fatalf("decoded %d frames; want the first and the newest", len(dec.seen))
	}
	if st := p.Stats(); st.Dropped != 4 || st.Captured != 6 {
		t.Fatalf("stats %+v", st)
	}
}

func TestPipelineStops(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "a.png"), blankImage())
	src, err := NewFolderSource(context.Background(), dir, 5*time.Millisecond, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := NewPipeline(src, dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget}), 0).Run(ctx, func(scanner.Read) {}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("stop took %v", d)
	}
}

type failSource struct{}

var errBroken = errors.New("broken camera")

func (failSource) Name() string                        { return "broken" }
func (failSource) Next(context.Context) (Frame, error) { return Frame{}, errBroken }

func TestPipelineSourceError(t *testing.T) {
	err := NewPipeline(failSource{}, dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget}), 0).Run(context.Background(), func(scanner.Read) {})
	if !errors.Is(err, errBroken) {
		t.Fatalf("err = %v", err)
	}
}

func TestFolderSource(t *testing.T) {
	t.Run("empty folder", func(t *testing.T) {
		if _, err := NewFolderSource(context.Background(), t.TempDir(), 0, false); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("missing folder", func(t *testing.T) {
		if _, err := NewFolderSource(context.Background(), filepath.Join(t.TempDir(), "nope"), 0, false); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("order and end", func(t *testing.T) {
		dir := t.TempDir()
		writePNG(t, filepath.Join(dir, "2.png"), image.NewGray(image.Rect(0, 0, 2, 2)))
		writePNG(t, filepath.Join(dir, "1.png"), image.NewGray(image.Rect(0, 0, 1, 1)))
		s, err := NewFolderSource(context.Background(), dir, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{1, 2} {
			f, err := s.Next(context.Background())
			if err != nil || f.Image.Bounds().Dx() != w {
				t.Fatalf("frame %d: %v", w, err)
			}
		}
		if _, err := s.Next(context.Background()); !errors.Is(err, ErrEndOfStream) {
			t.Fatalf("err = %v", err)
		}
	})
	refused := []struct {
		name   string
		file   []byte
		limits scanner.ImageLimits
		tooBig bool
	}{
		{name: "corrupt image", file: []byte("junk")},
		{name: "bomb", file: readBomb(t), tooBig: true},
		{name: "over a lowered limit", file: pngBytes(t, image.NewGray(image.Rect(0, 0, 30, 30))),
			limits: scanner.ImageLimits{MaxPixels: 899}, tooBig: true},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			bad := filepath.Join(dir, "1.png")
			if err := os.WriteFile(bad, tc.file, 0o644); err != nil {
				t.Fatal(err)
			}
			writePNG(t, filepath.Join(dir, "2.png"), image.NewGray(image.Rect(0, 0, 2, 2)))
			s, err := NewFolderSource(context.Background(), dir, 0, false)
			if err != nil {
				t.Fatal(err)
			}
			s.Limits = tc.limits
			_, err = s.Next(context.Background())
			var fe *FrameError
			if !errors.As(err, &fe) || fe.Name != bad || errors.Is(err, scanner.ErrImageTooLarge) != tc.tooBig {
				t.Fatalf("err = %v, want a FrameError for %s (too large: %v)", err, bad, tc.tooBig)
			}
			if f, err := s.Next(context.Background()); err != nil || f.Image.Bounds().Dx() != 2 {
				t.Fatalf("after the refused file: %v", err)
			}
			if _, err := s.Next(context.Background()); !errors.Is(err, ErrEndOfStream) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	t.Run("looping folder without a readable image", func(t *testing.T) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "bomb.png"), readBomb(t), 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := NewFolderSource(context.Background(), dir, 0, true)
		if err != nil {
			t.Fatal(err)
		}
		var fe *FrameError
		if _, err := s.Next(context.Background()); !errors.As(err, &fe) {
			t.Fatalf("first pass: %v", err)
		}
		if _, err := s.Next(context.Background()); !errors.Is(err, ErrNoReadableFrame) {
			t.Fatalf("second pass: %v", err)
		}
	})
}

// readBomb returns the 161-byte PNG that declares 40000x40000 pixels
// (scanner's fixture).
func readBomb(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/bomb-40000x40000.png")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func pngBytes(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPipelineReplaySkipsRefusedFiles replays a folder with a bomb and a
// corrupt file between two codes: both codes are read, both refusals are
// told in file order, the replay ends normally.
func TestPipelineReplaySkipsRefusedFiles(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "a.png"), codeImage(t, codeA))
	if err := os.WriteFile(filepath.Join(dir, "b.png"), readBomb(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "c.png"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(dir, "d.png"), codeImage(t, codeB))
	src, err := NewFolderSource(context.Background(), dir, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	ls := newLockstep(src, dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget}))
	p := NewPipeline(ls, ls, 0)
	var events []string // reads and refusals in the order Run told them
	var skips []error
	p.OnSkip(func(err error) {
		skips = append(skips, err)
		var fe *FrameError
		if errors.As(err, &fe) {
			events = append(events, "skip "+filepath.Base(fe.Name))
		}
	})
	if err := p.Run(context.Background(), func(r scanner.Read) { events = append(events, "read "+string(r.Data)) }); err != nil {
		t.Fatal(err)
	}
	want := []string{"read " + codeA, "skip b.png", "skip c.png", "read " + codeB}
	if fmt.Sprint(events) != fmt.Sprint(want) {
		t.Fatalf("events %q, want %q", events, want)
	}
	if !errors.Is(skips[0], scanner.ErrImageTooLarge) || errors.Is(skips[1], scanner.ErrImageTooLarge) {
		t.Errorf("refusals %v", skips)
	}
	if st := p.Stats(); st.Captured != 2 || st.Skipped != 2 || st.Reads != 2 {
		t.Errorf("stats %+v", st)
	}
}

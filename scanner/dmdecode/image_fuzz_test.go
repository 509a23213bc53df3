package dmdecode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/dmencode"
)

// fuzzLimits keep each fuzz input cheap: the bounds are what is tested,
// not their default values.
var fuzzLimits = scanner.ImageLimits{MaxPixels: 1 << 16, MaxSide: 1024, MaxBytes: 1 << 20, MaxMemory: 1 << 20}

// imagePathSeeds are the seeds of FuzzImagePath, kept as files in
// testdata/fuzz/FuzzImagePath (TestImagePathSeeds keeps them equal).
func imagePathSeeds(tb testing.TB) map[string][]byte {
	tb.Helper()
	sym, err := dmencode.Encode([]byte("010950600013543510ABC123\x1d21S12345"), true, dmencode.ShapeSquare)
	if err != nil {
		tb.Fatal(err)
	}
	code := sym.Image(4, 4)
	var pngBuf, jpgBuf, gifBuf bytes.Buffer
	if err := png.Encode(&pngBuf, code); err != nil {
		tb.Fatal(err)
	}
	if err := jpeg.Encode(&jpgBuf, code, &jpeg.Options{Quality: 90}); err != nil {
		tb.Fatal(err)
	}
	if err := gif.Encode(&gifBuf, code, nil); err != nil {
		tb.Fatal(err)
	}
	bomb, err := os.ReadFile("../testdata/bomb-40000x40000.png")
	if err != nil {
		tb.Fatal(err)
	}
	progressive := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
		0xFF, 0xC2, 0x00, 0x11, 8, 0x1B, 0x58, 0x1B, 0x58, 3, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0} // SOF2 7000x7000
	return map[string][]byte{
		"code-png":              pngBuf.Bytes(),
		"code-jpeg":             jpgBuf.Bytes(),
		"code-gif":              gifBuf.Bytes(),
		"bomb-png-40000x40000":  bomb,
		"progressive-jpeg-head": progressive,
	}
}

func TestImagePathSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzImagePath")
	for name, data := range imagePathSeeds(t) {
		t.Run(name, func(t *testing.T) {
			want := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
			path := filepath.Join(dir, name)
			if os.Getenv("MEDTRACE_UPDATE_FUZZ_SEEDS") != "" {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Fatalf("%s is not the seed the test makes; refresh with MEDTRACE_UPDATE_FUZZ_SEEDS=1", path)
			}
		})
	}
}

// FuzzImagePath feeds bytes through the path every image file takes:
// scanner.DecodeImage (the bounded loader) then Decode. No input may
// panic, yield an image over the limits, or give a read without corners.
func FuzzImagePath(f *testing.F) {
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, data []byte) {
		img, _, err := scanner.DecodeImage(data, fuzzLimits)
		if err != nil {
			if img != nil {
				t.Fatalf("image with error %v", err)
			}
			return
		}
		b := img.Bounds()
		if err := fuzzLimits.CheckSize(b.Dx(), b.Dy()); err != nil {
			t.Fatalf("loader returned an image over the limits: %v", err)
		}
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width != b.Dx() || cfg.Height != b.Dy() {
			t.Fatalf("decoded %v, header says %dx%d (%v)", b, cfg.Width, cfg.Height, err)
		}
		reads, err := New(Options{All: true, Budget: NoBudget, Limits: fuzzLimits}).Decode(ctx, img)
		if err != nil {
			if len(reads) != 0 {
				t.Fatalf("reads with error %v", err)
			}
			if errors.Is(err, scanner.ErrImageTooLarge) {
				t.Fatalf("decoder refused what the loader accepted: %v", err)
			}
			return
		}
		if len(reads) == 0 {
			t.Fatal("no reads and no error")
		}
		for _, r := range reads {
			if len(r.Corners) == 0 {
				t.Fatalf("read %q without corners", r.Data)
			}
		}
	})
}

// TestImagePath runs the fuzz seeds through the loader and the decoder:
// the code images read, the oversized headers are refused before decoding.
func TestImagePath(t *testing.T) {
	seeds := imagePathSeeds(t)
	tests := []struct {
		seed   string
		tooBig bool
	}{
		{seed: "code-png"},
		{seed: "code-jpeg"},
		{seed: "code-gif"},
		{seed: "bomb-png-40000x40000", tooBig: true},
		{seed: "progressive-jpeg-head", tooBig: true},
	}
	for _, tc := range tests {
		t.Run(tc.seed, func(t *testing.T) {
			img, _, err := scanner.DecodeImage(seeds[tc.seed], scanner.ImageLimits{})
			if tc.tooBig {
				if !errors.Is(err, scanner.ErrImageTooLarge) {
					t.Fatalf("err = %v, want ErrImageTooLarge", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			reads, err := New(Options{Budget: NoBudget}).Decode(context.Background(), img)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(reads[0].Data); got != "010950600013543510ABC123\x1d21S12345" || reads[0].Symbology != scanner.SymGS1DataMatrix {
				t.Fatalf("read %s %q", reads[0].Symbology, got)
			}
		})
	}
}

func TestDecodeLimits(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 300, 200))
	tests := []struct {
		name   string
		limits scanner.ImageLimits
		tooBig bool
	}{
		{name: "default", limits: scanner.ImageLimits{}},
		{name: "pixels", limits: scanner.ImageLimits{MaxPixels: 300*200 - 1}, tooBig: true},
		{name: "side", limits: scanner.ImageLimits{MaxSide: 299}, tooBig: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := New(Options{Budget: NoBudget, Limits: tc.limits})
			_, err := d.Decode(context.Background(), img)
			_, gerr := d.DecodeGray(context.Background(), &Gray{Pix: img.Pix, Stride: img.Stride, W: 300, H: 200})
			for _, e := range []error{err, gerr} {
				if errors.Is(e, scanner.ErrImageTooLarge) != tc.tooBig || (!tc.tooBig && !errors.Is(e, scanner.ErrNotFound)) {
					t.Fatalf("err = %v, want too large: %v", e, tc.tooBig)
				}
			}
		})
	}
}

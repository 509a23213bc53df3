package scanner

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// bombPNG returns an 8-bit grey PNG that declares w x h pixels and holds
// rows rows of zeros (rows == h: a complete, valid image that deflate
// shrinks about a thousandfold; 40000x40000 is 1.5 MB and 1.6 GB decoded).
func bombPNG(tb testing.TB, w, h, rows int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	buf.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(data)))
		buf.Write(n[:])
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		buf.WriteString(typ)
		buf.Write(data)
		binary.BigEndian.PutUint32(n[:], crc.Sum32())
		buf.Write(n[:])
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(w))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(h))
	ihdr[8] = 8 // bit depth; colour type 0 (grey), no interlace
	chunk("IHDR", ihdr)
	chunk("IDAT", zeroZlib(tb, int64(rows)*int64(1+w))) // filter byte 0 and black pixels: all zeros
	chunk("IEND", nil)
	return buf.Bytes()
}

// BombFixture is the committed header-only bomb that the camera and CLI
// tests use; TestBombFixture keeps it equal to what bombPNG makes.
// zeroZlib returns a zlib stream of n zero bytes without compressing them
// all: a sync-flushed deflate segment of 1 MiB of zeros only refers back to
// zeros, so it is repeated as it is; the Adler-32 of n zeros is 1 +
// (n mod 65521) << 16.
func zeroZlib(tb testing.TB, n int64) []byte {
	tb.Helper()
	const seg = 1 << 20
	total := n
	var out bytes.Buffer
	zw, err := zlib.NewWriterLevel(&out, zlib.BestCompression)
	if err != nil {
		tb.Fatal(err)
	}
	zeros := make([]byte, seg)
	write := func(k int64) {
		if _, err := zw.Write(zeros[:k]); err != nil {
			tb.Fatal(err)
		}
	}
	if n >= 3*seg {
		write(seg) // history for the segments
		if err := zw.Flush(); err != nil {
			tb.Fatal(err)
		}
		start := out.Len()
		write(seg)
		if err := zw.Flush(); err != nil {
			tb.Fatal(err)
		}
		s := bytes.Clone(out.Bytes()[start:])
		for range n/seg - 2 {
			out.Write(s)
		}
		n %= seg
	}
	for n > 0 {
		k := min(n, seg)
		write(k)
		n -= k
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	b := out.Bytes()
	binary.BigEndian.PutUint32(b[len(b)-4:], 1+uint32(total%65521)<<16)
	return b
}

const bombFixture = "testdata/bomb-40000x40000.png"

func TestBombFixture(t *testing.T) {
	want := bombPNG(t, 40000, 40000, 2)
	if os.Getenv("MEDTRACE_UPDATE_BOMB") != "" {
		if err := os.WriteFile(bombFixture, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(bombFixture)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from bombPNG(40000, 40000, 2); refresh with MEDTRACE_UPDATE_BOMB=1", bombFixture)
	}
	if len(got) > 1024 {
		t.Fatalf("fixture is %d bytes, want a header-sized file", len(got))
	}
}

// TestBombPNG checks that the repeated-segment construction is a valid
// PNG, on one small enough to decode (4 MB of zeros).
func TestBombPNG(t *testing.T) {
	img, err := png.Decode(bytes.NewReader(bombPNG(t, 2000, 2000, 2000)))
	if err != nil {
		t.Fatal(err)
	}
	g, ok := img.(*image.Gray)
	if !ok || g.Bounds() != image.Rect(0, 0, 2000, 2000) || bytes.Count(g.Pix, []byte{0}) != len(g.Pix) {
		t.Fatalf("decoded %T %v", img, img.Bounds())
	}
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// jpegHeader returns the start of a JPEG whose frame header (SOF0 or, with
// progressive, SOF2) declares w x h with 3 components, 4:4:4: enough for
// DecodeConfig, nothing to decode.
func jpegHeader(w, h int, progressive bool) []byte {
	return jpegHeaderSampled(w, h, progressive, 0x11)
}

// jpegHeaderSampled is jpegHeader with the luma's sampling factors (0x22:
// chroma at 4:2:0).
func jpegHeaderSampled(w, h int, progressive bool, luma byte) []byte {
	sof := byte(0xC0)
	if progressive {
		sof = 0xC2
	}
	b := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0} // SOI, JFIF APP0
	b = append(b, 0xFF, sof, 0x00, 0x11, 8, byte(h>>8), byte(h), byte(w>>8), byte(w), 3)
	b = append(b, 1, luma, 0, 2, 0x11, 0, 3, 0x11, 0)
	return b
}

func TestDecodeImageLimits(t *testing.T) {
	small := image.NewGray(image.Rect(0, 0, 64, 48))
	small.Pix[0] = 200
	var gifBuf bytes.Buffer
	if err := gif.Encode(&gifBuf, small, nil); err != nil {
		t.Fatal(err)
	}
	var jpgBuf bytes.Buffer
	if err := jpeg.Encode(&jpgBuf, image.NewRGBA(image.Rect(0, 0, 30, 20)), nil); err != nil {
		t.Fatal(err)
	}
	rgba64 := image.NewRGBA64(image.Rect(0, 0, 100, 100))
	rgba64.Set(1, 1, color.RGBA64{1, 2, 3, 4})
	tests := []struct {
		name   string
		data   []byte
		limits ImageLimits
		w, h   int   // want an image of this size
		tooBig bool  // want ErrImageTooLarge
		mem    int64 // with tooBig: want the memory estimate to be the reason
	}{
		{name: "small png", data: encodePNG(t, small), w: 64, h: 48},
		{name: "gif", data: gifBuf.Bytes(), w: 64, h: 48},
		{name: "baseline jpeg", data: jpgBuf.Bytes(), w: 30, h: 20},
		{name: "bomb 40000x40000", data: bombPNG(t, 40000, 40000, 2), tooBig: true},
		{name: "over the side", data: bombPNG(t, 25000, 10, 2), tooBig: true},
		{name: "side lifted", data: bombPNG(t, 25000, 2, 2), limits: ImageLimits{MaxSide: -1}, w: 25000, h: 2},
		{name: "pixels lowered", data: encodePNG(t, small), limits: ImageLimits{MaxPixels: 64*48 - 1}, tooBig: true},
		{name: "pixels at the limit", data: encodePNG(t, small), limits: ImageLimits{MaxPixels: 64 * 48}, w: 64, h: 48},
		{name: "bytes lowered", data: encodePNG(t, small), limits: ImageLimits{MaxBytes: 10}, tooBig: true},
		{name: "16-bit rgba over memory", data: encodePNG(t, rgba64), limits: ImageLimits{MaxMemory: 100*100*8 - 1},
			tooBig: true, mem: 100 * 100 * 8},
		{name: "16-bit rgba at memory", data: encodePNG(t, rgba64), limits: ImageLimits{MaxMemory: 100 * 100 * 8}, w: 100, h: 100},
		// 49 MP is within the pixel bound, but a progressive JPEG keeps
		// 4 bytes per coefficient: 15 bytes a pixel, 735 MB.
		{name: "progressive jpeg over memory", data: jpegHeader(7000, 7000, true), tooBig: true, mem: 7000 * 7000 * 15},
		{name: "baseline jpeg header within memory", data: jpegHeader(7000, 7000, false)}, // passes the check, then fails to decode
		// At 4:2:0 the chroma planes are a quarter each: 1.5 + 6 bytes a
		// pixel, 188 MB for 25 MP, where 4:4:4 takes 15 (375 MB).
		{name: "progressive jpeg 4:2:0 within memory", data: jpegHeaderSampled(5000, 5000, true, 0x22)},
		{name: "progressive jpeg 4:4:4 over memory", data: jpegHeader(5000, 5000, true), tooBig: true, mem: 5000 * 5000 * 15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, _, err := DecodeImage(tc.data, tc.limits)
			if tc.tooBig {
				var tl *ImageTooLargeError
				if !errors.Is(err, ErrImageTooLarge) || !errors.As(err, &tl) {
					t.Fatalf("err = %v, want ErrImageTooLarge", err)
				}
				if tl.Memory != tc.mem {
					t.Fatalf("memory estimate %d, want %d (%v)", tl.Memory, tc.mem, err)
				}
				return
			}
			if tc.w == 0 {
				if err == nil || errors.Is(err, ErrImageTooLarge) {
					t.Fatalf("err = %v, want a decode error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b := img.Bounds(); b.Dx() != tc.w || b.Dy() != tc.h {
				t.Fatalf("image %v, want %dx%d", b, tc.w, tc.h)
			}
		})
	}
}

func TestImageTooLargeMessage(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "pixels", err: ImageLimits{}.CheckSize(40000, 40000),
			want: "image of 40000x40000 pixels (1600.0 megapixels) is over the limit of 50.0 megapixels and 20000 pixels a side"},
		{name: "side only", err: ImageLimits{MaxPixels: -1, MaxSide: 100}.CheckSize(101, 1),
			want: "image of 101x1 pixels (0.0 megapixels) is over the limit of 100 pixels a side"},
		{name: "file", err: &ImageTooLargeError{Bytes: 200 << 20, Limits: ImageLimits{}.Resolved()},
			want: "image file of 209715200 bytes is over the limit of 134217728 bytes"},
		{name: "memory", err: &ImageTooLargeError{Width: 7000, Height: 7000, Memory: 735_000_000, Limits: ImageLimits{}.Resolved()},
			want: "image of 7000x7000 pixels would take 701 MiB decoded, over the limit of 256 MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil || tc.err.Error() != tc.want {
				t.Fatalf("got %v\nwant %s", tc.err, tc.want)
			}
		})
	}
	if err := (ImageLimits{}).CheckSize(8000, 6000); err != nil {
		t.Fatalf("a 48 MP photo: %v", err)
	}
}

func TestLoadImage(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok.png", encodePNG(t, image.NewGray(image.Rect(0, 0, 20, 10))))
	bomb := write("bomb.png", bombPNG(t, 40000, 40000, 2))
	notImage := write("text.png", []byte("not an image"))
	tests := []struct {
		name    string
		path    string
		limits  ImageLimits
		tooBig  bool
		wantErr bool
	}{
		{name: "ok", path: ok},
		{name: "bomb", path: bomb, tooBig: true},
		{name: "file over MaxBytes", path: ok, limits: ImageLimits{MaxBytes: 20}, tooBig: true},
		{name: "not an image", path: notImage, wantErr: true},
		{name: "missing", path: filepath.Join(dir, "missing.png"), wantErr: true},
	}
	if runtime.GOOS == "linux" {
		// A device that never ends: only MaxBytes+1 bytes are read.
		tests = append(tests, struct {
			name    string
			path    string
			limits  ImageLimits
			tooBig  bool
			wantErr bool
		}{name: "endless device", path: "/dev/zero", limits: ImageLimits{MaxBytes: 1 << 20}, tooBig: true})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, _, err := LoadImage(context.Background(), tc.path, tc.limits)
			switch {
			case tc.tooBig:
				if !errors.Is(err, ErrImageTooLarge) {
					t.Fatalf("err = %v, want ErrImageTooLarge", err)
				}
			case tc.wantErr:
				if err == nil || errors.Is(err, ErrImageTooLarge) {
					t.Fatalf("err = %v, want a read error", err)
				}
			case err != nil:
				t.Fatal(err)
			case img.Bounds().Dx() != 20:
				t.Fatalf("bounds %v", img.Bounds())
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := LoadImage(ctx, ok, ImageLimits{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled ctx: %v", err)
	}
}

// BenchmarkLoadBomb loads the complete 40000x40000 bomb (1.5 MB, 1.6 GB if
// decoded) from a file: the refusal's time per load and the bytes
// allocated per load (B/op).
func BenchmarkLoadBomb(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bomb.png")
	t0 := time.Now()
	data := bombPNG(b, 40000, 40000, 40000)
	b.Logf("bomb: %d bytes, made in %v", len(data), time.Since(t0).Round(time.Millisecond))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := LoadImage(ctx, path, ImageLimits{}); !errors.Is(err, ErrImageTooLarge) {
			b.Fatalf("err = %v", err)
		}
	}
}

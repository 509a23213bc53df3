//go:build linux

package dmdecode_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/camera"
	"github.com/medtrace/medtrace/scanner/dmdecode"
	"github.com/medtrace/medtrace/scanner/dmencode"
)

// TestLiveV4L2Loopback runs the live camera path (camera.OpenDevice, the
// newest-frame pipeline, the decoder in its camera configuration) against
// a real V4L2 device: a v4l2loopback device fed with YUYV frames that
// show a code. It is skipped, with the reason, where the kernel offers no
// such device (load one with `modprobe v4l2loopback`).
func TestLiveV4L2Loopback(t *testing.T) {
	dev, reason := loopbackDevice()
	if dev == "" {
		t.Skip("no v4l2loopback device: " + reason)
	}
	const w, h = 640, 480
	code := "0109506000134352172912311" + "0LIVE01" + "\x1d" + "21CAM9"
	sym, err := dmencode.Encode([]byte(code), true, dmencode.ShapeSquare)
	if err != nil {
		t.Fatal(err)
	}
	frame := yuyvFrame(sym, w, h)
	out, err := openOutput(dev, w, h)
	if err != nil {
		t.Fatalf("loopback output %s: %v", dev, err)
	}
	defer func() { _ = out.Close() }() // a write error has already failed the test
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// The writer owns the output side until ctx ends: v4l2loopback hands
	// the capture side the latest frame written.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(33 * time.Millisecond)
		defer tick.Stop()
		for {
			if _, err := out.Write(frame); err != nil && ctx.Err() == nil {
				t.Errorf("write frame: %v", err)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	defer wg.Wait()
	defer cancel()
	cam, err := camera.OpenDevice(ctx, dev, w, h)
	if err != nil {
		t.Fatalf("open %s: %v", dev, err)
	}
	defer func() {
		if err := cam.Close(); err != nil {
			t.Errorf("close %s: %v", dev, err)
		}
	}()
	p := camera.NewPipeline(cam, dmdecode.New(dmdecode.Options{Budget: 60 * time.Millisecond, Strategies: 1}), 2*time.Second)
	var got []scanner.Read
	runCtx, stop := context.WithCancel(ctx)
	err = p.Run(runCtx, func(r scanner.Read) {
		got = append(got, r)
		stop()
	})
	stop()
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("pipeline: %v", err)
	}
	if len(got) == 0 {
		t.Fatalf("no code read from %s within the time limit (%+v)", dev, p.Stats())
	}
	if string(got[0].Data) != code || got[0].Symbology != scanner.SymGS1DataMatrix {
		t.Fatalf("read %s %q, want %q", got[0].Symbology, got[0].Data, code)
	}
}

// loopbackDevice returns the first v4l2loopback device, or "" and why
// there is none.
func loopbackDevice() (string, string) {
	names, _ := filepath.Glob("/sys/class/video4linux/video*/name")
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			continue
		}
		// v4l2loopback's default card label is "Dummy video device (0x0000)".
		if s := strings.ToLower(string(b)); strings.Contains(s, "loopback") || strings.Contains(s, "dummy video device") {
			return "/dev/" + filepath.Base(filepath.Dir(n)), ""
		}
	}
	var u unix.Utsname
	release := "unknown"
	if unix.Uname(&u) == nil {
		release = unix.ByteSliceToString(u.Release[:])
	}
	why := fmt.Sprintf("none of the %d video4linux devices is one", len(names))
	if _, err := os.Stat("/lib/modules/" + release); err != nil {
		why += fmt.Sprintf("; this kernel (%s) has no modules directory (/lib/modules/%s), so v4l2loopback cannot be loaded", release, release)
	} else {
		why += "; load it with `modprobe v4l2loopback` (as root)"
	}
	return "", why
}

// yuyvFrame renders sym (4-pixel modules) in the middle of a light w x h
// frame as YUYV 4:2:2 (chroma neutral).
func yuyvFrame(sym *dmencode.Symbol, w, h int) []byte {
	img := sym.Image(4, 4)
	b := img.Bounds()
	x0, y0 := (w-b.Dx())/2, (h-b.Dy())/2
	buf := make([]byte, w*h*2)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := byte(200)
			if x >= x0 && y >= y0 && x < x0+b.Dx() && y < y0+b.Dy() {
				v = img.GrayAt(x-x0, y-y0).Y
				v = 20 + byte(int(v)*200/255)
			}
			buf[(y*w+x)*2] = v
			buf[(y*w+x)*2+1] = 128
		}
	}
	return buf
}

// v4l2PixFormat is struct v4l2_pix_format.
type v4l2PixFormat struct {
	width, height, pixelformat, field, bytesperline, sizeimage, colorspace, priv, flags, ycbcrEnc, quantization, xferFunc uint32
}

// v4l2Format is struct v4l2_format (its union is 200 bytes, 8-aligned on
// 64-bit systems).
type v4l2Format struct {
	typ uint32
	_   uint32
	pix v4l2PixFormat
	_   [200 - unsafe.Sizeof(v4l2PixFormat{})]byte
}

// vidiocSFmt is VIDIOC_S_FMT, _IOWR('V', 5, struct v4l2_format).
const vidiocSFmt = uintptr(3<<30 | unsafe.Sizeof(v4l2Format{})<<16 | 'V'<<8 | 5)

const (
	v4l2BufTypeVideoOutput = 2
	v4l2FieldNone          = 1
	v4l2PixFmtYUYV         = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
)

// openOutput opens the loopback's output side and sets its format to YUYV
// w x h (VIDIOC_S_FMT), so frames can be written to it.
func openOutput(dev string, w, h int) (*os.File, error) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		return nil, fmt.Errorf("v4l2_format layout not known for %s", runtime.GOARCH)
	}
	f, err := os.OpenFile(dev, os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	format := v4l2Format{typ: v4l2BufTypeVideoOutput, pix: v4l2PixFormat{width: uint32(w), height: uint32(h),
		pixelformat: v4l2PixFmtYUYV, field: v4l2FieldNone, bytesperline: uint32(2 * w), sizeimage: uint32(2 * w * h)}}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), vidiocSFmt, uintptr(unsafe.Pointer(&format))); errno != 0 {
		_ = f.Close() // the ioctl's error is the one to report
		return nil, fmt.Errorf("VIDIOC_S_FMT: %w", errno)
	}
	return f, nil
}

// TestLoopbackFeed checks what TestLiveV4L2Loopback sends where no device
// is needed: the v4l2_format layout and ioctl number of linux/videodev2.h
// on 64-bit systems, and that the YUYV frame's luminance reads as the code.
func TestLoopbackFeed(t *testing.T) {
	if unsafe.Sizeof(v4l2Format{}) != 208 || (runtime.GOARCH == "amd64" && vidiocSFmt != 0xc0d05605) {
		t.Fatalf("v4l2_format is %d bytes, VIDIOC_S_FMT %#x; want 208 and 0xc0d05605", unsafe.Sizeof(v4l2Format{}), vidiocSFmt)
	}
	code := "0109506000134352172912311" + "0LIVE01" + "\x1d" + "21CAM9"
	sym, err := dmencode.Encode([]byte(code), true, dmencode.ShapeSquare)
	if err != nil {
		t.Fatal(err)
	}
	const w, h = 640, 480
	buf := yuyvFrame(sym, w, h)
	y := make([]byte, w*h)
	for i := range y {
		y[i] = buf[2*i]
	}
	d := dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget, Strategies: 1})
	reads, err := d.DecodeGray(context.Background(), dmdecode.NewGray(y, w, w, h))
	if err != nil {
		t.Fatal(err)
	}
	if string(reads[0].Data) != code {
		t.Fatalf("read %q, want %q", reads[0].Data, code)
	}
}

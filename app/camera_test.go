package app

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/camera"
	"github.com/medtrace/medtrace/scanner/dmdecode"
	"github.com/medtrace/medtrace/scanner/dmencode"
)

// folderCamera is a Camera that replays the images of a folder through
// scanner/camera's pipeline and the Data Matrix decoder, as main's V4L2
// camera does with live frames.
type folderCamera struct {
	dir     string
	devices chan string // the device each Stream was asked for
}

func (c *folderCamera) Stream(ctx context.Context, device string, _, _ int,
	onFrame func(image.Image, []image.Rectangle), onRead func([]byte)) error {
	c.devices <- device
	src, err := camera.NewFolderSource(ctx, c.dir, 0, false)
	if err != nil {
		return err
	}
	p := camera.NewPipeline(src, dmdecode.New(dmdecode.Options{All: true, Budget: dmdecode.NoBudget}), 0)
	return p.RunFrames(ctx, func(f camera.Frame, reads []scanner.Read) {
		boxes := make([]image.Rectangle, 0, len(reads))
		for _, r := range reads {
			boxes = append(boxes, r.Bounds())
		}
		onFrame(f.Image, boxes)
	}, func(r scanner.Read) { onRead(r.WithAIM()) })
}

// The test frames: 640x480, white, with the code of rawActive drawn with
// 6 px modules and its top-left symbol corner at codeAt.
const (
	frameW, frameH = 640, 480
	moduleSize     = 6
)

var codeAt = image.Pt(200, 120)

// writeFrames writes the frames into a new folder: a blank one, then n
// frames showing the code (the pipeline reports it once), and returns the
// folder and the code's rectangle in frame pixels.
func writeFrames(t *testing.T, n int) (string, image.Rectangle) {
	t.Helper()
	sym, err := dmencode.Encode([]byte(rawActive), true, dmencode.ShapeSquare)
	if err != nil {
		t.Fatal(err)
	}
	code := sym.Image(moduleSize, 0)
	dir := t.TempDir()
	for i := 0; i <= n; i++ {
		img := image.NewGray(image.Rect(0, 0, frameW, frameH))
		draw.Draw(img, img.Bounds(), image.NewUniform(color.Gray{Y: 250}), image.Point{}, draw.Src)
		if i > 0 {
			draw.Draw(img, code.Bounds().Add(codeAt), code, code.Bounds().Min, draw.Src)
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("frame%02d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return dir, code.Bounds().Add(codeAt)
}

// drawnBoxes returns the visible code boxes of the preview, relative to
// the preview area.
func drawnBoxes(c *cameraPanel) []*canvas.Rectangle {
	var out []*canvas.Rectangle
	for _, o := range c.view.Objects {
		if r, ok := o.(*canvas.Rectangle); ok && r.Visible() && r.StrokeColor == boxColour {
			out = append(out, r)
		}
	}
	return out
}

func TestCameraPreview(t *testing.T) {
	tests := []struct {
		name  string
		role  string
		start func(fx *fixture) // before the camera opens
		check func(t *testing.T, fx *fixture)
	}{
		{"pharmacist gets the verdict", RolePharmacist, func(*fixture) {}, func(t *testing.T, fx *fixture) {
			v := fx.u.pharm.verdict
			if v.current.Reason != ReasonActive || v.title.Text != "Authentic, active" {
				t.Errorf("verdict %s %q, want the active pack", v.current.Reason, v.title.Text)
			}
		}},
		{"inspector gets the verdict", RoleInspector, func(*fixture) {}, func(t *testing.T, fx *fixture) {
			if v := fx.u.insp.verdict; v.current.Reason != ReasonActive {
				t.Errorf("verdict %s, want active", v.current.Reason)
			}
		}},
		{"warehouse counts the pack", RoleWarehouse, func(fx *fixture) {
			fx.u.ware.counterparty.SetText(testCounterparty)
			fx.key(fyne.KeyF2)
		}, func(t *testing.T, fx *fixture) {
			if got := fx.u.ware.counts["packs"].Text; got != "1" {
				t.Errorf("packs count %q, want 1", got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, code := writeFrames(t, 3)
			cam := &folderCamera{dir: dir, devices: make(chan string, 4)}
			fx := newFixture(t, tc.role, LangEnglish, func(c *Config) { c.Camera = cam })
			fx.u.set.CameraDevice = "/dev/video-test"
			tc.start(fx)
			if !fx.u.screenKey(fyne.KeyF12) {
				t.Fatal("F12 not handled on the role screen")
			}
			fx.settle()
			if got := <-cam.devices; got != "/dev/video-test" {
				t.Errorf("camera opened %q", got)
			}
			c := fx.u.cam
			if !c.shown || len(c.slot.Objects) != 1 {
				t.Fatal("preview not shown")
			}
			tc.check(t, fx)
			// The code was in three frames: one scan.
			var camScans int
			for _, r := range fx.scans.recs {
				if r.Source == "camera:/dev/video-test" {
					camScans++
				}
			}
			if camScans != 1 {
				t.Errorf("%d camera scans in the log, want 1 (%+v)", camScans, fx.scans.recs)
			}
			if want := "The camera stopped · 1 read"; c.status.Text != want {
				t.Errorf("status %q, want %q", c.status.Text, want)
			}
			boxes := drawnBoxes(c)
			if len(boxes) != 1 {
				t.Fatalf("%d boxes drawn, want 1", len(boxes))
			}
			// Where the code is on screen: the frame is fitted into the
			// preview area keeping its aspect ratio, centred.
			area := c.view.Size()
			if area.Width < previewMin.Width || area.Height < previewMin.Height {
				t.Fatalf("preview area %v, smaller than its minimum %v", area, previewMin)
			}
			s := math.Min(float64(area.Width)/frameW, float64(area.Height)/frameH)
			offX, offY := (float64(area.Width)-frameW*s)/2, (float64(area.Height)-frameH*s)/2
			want := [4]float64{offX + float64(code.Min.X)*s, offY + float64(code.Min.Y)*s, float64(code.Dx()) * s, float64(code.Dy()) * s}
			b := boxes[0]
			got := [4]float64{float64(b.Position().X), float64(b.Position().Y), float64(b.Size().Width), float64(b.Size().Height)}
			tol := moduleSize*s + 2 // a module of the code, and rounding
			for i := range want {
				if math.Abs(got[i]-want[i]) > tol {
					t.Fatalf("box at %v (x, y, w, h), want %v within %.1f (preview %v)", got, want, tol, area)
				}
			}
			if c.img.Image == nil || c.img.Size().Width < 100 {
				t.Errorf("frame not drawn: %v, size %v", c.img.Image != nil, c.img.Size())
			}
			fx.u.screenKey(fyne.KeyF12)
			fx.settle()
			if c.shown || len(c.slot.Objects) != 0 {
				t.Error("F12 did not close the preview")
			}
		})
	}
}

// blockingCamera runs until its context ends, with a frame every time it
// is told to, and says when it has stopped.
type blockingCamera struct {
	err     error // returned at once when set
	started chan struct{}
	stopped chan struct{}
}

func (c *blockingCamera) Stream(ctx context.Context, _ string, _, _ int, _ func(image.Image, []image.Rectangle), _ func([]byte)) error {
	if c.err != nil {
		return c.err
	}
	close(c.started)
	<-ctx.Done()
	close(c.stopped)
	return nil
}

func TestCameraStopsWhenClosed(t *testing.T) {
	cam := &blockingCamera{started: make(chan struct{}), stopped: make(chan struct{})}
	fx := newFixture(t, RolePharmacist, LangEnglish, func(c *Config) { c.Camera = cam })
	fx.u.cam.btn.OnTapped()
	<-cam.started
	if fx.u.cam.btn.Text != "Close camera  [F12]" {
		t.Errorf("button says %q while the camera runs", fx.u.cam.btn.Text)
	}
	fx.u.cam.btn.OnTapped()
	select {
	case <-cam.stopped:
	case <-time.After(10 * time.Second): // a guard against a hang, not a speed check
		t.Fatal("the camera still runs after the preview closed")
	}
	fx.settle()
	if fx.u.cam.shown || fx.u.cam.btn.Text != "Camera  [F12]" {
		t.Errorf("preview shown=%v, button %q", fx.u.cam.shown, fx.u.cam.btn.Text)
	}
}

func TestCameraMissing(t *testing.T) {
	tests := []struct {
		name     string
		lang     string
		camera   Camera
		disabled bool
		status   string
	}{
		{"no device", LangEnglish, &blockingCamera{err: fmt.Errorf("open /dev/video9: %w", ErrNoCamera)}, false,
			"No camera at /dev/video9. Connect one, or set the camera device in Settings."},
		{"no device, chinese", LangChinese, &blockingCamera{err: fmt.Errorf("open /dev/video9: %w", ErrNoCamera)}, false,
			"/dev/video9 处没有摄像头。请连接摄像头，或在设置中指定摄像头设备。"},
		{"device fails", LangEnglish, &blockingCamera{err: fmt.Errorf("camera /dev/video9: %w", camera.ErrNoFormat)}, false,
			"The camera could not be used: camera /dev/video9: camera offers neither MJPEG nor YUYV"},
		{"not wired", LangEnglish, nil, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, RolePharmacist, tc.lang, func(c *Config) { c.Camera = tc.camera })
			fx.u.set.CameraDevice = "/dev/video9"
			c := fx.u.cam
			if c.btn.Disabled() != tc.disabled {
				t.Fatalf("button disabled=%v (%q)", c.btn.Disabled(), c.btn.Text)
			}
			if tc.disabled {
				if !strings.Contains(c.btn.Text, "not connected") {
					t.Errorf("button %q does not say it is not connected", c.btn.Text)
				}
				if fx.u.screenKey(fyne.KeyF12) {
					t.Error("F12 handled with no camera wired")
				}
				return
			}
			fx.u.screenKey(fyne.KeyF12)
			fx.settle()
			if !c.shown || c.status.Text != tc.status {
				t.Errorf("preview shown=%v, status %q, want %q", c.shown, c.status.Text, tc.status)
			}
			if fx.sound.last() != SoundFailure {
				t.Errorf("sound %v, want failure", fx.sound.last())
			}
		})
	}
}

func TestFrameGate(t *testing.T) {
	t.Run("newest frame wins, last one drawn", func(t *testing.T) {
		g := newFrameGate()
		imgs := []image.Image{image.NewGray(image.Rect(0, 0, 1, 1)), image.NewGray(image.Rect(0, 0, 2, 2)), image.NewGray(image.Rect(0, 0, 3, 3))}
		for _, img := range imgs {
			g.put(img, []image.Rectangle{img.Bounds()})
		}
		g.finish()
		var drawn []image.Image
		g.run(context.Background(), time.Hour, func(img image.Image, boxes []image.Rectangle) {
			drawn = append(drawn, img)
			if len(boxes) != 1 || boxes[0] != img.Bounds() {
				t.Errorf("boxes %v for %v", boxes, img.Bounds())
			}
		})
		if len(drawn) != 1 || drawn[0] != imgs[2] {
			t.Fatalf("drew %d frames; want only the newest", len(drawn))
		}
	})
	t.Run("ends with its context", func(t *testing.T) {
		g := newFrameGate()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		g.run(ctx, time.Hour, func(image.Image, []image.Rectangle) { t.Error("drew a frame") })
	})
}

func TestScaleFrame(t *testing.T) {
	tests := []struct {
		name     string
		frame    image.Rectangle
		box      image.Rectangle
		wantSize image.Point
		wantBox  image.Rectangle
	}{
		{"halved", image.Rect(0, 0, 960, 720), image.Rect(100, 200, 300, 400), image.Pt(480, 360), image.Rect(50, 100, 150, 200)},
		{"small frames stay", image.Rect(0, 0, 320, 240), image.Rect(10, 10, 20, 20), image.Pt(320, 240), image.Rect(10, 10, 20, 20)},
		{"offset bounds", image.Rect(100, 100, 1060, 820), image.Rect(200, 300, 400, 500), image.Pt(480, 360), image.Rect(50, 100, 150, 200)},
		{"wide", image.Rect(0, 0, 1280, 720), image.Rect(0, 0, 1280, 720), image.Pt(480, 270), image.Rect(0, 0, 480, 270)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := scaleFrame(image.NewGray(tc.frame), []image.Rectangle{tc.box}, image.Pt(480, 360))
			if f.size != tc.wantSize || f.img.Bounds().Size() != tc.wantSize {
				t.Errorf("size %v (image %v), want %v", f.size, f.img.Bounds(), tc.wantSize)
			}
			if len(f.boxes) != 1 || f.boxes[0] != tc.wantBox {
				t.Errorf("boxes %v, want %v", f.boxes, tc.wantBox)
			}
		})
	}
}

func TestParseResolution(t *testing.T) {
	tests := []struct {
		in   string
		w, h int
		ok   bool
	}{
		{"1280x720", 1280, 720, true},
		{" 640X480 ", 640, 480, true},
		{"1280", 0, 0, false},
		{"x720", 0, 0, false},
		{"-1x5", 0, 0, false},
		{"99999x1", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			w, h, ok := parseResolution(tc.in)
			if w != tc.w || h != tc.h || ok != tc.ok {
				t.Fatalf("parseResolution(%q) = %d, %d, %v", tc.in, w, h, ok)
			}
		})
	}
}

// BenchmarkScaleFrame is the work the preview does per frame drawn (at most
// about 12 a second) off Fyne's goroutine: a 1280x720 camera frame (MJPEG
// decodes to YCbCr 4:2:0, YUYV to grey) scaled into the 480x270 RGBA image
// the canvas shows.
func BenchmarkScaleFrame(b *testing.B) {
	for _, tc := range []struct {
		name string
		img  image.Image
	}{
		{"mjpeg-ycbcr", image.NewYCbCr(image.Rect(0, 0, 1280, 720), image.YCbCrSubsampleRatio420)},
		{"yuyv-gray", image.NewGray(image.Rect(0, 0, 1280, 720))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			boxes := []image.Rectangle{image.Rect(500, 200, 700, 400)}
			for b.Loop() {
				scaleFrame(tc.img, boxes, previewMax)
			}
		})
	}
}

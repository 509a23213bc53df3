//go:build linux

package camera

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"path/filepath"
	"sort"
	"time"

	"github.com/blackjack/webcam"

	"github.com/medtrace/medtrace/scanner"
)

// V4L2 pixel formats MedTrace can read.
const (
	FourCCMJPEG = "MJPG"
	FourCCYUYV  = "YUYV"
)

// Size is a frame size in pixels.
type Size struct{ W, H int }

// DeviceInfo describes a V4L2 capture device.
type DeviceInfo struct {
	Path    string
	Name    string
	Formats map[string][]Size // by FourCC, only MJPG and YUYV
}

func fourCC(f webcam.PixelFormat) string {
	return string([]byte{byte(f), byte(f >> 8), byte(f >> 16), byte(f >> 24)})
}

// ListDevices lists /dev/video* capture devices with their MJPEG and YUYV
// frame sizes. Devices that cannot be opened are skipped.
func ListDevices(ctx context.Context) ([]DeviceInfo, error) {
	paths, err := filepath.Glob("/dev/video*")
	if err != nil {
		return nil, fmt.Errorf("list cameras: %w", err)
	}
	sort.Strings(paths)
	var out []DeviceInfo
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cam, err := webcam.Open(p)
		if err != nil {
			continue
		}
		info := DeviceInfo{Path: p, Formats: map[string][]Size{}}
		info.Name, _ = cam.GetName()
		for f := range cam.GetSupportedFormats() {
			cc := fourCC(f)
			if cc != FourCCMJPEG && cc != FourCCYUYV {
				continue
			}
			for _, fs := range cam.GetSupportedFrameSizes(f) {
				info.Formats[cc] = append(info.Formats[cc], Size{int(fs.MaxWidth), int(fs.MaxHeight)})
			}
		}
		_ = cam.Close() // only probed: nothing of it is kept
		if len(info.Formats) > 0 {
			out = append(out, info)
		}
	}
	return out, nil
}

// Device is a V4L2 camera as a frame Source.
type Device struct {
	path   string
	cam    *webcam.Webcam
	format string
	w, h   int
	seq    uint64
}

// ErrNoFormat is returned when a camera offers neither MJPEG nor YUYV.
var ErrNoFormat = errors.New("camera offers neither MJPEG nor YUYV")

// OpenDevice opens a camera at the size closest to w x h, preferring MJPEG
// (less USB bandwidth) over YUYV, and starts streaming.
func OpenDevice(ctx context.Context, path string, w, h int) (*Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cam, err := webcam.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open camera %s: %w", path, err)
	}
	formats := cam.GetSupportedFormats()
	var chosen webcam.PixelFormat
	var cc string
	for _, want := range []string{FourCCMJPEG, FourCCYUYV} {
		for f := range formats {
			if fourCC(f) == want {
				chosen, cc = f, want
				break
			}
		}
		if cc != "" {
			break
		}
	}
	if cc == "" {
		_ = cam.Close() // the setup error is the one to report
		return nil, fmt.Errorf("camera %s: %w", path, ErrNoFormat)
	}
	best, bestD := Size{w, h}, -1
	for _, fs := range cam.GetSupportedFrameSizes(chosen) {
		d := abs(int(fs.MaxWidth)-w) + abs(int(fs.MaxHeight)-h)
		if bestD < 0 || d < bestD {
			best, bestD = Size{int(fs.MaxWidth), int(fs.MaxHeight)}, d
		}
	}
	_, gw, gh, err := cam.SetImageFormat(chosen, uint32(best.W), uint32(best.H))
	if err != nil {
		_ = cam.Close() // the setup error is the one to report
		return nil, fmt.Errorf("camera %s: set format %s %dx%d: %w", path, cc, best.W, best.H, err)
	}
	if err := (scanner.ImageLimits{}).CheckSize(int(gw), int(gh)); err != nil || gw == 0 || gh == 0 {
		_ = cam.Close() // the setup error is the one to report
		return nil, fmt.Errorf("camera %s: negotiated format %s %dx%d: %w", path, cc, gw, gh, errors.Join(err, ErrFrameSize))
	}
	if err := cam.StartStreaming(); err != nil {
		_ = cam.Close() // the setup error is the one to report
		return nil, fmt.Errorf("camera %s: start streaming: %w", path, err)
	}
	return &Device{path: path, cam: cam, format: cc, w: int(gw), h: int(gh)}, nil
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// Name returns the device path.
func (d *Device) Name() string { return d.path }

// Format returns the pixel format and frame size in use.
func (d *Device) Format() (string, Size) { return d.format, Size{d.w, d.h} }

// Next waits for the next frame (checking ctx every second) and converts
// it: MJPEG is JPEG-decoded, YUYV gives its luminance plane. A frame that
// is not of the negotiated size (an MJPEG header checked before decoding,
// a YUYV buffer too short) or does not decode gives a *FrameError; the
// next call goes on with the next frame.
func (d *Device) Next(ctx context.Context) (Frame, error) {
	for {
		if err := ctx.Err(); err != nil {
			return Frame{}, err
		}
		err := d.cam.WaitForFrame(1)
		var timeout *webcam.Timeout
		if errors.As(err, &timeout) {
			continue
		}
		if err != nil {
			return Frame{}, fmt.Errorf("camera %s: %w", d.path, err)
		}
		buf, idx, err := d.cam.GetFrame()
		if err != nil {
			return Frame{}, fmt.Errorf("camera %s: %w", d.path, err)
		}
		if len(buf) == 0 {
			if err := d.cam.ReleaseFrame(idx); err != nil {
				return Frame{}, fmt.Errorf("camera %s: release frame: %w", d.path, err)
			}
			continue
		}
		img, cerr := convertFrame(d.format, buf, d.w, d.h)
		if err := d.cam.ReleaseFrame(idx); err != nil && cerr == nil {
			// A buffer not given back starves the driver: stop here.
			return Frame{}, fmt.Errorf("camera %s: release frame: %w", d.path, err)
		}
		if cerr != nil {
			return Frame{}, &FrameError{Name: d.path, Err: cerr}
		}
		d.seq++
		return Frame{Image: img, Time: time.Now(), Seq: d.seq}, nil
	}
}

// Close stops streaming and closes the device.
func (d *Device) Close() error {
	serr := d.cam.StopStreaming()
	cerr := d.cam.Close()
	return errors.Join(serr, cerr)
}

// convertFrame turns a raw MJPEG or YUYV buffer of a w x h frame into an
// image, copying it out of the driver's buffer. An MJPEG frame whose
// header declares another size is refused (ErrFrameSize) before decoding.
func convertFrame(format string, buf []byte, w, h int) (image.Image, error) {
	switch format {
	case FourCCMJPEG:
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(buf))
		if err != nil {
			return nil, fmt.Errorf("mjpeg frame: %w", err)
		}
		if cfg.Width != w || cfg.Height != h {
			return nil, fmt.Errorf("%w: mjpeg frame of %dx%d, negotiated %dx%d", ErrFrameSize, cfg.Width, cfg.Height, w, h)
		}
		img, err := jpeg.Decode(bytes.NewReader(buf))
		if err != nil {
			return nil, fmt.Errorf("mjpeg frame: %w", err)
		}
		return img, nil
	case FourCCYUYV:
		return yuyvLuma(buf, w, h)
	}
	return nil, fmt.Errorf("pixel format %q: %w", format, ErrNoFormat)
}

// yuyvLuma extracts the Y plane of a YUYV (YUV 4:2:2) frame.
func yuyvLuma(buf []byte, w, h int) (*image.Gray, error) {
	if w <= 0 || h <= 0 || len(buf) < w*h*2 {
		return nil, fmt.Errorf("%w: yuyv frame of %d bytes, negotiated %dx%d needs %d", ErrFrameSize, len(buf), w, h, w*h*2)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = buf[2*i]
	}
	return img, nil
}

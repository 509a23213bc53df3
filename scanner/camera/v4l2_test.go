//go:build linux

package camera

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"testing"

	"github.com/medtrace/medtrace/scanner/dmdecode"
)

func TestConvertFrame(t *testing.T) {
	img := codeImage(t, codeA)
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	w, h := img.Rect.Dx(), img.Rect.Dy()
	yuyv := make([]byte, w*h*2)
	for i, v := range img.Pix {
		yuyv[2*i], yuyv[2*i+1] = v, 128
	}
	tests := []struct {
		name    string
		format  string
		buf     []byte
		wantErr bool
		size    bool // want ErrFrameSize
	}{
		{name: "mjpeg", format: FourCCMJPEG, buf: jb.Bytes()},
		{name: "yuyv", format: FourCCYUYV, buf: yuyv},
		{name: "short yuyv", format: FourCCYUYV, buf: yuyv[:10], wantErr: true, size: true},
		{name: "corrupt mjpeg", format: FourCCMJPEG, buf: []byte{0xff, 0xd8, 0}, wantErr: true},
		{name: "unknown", format: "H264", buf: yuyv, wantErr: true},
		{name: "mjpeg of another size", format: FourCCMJPEG, buf: jpegOf(t, image.NewGray(image.Rect(0, 0, w+8, h))), wantErr: true, size: true},
		{name: "mjpeg bomb header", format: FourCCMJPEG, buf: jpegBombHeader(), wantErr: true, size: true},
		{name: "yuyv short by a row", format: FourCCYUYV, buf: yuyv[:len(yuyv)-2*w], wantErr: true, size: true},
	}
	d := dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := convertFrame(tc.format, tc.buf, w, h)
			if tc.wantErr {
				if err == nil || errors.Is(err, ErrFrameSize) != tc.size {
					t.Fatalf("err = %v, want an error (frame size: %v)", err, tc.size)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			reads, err := d.Decode(context.Background(), out)
			if err != nil || string(reads[0].Data) != codeA {
				t.Fatalf("decode: %v", err)
			}
		})
	}
}

func jpegOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegBombHeader is the start of a JPEG that declares 60000x60000 pixels.
func jpegBombHeader() []byte {
	return []byte{0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
		0xFF, 0xC0, 0x00, 0x0B, 8, 0xEA, 0x60, 0xEA, 0x60, 1, 1, 0x11, 0}
}

func TestListDevices(t *testing.T) {
	// This machine has no camera; the call must still succeed.
	devs, err := ListDevices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if d.Path == "" || len(d.Formats) == 0 {
			t.Errorf("device %+v", d)
		}
	}
}

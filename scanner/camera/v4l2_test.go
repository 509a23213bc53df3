//go:build linux

package camera

import (
	"bytes"
	"context"
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
	}{
		{name: "mjpeg", format: FourCCMJPEG, buf: jb.Bytes()},
		{name: "yuyv", format: FourCCYUYV, buf: yuyv},
		{name: "short yuyv", format: FourCCYUYV, buf: yuyv[:10], wantErr: true},
		{name: "corrupt mjpeg", format: FourCCMJPEG, buf: []byte{0xff, 0xd8, 0}, wantErr: true},
		{name: "unknown", format: "H264", buf: yuyv, wantErr: true},
	}
	d := dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := convertFrame(tc.format, tc.buf, w, h)
			if tc.wantErr {
				if err == nil {
					t.Fatal("no error")
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

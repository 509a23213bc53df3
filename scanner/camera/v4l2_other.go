//go:build !linux

package camera

import (
	"context"
	"errors"
)

// ErrUnsupported is returned on systems without V4L2.
var ErrUnsupported = errors.New("live cameras are supported on Linux (V4L2) only")

// Size is a frame size in pixels.
type Size struct{ W, H int }

// DeviceInfo describes a capture device.
type DeviceInfo struct {
	Path    string
	Name    string
	Formats map[string][]Size
}

// ListDevices returns no devices on this system.
func ListDevices(ctx context.Context) ([]DeviceInfo, error) { return nil, ctx.Err() }

// Device is a camera as a frame Source (Linux only).
type Device struct{}

// OpenDevice fails with ErrUnsupported on this system.
func OpenDevice(ctx context.Context, path string, w, h int) (*Device, error) {
	return nil, ErrUnsupported
}

// Name returns "".
func (d *Device) Name() string { return "" }

// Next fails with ErrUnsupported.
func (d *Device) Next(ctx context.Context) (Frame, error) { return Frame{}, ErrUnsupported }

// Close does nothing.
func (d *Device) Close() error { return nil }

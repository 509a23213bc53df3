package intake

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"time"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/camera"
	"github.com/medtrace/medtrace/scanner/dmdecode"
)

// ErrNoCamera is wrapped by Camera.Stream when the device does not exist.
var ErrNoCamera = errors.New("no such camera")

// LiveDecoder is the decoder for live camera frames: every code in the
// frame, the locator, gozxing's hybrid pass and the two dot-printed passes
// (vials), within 60 ms a frame: the next frame is a better second chance
// than a slow pass. `medtrace scan --camera` uses it too.
func LiveDecoder() *dmdecode.Decoder {
	return dmdecode.New(LiveOptions)
}

// LiveOptions are LiveDecoder's options.
var LiveOptions = dmdecode.Options{All: true, Budget: 60 * time.Millisecond, Strategies: 4}

// Camera streams a V4L2 camera through the frame pipeline and the Data
// Matrix decoder, for a live preview.
type Camera struct{}

// Stream runs device at about width x height until ctx ends or the source
// runs out (nil). onFrame gets every decoded frame with a box around each
// code in it; onRead gets each code once as it comes into view. Both run on
// the camera's goroutines and must not block.
func (Camera) Stream(ctx context.Context, device string, width, height int,
	onFrame func(image.Image, []image.Rectangle), onRead func([]byte)) error {
	if _, err := os.Stat(device); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrNoCamera, device)
	}
	d, err := camera.OpenDevice(ctx, device, width, height)
	if err != nil {
		return err
	}
	defer func() { _ = d.Close() }() // the stream's own error is the one to report
	return camera.NewPipeline(d, LiveDecoder(), 0).RunFrames(ctx, func(f camera.Frame, reads []scanner.Read) {
		boxes := make([]image.Rectangle, 0, len(reads))
		for _, r := range reads {
			boxes = append(boxes, r.Bounds())
		}
		onFrame(f.Image, boxes)
	}, func(r scanner.Read) { onRead(r.WithAIM()) })
}

// Package camera reads Data Matrix codes from a stream of frames: a frame
// source (a V4L2 camera on Linux, or a replayed folder of images) feeds a
// pipeline that always decodes the newest frame, drops stale ones, and
// reports a code seen in consecutive frames once.
package camera

import (
	"context"
	"errors"
	"fmt"
	"image"
	"sync"
	"time"

	"github.com/medtrace/medtrace/scanner"
)

// Frame is one captured image.
type Frame struct {
	Image image.Image
	Time  time.Time
	Seq   uint64 // increasing per source
}

// Source yields frames. Next blocks until a frame is ready or ctx ends; it
// returns ErrEndOfStream when a finite source is exhausted.
type Source interface {
	Next(ctx context.Context) (Frame, error)
	Name() string
}

// ErrEndOfStream is returned by a finite Source after its last frame.
var ErrEndOfStream = errors.New("end of frame stream")

// ErrNoReadableFrame ends a looping folder replay whose every image was
// refused in one pass.
var ErrNoReadableFrame = errors.New("no readable image")

// FrameError is returned by a Source's Next for one frame it refused (an
// image file that cannot be read or is over the size limits, a camera
// frame whose size is not the negotiated one); the source goes on with the
// next frame. A Pipeline counts it in Stats.Skipped, reports it to the
// function given to OnSkip and keeps running.
type FrameError struct {
	Name string // the file, or the device
	Err  error
}

// Error names the frame and the reason.
func (e *FrameError) Error() string { return fmt.Sprintf("frame %s: %v", e.Name, e.Err) }

// Unwrap returns the reason.
func (e *FrameError) Unwrap() error { return e.Err }

// ErrFrameSize is the reason (wrapped in a *FrameError) for a camera frame
// whose size is not the format negotiated with the device.
var ErrFrameSize = errors.New("frame size differs from the negotiated format")

// Decoder finds codes in an image (dmdecode.Decoder satisfies it).
type Decoder interface {
	Decode(ctx context.Context, img image.Image) ([]scanner.Read, error)
}

// Stats counts what a pipeline did.
type Stats struct {
	Captured uint64 // frames taken from the source
	Decoded  uint64 // frames handed to the decoder
	Dropped  uint64 // frames replaced by a newer one before decoding
	Reads    uint64 // reads reported
	Skipped  uint64 // frames the source refused (FrameError)
}

// Pipeline connects a Source to a Decoder.
type Pipeline struct {
	src Source
	dec Decoder
	// Forget is how long a code must be absent before it is reported
	// again; 0 means 2 s.
	forget time.Duration

	onSkip func(error)

	mu    sync.Mutex
	stats Stats
}

// NewPipeline returns a pipeline; forget is how long a code must be out of
// view before it is reported again (0 means 2 s).
func NewPipeline(src Source, dec Decoder, forget time.Duration) *Pipeline {
	if forget <= 0 {
		forget = 2 * time.Second
	}
	return &Pipeline{src: src, dec: dec, forget: forget}
}

// OnSkip sets fn to be told, from Run's goroutine, of each frame the
// source refused (a *FrameError). Call it before Run. At most maxSkipped
// refusals wait between two decodes; more are only counted (Stats.Skipped).
func (p *Pipeline) OnSkip(fn func(error)) { p.onSkip = fn }

// maxSkipped bounds the refusals held for OnSkip while a frame decodes.
const maxSkipped = 16

// Stats returns the counters so far.
func (p *Pipeline) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// Run captures and decodes until ctx ends or a finite source is exhausted
// (then the last frame is decoded first), calling emit from Run's goroutine
// for each new code. It returns nil on ctx end or end of stream, else the
// source's error. The capture goroutine has ended when Run returns.
func (p *Pipeline) Run(ctx context.Context, emit func(scanner.Read)) error {
	return p.RunFrames(ctx, nil, emit)
}

// RunFrames is Run that also calls onFrame (when not nil), from Run's
// goroutine, with every decoded frame and all the codes found in it, each
// with its corners, whether new or seen before (for a live preview that
// draws a box around each code). onFrame is called before emit for the
// frame's new codes; it must not keep reads' slices it does not own.
func (p *Pipeline) RunFrames(ctx context.Context, onFrame func(Frame, []scanner.Read), emit func(scanner.Read)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		mu      sync.Mutex
		latest  *Frame
		pre     []error // refusals to hand to onSkip before latest is decoded
		post    []error // refusals that came after latest
		srcErr  error
		ended   bool
		wake    = make(chan struct{}, 1)
		capDone = make(chan struct{})
	)
	go func() { // capture: keep only the newest frame
		defer close(capDone)
		for {
			f, err := p.src.Next(ctx)
			var fe *FrameError
			if errors.As(err, &fe) && ctx.Err() == nil {
				p.mu.Lock()
				p.stats.Skipped++
				p.mu.Unlock()
				mu.Lock()
				if p.onSkip != nil && len(pre)+len(post) < maxSkipped {
					if latest == nil {
						pre = append(pre, err)
					} else {
						post = append(post, err)
					}
				}
				mu.Unlock()
				select {
				case wake <- struct{}{}:
				default:
				}
				continue
			}
			mu.Lock()
			if err != nil {
				if !errors.Is(err, ErrEndOfStream) && ctx.Err() == nil {
					srcErr = err
				}
				ended = true
				mu.Unlock()
				select {
				case wake <- struct{}{}:
				default:
				}
				return
			}
			p.mu.Lock()
			p.stats.Captured++
			if latest != nil {
				p.stats.Dropped++
			}
			p.mu.Unlock()
			pre, post = append(pre, post...), nil // the dropped frame's refusals stay in order
			latest = &f
			mu.Unlock()
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}()
	defer func() { cancel(); <-capDone }()

	lastSeen := map[string]time.Time{}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		}
		for {
			mu.Lock()
			f := latest
			latest = nil
			done, err := ended, srcErr
			skips := pre
			pre, post = post, nil // refusals after f are told after it
			mu.Unlock()
			for _, e := range skips {
				p.onSkip(e)
			}
			if f == nil {
				if done {
					if err != nil {
						return fmt.Errorf("camera %s: %w", p.src.Name(), err)
					}
					return nil
				}
				break
			}
			p.mu.Lock()
			p.stats.Decoded++
			p.mu.Unlock()
			reads, derr := p.dec.Decode(ctx, f.Image)
			if derr != nil {
				if ctx.Err() != nil {
					return nil
				}
				reads = nil // no code in this frame
			}
			for i := range reads {
				reads[i].Source = scanner.Source{Kind: scanner.KindCamera, Name: p.src.Name()}
				reads[i].Time = f.Time
			}
			if onFrame != nil {
				onFrame(*f, reads)
			}
			for _, r := range reads {
				key := r.Symbology + "\x00" + string(r.Data)
				prev, seen := lastSeen[key]
				lastSeen[key] = f.Time
				if seen && f.Time.Sub(prev) < p.forget {
					continue
				}
				p.mu.Lock()
				p.stats.Reads++
				p.mu.Unlock()
				emit(r)
			}
			for k, t := range lastSeen { // bound the map
				if f.Time.Sub(t) > 10*p.forget {
					delete(lastSeen, k)
				}
			}
		}
	}
}

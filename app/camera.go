package app

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	xdraw "golang.org/x/image/draw"

	"github.com/medtrace/medtrace/scanner/intake"
)

// previewInterval is the least time between two preview frames drawn (at
// most about 12 a second): the decoder looks at every frame it can, the
// window is redrawn no more often than this, so an open preview does not
// keep the renderer busy at the camera's frame rate.
const previewInterval = 80 * time.Millisecond

// previewMax is the largest preview image drawn: frames are scaled down to
// fit it before they reach Fyne's goroutine.
var previewMax = image.Pt(480, 360)

// boxColour outlines each code found in the preview.
var boxColour = color.NRGBA{R: 0x00, G: 0xe6, B: 0x5c, A: 0xff}

// cameraPanel is the live camera preview beside the role screen: the newest
// frame with a box around each code found, and what the camera did. Codes
// the camera reads go to the role screen like any other scan. It lives on
// Fyne's goroutine; the camera's goroutines reach it only through ui.do.
type cameraPanel struct {
	u      *ui
	btn    *widget.Button
	slot   *fyne.Container   // holds the panel while it is shown, else nothing
	host   *fyne.Container   // the role screen with slot at its right (sideLayout)
	bg     *canvas.Rectangle // the panel's opaque background
	panel  fyne.CanvasObject
	title  *widget.Label
	status *widget.Label
	img    *canvas.Image
	view   *fyne.Container // the frame and its boxes, placed by layout
	layout *previewLayout
	rects  []*canvas.Rectangle // one per box of the frame drawn; extra ones hidden

	shown  bool
	stop   context.CancelFunc // stops the running camera; nil when none runs
	gen    int                // bumped on every open and close: late results of an older run are dropped
	reads  int                // codes read since the panel opened
	device string
}

func newCameraPanel(u *ui) *cameraPanel {
	c := &cameraPanel{u: u, layout: &previewLayout{}}
	c.btn = widget.NewButtonWithIcon(tr("camera.open")+"  [F12]", theme.MediaVideoIcon(), c.toggle)
	if u.cfg.Camera == nil {
		c.btn.SetText(tr("camera.open") + " — " + tr("notconnected.short"))
		c.btn.Disable()
	}
	c.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.status = wrapLabel("")
	c.img = &canvas.Image{FillMode: canvas.ImageFillStretch, ScaleMode: canvas.ImageScaleFastest}
	bg := canvas.NewRectangle(color.Black)
	c.view = container.New(c.layout, bg, c.img)
	closeBtn := widget.NewButtonWithIcon(tr("camera.close")+"  [F12]", theme.CancelIcon(), c.close)
	c.bg = canvas.NewRectangle(theme.Color(theme.ColorNameBackground))
	c.panel = container.NewStack(c.bg, container.NewPadded(
		container.NewBorder(c.title, container.NewVBox(c.status, closeBtn), nil, nil, c.view)))
	c.slot = container.NewStack()
	c.slot.Hide() // no gap beside the screen while the camera is off
	return c
}

// toggle opens the preview, or closes it when it is shown.
func (c *cameraPanel) toggle() {
	if c.shown {
		c.close()
		return
	}
	c.open()
}

// open shows the panel and starts the camera set in Settings.
func (c *cameraPanel) open() {
	u := c.u
	if u.cfg.Camera == nil || c.shown {
		return
	}
	c.gen++
	gen := c.gen
	c.shown, c.reads = true, 0
	c.device = u.set.CameraDevice
	w, h, ok := parseResolution(u.set.CameraResolution)
	if !ok {
		w, h = 1280, 720
	}
	c.title.SetText(tr("camera.title", map[string]any{"Device": c.device}))
	c.status.Importance = widget.MediumImportance
	c.status.SetText(tr("camera.starting"))
	c.img.Image = nil
	c.layout.frame, c.layout.boxes = image.Point{}, nil
	c.showBoxes(0)
	c.bg.FillColor = theme.Color(theme.ColorNameBackground) // the theme may have changed
	c.btn.SetText(tr("camera.close") + "  [F12]")
	c.slot.Objects = []fyne.CanvasObject{c.panel}
	c.slot.Show()
	c.relayout()
	u.status(map[string]any{"event": "camera", "state": "open", "device": c.device})

	ctx, cancel := context.WithCancel(u.ctx)
	c.stop = cancel
	gate := newFrameGate()
	device, cam := c.device, u.cfg.Camera
	drawn := make(chan struct{}) // closed when the draw loop has ended
	u.goTask(func(context.Context) {
		defer close(drawn)
		gate.run(ctx, previewInterval, func(img image.Image, boxes []image.Rectangle) {
			f := scaleFrame(img, boxes, previewMax)
			u.do(func() {
				if gen == c.gen {
					c.draw(f)
				}
			})
		})
	})
	u.goTask(func(context.Context) {
		err := cam.Stream(ctx, device, w, h, gate.put, func(raw []byte) {
			raw = bytes.Clone(raw)
			u.do(func() {
				if gen == c.gen {
					c.read(raw)
				}
			})
		})
		gate.finish()
		if ctx.Err() != nil {
			err = nil // closed by the user or the window
		}
		<-drawn  // the last frame is on its way to the panel
		cancel() // release the context of a camera that ended by itself
		u.do(func() {
			if gen == c.gen {
				c.ended(err)
			}
		})
	})
}

// close stops the camera and hides the panel.
func (c *cameraPanel) close() {
	if c.stop != nil {
		c.stop()
		c.stop = nil
	}
	c.gen++
	if !c.shown {
		return
	}
	c.shown = false
	c.img.Image = nil
	if c.u.cfg.Camera != nil {
		c.btn.SetText(tr("camera.open") + "  [F12]")
	}
	c.slot.Objects = nil
	c.slot.Hide()
	c.relayout()
	c.u.status(map[string]any{"event": "camera", "state": "closed"})
}

// relayout makes room for the panel beside the role screen, or gives the
// room back.
func (c *cameraPanel) relayout() {
	if c.host != nil {
		c.host.Refresh()
		return
	}
	c.slot.Refresh()
}

// draw shows a frame and its boxes.
func (c *cameraPanel) draw(f previewFrame) {
	c.img.Image = f.img
	c.layout.frame, c.layout.boxes = f.size, f.boxes
	for len(c.rects) < len(f.boxes) {
		r := canvas.NewRectangle(color.Transparent)
		r.StrokeColor, r.StrokeWidth = boxColour, 3
		c.rects = append(c.rects, r)
		c.view.Add(r)
	}
	c.showBoxes(len(f.boxes))
	c.view.Refresh()
}

func (c *cameraPanel) showBoxes(n int) {
	for i, r := range c.rects {
		if i < n {
			r.Show()
		} else {
			r.Hide()
		}
	}
}

// read hands a code the camera read to the role screen.
func (c *cameraPanel) read(raw []byte) {
	c.reads++
	c.status.Importance = widget.MediumImportance
	c.status.SetText(tr("camera.reading", map[string]any{"N": c.u.f.number(int64(c.reads))}))
	c.u.route(Read{Raw: raw, Source: intake.SourceCamera + c.device})
}

// ended says why the camera stopped; the last frame stays on screen.
func (c *cameraPanel) ended(err error) {
	c.stop = nil
	switch {
	case errors.Is(err, ErrNoCamera):
		c.status.Importance = widget.DangerImportance
		c.status.SetText(tr("camera.none", map[string]any{"Device": c.device}))
		c.u.play(SoundFailure)
	case err != nil:
		c.status.Importance = widget.DangerImportance
		c.status.SetText(tr("camera.error", map[string]any{"Err": err.Error()}))
		c.u.play(SoundFailure)
	default:
		c.status.Importance = widget.MediumImportance
		c.status.SetText(tr("camera.ended", map[string]any{"N": c.u.f.number(int64(c.reads))}))
	}
	c.status.Refresh()
	state := "ended"
	if err != nil {
		state = "error"
	}
	c.u.status(map[string]any{"event": "camera", "state": state, "reads": c.reads})
}

// previewFrame is a frame scaled for the preview, with its boxes in the
// scaled image's pixels.
type previewFrame struct {
	img   image.Image
	size  image.Point
	boxes []image.Rectangle
}

// scaleFrame scales img down to fit within limit (never up) into a fresh
// RGBA image (which the camera's buffers can then be reused behind), and
// the boxes with it.
func scaleFrame(img image.Image, boxes []image.Rectangle, limit image.Point) previewFrame {
	b := img.Bounds()
	if b.Empty() {
		return previewFrame{}
	}
	s := math.Min(1, math.Min(float64(limit.X)/float64(b.Dx()), float64(limit.Y)/float64(b.Dy())))
	w, h := max(1, int(math.Round(float64(b.Dx())*s))), max(1, int(math.Round(float64(b.Dy())*s)))
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	xdraw.NearestNeighbor.Scale(dst, dst.Bounds(), img, b, xdraw.Src, nil)
	sx, sy := float64(w)/float64(b.Dx()), float64(h)/float64(b.Dy())
	out := make([]image.Rectangle, 0, len(boxes))
	for _, r := range boxes {
		r = r.Sub(b.Min)
		out = append(out, image.Rect(int(math.Floor(float64(r.Min.X)*sx)), int(math.Floor(float64(r.Min.Y)*sy)),
			int(math.Ceil(float64(r.Max.X)*sx)), int(math.Ceil(float64(r.Max.Y)*sy))))
	}
	return previewFrame{img: dst, size: image.Pt(w, h), boxes: out}
}

// previewLayout places the preview: objects[0] (the background) fills the
// area, objects[1] (the frame) is fitted into it keeping its aspect ratio,
// and objects[2:] (the boxes) go over the frame where the codes are.
type previewLayout struct {
	frame image.Point       // the frame's size in pixels; zero before the first
	boxes []image.Rectangle // in the frame's pixels
}

// previewMin is the least size of the preview area: small enough that
// the role screens keep most of their width beside it.
var previewMin = fyne.NewSize(256, 192)

func (l *previewLayout) MinSize([]fyne.CanvasObject) fyne.Size { return previewMin }

func (l *previewLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	if len(objs) == 0 {
		return
	}
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(size)
	if len(objs) < 2 || l.frame.X == 0 || l.frame.Y == 0 {
		return
	}
	s := min(size.Width/float32(l.frame.X), size.Height/float32(l.frame.Y))
	fw, fh := float32(l.frame.X)*s, float32(l.frame.Y)*s
	off := fyne.NewPos((size.Width-fw)/2, (size.Height-fh)/2)
	objs[1].Move(off)
	objs[1].Resize(fyne.NewSize(fw, fh))
	for i, o := range objs[2:] {
		if i >= len(l.boxes) {
			break
		}
		b := l.boxes[i]
		o.Move(off.AddXY(float32(b.Min.X)*s, float32(b.Min.Y)*s))
		o.Resize(fyne.NewSize(float32(b.Dx())*s, float32(b.Dy())*s))
	}
}

// sideLayout places objects[0] (a role screen) with objects[1] (the camera
// panel), when visible, at its right at the panel's least width. The
// screen gets the rest even when that is less than its own least width,
// so opening the panel never makes the window wider than the screen; the
// panel is opaque and drawn over whatever of the screen does not fit.
type sideLayout struct{}

func (sideLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := objs[0].MinSize()
	if len(objs) > 1 && objs[1].Visible() {
		s.Height = max(s.Height, objs[1].MinSize().Height)
	}
	return s
}

func (sideLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	side := float32(0)
	if len(objs) > 1 && objs[1].Visible() {
		side = min(objs[1].MinSize().Width, size.Width/2)
		objs[1].Move(fyne.NewPos(size.Width-side, 0))
		objs[1].Resize(fyne.NewSize(side, size.Height))
		side += theme.Padding()
	}
	objs[0].Move(fyne.NewPos(0, 0))
	objs[0].Resize(fyne.NewSize(size.Width-side, size.Height))
}

// frameGate passes the newest camera frame from the camera's goroutine to
// the preview, at most one per interval: frames in between are replaced
// by newer ones, never queued.
type frameGate struct {
	mu    sync.Mutex
	img   image.Image
	boxes []image.Rectangle
	has   bool // img is new since the last draw
	ended bool
	wake  chan struct{}
}

func newFrameGate() *frameGate { return &frameGate{wake: make(chan struct{}, 1)} }

// put offers a frame; it never blocks.
func (g *frameGate) put(img image.Image, boxes []image.Rectangle) {
	g.mu.Lock()
	g.img, g.boxes, g.has = img, append([]image.Rectangle(nil), boxes...), true
	g.mu.Unlock()
	g.signal()
}

// finish says no frame will follow: run draws the last one and returns.
func (g *frameGate) finish() {
	g.mu.Lock()
	g.ended = true
	g.mu.Unlock()
	g.signal()
}

func (g *frameGate) signal() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}

// run calls draw with the newest frame whenever there is one, waiting at
// least every between two calls, until finish or ctx ends.
func (g *frameGate) run(ctx context.Context, every time.Duration, draw func(image.Image, []image.Rectangle)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-g.wake:
		}
		g.mu.Lock()
		img, boxes, has, ended := g.img, g.boxes, g.has, g.ended
		g.img, g.boxes, g.has = nil, nil, false
		g.mu.Unlock()
		if has {
			draw(img, boxes)
		}
		if ended {
			return
		}
		if !has {
			continue
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// parseResolution reads "1280x720".
func parseResolution(s string) (w, h int, ok bool) {
	a, b, found := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "x")
	if !found {
		return 0, 0, false
	}
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || w <= 0 || h <= 0 || w > 8192 || h > 8192 {
		return 0, 0, false
	}
	return w, h, true
}

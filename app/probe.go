package app

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// frameProbe is an invisible widget inside the verdict band that notices
// the first frame walking the band after a verdict was set: Fyne's driver
// asks each widget's renderer for its objects when it lays out and paints
// a frame. With a status file configured, the pharmacist screen uses it to
// report "terminator to verdict drawn" from the real window.
type frameProbe struct {
	widget.BaseWidget
	since  time.Time             // when the watched change started; zero when idle
	onSeen func(d time.Duration) // called on Fyne's goroutine
}

func newFrameProbe() *frameProbe {
	p := &frameProbe{}
	p.ExtendBaseWidget(p)
	return p
}

// watch arms the probe: the next frame that reaches it reports how long
// after start it came.
func (p *frameProbe) watch(start time.Time, onSeen func(time.Duration)) {
	p.since, p.onSeen = start, onSeen
	p.Refresh()
}

// CreateRenderer implements fyne.Widget.
func (p *frameProbe) CreateRenderer() fyne.WidgetRenderer {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(1, 1))
	return &probeRenderer{p: p, objs: []fyne.CanvasObject{r}}
}

type probeRenderer struct {
	p    *frameProbe
	objs []fyne.CanvasObject
}

func (r *probeRenderer) Destroy()                     {}
func (r *probeRenderer) Layout(s fyne.Size)           { r.objs[0].Resize(s) }
func (r *probeRenderer) MinSize() fyne.Size           { return fyne.NewSize(1, 1) }
func (r *probeRenderer) Refresh()                     {}
func (r *probeRenderer) Objects() []fyne.CanvasObject { r.seen(); return r.objs }

func (r *probeRenderer) seen() {
	p := r.p
	if p.since.IsZero() || p.onSeen == nil {
		return
	}
	d := time.Since(p.since)
	f := p.onSeen
	p.since, p.onSeen = time.Time{}, nil
	f(d)
}

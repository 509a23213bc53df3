package app

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// verdictView is the large verdict band: colour, icon and words (never
// colour alone), readable from a metre away.
type verdictView struct {
	u       *ui
	bg      *canvas.Rectangle
	icon    *widget.Icon
	title   *canvas.Text
	lines   [3]*canvas.Text
	badge   *canvas.Text // OFFLINE, as of ...
	detail  *widget.Label
	box     fyne.CanvasObject
	probe   *frameProbe
	current Verdict
	size    float32 // the title's full size
}

// maxTitleWidth is the widest a verdict's title is drawn: a longer reason
// (in Chinese or English) is drawn smaller, so the band never grows the
// window past a laptop screen and nothing is cut off.
const maxTitleWidth = 800

// fitTitle draws the title at its full size, or smaller (down to half) when
// it would be wider than maxTitleWidth.
func (v *verdictView) fitTitle() {
	size := v.size
	for size > v.size/2 && fyne.MeasureText(v.title.Text, size, v.title.TextStyle).Width > maxTitleWidth {
		size *= 0.9
	}
	v.title.TextSize = size
}

func newVerdictView(u *ui, titleSize float32) *verdictView {
	v := &verdictView{u: u, size: titleSize}
	v.bg = canvas.NewRectangle(levelColour(LevelIdle))
	v.bg.CornerRadius = 10
	v.icon = widget.NewIcon(levelIcon(LevelIdle))
	v.title = canvas.NewText("", color.White)
	v.title.TextSize = titleSize
	v.title.TextStyle = fyne.TextStyle{Bold: true}
	for i := range v.lines {
		v.lines[i] = canvas.NewText("", color.White)
		v.lines[i].TextSize = titleSize * 0.5
	}
	v.badge = canvas.NewText("", color.White)
	v.badge.TextSize = titleSize * 0.45
	v.badge.TextStyle = fyne.TextStyle{Bold: true}
	v.detail = widget.NewLabel("")
	v.detail.Wrapping = fyne.TextWrapWord
	iconBox := container.NewGridWrap(fyne.NewSize(titleSize*2, titleSize*2), v.icon)
	v.probe = newFrameProbe()
	text := container.NewVBox(v.title, v.lines[0], v.lines[1], v.lines[2], container.NewBorder(nil, nil, nil, v.probe, v.badge))
	band := container.NewStack(v.bg, container.NewPadded(container.NewPadded(
		container.NewBorder(nil, nil, container.NewCenter(iconBox), nil, text))))
	v.box = container.NewVBox(band, v.detail)
	v.show(Verdict{Level: LevelIdle, Reason: ReasonReady})
	return v
}

// show draws verdict vd.
func (v *verdictView) show(vd Verdict) {
	v.current = vd
	f := v.u.f
	v.bg.FillColor = levelColour(vd.Level)
	v.icon.SetResource(levelIcon(vd.Level))
	v.title.Text = tr("reason." + vd.Reason)
	v.fitTitle()
	for _, l := range v.lines {
		l.Text = ""
	}
	c := vd.Code
	switch {
	case vd.Reason == ReasonReady:
		v.lines[0].Text = tr("verdict.ready.hint")
	case vd.Reason == ReasonNotConnected:
		v.lines[0].Text = tr("verdict.notconnected.hint")
	case c.IsPack():
		v.lines[0].Text = tr("verdict.product", map[string]any{"GTIN": c.GTIN, "Serial": c.Serial})
		batch, expiry := c.Batch, f.date(c.Expiry)
		if batch == "" {
			batch = "—"
		}
		v.lines[1].Text = tr("verdict.batchexpiry", map[string]any{"Batch": batch, "Expiry": expiry})
		if vd.Ver != nil && (vd.Ver.Batch != "" && vd.Ver.Batch != c.Batch || vd.Ver.Expiry != "" && vd.Ver.Expiry != c.Expiry.Format("2006-01-02")) {
			v.lines[2].Text = tr("verdict.declared", map[string]any{"Batch": vd.Ver.Batch, "Expiry": vd.Ver.Expiry})
		}
		if vd.Reason == ReasonDispensed {
			v.lines[2].Text = tr("verdict.dispensedat", map[string]any{"Place": orDash(vd.Place), "When": f.dateTime(vd.When)})
		}
	case c.IsLogistic():
		v.lines[0].Text = tr("verdict.sscc", map[string]any{"SSCC": c.SSCC})
		if vd.Unit != nil {
			t := vd.Unit.Tally()
			v.lines[1].Text = trN("verdict.unit.count", t.Packs, map[string]any{"N": f.number(int64(t.Packs)),
				"Active": f.number(int64(t.Active)), "Status": statusText(vd.Unit.Status)})
			if n := len(t.NotActive); n > 0 {
				v.lines[2].Text = trN("verdict.unit.problems", n, map[string]any{"N": f.number(int64(n))})
			}
		}
	default:
		v.lines[0].Text = tr("verdict.raw", map[string]any{"Raw": clip(showBytes(c.Raw), 60)})
	}
	v.badge.Text = ""
	if vd.Ver != nil || vd.Unit != nil {
		v.badge.Text = badgeText(f, vd)
	}
	detail := vd.Detail
	if vd.Unit != nil {
		detail = strings.Join(unitLines(f, vd.Unit.Contents), "\n")
	}
	if vd.Err != nil {
		detail = tr("verdict.error", map[string]any{"Err": causeText(vd.Err)})
	}
	if len(c.Problems) > 1 {
		for _, p := range c.Problems[1:] {
			detail += "\n" + problemText(p)
		}
	}
	v.detail.SetText(detail)
	v.title.Refresh()
	for _, l := range v.lines {
		l.Refresh()
	}
	v.badge.Refresh()
	v.bg.Refresh()
}

// showAction draws a blue band for an action just done (dispensed, undone).
func (v *verdictView) showAction(title, line string) {
	v.bg.FillColor = infoColour()
	v.icon.SetResource(theme.NewColoredResource(theme.ConfirmIcon(), colorOnVerdict))
	v.title.Text = title
	v.fitTitle()
	v.lines[0].Text = line
	v.lines[1].Text, v.lines[2].Text, v.badge.Text = "", "", ""
	v.detail.SetText("")
	v.title.Refresh()
	for _, l := range v.lines {
		l.Refresh()
	}
	v.badge.Refresh()
	v.bg.Refresh()
}

// badgeText says where an answer came from and how fresh it is. An offline
// answer names the local copy's time and block; an online one only its
// time, because the ledger's Verify does not say which block it read
// (asking for the height would cost a second round trip on every scan).
// A block number is shown only when known: never "block 0".
func badgeText(f formatter, vd Verdict) string {
	switch {
	case vd.Offline && vd.Block > 0:
		return tr("verdict.offline", map[string]any{"AsOf": f.dateTime(vd.AsOf), "Block": f.number(int64(vd.Block))})
	case vd.Offline:
		return tr("verdict.offline.noblock", map[string]any{"AsOf": f.dateTime(vd.AsOf)})
	case vd.AsOf.IsZero():
		return tr("verdict.online.plain")
	}
	return tr("verdict.online", map[string]any{"AsOf": f.dateTime(vd.AsOf)})
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// layoutSpacer is a fixed-height gap.
func layoutSpacer(h float32) fyne.CanvasObject {
	r := canvas.NewRectangle(color.Transparent)
	r.SetMinSize(fyne.NewSize(1, h))
	return r
}

package app

import (
	"context"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/trace"
)

// warehouseScreen records receiving and shipping sessions.
type warehouseScreen struct {
	u    *ui
	root *fyne.Container

	// session form
	kindRadio    *widget.RadioGroup
	counterparty *formEntry
	location     *formEntry
	startBtn     *widget.Button
	form         fyne.CanvasObject

	// session in progress
	sess       *station.Session
	runSession string // the app's session, restored when the warehouse session ends
	heading    *widget.Label
	entry      *ScanEntry
	modeRadio  *widget.RadioGroup
	finishBtn  *widget.Button
	closeBtn   *widget.Button
	cancelBtn  *widget.Button
	lastBg     *canvas.Rectangle
	lastText   *canvas.Text
	counts     map[string]*canvas.Text
	warnings   []string
	warnList   *widget.List
	scanned    []string
	itemList   *widget.List
	active     fyne.CanvasObject

	rcpt      *receipt      // receiving: what the received units hold, as the ledger has them
	rcptLabel *widget.Label // expected, arrived, missing, unexpected
}

func newWarehouseScreen(u *ui) *warehouseScreen {
	w := &warehouseScreen{u: u, root: container.NewStack()}
	w.kindRadio = widget.NewRadioGroup([]string{tr("wh.receive"), tr("wh.ship")}, nil)
	w.kindRadio.Horizontal = true
	w.kindRadio.SetSelected(tr("wh.receive"))
	w.counterparty = u.newFormEntry()
	w.counterparty.OnSubmitted = func(string) { w.start() }
	w.counterparty.SetPlaceHolder(tr("wh.counterparty.placeholder"))
	w.location = u.newFormEntry()
	w.location.OnSubmitted = func(string) { w.start() }
	w.location.SetText(u.set.Location)
	w.location.SetPlaceHolder(tr("settings.location.placeholder"))
	w.startBtn = widget.NewButtonWithIcon(tr("wh.start")+"  [F2]", theme.MediaPlayIcon(), w.start)
	w.startBtn.Importance = widget.HighImportance
	intro := widget.NewLabel(tr("wh.intro"))
	intro.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(tr("wh.kind"), w.kindRadio),
		widget.NewFormItem(tr("wh.counterparty"), w.counterparty),
		widget.NewFormItem(tr("wh.location"), w.location),
	)
	w.form = container.NewVBox(heading(tr("wh.new")), intro, form, container.NewHBox(w.startBtn))

	w.heading = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	w.entry = u.newScanEntry(tr("wh.scan.placeholder"), nil)
	w.entry.TextStyle = fyne.TextStyle{Monospace: true}
	w.modeRadio = widget.NewRadioGroup([]string{tr("wh.mode.items") + " [F5]", tr("wh.mode.pack") + " [F6]", tr("wh.mode.unpack") + " [F7]"}, func(s string) {
		w.setMode(w.modeIndex(s))
	})
	w.modeRadio.Horizontal = true
	w.finishBtn = widget.NewButtonWithIcon(tr("wh.finish")+"  [F8]", theme.ConfirmIcon(), w.finishAggregation)
	w.closeBtn = widget.NewButtonWithIcon(tr("wh.close")+"  [F9]", theme.UploadIcon(), w.closeSession)
	w.closeBtn.Importance = widget.HighImportance
	w.cancelBtn = widget.NewButtonWithIcon(tr("wh.cancel"), theme.CancelIcon(), w.cancelSession)
	w.lastBg = canvas.NewRectangle(levelColour(LevelIdle))
	w.lastBg.CornerRadius = 8
	w.lastText = canvas.NewText(tr("wh.last.ready"), color.White)
	w.lastText.TextSize = 22
	w.lastText.TextStyle = fyne.TextStyle{Bold: true}
	last := container.NewStack(w.lastBg, container.NewPadded(w.lastText))

	w.counts = map[string]*canvas.Text{}
	var cells []fyne.CanvasObject
	for _, k := range whCountNames() {
		n := canvas.NewText("0", theme.Color(theme.ColorNameForeground))
		n.TextSize = 34
		n.TextStyle = fyne.TextStyle{Bold: true}
		n.Alignment = fyne.TextAlignCenter
		w.counts[k] = n
		lbl := widget.NewLabelWithStyle(tr("wh.count."+k), fyne.TextAlignCenter, fyne.TextStyle{})
		cells = append(cells, container.NewVBox(n, lbl))
	}
	w.warnList = widget.NewList(func() int { return len(w.warnings) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.WarningIcon()), widget.NewLabel(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*fyne.Container).Objects[1].(*widget.Label).SetText(w.warnings[len(w.warnings)-1-i])
		})
	w.itemList = widget.NewList(func() int { return len(w.scanned) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(w.scanned[len(w.scanned)-1-i])
		})
	w.rcptLabel = widget.NewLabel("")
	w.rcptLabel.Wrapping = fyne.TextWrapWord
	top := container.NewVBox(
		w.heading,
		w.rcptLabel,
		container.NewBorder(nil, nil, nil, u.scanTools(), w.entry),
		container.NewBorder(nil, nil, nil, w.finishBtn, w.modeRadio),
		last,
		container.NewGridWithColumns(6, cells...),
	)
	lists := container.NewGridWithColumns(2,
		container.NewBorder(heading(tr("wh.items")), nil, nil, nil, w.itemList),
		container.NewBorder(heading(tr("wh.warnings")), nil, nil, nil, w.warnList))
	bottom := container.NewHBox(w.closeBtn, w.cancelBtn)
	w.active = container.NewBorder(top, bottom, nil, nil, lists)
	w.root.Objects = []fyne.CanvasObject{w.form}
	return w
}

func heading(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.SizeName = theme.SizeNameSubHeadingText
	return l
}

func (w *warehouseScreen) title() string              { return tr("tab.warehouse") }
func (w *warehouseScreen) name() string               { return "warehouse" }
func (w *warehouseScreen) content() fyne.CanvasObject { return container.NewPadded(w.root) }

func (w *warehouseScreen) shown() {
	if w.sess != nil {
		w.u.w.Canvas().Focus(w.entry)
	} else {
		w.u.w.Canvas().Focus(w.counterparty)
	}
	w.u.status(map[string]any{"event": "screen", "screen": w.name(), "session": w.sess != nil})
}

func (w *warehouseScreen) key(k fyne.KeyName) bool {
	if w.sess == nil {
		if k == fyne.KeyF2 {
			w.start()
			return true
		}
		return false
	}
	switch k {
	case fyne.KeyF5:
		w.modeRadio.SetSelected(w.modeRadio.Options[station.ModeItems])
	case fyne.KeyF6:
		w.modeRadio.SetSelected(w.modeRadio.Options[station.ModePack])
	case fyne.KeyF7:
		w.modeRadio.SetSelected(w.modeRadio.Options[station.ModeUnpack])
	case fyne.KeyF8:
		w.finishAggregation()
	case fyne.KeyF9:
		w.closeSession()
	default:
		return false
	}
	return true
}

func (w *warehouseScreen) modeIndex(s string) station.Mode {
	for i, o := range w.modeRadio.Options {
		if o == s {
			return station.Mode(i)
		}
	}
	return station.ModeItems
}

// start opens a session after checking both GLNs.
func (w *warehouseScreen) start() {
	u := w.u
	cp, loc := w.counterparty.Text, w.location.Text
	if !validGLN(cp) {
		u.showError(tr("wh.start"), fieldErr("error.counterparty"))
		return
	}
	if !validGLN(loc) {
		u.showError(tr("wh.start"), fieldErr("error.location"))
		return
	}
	kind := trace.KindReceive
	if w.kindRadio.Selected == tr("wh.ship") {
		kind = trace.KindShip
	}
	w.sess = station.NewSession(kind, cp, loc, u.now())
	w.runSession = u.session
	u.session = newSessionID()
	key := "wh.heading.receive"
	if kind == trace.KindShip {
		key = "wh.heading.ship"
	}
	w.heading.SetText(tr(key, map[string]any{"Counterparty": cp, "Location": loc, "Since": u.f.dateTime(w.sess.Started)}))
	w.warnings, w.scanned = nil, nil
	w.rcpt = nil
	w.rcptLabel.SetText("")
	w.rcptLabel.Hide()
	if kind == trace.KindReceive {
		w.rcpt = newReceipt()
	}
	w.modeRadio.SetSelected(w.modeRadio.Options[station.ModeItems])
	w.feedback(LevelIdle, tr("wh.last.ready"))
	w.refresh()
	w.root.Objects = []fyne.CanvasObject{w.active}
	w.root.Refresh()
	u.w.Canvas().Focus(w.entry)
	u.status(map[string]any{"event": "session", "state": "started", "kind": string(kind)})
}

func (w *warehouseScreen) setMode(m station.Mode) {
	if w.sess == nil {
		return
	}
	if a, ok := w.pendingFinish(); ok && m != station.ModePack {
		w.note(trN("wh.packed", len(a.Children), map[string]any{"SSCC": a.Parent.SSCC, "N": w.u.f.number(int64(len(a.Children)))}))
	}
	w.sess.SetMode(m)
	w.refresh()
	w.u.w.Canvas().Focus(w.entry)
}

// pendingFinish reports the open aggregation, if it has children.
func (w *warehouseScreen) pendingFinish() (station.Aggregation, bool) {
	if w.sess == nil || w.sess.Open() == nil || len(w.sess.Open().Children) == 0 {
		return station.Aggregation{}, false
	}
	return *w.sess.Open(), true
}

func (w *warehouseScreen) finishAggregation() {
	if w.sess == nil {
		return
	}
	if a, ok := w.sess.FinishAggregation(); ok {
		w.feedback(LevelOK, trN("wh.packed", len(a.Children), map[string]any{"SSCC": a.Parent.SSCC, "N": w.u.f.number(int64(len(a.Children)))}))
		w.note(trN("wh.packed", len(a.Children), map[string]any{"SSCC": a.Parent.SSCC, "N": w.u.f.number(int64(len(a.Children)))}))
	} else {
		w.feedback(LevelIdle, tr("wh.nothingtopack"))
	}
	w.refresh()
	w.u.w.Canvas().Focus(w.entry)
}

// scan adds one scan to the session. Parsing is local and fast, so scans
// keep up with the scanner; the store write runs in the background.
func (w *warehouseScreen) scan(raw []byte, source string) {
	u := w.u
	if w.sess == nil {
		return
	}
	code, err := u.parse(raw)
	if err != nil {
		w.feedback(LevelUnverified, tr("notconnected.parser"))
		u.play(SoundFailure)
		return
	}
	rec := u.scanRecord(raw, source, code)
	u.goTask(func(ctx context.Context) {
		if err := u.saveScan(ctx, rec); err != nil {
			u.do(func() { u.showError(tr("error.scan.save"), err) })
		}
	})
	out, reason := w.sess.Add(code)
	label := itemLabel(code)
	if w.rcpt != nil && out != station.OutDuplicate && out != station.OutUnexpected {
		switch {
		case code.IsLogistic():
			w.learnUnit(code)
		case out == station.OutAdded: // a loose pack: was it shipped here?
			w.learnPack(code)
		}
	}
	switch out {
	case station.OutDuplicate, station.OutUnexpected:
		msg := tr("wh.warn."+out, map[string]any{"Item": label, "Reason": tr("wh.reason." + reason)})
		w.warnings = append(w.warnings, msg)
		w.feedback(LevelBad, msg)
		u.play(SoundFailure)
	default:
		w.scanned = append(w.scanned, tr("wh.item."+out, map[string]any{"Item": label}))
		w.feedback(LevelOK, tr("wh.item."+out, map[string]any{"Item": label}))
		u.play(SoundSuccess)
	}
	w.refresh()
	u.status(map[string]any{"event": "wh-scan", "outcome": out, "reason": reason, "counts": w.sess.Counts()})
}

func itemLabel(c Code) string {
	switch {
	case c.IsLogistic():
		return "SSCC " + c.SSCC
	case c.IsPack():
		return c.GTIN + " / " + c.Serial
	}
	return clip(showBytes(c.Raw), 40)
}

func (w *warehouseScreen) note(msg string) {
	w.scanned = append(w.scanned, msg)
}

func (w *warehouseScreen) feedback(l Level, msg string) {
	w.lastBg.FillColor = levelColour(l)
	w.lastText.Text = msg
	w.lastBg.Refresh()
	w.lastText.Refresh()
}

// refresh redraws the counts and lists.
func (w *warehouseScreen) refresh() {
	if w.sess == nil {
		return
	}
	c := w.sess.Counts()
	f := w.u.f
	for k, v := range map[string]int{"cases": c.Cases, "packs": c.Packs, "aggregations": c.Aggregations,
		"unpacks": c.Unpacks, "duplicates": c.Duplicates, "unexpected": c.Unexpected} {
		w.counts[k].Text = f.number(int64(v))
		w.counts[k].Refresh()
	}
	if w.sess.Mode() == station.ModePack && w.sess.Open() != nil {
		w.finishBtn.Enable()
	} else {
		w.finishBtn.Disable()
	}
	w.itemList.Refresh()
	w.warnList.Refresh()
	w.showReceipt()
}

// learnUnit asks the ledger what a received case or pallet holds and adds
// it to what this receipt expects.
func (w *warehouseScreen) learnUnit(c Code) {
	u := w.u
	if u.cfg.Units == nil {
		return
	}
	rc := w.rcpt
	u.goTask(func(ctx context.Context) {
		uc, err := u.cfg.Units.UnitContents(ctx, c.SSCC, false)
		u.do(func() {
			if w.rcpt != rc {
				return // the session ended
			}
			if err != nil {
				w.warnings = append(w.warnings, tr("wh.receipt.lookup", map[string]any{"SSCC": c.SSCC, "Err": causeText(err)}))
				w.warnList.Refresh()
				return
			}
			if uc.Status == trace.PackUnknown {
				w.warnings = append(w.warnings, tr("wh.receipt.unknown", map[string]any{"SSCC": c.SSCC}))
				w.warnList.Refresh()
			}
			rc.learn(uc.Contents)
			w.showReceipt()
		})
	})
}

// learnPack asks the ledger whether a pack received loose is in transit to
// this site; if so it is expected. (Offline answers carry no consignee: the
// pack then counts as in no received unit.)
func (w *warehouseScreen) learnPack(c Code) {
	u := w.u
	if u.cfg.Verifier == nil {
		return
	}
	rc, loc := w.rcpt, w.sess.Location
	u.goTask(func(ctx context.Context) {
		ver, err := u.cfg.Verifier.Verify(ctx, c, false)
		u.do(func() {
			if w.rcpt != rc || err != nil {
				return
			}
			if ver.Status == trace.PackInTransit && ver.Consignee != nil && ver.Consignee.GLN == loc {
				rc.shippedHere(c.Key())
				w.showReceipt()
			}
		})
	})
}

// showReceipt shows the receiving session's comparison with what the
// received units hold.
func (w *warehouseScreen) showReceipt() {
	if w.rcpt == nil || w.sess == nil {
		return
	}
	items, sealed, opened := w.sess.ReceiptKeys()
	t := w.rcpt.compare(items, sealed, opened)
	if t.Expected == 0 { // no received unit's contents known yet: nothing to compare with
		w.rcptLabel.Hide()
		return
	}
	w.rcptLabel.Show()
	f := w.u.f
	w.rcptLabel.SetText(tr("wh.receipt", map[string]any{"Expected": f.number(int64(t.Expected)), "Arrived": f.number(int64(t.Arrived)),
		"Missing": f.number(int64(len(t.Missing))), "Unexpected": f.number(int64(len(t.Unexpected)))}))
	if len(t.Missing) > 0 {
		w.rcptLabel.Importance = widget.DangerImportance
	} else {
		w.rcptLabel.Importance = widget.MediumImportance
	}
	w.rcptLabel.Refresh()
}

// closeSession queues the session's events in one durable step.
func (w *warehouseScreen) closeSession() {
	u := w.u
	if w.sess == nil {
		return
	}
	if u.cfg.Queue == nil {
		u.showError(tr("wh.close"), fieldErr("notconnected.queue"))
		return
	}
	events := w.sess.Events(u.now())
	w.closeBtn.Disable()
	u.goTask(func(ctx context.Context) {
		err := u.cfg.Queue.Enqueue(ctx, events...)
		u.do(func() {
			w.closeBtn.Enable()
			if err != nil {
				u.showError(tr("wh.close"), err)
				return
			}
			w.sess = nil
			u.session = w.runSession
			w.root.Objects = []fyne.CanvasObject{w.form}
			w.root.Refresh()
			u.play(SoundSuccess)
			showInfo(u.w, tr("wh.closed.title"), trN("wh.closed", len(events), map[string]any{"N": u.f.number(int64(len(events)))}))
			u.status(map[string]any{"event": "session", "state": "closed", "events": len(events)})
		})
	})
}

// cancelSession drops the session after confirmation; nothing is queued.
func (w *warehouseScreen) cancelSession() {
	if w.sess == nil {
		return
	}
	showConfirm(w.u.w, tr("wh.cancel"), tr("wh.cancel.confirm"), func() {
		w.sess = nil
		w.u.session = w.runSession
		w.root.Objects = []fyne.CanvasObject{w.form}
		w.root.Refresh()
	})
}

// whCountNames are the warehouse counters, in display order.
func whCountNames() []string {
	return []string{"cases", "packs", "aggregations", "unpacks", "duplicates", "unexpected"}
}

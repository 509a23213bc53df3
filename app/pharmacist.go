package app

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medtrace/medtrace/trace"
)

// undoWindow is how long after a dispense it may be undone (the ledger
// enforces it; the UI only offers what the ledger will accept).
const undoWindow = 10 * 24 * time.Hour

// dispensed is one dispense made on this screen.
type dispensed struct {
	code  Code
	event trace.Event
}

// pharmacistScreen verifies packs and dispenses them.
type pharmacistScreen struct {
	u       *ui
	entry   *ScanEntry
	verdict *verdictView
	root    fyne.CanvasObject

	dispenseBtn, undoBtn, historyBtn, clearBtn *widget.Button

	recent     []dispensed // newest last
	recentList *widget.List

	historyTitle *widget.Label
	historyItems []HistoryEntry
	historyList  *widget.List

	seq  int       // the latest scan; older answers arriving late are dropped
	term time.Time // when the latest wedge scan's terminator key arrived
}

func newPharmacistScreen(u *ui) *pharmacistScreen {
	p := &pharmacistScreen{u: u}
	p.entry = u.newScanEntry(tr("scan.placeholder"), func(keys []KeyStroke) {
		p.term = keys[len(keys)-1].Time
	})
	p.entry.TextStyle = fyne.TextStyle{Monospace: true}
	p.verdict = newVerdictView(u, 44)
	p.dispenseBtn = widget.NewButtonWithIcon(tr("pharm.dispense")+"  [F2]", theme.ConfirmIcon(), p.dispense)
	p.dispenseBtn.Importance = widget.HighImportance
	p.undoBtn = widget.NewButtonWithIcon(tr("pharm.undo")+"  [F3]", theme.ContentUndoIcon(), p.undo)
	p.historyBtn = widget.NewButtonWithIcon(tr("pharm.history")+"  [F4]", theme.HistoryIcon(), p.history)
	p.clearBtn = widget.NewButtonWithIcon(tr("pharm.clear")+"  [Esc]", theme.ContentClearIcon(), p.clear)

	p.recentList = widget.NewList(
		func() int { return len(p.recent) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			d := p.recent[len(p.recent)-1-i]
			o.(*widget.Label).SetText(tr("pharm.recent.item", map[string]any{
				"When": u.f.dateTime(d.event.Time), "GTIN": d.code.GTIN, "Serial": d.code.Serial, "Batch": orDash(d.code.Batch),
			}))
		})
	p.historyTitle = widget.NewLabelWithStyle(tr("pharm.history.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.historyList = widget.NewList(
		func() int { return len(p.historyItems) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.RadioButtonCheckedIcon()), widget.NewLabel(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			h := p.historyItems[i]
			key := "history.item"
			if h.Pending {
				key = "history.item.pending"
			}
			o.(*fyne.Container).Objects[1].(*widget.Label).SetText(tr(key, map[string]any{
				"When": u.f.dateTime(h.Time), "Kind": tr("kind." + string(h.Kind)), "Place": orDash(h.Place), "Tx": shortTx(h.TxID),
			}))
		})

	hint := widget.NewLabel(tr("scan.hint"))
	hint.Importance = widget.LowImportance
	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, u.scanTools(), p.entry),
		hint,
	)
	buttons := container.NewGridWithColumns(4, p.dispenseBtn, p.undoBtn, p.historyBtn, p.clearBtn)
	recentBox := container.NewBorder(widget.NewLabelWithStyle(tr("pharm.recent.title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil, p.recentList)
	historyBox := container.NewBorder(p.historyTitle, nil, nil, nil, p.historyList)
	lower := container.NewGridWithColumns(2, recentBox, historyBox)
	p.root = container.NewBorder(container.NewVBox(top, p.verdict.box, buttons), nil, nil, nil, lower)
	p.updateButtons()
	return p
}

func (p *pharmacistScreen) title() string              { return tr("tab.pharmacist") }
func (p *pharmacistScreen) name() string               { return "pharmacist" }
func (p *pharmacistScreen) content() fyne.CanvasObject { return container.NewPadded(p.root) }

func (p *pharmacistScreen) shown() {
	p.u.w.Canvas().Focus(p.entry)
	p.u.status(map[string]any{"event": "screen", "screen": p.name()})
}

func (p *pharmacistScreen) key(k fyne.KeyName) bool {
	switch k {
	case fyne.KeyF2:
		p.dispense()
	case fyne.KeyF3:
		p.undo()
	case fyne.KeyF4:
		p.history()
	case fyne.KeyEscape:
		p.clear()
	default:
		return false
	}
	return true
}

// scan handles one scan from any source.
func (p *pharmacistScreen) scan(raw []byte, source string) {
	p.seq++
	seq := p.seq
	u := p.u
	code, err := u.parse(raw)
	p.historyItems = nil
	p.historyList.Refresh()
	if err != nil {
		p.show(Verdict{Level: LevelUnverified, Reason: ReasonNotConnected, Code: code, Detail: tr("notconnected.parser")})
		return
	}
	now := u.now()
	settled, needLedger := codeVerdict(code, now)
	rec := u.scanRecord(raw, source, code)
	u.goTask(func(ctx context.Context) {
		// Store the scan (a durable write) while the pack is looked up; the
		// verdict is shown once both are done.
		saved := make(chan error, 1)
		go func() { saved <- u.saveScan(ctx, rec) }()
		var ver trace.Verification
		var verr error
		var unit *Verdict
		switch {
		case needLedger && code.IsLogistic(): // a case or pallet: its contents
			uv := u.lookupUnit(ctx, code, false)
			unit = &uv
		case needLedger:
			ver, verr = p.verify(ctx, code)
		}
		if err := <-saved; err != nil {
			u.do(func() { u.showError(tr("error.scan.save"), err) })
		}
		if !needLedger {
			u.do(func() {
				if seq == p.seq {
					p.show(settled)
				}
			})
			return
		}
		vd := decide(code, ver, verr, now)
		if unit != nil {
			vd = *unit
		}
		u.do(func() {
			if seq == p.seq {
				p.show(vd)
			}
		})
	})
}

func (p *pharmacistScreen) verify(ctx context.Context, c Code) (trace.Verification, error) {
	if p.u.cfg.Verifier == nil {
		return trace.Verification{}, errNotConnected
	}
	return p.u.cfg.Verifier.Verify(ctx, c, false)
}

// show draws a verdict, plays its sound and reports it.
func (p *pharmacistScreen) show(vd Verdict) {
	p.verdict.show(vd)
	if !p.term.IsZero() && p.u.cfg.StatusFile != "" {
		set := time.Since(p.term)
		p.verdict.probe.watch(p.term, func(d time.Duration) {
			p.u.status(map[string]any{"event": "drawn", "terminator_to_set_ms": ms(set), "terminator_to_frame_ms": ms(d)})
		})
	}
	p.term = time.Time{}
	p.updateButtons()
	if vd.Level == LevelOK {
		p.u.play(SoundSuccess)
	} else {
		p.u.play(SoundFailure)
	}
	p.u.reportVerdict(vd, p.verdict.bg)
	p.u.noteVerdict(vd)
}

func (p *pharmacistScreen) updateButtons() {
	vd := p.verdict.current
	if vd.Level == LevelOK && vd.Code.IsPack() && p.u.cfg.Queue != nil {
		p.dispenseBtn.Enable()
	} else {
		p.dispenseBtn.Disable()
	}
	if _, ok := p.undoTarget(); ok && p.u.cfg.Queue != nil {
		p.undoBtn.Enable()
	} else {
		p.undoBtn.Disable()
	}
	if vd.Code.IsPack() {
		p.historyBtn.Enable()
	} else {
		p.historyBtn.Disable()
	}
}

// dispense queues a dispense event for the pack on screen.
func (p *pharmacistScreen) dispense() {
	u := p.u
	vd := p.verdict.current
	if vd.Level != LevelOK || !vd.Code.IsPack() {
		return
	}
	if u.cfg.Queue == nil {
		u.showError(tr("pharm.dispense"), fieldErr("notconnected.queue"))
		return
	}
	if !validGLN(u.set.Location) {
		u.showError(tr("pharm.dispense"), fieldErr("error.location"))
		return
	}
	ev := vd.Code.Event(trace.KindDispense, u.now(), u.set.Location).WithContentID()
	p.dispenseBtn.Disable()
	u.goTask(func(ctx context.Context) {
		err := u.cfg.Queue.Enqueue(ctx, ev)
		u.do(func() {
			if err != nil {
				u.showError(tr("pharm.dispense"), err)
				p.updateButtons()
				return
			}
			p.recent = append(p.recent, dispensed{code: vd.Code, event: ev})
			p.recentList.Refresh()
			p.verdict.current = Verdict{Level: LevelIdle, Reason: ReasonReady, Code: vd.Code}
			p.verdict.showAction(tr("pharm.dispensed"), tr("verdict.product", map[string]any{"GTIN": vd.Code.GTIN, "Serial": vd.Code.Serial}))
			p.updateButtons()
			u.play(SoundSuccess)
			u.status(map[string]any{"event": "dispensed", "gtin": vd.Code.GTIN, "serial": vd.Code.Serial, "id": ev.ID})
			u.w.Canvas().Focus(p.entry)
		})
	})
}

// undoTarget picks the dispense F3 undoes: the pack on screen when it was
// dispensed here within the undo window, else the latest one made here.
func (p *pharmacistScreen) undoTarget() (Code, bool) {
	vd := p.verdict.current
	now := p.u.now()
	for i := len(p.recent) - 1; i >= 0; i-- {
		if vd.Code.IsPack() && p.recent[i].code.Key() == vd.Code.Key() {
			return p.recent[i].code, true
		}
	}
	if vd.Reason == ReasonDispensed && vd.Place == p.u.set.Location && vd.Place != "" && now.Sub(vd.When) <= undoWindow {
		return vd.Code, true
	}
	if n := len(p.recent); n > 0 && now.Sub(p.recent[n-1].event.Time) <= undoWindow {
		return p.recent[n-1].code, true
	}
	return Code{}, false
}

// undo queues an undo-dispense event.
func (p *pharmacistScreen) undo() {
	u := p.u
	c, ok := p.undoTarget()
	if !ok || u.cfg.Queue == nil {
		return
	}
	if !validGLN(u.set.Location) {
		u.showError(tr("pharm.undo"), fieldErr("error.location"))
		return
	}
	ev := c.Event(trace.KindUndoDispense, u.now(), u.set.Location).WithContentID()
	p.undoBtn.Disable()
	u.goTask(func(ctx context.Context) {
		err := u.cfg.Queue.Enqueue(ctx, ev)
		u.do(func() {
			if err != nil {
				u.showError(tr("pharm.undo"), err)
				p.updateButtons()
				return
			}
			for i := len(p.recent) - 1; i >= 0; i-- {
				if p.recent[i].code.Key() == c.Key() {
					p.recent = append(p.recent[:i], p.recent[i+1:]...)
					break
				}
			}
			p.recentList.Refresh()
			p.verdict.current = Verdict{Level: LevelIdle, Reason: ReasonReady}
			p.verdict.showAction(tr("pharm.undone"), tr("verdict.product", map[string]any{"GTIN": c.GTIN, "Serial": c.Serial}))
			p.updateButtons()
			u.play(SoundSuccess)
			u.status(map[string]any{"event": "undone", "gtin": c.GTIN, "serial": c.Serial, "id": ev.ID})
			u.w.Canvas().Focus(p.entry)
		})
	})
}

// history loads the timeline of the pack on screen.
func (p *pharmacistScreen) history() {
	u := p.u
	c := p.verdict.current.Code
	if !c.IsPack() {
		return
	}
	if u.cfg.History == nil {
		p.historyTitle.SetText(tr("pharm.history.title") + " — " + tr("notconnected.short"))
		return
	}
	p.historyTitle.SetText(tr("pharm.history.loading"))
	seq := p.seq
	u.goTask(func(ctx context.Context) {
		items, err := u.cfg.History.History(ctx, c.GTIN, c.Serial)
		u.do(func() {
			if seq != p.seq {
				return
			}
			if err != nil {
				p.historyTitle.SetText(tr("pharm.history.title") + " — " + causeText(err))
				return
			}
			p.historyItems = items
			p.historyTitle.SetText(trN("pharm.history.for", len(items), map[string]any{"GTIN": c.GTIN, "Serial": c.Serial, "N": u.f.number(int64(len(items)))}))
			p.historyList.Refresh()
		})
	})
}

func (p *pharmacistScreen) clear() {
	p.seq++
	p.verdict.show(Verdict{Level: LevelIdle, Reason: ReasonReady})
	p.entry.SetText("")
	p.historyItems = nil
	p.historyList.Refresh()
	p.historyTitle.SetText(tr("pharm.history.title"))
	p.updateButtons()
	p.u.w.Canvas().Focus(p.entry)
}

func shortTx(tx string) string {
	if tx == "" {
		return "—"
	}
	return clip(tx, 13)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

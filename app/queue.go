package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// queueLimit is how many events the queue screen lists.
const queueLimit = 500

// queueScreen shows the outbox and the sync engine's progress.
type queueScreen struct {
	u    *ui
	root fyne.CanvasObject

	counts   map[string]*canvas.Text
	bar      *widget.ProgressBar
	state    *widget.Label
	events   []QueuedEvent
	list     *widget.List
	retryBtn *widget.Button
	last     SyncReport
}

func newQueueScreen(u *ui) *queueScreen {
	q := &queueScreen{u: u, counts: map[string]*canvas.Text{}}
	var cells []fyne.CanvasObject
	for _, k := range queueCountNames() {
		n := canvas.NewText("—", theme.Color(theme.ColorNameForeground))
		n.TextSize = 34
		n.TextStyle = fyne.TextStyle{Bold: true}
		n.Alignment = fyne.TextAlignCenter
		if k == "rejected" {
			n.Color = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
		}
		q.counts[k] = n
		cells = append(cells, container.NewVBox(n, widget.NewLabelWithStyle(tr("queue.count."+k), fyne.TextAlignCenter, fyne.TextStyle{})))
	}
	q.bar = widget.NewProgressBar()
	q.bar.Hide()
	q.state = widget.NewLabel("")
	q.state.Wrapping = fyne.TextWrapWord
	q.retryBtn = widget.NewButtonWithIcon(tr("queue.retry")+"  [F5]", theme.ViewRefreshIcon(), q.retry)
	q.retryBtn.Importance = widget.HighImportance
	exportBtn := widget.NewButtonWithIcon(tr("queue.export")+"  [F8]", theme.DocumentSaveIcon(), q.export)
	q.list = widget.NewList(func() int { return len(q.events) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, widget.NewIcon(theme.MediaRecordIcon()), nil, widget.NewLabel(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			e := q.events[i]
			c := o.(*fyne.Container)
			var icon fyne.Resource
			switch e.State {
			case "recorded":
				icon = theme.NewSuccessThemedResource(theme.ConfirmIcon())
			case "rejected":
				icon = theme.NewErrorThemedResource(theme.CancelIcon())
			default:
				icon = theme.NewWarningThemedResource(theme.HistoryIcon())
			}
			var lbl *widget.Label
			for _, obj := range c.Objects {
				switch v := obj.(type) {
				case *widget.Icon:
					v.SetResource(icon)
				case *widget.Label:
					lbl = v
				}
			}
			lbl.SetText(q.eventLine(e))
		})
	if u.cfg.QueueView == nil {
		q.state.SetText(tr("queue.notconnected"))
		exportBtn.Disable()
	}
	if u.cfg.Syncer == nil {
		q.retryBtn.Disable()
	}
	top := container.NewVBox(container.NewGridWithColumns(4, cells...), q.bar, q.state,
		container.NewHBox(q.retryBtn, exportBtn))
	q.root = container.NewBorder(top, nil, nil, nil, container.NewBorder(heading(tr("queue.events")), nil, nil, nil, q.list))
	q.apply(u.lastSync)
	return q
}

func (q *queueScreen) title() string              { return tr("tab.queue") }
func (q *queueScreen) name() string               { return "queue" }
func (q *queueScreen) content() fyne.CanvasObject { return container.NewPadded(q.root) }

func (q *queueScreen) shown() {
	q.reload()
	q.u.status(map[string]any{"event": "screen", "screen": q.name()})
}

func (q *queueScreen) key(k fyne.KeyName) bool {
	switch k {
	case fyne.KeyF5:
		q.retry()
	case fyne.KeyF8:
		q.export()
	default:
		return false
	}
	return true
}

func (q *queueScreen) eventLine(e QueuedEvent) string {
	f := q.u.f
	ev := e.Event
	item := ev.SSCC
	if ev.GTIN != "" {
		item = ev.GTIN + " / " + ev.Serial
	}
	if item == "" {
		item = "—"
	}
	base := fmt.Sprintf("%s · %s · %s · %s", f.dateTime(ev.Time), tr("kind."+string(ev.Kind)), item, tr("queue.state."+e.State))
	switch e.State {
	case "recorded":
		if e.Block == 0 { // not known (never "block 0")
			return base + " · " + tr("queue.tx.noblock", map[string]any{"Tx": e.TxID})
		}
		return base + " · " + tr("queue.tx", map[string]any{"Tx": e.TxID, "Block": f.number(int64(e.Block))})
	case "rejected":
		msg := e.Message
		if msg == "" {
			msg = e.Reason
		}
		return base + " · " + tr("queue.reason", map[string]any{"Reason": e.Reason, "Message": msg})
	}
	if e.Attempts > 0 {
		return base + " · " + tr("queue.attempts", map[string]any{"N": f.number(int64(e.Attempts))})
	}
	return base
}

// reload reads the counts and events in the background.
func (q *queueScreen) reload() {
	u := q.u
	if u.cfg.QueueView == nil {
		return
	}
	u.goTask(func(ctx context.Context) {
		counts, err := u.cfg.QueueView.Counts(ctx)
		var events []QueuedEvent
		if err == nil {
			events, err = u.cfg.QueueView.Events(ctx, queueLimit)
		}
		u.do(func() {
			if err != nil {
				q.state.SetText(tr("queue.error", map[string]any{"Err": err.Error()}))
				return
			}
			q.showCounts(counts)
			q.events = events
			q.list.Refresh()
		})
	})
}

func (q *queueScreen) showCounts(c QueueCounts) {
	f := q.u.f
	for k, v := range map[string]int{"pending": c.Pending, "inflight": c.InFlight, "recorded": c.Recorded, "rejected": c.Rejected} {
		q.counts[k].Text = f.number(int64(v))
		if k == "rejected" && v == 0 {
			q.counts[k].Color = theme.Color(theme.ColorNameForeground)
		} else if k == "rejected" {
			q.counts[k].Color = color.NRGBA{R: 0xc6, G: 0x28, B: 0x28, A: 0xff}
		}
		q.counts[k].Refresh()
	}
}

// apply shows a sync report (on Fyne's goroutine).
func (q *queueScreen) apply(r SyncReport) {
	q.last = r
	f := q.u.f
	if r.Syncing && r.Total > 0 {
		q.bar.Show()
		q.bar.SetValue(float64(r.Done) / float64(r.Total))
	} else {
		q.bar.Hide()
	}
	var msg string
	switch {
	case r.Err != nil:
		msg = tr("queue.state.error", map[string]any{"Err": r.Err.Error(), "Pending": f.number(int64(r.Pending))})
	case r.Syncing:
		msg = tr("queue.state.syncing", map[string]any{"Done": f.number(int64(r.Done)), "Total": f.number(int64(r.Total))})
	case !r.LastSuccess.IsZero():
		msg = tr("queue.state.idle", map[string]any{"When": f.dateTime(r.LastSuccess)})
	default:
		if q.u.cfg.QueueView == nil {
			msg = tr("queue.notconnected")
		} else {
			msg = tr("queue.state.never")
		}
	}
	q.state.SetText(msg)
	if !r.Syncing {
		q.reload()
	}
}

func (q *queueScreen) retry() {
	u := q.u
	if u.cfg.Syncer == nil || q.retryBtn.Disabled() {
		return
	}
	q.retryBtn.Disable()
	u.goTask(func(ctx context.Context) {
		err := u.cfg.Syncer.SyncNow(ctx)
		u.do(func() {
			q.retryBtn.Enable()
			if err != nil {
				q.state.SetText(tr("queue.error", map[string]any{"Err": err.Error()}))
			}
			q.reload()
		})
	})
}

func (q *queueScreen) export() {
	if q.u.cfg.QueueView == nil {
		return
	}
	name := fmt.Sprintf("queue-%s.csv", q.u.now().Format("20060102-1504"))
	showSaveFile(q.u.w, name, func(path string) {
		u := q.u
		u.goTask(func(ctx context.Context) {
			events, err := u.cfg.QueueView.Events(ctx, 1<<30)
			if err == nil {
				err = writeQueueCSV(path, events)
			}
			u.do(func() {
				if err != nil {
					u.showError(tr("queue.export"), err)
					return
				}
				showInfo(u.w, tr("queue.export"), tr("insp.exported", map[string]any{"Path": path}))
			})
		})
	})
}

// writeQueueCSV writes queued events with their sync state, atomically.
func writeQueueCSV(path string, events []QueuedEvent) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"id", "kind", "time", "location", "counterparty", "gtin", "serial", "batch", "expiry", "sscc",
		"children", "state", "tx_id", "block", "reason", "message", "attempts"})
	for _, e := range events {
		ev := e.Event
		children := ""
		for i, c := range ev.Children {
			if i > 0 {
				children += " "
			}
			children += c
		}
		block := "" // not on the ledger yet: no block, rather than "0"
		if e.Block > 0 {
			block = fmt.Sprint(e.Block)
		}
		_ = w.Write([]string{ev.ID, string(ev.Kind), ev.Time.UTC().Format(time.RFC3339Nano), ev.Location, ev.Counterparty,
			ev.GTIN, ev.Serial, ev.Batch, ev.Expiry, ev.SSCC, children, e.State, e.TxID, block, e.Reason,
			e.Message, fmt.Sprint(e.Attempts)})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return writeFileAtomic(path, b.Bytes())
}

// queueCountNames are the queue counters, in display order.
func queueCountNames() []string { return []string{"pending", "inflight", "recorded", "rejected"} }

// queueStates are the sync states of a queued event.
func queueStates() []string {
	return []string{"pending", "inflight", "recorded", "rejected", "conflict"}
}

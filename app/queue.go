package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image/color"
	"maps"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// queueLimit is how many events the queue screen lists.
const queueLimit = 500

// Requeuer gives events the ledger rejected back to the queue, recording
// who did it (the operating system user, which the implementation finds)
// with role, and when; the rejection stays on record. No IDs means every
// rejected event. The queue screen offers its buttons when the QueueView
// also implements Requeuer.
type Requeuer interface {
	Requeue(ctx context.Context, role string, eventIDs ...string) (int, error)
}

// queueScreen shows the outbox and the sync engine's progress.
type queueScreen struct {
	u    *ui
	root fyne.CanvasObject

	counts     map[string]*canvas.Text
	bar        *widget.ProgressBar
	state      *widget.Label
	events     []QueuedEvent
	list       *widget.List
	retryBtn   *widget.Button
	requeueOne *widget.Button // nil without a Requeuer
	requeueAll *widget.Button // nil without a Requeuer
	selected   int            // the list's selected row, -1 if none
	detail     *widget.Label  // the selected refusal's details: the ledger's own sentence
	last       SyncReport
	queued     *QueueCounts // the latest counts read, nil before the first
}

func newQueueScreen(u *ui) *queueScreen {
	q := &queueScreen{u: u, counts: map[string]*canvas.Text{}, selected: -1}
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
	buttons := container.NewHBox(q.retryBtn, exportBtn)
	if _, ok := u.cfg.QueueView.(Requeuer); ok {
		q.requeueOne = widget.NewButtonWithIcon(tr("queue.requeue.one"), theme.ContentUndoIcon(), q.requeueSelected)
		q.requeueAll = widget.NewButtonWithIcon(tr("queue.requeue.all"), theme.ContentUndoIcon(), q.requeueRejected)
		q.requeueOne.Disable()
		q.requeueAll.Disable()
		buttons.Add(q.requeueOne)
		buttons.Add(q.requeueAll)
	}
	q.detail = widget.NewLabel("")
	q.detail.Wrapping = fyne.TextWrapWord
	q.detail.Importance = widget.LowImportance
	q.detail.Hide()
	q.list.OnSelected = func(id widget.ListItemID) { q.selected = id; q.refreshButtons() }
	q.list.OnUnselected = func(widget.ListItemID) { q.selected = -1; q.refreshButtons() }
	top := container.NewVBox(container.NewGridWithColumns(4, cells...), q.bar, q.state, buttons)
	q.root = container.NewBorder(top, q.detail, nil, nil, container.NewBorder(heading(tr("queue.events")), nil, nil, nil, q.list))
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
	case "rejected", "conflict":
		// The refusal in the user's language by its reason code; the
		// ledger's sentence (English, naming the particulars) is the
		// selected event's detail line (showDetail) and in the export.
		code := e.Reason
		if code == "" && e.State == "conflict" {
			code = "conflict"
		}
		return base + " · " + alertText(code, e.Message)
	}
	if e.Attempts > 0 {
		base += " · " + trN("queue.attempts", e.Attempts, map[string]any{"N": f.number(int64(e.Attempts))})
	}
	if e.Message != "" && (e.State == "pending" || e.State == "inflight") {
		// Why it is not on the ledger yet: the first line of the last error
		// (a gateway error's details follow on further lines).
		msg, _, _ := strings.Cut(e.Message, "\n")
		base += " · " + tr("queue.lasterror", map[string]any{"Err": msg})
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
				q.state.SetText(tr("queue.error", map[string]any{"Err": causeText(err)}))
				return
			}
			q.showCounts(counts)
			q.queued = &counts
			q.events = events
			q.list.UnselectAll()
			q.selected = -1
			q.list.Refresh()
			q.showState()
			q.refreshButtons()
		})
	})
}

// refreshButtons enables the re-queue buttons when there is something to
// re-queue.
func (q *queueScreen) refreshButtons() {
	q.showDetail()
	if q.requeueOne == nil {
		return
	}
	if q.selected >= 0 && q.selected < len(q.events) && q.events[q.selected].State == "rejected" {
		q.requeueOne.Enable()
	} else {
		q.requeueOne.Disable()
	}
	if q.queued != nil && q.queued.Rejected > 0 {
		q.requeueAll.Enable()
	} else {
		q.requeueAll.Disable()
	}
}

// showDetail shows the selected refused event's details: the ledger's own
// sentence, which names the particulars (where, when, which batch).
func (q *queueScreen) showDetail() {
	text := ""
	if q.selected >= 0 && q.selected < len(q.events) {
		if e := q.events[q.selected]; e.Message != "" && (e.State == "rejected" || e.State == "conflict") {
			text = tr("queue.detail", map[string]any{"Text": e.Message})
		}
	}
	q.detail.SetText(text)
	if text == "" {
		q.detail.Hide()
	} else {
		q.detail.Show()
	}
}

// requeueSelected re-queues the selected rejected event.
func (q *queueScreen) requeueSelected() {
	if q.selected < 0 || q.selected >= len(q.events) || q.events[q.selected].State != "rejected" {
		return
	}
	q.requeue(q.events[q.selected].Event.ID)
}

// requeueRejected re-queues every rejected event, after asking.
func (q *queueScreen) requeueRejected() {
	if q.queued == nil || q.queued.Rejected == 0 {
		return
	}
	showConfirm(q.u.w, tr("queue.requeue.all"), trN("queue.requeue.confirm", q.queued.Rejected, map[string]any{"N": q.u.f.number(int64(q.queued.Rejected))}),
		func() { q.requeue() })
}

// requeue gives the events back to the queue (all rejected ones when ids
// is empty), then wakes the sync engine.
func (q *queueScreen) requeue(ids ...string) {
	u := q.u
	rq, ok := u.cfg.QueueView.(Requeuer)
	if !ok {
		return
	}
	q.requeueOne.Disable()
	q.requeueAll.Disable()
	role := u.set.Role
	u.goTask(func(ctx context.Context) {
		n, err := rq.Requeue(ctx, role, ids...)
		if err == nil && u.cfg.Syncer != nil {
			err = u.cfg.Syncer.SyncNow(ctx)
		}
		u.do(func() {
			if err != nil {
				u.showError(tr("queue.requeue.all"), err)
			} else {
				q.state.SetText(trN("queue.requeue.done", n, map[string]any{"N": u.f.number(int64(n))}))
			}
			q.reload()
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
	if r.Syncing && r.Total > 0 {
		q.bar.Show()
		q.bar.SetValue(float64(r.Done) / float64(r.Total))
	} else {
		q.bar.Hide()
	}
	q.showState()
	if !r.Syncing {
		q.reload()
	}
}

// showState says what the sync is doing, from the last report and the last
// counts read. It never says "Up to date" while events wait or were
// rejected: rejected ones need a user, and every line but a sync round's
// progress says how many.
func (q *queueScreen) showState() {
	r, f := q.last, q.u.f
	var rejected, waiting int
	if q.queued != nil {
		rejected, waiting = q.queued.Rejected, q.queued.Pending+q.queued.InFlight
	}
	var msg string
	switch {
	case r.Err != nil:
		msg = trN("queue.state.error", r.Pending, map[string]any{"Err": causeText(r.Err), "Pending": f.number(int64(r.Pending))})
	case r.Syncing:
		msg = tr("queue.state.syncing", map[string]any{"Done": f.number(int64(r.Done)), "Total": f.number(int64(r.Total))})
	case waiting > 0:
		msg = trN("queue.state.waiting", waiting, map[string]any{"Pending": f.number(int64(waiting))})
	case !r.LastSuccess.IsZero() && rejected == 0 && len(r.Waiting) == 0:
		msg = tr("queue.state.idle", map[string]any{"When": f.dateTime(r.LastSuccess)})
	case q.u.cfg.QueueView == nil:
		msg = tr("queue.notconnected")
	case rejected == 0:
		msg = tr("queue.state.never")
	}
	if rejected > 0 && !r.Syncing { // a round's progress line is brief; the next state line says it again
		msg = strings.TrimSpace(msg + " " + trN("queue.state.attention", rejected, map[string]any{"N": f.number(int64(rejected))}))
	}
	for _, id := range slices.Sorted(maps.Keys(r.Waiting)) { // events this computer never sends as its own
		n := r.Waiting[id]
		msg = strings.TrimSpace(msg + " " + trN("queue.state.othersigner", n, map[string]any{"N": f.number(int64(n)), "Identity": id}))
	}
	q.state.SetText(msg)
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
				q.state.SetText(tr("queue.error", map[string]any{"Err": causeText(err)}))
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

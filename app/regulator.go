package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medtrace/medtrace/trace"
)

// regulatorScreen is the regulator's desk, a tab of the inspector's role
// (inspectors act for the regulator and sign with its identity): the
// consortium's members, the recall orders (a selected one can be
// withdrawn), and the alerts this station saw, with filters and a CSV
// export.
type regulatorScreen struct {
	u    *ui
	root fyne.CanvasObject
	tabs *container.AppTabs

	members      []Member
	memberList   *widget.List
	memberStatus *widget.Label

	recalls      []RecallOrder
	recallList   *widget.List
	recallStatus *widget.Label
	recallSel    int // the selected recall order, -1 for none
	withdrawBtn  *widget.Button
	// withdrawal is the open withdrawal dialog's reason and its answer
	// (nil when none is open).
	withdrawal *withdrawDialog

	alerts      []AlertRecord
	alertSeq    int // the latest alert query; older answers arriving late are dropped
	loadSeq     int // the latest members and recalls reload, likewise
	alertList   *widget.List
	alertStatus *widget.Label
	kindSel     *widget.Select
	sinceSel    *widget.Select
	text        *formEntry
}

// alertPeriods are the "since" choices of the alert filter, in order.
func alertPeriods() []string { return []string{"day", "week", "month", "all"} }

func newRegulatorScreen(u *ui) *regulatorScreen {
	r := &regulatorScreen{u: u}
	r.memberStatus = widget.NewLabel("")
	r.memberStatus.Wrapping = fyne.TextWrapWord
	r.memberList = widget.NewList(func() int { return len(r.members) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(r.memberText(r.members[i])) })
	r.memberList.OnSelected = func(id widget.ListItemID) { r.memberList.Unselect(id) }

	r.recallStatus = widget.NewLabel("")
	r.recallStatus.Wrapping = fyne.TextWrapWord
	r.recallList = widget.NewList(func() int { return len(r.recalls) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			rc := r.recalls[i]
			o.(*widget.Label).SetText(tr("reg.recall.item", map[string]any{"GTIN": rc.GTIN, "Batch": rc.Batch,
				"Reason": orDash(rc.Reason), "When": u.f.dateTime(rc.Time), "Block": u.f.number(int64(rc.Block))}))
		})
	r.recallSel = -1
	r.withdrawBtn = widget.NewButtonWithIcon(tr("reg.recall.withdraw.button"), theme.ContentUndoIcon(), r.withdrawRecall)
	r.withdrawBtn.Disable()
	r.recallList.OnSelected = func(id widget.ListItemID) {
		r.recallSel = id
		r.withdrawBtn.Enable()
	}
	r.recallList.OnUnselected = func(widget.ListItemID) {
		r.recallSel = -1
		r.withdrawBtn.Disable()
	}
	withdrawNote := widget.NewLabel(tr("reg.recall.withdraw"))
	withdrawNote.Wrapping = fyne.TextWrapWord
	withdrawNote.Importance = widget.LowImportance
	withdraw := container.NewBorder(nil, nil, nil, r.withdrawBtn, withdrawNote)

	r.alertStatus = widget.NewLabel("")
	kinds := []string{tr("reg.alerts.kind.all")}
	for _, k := range alertKinds() {
		kinds = append(kinds, tr("reg.alert.kind."+k))
	}
	r.kindSel = widget.NewSelect(kinds, func(string) { r.reloadAlerts() })
	r.kindSel.SetSelectedIndex(0)
	var periods []string
	for _, p := range alertPeriods() {
		periods = append(periods, tr("reg.alerts.since."+p))
	}
	r.sinceSel = widget.NewSelect(periods, func(string) { r.reloadAlerts() })
	r.sinceSel.SetSelectedIndex(len(periods) - 1)
	r.text = u.newFormEntry()
	r.text.SetPlaceHolder(tr("reg.alerts.text.placeholder"))
	r.text.OnSubmitted = func(string) { r.reloadAlerts() }
	r.alertList = widget.NewList(func() int { return len(r.alerts) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return container.NewBorder(nil, nil, widget.NewIcon(theme.NewErrorThemedResource(theme.WarningIcon())), nil, l)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*fyne.Container).Objects[0].(*widget.Label).SetText(r.alertLine(r.alerts[i]))
		})
	r.alertList.OnSelected = func(id widget.ListItemID) { r.alertList.Unselect(id) }
	exportBtn := widget.NewButtonWithIcon(tr("reg.alerts.export")+"  [F8]", theme.DocumentSaveIcon(), r.exportAlerts)
	refreshBtn := widget.NewButtonWithIcon(tr("reg.refresh")+"  [F5]", theme.ViewRefreshIcon(), r.reload)

	filters := container.NewBorder(nil, nil,
		container.NewHBox(widget.NewLabel(tr("reg.alerts.kind")), r.kindSel, widget.NewLabel(tr("reg.alerts.since")), r.sinceSel),
		container.NewHBox(exportBtn), r.text)
	alertsTab := container.NewBorder(container.NewVBox(filters, r.alertStatus), nil, nil, nil, r.alertList)
	membersTab := container.NewBorder(r.memberStatus, nil, nil, nil, r.memberList)
	recallsTab := container.NewBorder(r.recallStatus, withdraw, nil, nil, r.recallList)
	r.tabs = container.NewAppTabs(
		container.NewTabItem(tr("reg.tab.alerts"), alertsTab),
		container.NewTabItem(tr("reg.tab.members"), membersTab),
		container.NewTabItem(tr("reg.tab.recalls"), recallsTab),
	)
	intro := widget.NewLabel(tr("reg.intro"))
	intro.Wrapping = fyne.TextWrapWord
	intro.Importance = widget.LowImportance
	r.root = container.NewBorder(container.NewBorder(nil, nil, nil, refreshBtn, intro), nil, nil, nil, r.tabs)
	r.reload()
	return r
}

func (r *regulatorScreen) title() string              { return tr("tab.regulator") }
func (r *regulatorScreen) name() string               { return "regulator" }
func (r *regulatorScreen) content() fyne.CanvasObject { return container.NewPadded(r.root) }

func (r *regulatorScreen) shown() {
	r.u.w.Canvas().Focus(r.text)
	r.u.status(map[string]any{"event": "screen", "screen": r.name()})
}

func (r *regulatorScreen) key(k fyne.KeyName) bool {
	switch k {
	case fyne.KeyF5:
		r.reload()
	case fyne.KeyF8:
		r.exportAlerts()
	default:
		return false
	}
	return true
}

// memberText is one member's line.
func (r *regulatorScreen) memberText(m Member) string {
	join := func(s []string) string {
		if len(s) == 0 {
			return "—"
		}
		return strings.Join(s, ", ")
	}
	glns := join(m.GLNs)
	if m.AnyLocation {
		glns = tr("reg.member.anywhere")
	}
	china := join(m.ChinaCodes)
	role := m.Role
	if hasTranslation("reg.role." + m.Role) {
		role = tr("reg.role." + m.Role)
	}
	return tr("reg.member.item", map[string]any{"MSP": m.MSP, "Role": role, "Prefixes": join(m.Prefixes), "China": china, "GLNs": glns})
}

// alertLine is one alert's line on the list.
func (r *regulatorScreen) alertLine(a AlertRecord) string {
	src := tr("reg.alert.source."+a.Source, map[string]any{"By": a.By})
	return tr("reg.alert.item", map[string]any{"When": r.u.f.dateTime(a.Time), "Kind": tr("reg.alert.kind." + a.Kind),
		"Item": alertItem(a), "Place": orDash(a.Place), "Source": src, "Reason": alertText(a.Code, a.Message)})
}

// reload reads members, recalls and alerts again.
func (r *regulatorScreen) reload() {
	r.loadSeq++
	r.reloadMembers()
	r.reloadRecalls()
	r.reloadAlerts()
}

func (r *regulatorScreen) reloadMembers() {
	u := r.u
	if u.cfg.Consortium == nil {
		r.memberStatus.SetText(tr("reg.members.notconnected"))
		return
	}
	r.memberStatus.SetText(tr("reg.loading"))
	seq := r.loadSeq
	u.goTask(func(ctx context.Context) {
		ms, err := u.cfg.Consortium.Members(ctx)
		u.do(func() {
			if seq != r.loadSeq {
				return
			}
			if err != nil {
				r.memberStatus.SetText(tr("reg.members.failed", map[string]any{"Err": causeText(err)}))
				return
			}
			r.members = ms
			r.memberStatus.SetText(trN("reg.members.count", len(ms), map[string]any{"N": u.f.number(int64(len(ms)))}))
			r.memberList.Refresh()
		})
	})
}

func (r *regulatorScreen) reloadRecalls() {
	u := r.u
	if u.cfg.Recalls == nil {
		r.recallStatus.SetText(tr("reg.recalls.notconnected"))
		return
	}
	seq := r.loadSeq
	u.goTask(func(ctx context.Context) {
		rs, err := u.cfg.Recalls.Recalls(ctx)
		u.do(func() {
			if seq != r.loadSeq {
				return
			}
			if err != nil {
				r.recallStatus.SetText(tr("reg.recalls.failed", map[string]any{"Err": causeText(err)}))
				return
			}
			r.recalls = rs
			r.recallList.UnselectAll()
			r.recallSel = -1
			r.withdrawBtn.Disable()
			r.recallStatus.SetText(trN("reg.recalls.count", len(rs), map[string]any{"N": u.f.number(int64(len(rs)))}))
			r.recallList.Refresh()
		})
	})
}

// filter is the alert filter the controls say.
func (r *regulatorScreen) filter() AlertFilter {
	f := AlertFilter{Text: strings.TrimSpace(r.text.Text)}
	if i := r.kindSel.SelectedIndex(); i > 0 {
		f.Kinds = []string{alertKinds()[i-1]}
	}
	now := r.u.now()
	switch alertPeriods()[max(r.sinceSel.SelectedIndex(), 0)] {
	case "day":
		f.Since = now.Add(-24 * time.Hour)
	case "week":
		f.Since = now.Add(-7 * 24 * time.Hour)
	case "month":
		f.Since = now.AddDate(0, -1, 0)
	}
	return f
}

// reloadAlerts lists the alerts the filter selects.
func (r *regulatorScreen) reloadAlerts() {
	u := r.u
	if r.alertStatus == nil || r.kindSel == nil || r.sinceSel == nil || r.text == nil {
		return // still being built
	}
	if u.cfg.Alerts == nil {
		r.alertStatus.SetText(tr("reg.alerts.notconnected"))
		return
	}
	f := r.filter()
	r.alertSeq++
	seq := r.alertSeq
	ledgerAlerts, _ := u.cfg.Alerts.(LedgerAlertReader)
	u.goTask(func(ctx context.Context) {
		as, err := u.cfg.Alerts.Alerts(ctx, f)
		var lerr error // the ledger's list could not be read: this station's alerts are still shown
		if err == nil && ledgerAlerts != nil {
			var las []AlertRecord
			if las, lerr = ledgerAlerts.LedgerAlerts(ctx, f); lerr == nil {
				as = mergeAlerts(as, las, f.Limit)
			}
		}
		u.do(func() {
			if seq != r.alertSeq {
				return
			}
			if err != nil {
				r.alertStatus.SetText(tr("reg.alerts.failed", map[string]any{"Err": causeText(err)}))
				return
			}
			r.alerts = as
			status := trN("reg.alerts.count", len(as), map[string]any{"N": u.f.number(int64(len(as)))})
			if lerr != nil {
				status = tr("reg.alerts.ledgerfailed", map[string]any{"Count": status, "Err": causeText(lerr)})
			}
			r.alertStatus.SetText(status)
			r.alertList.Refresh()
			u.status(map[string]any{"event": "alerts", "count": len(as)})
		})
	})
}

// LedgerAlertReader reads the alerts stations reported to the ledger (the
// regulator's, station.LedgerAlerts). The regulator's list shows them
// beside this station's own when the AlertLog also implements it.
type LedgerAlertReader interface {
	LedgerAlerts(ctx context.Context, f AlertFilter) ([]AlertRecord, error)
}

// maxAlertsShown is the longest alert list (an AlertFilter's Limit of 0).
const maxAlertsShown = 1000

// mergeAlerts is this station's alerts and the ledger's, newest first, at
// most limit (0: maxAlertsShown): an alert of a refused event this station
// holds too is shown once, as its own (with the ledger's sentence).
func mergeAlerts(local, ledger []AlertRecord, limit int) []AlertRecord {
	if limit <= 0 {
		limit = maxAlertsShown
	}
	seen := map[string]bool{}
	out := make([]AlertRecord, 0, len(local)+len(ledger))
	for _, a := range local {
		if a.EventID != "" {
			seen[a.EventID] = true
		}
		out = append(out, a)
	}
	for _, a := range ledger {
		if !seen[a.EventID] {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(x, y AlertRecord) int { return y.Time.Compare(x.Time) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// alertColumns are the alert export's CSV columns (stable, English).
func alertColumns() []string {
	return []string{"time", "kind", "code", "source", "event_kind", "event_id", "gtin", "serial", "batch", "sscc", "place", "message"}
}

// writeAlertsCSV writes alerts as CSV to path, atomically.
func writeAlertsCSV(path string, as []AlertRecord) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(alertColumns()); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, a := range as {
		if err := w.Write([]string{a.Time.UTC().Format(time.RFC3339), a.Kind, a.Code, a.Source, string(a.Event), a.EventID,
			a.GTIN, a.Serial, a.Batch, a.SSCC, a.Place, a.Message}); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return writeFileAtomic(path, b.Bytes())
}

// exportAlerts saves the alerts on the list as CSV.
func (r *regulatorScreen) exportAlerts() {
	u := r.u
	as := append([]AlertRecord(nil), r.alerts...)
	name := fmt.Sprintf("alerts-%s.csv", u.now().Format("20060102-1504"))
	showSaveFile(u.w, name, func(path string) {
		u.goTask(func(context.Context) {
			err := writeAlertsCSV(path, as)
			u.do(func() {
				if err != nil {
					u.showError(tr("reg.alerts.export"), err)
					return
				}
				showInfo(u.w, tr("reg.alerts.export"), trN("reg.alerts.exported", len(as), map[string]any{"Path": path, "N": u.f.number(int64(len(as)))}))
				u.status(map[string]any{"event": "export", "path": path, "alerts": len(as)})
			})
		})
	})
}

// withdrawDialog is the open withdrawal confirmation: the reason asked for
// and the function that answers it (as its buttons do).
type withdrawDialog struct {
	reason *widget.Entry
	answer func(ok bool)
}

// withdrawRecall asks to confirm the withdrawal of the selected recall
// order, with its reason, and queues it.
func (r *regulatorScreen) withdrawRecall() {
	u := r.u
	title := tr("reg.recall.withdraw.button")
	if r.recallSel < 0 || r.recallSel >= len(r.recalls) {
		return
	}
	if u.cfg.Queue == nil {
		u.showError(title, errors.New(tr("notconnected.queue")))
		return
	}
	rc := r.recalls[r.recallSel]
	reason := widget.NewEntry()
	reason.SetPlaceHolder(tr("reg.recall.withdraw.reason.placeholder"))
	reason.Validator = func(s string) error {
		if s = strings.TrimSpace(s); s == "" || len(s) > trace.MaxNote {
			return fieldErr("reg.recall.withdraw.noreason", map[string]any{"Max": trace.MaxNote})
		}
		return nil
	}
	msg := widget.NewLabel(tr("reg.recall.withdraw.confirm", map[string]any{"GTIN": rc.GTIN, "Batch": rc.Batch, "Reason": orDash(rc.Reason)}))
	msg.Wrapping = fyne.TextWrapWord
	wd := &withdrawDialog{reason: reason}
	d := dialog.NewForm(title, title, tr("man.cancel"),
		[]*widget.FormItem{widget.NewFormItem("", msg), widget.NewFormItem(tr("reg.recall.withdraw.reason"), reason)},
		func(ok bool) {
			r.withdrawal = nil
			u.status(map[string]any{"event": "confirm", "ok": ok})
			if ok {
				r.queueWithdrawal(rc, strings.TrimSpace(reason.Text))
			}
		}, u.w)
	wd.answer = func(ok bool) {
		if ok {
			d.Submit() // nothing while the reason is not valid: the button is disabled
			return
		}
		d.Hide()
	}
	d.Resize(fyne.NewSize(600, 320))
	r.withdrawal = wd
	d.Show()
	u.w.Canvas().Focus(reason)
	u.status(map[string]any{"event": "confirm", "state": "asked"})
}

// queueWithdrawal queues the withdrawal of recall order rc, with reason.
func (r *regulatorScreen) queueWithdrawal(rc RecallOrder, reason string) {
	u := r.u
	title := tr("reg.recall.withdraw.button")
	ev := trace.Event{Kind: trace.KindWithdrawRecall, Time: u.now().UTC(), GTIN: rc.GTIN, Batch: rc.Batch, Note: reason}
	if validGLN(u.set.Location) {
		ev.Location = u.set.Location
	}
	if err := ev.Check(); err != nil {
		u.showError(title, err)
		return
	}
	ev = ev.WithContentID()
	r.withdrawBtn.Disable()
	u.goTask(func(ctx context.Context) {
		err := u.cfg.Queue.Enqueue(ctx, ev)
		u.do(func() {
			if r.recallSel >= 0 {
				r.withdrawBtn.Enable()
			}
			if err != nil {
				u.showError(title, err)
				u.play(SoundFailure)
				return
			}
			r.recallStatus.SetText(tr("reg.recall.withdraw.queued", map[string]any{"GTIN": rc.GTIN, "Batch": rc.Batch}))
			u.play(SoundSuccess)
			u.status(map[string]any{"event": "regulator", "queued": string(ev.Kind), "gtin": rc.GTIN, "batch": rc.Batch})
		})
	})
}

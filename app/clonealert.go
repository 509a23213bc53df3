package app

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medtrace/medtrace/trace"
)

// refusalScan is how many refused events one check reads (newest first).
const refusalScan = 200

// maxBannerRefusals bounds the refusals the banner keeps until dismissed
// (the Queue screen and the alert log keep them all).
const maxBannerRefusals = 100

// alertKindOf groups a ledger reason code under the regulator list's kinds
// (the trace core's grouping, which the ledger's alert list uses too).
func alertKindOf(code string) string { return trace.AlertKindOf(code) }

// refusalAlert is the alert for an event the ledger refused.
func refusalAlert(q QueuedEvent) AlertRecord {
	ev := q.Event
	return AlertRecord{Time: ev.Time, Kind: alertKindOf(q.Reason), Code: q.Reason, Message: q.Message, Source: "refusal",
		EventID: ev.ID, Event: ev.Kind, GTIN: ev.GTIN, Serial: ev.Serial, Batch: ev.Batch, SSCC: ev.SSCC, Place: ev.Location}
}

// refusalBanner is the red band over the role screen that says at once
// when the ledger refused an event this station queued (a clone alert).
type refusalBanner struct {
	box  *fyne.Container
	text *widget.RichText // white on the red band
	seg  *widget.TextSegment
}

func newRefusalBanner(u *ui) *refusalBanner {
	b := &refusalBanner{}
	bg := canvas.NewRectangle(levelColour(LevelBad))
	bg.CornerRadius = 6
	b.seg = &widget.TextSegment{Style: widget.RichTextStyle{ColorName: colorOnVerdict, TextStyle: fyne.TextStyle{Bold: true},
		Inline: true}}
	b.text = widget.NewRichText(b.seg)
	b.text.Wrapping = fyne.TextWrapWord
	dismiss := widget.NewButtonWithIcon(tr("clone.dismiss"), theme.CancelIcon(), func() { b.dismiss(u) })
	queue := widget.NewButtonWithIcon(tr("clone.open.queue"), theme.UploadIcon(), func() { u.selectTab(u.queueTab()) })
	b.box = container.NewStack(bg, container.NewPadded(container.NewBorder(nil, nil,
		widget.NewIcon(theme.NewColoredResource(theme.ErrorIcon(), colorOnVerdict)),
		container.NewHBox(queue, dismiss), b.text)))
	b.box.Hide()
	if len(u.refused) > 0 { // raised before the screen was (re)built
		b.show(u)
	}
	return b
}

// show shows the refusals not yet dismissed (u.refused).
func (b *refusalBanner) show(u *ui) {
	last := u.refused[len(u.refused)-1]
	text := tr("clone.banner", map[string]any{"Event": tr("kind." + string(last.Event)), "Item": alertItem(last),
		"Reason": alertText(last.Code, last.Message)})
	if n := len(u.refused) - 1; n > 0 {
		text += " " + trN("clone.banner.more", n, map[string]any{"N": u.f.number(int64(n))})
	}
	b.seg.Text = text
	b.text.Refresh()
	b.box.Show()
	u.status(map[string]any{"event": "banner", "refusals": len(u.refused), "code": last.Code})
}

func (b *refusalBanner) dismiss(u *ui) {
	u.refused = nil
	b.box.Hide()
	u.status(map[string]any{"event": "clone-alert", "state": "dismissed"})
}

// alertItem names what an alert is about.
func alertItem(a AlertRecord) string {
	switch {
	case a.GTIN != "" && a.Serial != "":
		return a.GTIN + " / " + a.Serial
	case a.SSCC != "":
		return "SSCC " + a.SSCC
	case a.GTIN != "":
		return a.GTIN + " · " + a.Batch
	}
	return "—"
}

// queueTab is the index of the Queue tab.
func (u *ui) queueTab() int {
	for i, s := range u.screens {
		if s == screen(u.queue) {
			return i
		}
	}
	return 0
}

// checkRefusals looks for events the ledger refused since the last check
// and raises a clone alert for each one not raised before: the red banner
// over the role screen, a desktop notification and an entry in the alert
// log (the regulator's list). It runs after every sync report; one check
// at a time.
func (u *ui) checkRefusals() {
	if u.cfg.Refusals == nil || u.checking {
		return
	}
	u.checking = true
	log := u.cfg.Alerts
	first := !u.refusalsPrimed
	u.refusalsPrimed = true
	seen := u.seenRefusals
	u.goTask(func(ctx context.Context) {
		qs, err := u.cfg.Refusals.Refused(ctx, refusalScan)
		var fresh []AlertRecord
		var looked []string // refusals looked at (kept in the alert log when there is one)
		for _, q := range qs {
			if err != nil {
				break
			}
			a := refusalAlert(q)
			if seen[a.EventID] {
				continue // looked at in an earlier check: no write again
			}
			if log != nil {
				var added bool
				if added, err = log.RecordAlert(ctx, a); err != nil {
					break
				}
				if added {
					fresh = append(fresh, a)
				}
			} else if !first {
				// No alert log: each refusal is raised once per run, and
				// those refused before the app started are not raised.
				fresh = append(fresh, a)
			}
			looked = append(looked, a.EventID)
		}
		u.do(func() {
			u.checking = false
			for _, id := range looked {
				u.seenRefusals[id] = true
			}
			if err != nil { // the rest is looked at again after the next report
				fyne.LogError("clone alerts", err)
			}
			if len(fresh) > 0 {
				u.raiseRefusals(fresh)
			}
		})
	})
}

// raiseRefusals shows refusals: banner, notification, status line.
func (u *ui) raiseRefusals(as []AlertRecord) {
	// fresh is newest first; the banner keeps them oldest first.
	for i, j := 0, len(as)-1; i < j; i, j = i+1, j-1 {
		as[i], as[j] = as[j], as[i]
	}
	u.refused = append(u.refused, as...)
	if len(u.refused) > maxBannerRefusals {
		u.refused = u.refused[len(u.refused)-maxBannerRefusals:]
	}
	if u.banner != nil {
		u.banner.show(u)
	}
	last := as[len(as)-1]
	title := trN("clone.notify.title", len(as), map[string]any{"N": u.f.number(int64(len(as)))})
	body := tr("clone.banner", map[string]any{"Event": tr("kind." + string(last.Event)), "Item": alertItem(last),
		"Reason": alertText(last.Code, last.Message)})
	if u.cfg.Notifier != nil {
		u.cfg.Notifier.Notify(title, body)
	} else {
		u.fa.SendNotification(fyne.NewNotification(title, body))
	}
	u.play(SoundFailure)
	for _, a := range as {
		u.status(map[string]any{"event": "clone-alert", "kind": a.Kind, "code": a.Code, "id": a.EventID})
	}
	if u.regulator != nil {
		u.regulator.reloadAlerts()
	}
}

// noteVerdict keeps a verdict that says a pack must not be handed out in
// the alert log (unknown serial, stolen or recalled pack seen, dispensed
// again), for the regulator's list.
func (u *ui) noteVerdict(vd Verdict) {
	if u.cfg.Alerts == nil || vd.Ver == nil && vd.Unit == nil || vd.Level != LevelBad {
		return
	}
	code := ""
	switch vd.Reason {
	case ReasonUnknown, ReasonStolen, ReasonRecalled, ReasonDispensed, ReasonUnitUnknown:
		code = vd.Reason
	default:
		return
	}
	msg := ""
	if vd.Ver != nil {
		for _, a := range vd.Ver.Alerts {
			if a.Code == code {
				msg = a.Message
			}
		}
	}
	a := AlertRecord{Time: u.now(), Kind: alertKindOf(code), Code: code, Message: msg, Source: "scan",
		GTIN: vd.Code.GTIN, Serial: vd.Code.Serial, Batch: vd.Code.Batch, SSCC: vd.Code.SSCC, Place: u.set.Location}
	if vd.Reason == ReasonDispensed {
		a.Event = trace.KindDispense
	}
	log := u.cfg.Alerts
	u.goTask(func(ctx context.Context) {
		if _, err := log.RecordAlert(ctx, a); err != nil {
			fyne.LogError("record alert", err)
			return
		}
		u.do(func() {
			if u.regulator != nil {
				u.regulator.reloadAlerts()
			}
		})
	})
}

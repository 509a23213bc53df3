package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medtrace/medtrace/trace"
)

// inspectorScreen is offline inspection: snapshot, scans, findings, report.
type inspectorScreen struct {
	u    *ui
	root fyne.CanvasObject

	snapLabel *widget.Label
	snapBar   *widget.ProgressBar
	snapBtn   *widget.Button
	snap      SnapshotInfo

	entry   *ScanEntry
	verdict *verdictView
	seq     int

	conformant *widget.RadioGroup
	inspector  *formEntry // the inspector's name, remembered, named on the report
	note       *formEntry
	photo      string
	photoLabel *widget.Label
	recordBtn  *widget.Button

	findings []finding
	list     *widget.List
	summary  *widget.Label
}

func newInspectorScreen(u *ui) *inspectorScreen {
	s := &inspectorScreen{u: u}
	s.snapLabel = widget.NewLabel(tr("insp.snapshot.none"))
	s.snapBar = widget.NewProgressBar()
	s.snapBar.Hide()
	s.snapBtn = widget.NewButtonWithIcon(tr("insp.snapshot.download")+"  [F7]", theme.DownloadIcon(), s.download)
	if u.cfg.Snapshot == nil {
		s.snapBtn.Disable()
		s.snapLabel.SetText(tr("insp.snapshot.notconnected"))
	}
	s.entry = u.newScanEntry(tr("insp.scan.placeholder"), nil)
	s.entry.TextStyle = fyne.TextStyle{Monospace: true}
	s.verdict = newVerdictView(u, 32)
	s.conformant = widget.NewRadioGroup([]string{tr("insp.conformant"), tr("insp.nonconformant")}, nil)
	s.conformant.Horizontal = true
	s.conformant.Required = true
	s.inspector = u.newFormEntry()
	s.inspector.SetPlaceHolder(tr("insp.name.placeholder"))
	s.inspector.SetText(u.fa.Preferences().String(prefInspectorName))
	s.inspector.OnChanged = func(v string) { u.fa.Preferences().SetString(prefInspectorName, strings.TrimSpace(v)) }
	s.note = u.newFormEntry()
	s.note.OnSubmitted = func(string) { s.record() }
	s.note.SetPlaceHolder(tr("insp.note.placeholder"))
	s.photoLabel = widget.NewLabel(tr("insp.photo.none"))
	photoBtn := widget.NewButtonWithIcon(tr("insp.photo.choose"), theme.FileImageIcon(), func() {
		showOpenFile(u.w, []string{".jpg", ".jpeg", ".png"}, func(path string) {
			s.photo = path
			s.photoLabel.SetText(path)
		})
	})
	s.recordBtn = widget.NewButtonWithIcon(tr("insp.record")+"  [F2]", theme.DocumentSaveIcon(), s.record)
	s.recordBtn.Importance = widget.HighImportance
	s.recordBtn.Disable()
	csvBtn := widget.NewButtonWithIcon(tr("insp.export.csv")+"  [F8]", theme.DocumentIcon(), s.exportCSV)
	pdfBtn := widget.NewButtonWithIcon(tr("insp.export.pdf")+"  [F9]", theme.DocumentPrintIcon(), s.exportPDF)
	s.summary = widget.NewLabel("")
	s.list = widget.NewList(func() int { return len(s.findings) },
		func() fyne.CanvasObject {
			return container.NewHBox(widget.NewIcon(theme.ConfirmIcon()), widget.NewLabel(""))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			f := s.findings[len(s.findings)-1-i]
			c := o.(*fyne.Container)
			if f.Conformant {
				c.Objects[0].(*widget.Icon).SetResource(theme.NewSuccessThemedResource(theme.ConfirmIcon()))
			} else {
				c.Objects[0].(*widget.Icon).SetResource(theme.NewErrorThemedResource(theme.CancelIcon()))
			}
			key := "insp.finding.ok"
			if !f.Conformant {
				key = "insp.finding.bad"
			}
			c.Objects[1].(*widget.Label).SetText(tr(key, map[string]any{"When": u.f.dateTime(f.Time), "Item": itemLabel(f.Code), "Note": f.Note}))
		})

	snapRow := container.NewBorder(nil, nil, nil, s.snapBtn, container.NewVBox(s.snapLabel, s.snapBar))
	findingForm := widget.NewForm(
		widget.NewFormItem(tr("insp.name"), s.inspector),
		widget.NewFormItem(tr("insp.result")+" [F4]", s.conformant),
		widget.NewFormItem(tr("insp.note")+" [F3]", s.note),
		widget.NewFormItem(tr("insp.photo"), container.NewBorder(nil, nil, nil, photoBtn, s.photoLabel)),
	)
	top := container.NewVBox(snapRow, widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, u.scanTools(), s.entry),
		s.verdict.box, findingForm, container.NewHBox(s.recordBtn))
	bottom := container.NewBorder(nil, nil, s.summary, container.NewHBox(csvBtn, pdfBtn))
	s.root = container.NewBorder(top, bottom, nil, nil,
		container.NewBorder(heading(tr("insp.findings")), nil, nil, nil, s.list))
	s.updateSummary()
	s.loadFindings()
	if u.cfg.Snapshot != nil {
		u.goTask(func(ctx context.Context) {
			info, err := u.cfg.Snapshot.Current(ctx)
			u.do(func() {
				if err == nil {
					s.showSnapshot(info)
				}
			})
		})
	}
	return s
}

func (s *inspectorScreen) title() string              { return tr("tab.inspector") }
func (s *inspectorScreen) name() string               { return "inspector" }
func (s *inspectorScreen) content() fyne.CanvasObject { return container.NewPadded(s.root) }

func (s *inspectorScreen) shown() {
	s.u.w.Canvas().Focus(s.entry)
	s.u.status(map[string]any{"event": "screen", "screen": s.name()})
}

func (s *inspectorScreen) key(k fyne.KeyName) bool {
	switch k {
	case fyne.KeyF2:
		s.record()
	case fyne.KeyF3:
		s.u.w.Canvas().Focus(s.note)
	case fyne.KeyF4:
		if s.conformant.Selected == s.conformant.Options[0] {
			s.conformant.SetSelected(s.conformant.Options[1])
		} else {
			s.conformant.SetSelected(s.conformant.Options[0])
		}
	case fyne.KeyF7:
		s.download()
	case fyne.KeyF8:
		s.exportCSV()
	case fyne.KeyF9:
		s.exportPDF()
	case fyne.KeyEscape:
		s.u.w.Canvas().Focus(s.entry)
	default:
		return false
	}
	return true
}

func (s *inspectorScreen) showSnapshot(info SnapshotInfo) {
	s.snap = info
	if info.Block == 0 && info.AsOf.IsZero() {
		s.snapLabel.SetText(tr("insp.snapshot.none"))
		return
	}
	f := s.u.f
	if info.Block == 0 {
		s.snapLabel.SetText(trN("insp.snapshot.info.noblock", int(info.Packs), map[string]any{"AsOf": f.dateTime(info.AsOf), "Packs": f.number(info.Packs)}))
		return
	}
	s.snapLabel.SetText(trN("insp.snapshot.info", int(info.Packs), map[string]any{
		"AsOf": f.dateTime(info.AsOf), "Block": f.number(int64(info.Block)), "Packs": f.number(info.Packs)}))
}

// download fetches the snapshot with a progress bar.
func (s *inspectorScreen) download() {
	u := s.u
	if u.cfg.Snapshot == nil || !s.snapBtn.Visible() || s.snapBtn.Disabled() {
		return
	}
	s.snapBtn.Disable()
	s.snapBar.SetValue(0)
	s.snapBar.Show()
	s.snapLabel.SetText(tr("insp.snapshot.downloading"))
	u.goTask(func(ctx context.Context) {
		info, err := u.cfg.Snapshot.Download(ctx, func(done, total int64) {
			u.do(func() {
				if total > 0 {
					s.snapBar.SetValue(float64(done) / float64(total))
				}
			})
		})
		u.do(func() {
			s.snapBtn.Enable()
			s.snapBar.Hide()
			if err != nil {
				s.snapLabel.SetText(tr("insp.snapshot.failed", map[string]any{"Err": causeText(err)}))
				u.play(SoundFailure)
				return
			}
			s.showSnapshot(info)
			u.play(SoundSuccess)
			u.status(map[string]any{"event": "snapshot", "block": info.Block, "packs": info.Packs})
		})
	})
}

// scan verifies a pack against the local copy only.
func (s *inspectorScreen) scan(raw []byte, source string) {
	u := s.u
	s.seq++
	seq := s.seq
	code, err := u.parse(raw)
	if err != nil {
		s.show(Verdict{Level: LevelUnverified, Reason: ReasonNotConnected, Code: code, Detail: tr("notconnected.parser")})
		return
	}
	now := u.now()
	settled, needLedger := codeVerdict(code, now)
	rec := u.scanRecord(raw, source, code)
	u.goTask(func(ctx context.Context) {
		if err := u.saveScan(ctx, rec); err != nil {
			u.do(func() { u.showError(tr("error.scan.save"), err) })
		}
		vd := settled
		if needLedger && code.IsLogistic() {
			// A case or pallet: its contents, from the ledger when it answers.
			vd = u.lookupUnit(ctx, code, false)
		} else if needLedger {
			var ver trace.Verification
			err := errNotConnected
			if u.cfg.Verifier != nil {
				ver, err = u.cfg.Verifier.Verify(ctx, code, true)
			}
			vd = decide(code, ver, err, now)
		}
		u.do(func() {
			if seq == s.seq {
				s.show(vd)
			}
		})
	})
}

func (s *inspectorScreen) show(vd Verdict) {
	s.verdict.show(vd)
	// Pre-select the result the verdict suggests; the inspector decides.
	if vd.Level == LevelOK {
		s.conformant.SetSelected(s.conformant.Options[0])
	} else {
		s.conformant.SetSelected(s.conformant.Options[1])
	}
	s.recordBtn.Enable()
	if vd.Level == LevelOK {
		s.u.play(SoundSuccess)
	} else {
		s.u.play(SoundFailure)
	}
	s.u.reportVerdict(vd, s.verdict.bg)
	s.u.noteVerdict(vd)
}

// record saves a finding for the code on screen and queues an inspect event
// for a pack.
func (s *inspectorScreen) record() {
	u := s.u
	vd := s.verdict.current
	if vd.Reason == ReasonReady || s.recordBtn.Disabled() {
		return
	}
	f := finding{Time: u.now(), Code: vd.Code, Reason: vd.Reason, Verdict: tr("reason." + vd.Reason),
		Offline: vd.Offline, AsOf: vd.AsOf, Conformant: s.conformant.Selected == s.conformant.Options[0],
		Note: s.note.Text, Photo: s.photo, Inspector: strings.TrimSpace(s.inspector.Text), Location: u.set.Location}
	var ev trace.Event
	queue := u.cfg.Queue != nil && f.Code.IsPack()
	if queue {
		ev = f.Code.Event(trace.KindInspect, f.Time, u.set.Location)
		c := f.Conformant
		ev.Conformant = &c
		ev.Note = f.Note
		ev = ev.WithContentID()
	}
	s.recordBtn.Disable()
	u.goTask(func(ctx context.Context) {
		var err error
		if queue {
			if err = u.cfg.Queue.Enqueue(ctx, ev); err == nil {
				f.EventID = ev.ID
			}
		}
		if err == nil && u.cfg.Findings != nil {
			var saved Finding
			if saved, err = u.cfg.Findings.SaveFinding(ctx, f.stored()); err == nil {
				f.ID = saved.ID
			}
		}
		u.do(func() {
			if err != nil {
				s.recordBtn.Enable()
				u.showError(tr("insp.record"), err)
				return
			}
			s.findings = append(s.findings, f)
			s.list.Refresh()
			s.note.SetText("")
			s.photo = ""
			s.photoLabel.SetText(tr("insp.photo.none"))
			s.verdict.current = Verdict{Level: LevelIdle, Reason: ReasonReady}
			s.verdict.showAction(tr("insp.recorded"), itemLabel(f.Code))
			s.updateSummary()
			u.w.Canvas().Focus(s.entry)
			u.status(map[string]any{"event": "finding", "conformant": f.Conformant, "queued": f.EventID != "", "stored": f.ID != 0})
		})
	})
}

func (s *inspectorScreen) updateSummary() {
	conf := 0
	for _, f := range s.findings {
		if f.Conformant {
			conf++
		}
	}
	f := s.u.f
	s.summary.SetText(trN("insp.summary", len(s.findings), map[string]any{
		"N": f.number(int64(len(s.findings))), "OK": f.number(int64(conf)), "Bad": f.number(int64(len(s.findings) - conf))}))
}

func (s *inspectorScreen) reportName(ext string) string {
	return fmt.Sprintf("inspection-%s.%s", s.u.now().Format("20060102-1504"), ext)
}

func (s *inspectorScreen) exportCSV() {
	showSaveFile(s.u.w, s.reportName("csv"), func(path string) { s.export(path, false) })
}

func (s *inspectorScreen) exportPDF() {
	showSaveFile(s.u.w, s.reportName("pdf"), func(path string) { s.export(path, true) })
}

// export writes the report in the background.
func (s *inspectorScreen) export(path string, pdf bool) {
	u := s.u
	fs := append([]finding(nil), s.findings...)
	meta := s.meta()
	fmtr := u.f
	u.goTask(func(context.Context) {
		var err error
		if pdf {
			err = writePDF(path, meta, fs, fmtr)
		} else {
			err = writeCSV(path, fs)
		}
		u.do(func() {
			if err != nil {
				u.showError(tr("insp.export"), err)
				return
			}
			showInfo(u.w, tr("insp.export"), tr("insp.exported", map[string]any{"Path": path}))
			u.status(map[string]any{"event": "export", "path": path})
		})
	})
}

func (s *inspectorScreen) meta() reportMeta {
	labels := map[string]string{}
	for _, k := range reportLabelNames() {
		labels[k] = tr("report." + k)
	}
	m := reportMeta{Inspector: strings.TrimSpace(s.inspector.Text), Office: s.u.set.Location, Snapshot: s.snap,
		Title: tr("report.title"), Labels: labels}
	if len(s.findings) > 0 {
		m.Started = s.findings[0].Time
	}
	return m
}

// reportLabelNames are the words of a PDF report, translated as "report.<name>".
func reportLabelNames() []string {
	return []string{"inspector", "office", "started", "snapshot", "block", "findings", "conformant", "nonconformant",
		"item", "batch", "expiry", "verdict", "offline", "note", "photo"}
}

// prefInspectorName keeps the inspector's name between runs.
const prefInspectorName = "inspector.name"

// findingsShown is how many stored findings the screen loads at start.
const findingsShown = 1000

// loadFindings shows the findings kept in the store (they survive a
// restart until the report is taken).
func (s *inspectorScreen) loadFindings() {
	u := s.u
	if u.cfg.Findings == nil {
		return
	}
	u.goTask(func(ctx context.Context) {
		fs, err := u.cfg.Findings.Findings(ctx, findingsShown)
		u.do(func() {
			if err != nil {
				u.showError(tr("insp.findings"), err)
				return
			}
			loaded := make([]finding, 0, len(fs)+len(s.findings))
			for _, f := range fs {
				loaded = append(loaded, findingFrom(f))
			}
			// Findings recorded while the list loaded are already stored: keep
			// those not in it.
			for _, f := range s.findings {
				if f.ID == 0 || f.ID > lastID(fs) {
					loaded = append(loaded, f)
				}
			}
			s.findings = loaded
			s.list.Refresh()
			s.updateSummary()
			u.status(map[string]any{"event": "findings", "loaded": len(fs)})
		})
	})
}

func lastID(fs []Finding) int64 {
	if len(fs) == 0 {
		return 0
	}
	return fs[len(fs)-1].ID
}

// stored is f as the store keeps it.
func (f finding) stored() Finding {
	exp := ""
	if !f.Code.Expiry.IsZero() {
		exp = f.Code.Expiry.Format(time.DateOnly)
	}
	return Finding{ID: f.ID, Time: f.Time, Inspector: f.Inspector, Location: f.Location, Raw: f.Code.Raw, GTIN: f.Code.GTIN,
		Serial: f.Code.Serial, Batch: f.Code.Batch, Expiry: exp, SSCC: f.Code.SSCC, Reason: f.Reason, Offline: f.Offline,
		AsOf: f.AsOf, Conformant: f.Conformant, Note: f.Note, Photo: f.Photo, EventID: f.EventID}
}

// findingFrom is a stored finding as the screen and report show it.
func findingFrom(sf Finding) finding {
	c := Code{Raw: sf.Raw, Valid: true, GTIN: sf.GTIN, Serial: sf.Serial, Batch: sf.Batch, SSCC: sf.SSCC}
	if t, err := time.Parse(time.DateOnly, sf.Expiry); err == nil {
		c.Expiry = t
	}
	return finding{ID: sf.ID, Time: sf.Time, Code: c, Reason: sf.Reason, Verdict: tr("reason." + sf.Reason), Offline: sf.Offline,
		AsOf: sf.AsOf, Conformant: sf.Conformant, Note: sf.Note, Photo: sf.Photo, EventID: sf.EventID,
		Inspector: sf.Inspector, Location: sf.Location}
}

package app

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medtrace/medtrace/scanner/intake"
)

// settingsScreen edits the settings.
type settingsScreen struct {
	u    *ui
	root fyne.CanvasObject

	endpoint, serverName, tlsCA, mspID, cert, keyFile *formEntry
	location                                          *formEntry
	gsSubst, serialPort, serialBaud                   *formEntry
	idleEnd                                           *formEntry
	camDevice, camRes                                 *formEntry
	language, themeSel                                *widget.Select
	serialState                                       *widget.Label
	logOpen                                           *widget.Button // nil when main gave no log file
}

// openLogFolder opens the folder of the log file in the desktop's file
// manager, or says why it cannot.
func (s *settingsScreen) openLogFolder(logPath string) {
	dir := &url.URL{Scheme: "file", Path: filepath.Dir(logPath)}
	if err := s.u.fa.OpenURL(dir); err != nil {
		dialog.ShowError(errors.New(tr("settings.log.cannot", map[string]any{"Dir": dir.Path, "Err": err.Error()})), s.u.w)
	}
}

// languageOptions returns the language choices and their labels.
func languageOptions() ([]string, []string) {
	return []string{LangSystem, LangEnglish, LangChinese}, []string{tr("settings.lang.system"), "English", "简体中文"}
}

func themeOptions() ([]string, []string) {
	return []string{ThemeSystem, ThemeLight, ThemeDark}, []string{tr("settings.theme.system"), tr("settings.theme.light"), tr("settings.theme.dark")}
}

func newSettingsScreen(u *ui) *settingsScreen {
	s := &settingsScreen{u: u}
	set := u.set
	entry := func(v, ph string) *formEntry {
		e := u.newFormEntry()
		e.SetText(v)
		e.SetPlaceHolder(ph)
		return e
	}
	fileEntry := func(e *formEntry) fyne.CanvasObject {
		b := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), func() {
			showOpenFile(u.w, nil, func(p string) { e.SetText(p) })
		})
		return container.NewBorder(nil, nil, nil, b, e)
	}
	s.endpoint = entry(set.Endpoint, "localhost:7051")
	s.serverName = entry(set.ServerName, tr("settings.servername.placeholder"))
	s.tlsCA = entry(set.TLSCA, tr("settings.file.placeholder"))
	s.mspID = entry(set.MSPID, "PharmacyMSP")
	s.cert = entry(set.Cert, tr("settings.file.placeholder"))
	s.keyFile = entry(set.Key, tr("settings.file.placeholder"))
	s.location = entry(set.Location, tr("settings.location.placeholder"))
	s.gsSubst = entry(set.GSSubstitute, tr("settings.gs.placeholder"))
	s.idleEnd = entry(idleEndText(set.IdleEndMs), tr("settings.idleend.placeholder"))
	s.serialPort = entry(set.SerialPort, "/dev/ttyACM0")
	s.serialBaud = entry(strconv.Itoa(set.SerialBaud), "9600")
	s.camDevice = entry(set.CameraDevice, "/dev/video0")
	s.camRes = entry(set.CameraResolution, "1280x720")
	langVals, langLabels := languageOptions()
	s.language = widget.NewSelect(langLabels, nil)
	s.language.SetSelectedIndex(indexOf(langVals, set.Language))
	themeVals, themeLabels := themeOptions()
	s.themeSel = widget.NewSelect(themeLabels, nil)
	s.themeSel.SetSelectedIndex(indexOf(themeVals, set.Theme))
	s.serialState = wrapLabel(u.serialStatus())

	calBtn := widget.NewButtonWithIcon(tr("settings.calibrate"), theme.MediaRecordIcon(), s.calibrate)
	if u.cfg.Calibrator == nil {
		calBtn.SetText(tr("settings.calibrate") + " — " + tr("notconnected.short"))
		calBtn.Disable()
	}
	roleBtn := widget.NewButtonWithIcon(tr("settings.role.change"), theme.AccountIcon(), func() {
		showConfirm(u.w, tr("settings.role.change"), tr("settings.role.confirm"), func() {
			u.set.Role = ""
			u.set.Save(u.fa.Preferences())
			u.build()
		})
	})
	saveBtn := widget.NewButtonWithIcon(tr("settings.save")+"  [Ctrl+S]", theme.DocumentSaveIcon(), s.save)
	saveBtn.Importance = widget.HighImportance

	cameraNote := tr("settings.camera.hint")
	if u.cfg.Camera == nil {
		cameraNote = tr("settings.camera.notconnected")
	}
	var notes []fyne.CanvasObject
	for _, n := range u.cfg.Notes {
		l := widget.NewLabel(n)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		notes = append(notes, container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, l))
	}
	soundText := tr("settings.sound.none")
	if p, ok := u.cfg.Sound.(*ExecPlayer); ok && p.Available() != "" {
		soundText = tr("settings.sound.player", map[string]any{"Player": p.Available()})
	}

	ledgerForm := widget.NewForm(
		widget.NewFormItem(tr("settings.endpoint"), s.endpoint),
		widget.NewFormItem(tr("settings.servername"), s.serverName),
		widget.NewFormItem(tr("settings.tlsca"), fileEntry(s.tlsCA)),
		widget.NewFormItem(tr("settings.mspid"), s.mspID),
		widget.NewFormItem(tr("settings.cert"), fileEntry(s.cert)),
		widget.NewFormItem(tr("settings.key"), fileEntry(s.keyFile)),
	)
	siteForm := widget.NewForm(widget.NewFormItem(tr("settings.location"), s.location))
	scanForm := widget.NewForm(
		widget.NewFormItem(tr("settings.gs"), s.gsSubst),
		widget.NewFormItem(tr("settings.idleend"), s.idleEnd),
		widget.NewFormItem(tr("settings.calibration"), container.NewHBox(calBtn)),
		widget.NewFormItem(tr("settings.serial"), container.NewBorder(nil, nil, nil, s.serialBaud, s.serialPort)),
		widget.NewFormItem("", s.serialState),
		widget.NewFormItem(tr("settings.camera"), container.NewBorder(nil, nil, nil, s.camRes, s.camDevice)),
		widget.NewFormItem("", wrapLabel(cameraNote)),
	)
	uiForm := widget.NewForm(
		widget.NewFormItem(tr("settings.language"), s.language),
		widget.NewFormItem(tr("settings.theme"), s.themeSel),
		widget.NewFormItem(tr("settings.sound"), wrapLabel(soundText)),
		widget.NewFormItem(tr("settings.role"), container.NewHBox(widget.NewLabel(tr("role."+u.set.Role)), roleBtn)),
	)
	if p := u.cfg.LogPath; p != "" {
		s.logOpen = widget.NewButtonWithIcon(tr("settings.log.open"), theme.FolderOpenIcon(), func() { s.openLogFolder(p) })
		uiForm.Append(tr("settings.log"), container.NewBorder(nil, nil, nil, s.logOpen, wrapLabel(p)))
	}
	body := container.NewVBox(notes...)
	body.Add(container.NewGridWithColumns(2,
		widget.NewCard(tr("settings.ledger"), tr("settings.ledger.sub"), ledgerForm),
		container.NewVBox(
			widget.NewCard(tr("settings.site"), "", siteForm),
			widget.NewCard(tr("settings.ui"), "", uiForm),
		)))
	body.Add(widget.NewCard(tr("settings.scanner"), "", scanForm))
	s.root = container.NewBorder(nil, container.NewHBox(saveBtn), nil, nil, container.NewVScroll(body))
	return s
}

func indexOf(vals []string, v string) int {
	for i, x := range vals {
		if x == v {
			return i
		}
	}
	return 0
}

func (s *settingsScreen) title() string              { return tr("tab.settings") }
func (s *settingsScreen) name() string               { return "settings" }
func (s *settingsScreen) content() fyne.CanvasObject { return container.NewPadded(s.root) }

func (s *settingsScreen) shown() {
	s.u.status(map[string]any{"event": "screen", "screen": s.name()})
}

func (s *settingsScreen) key(fyne.KeyName) bool { return false }

// save validates and stores the settings; language and theme apply at once,
// the ledger connection on the next start.
func (s *settingsScreen) save() {
	u := s.u
	if s.location.Text != "" && !validGLN(s.location.Text) {
		u.showError(tr("settings.save"), fieldErr("error.location"))
		return
	}
	if !validSubstitute(s.gsSubst.Text) {
		u.showError(tr("settings.save"), fieldErr("error.gs"))
		return
	}
	idleEnd, ok := parseIdleEnd(s.idleEnd.Text)
	if !ok {
		u.showError(tr("settings.save"), fieldErr("error.idleend"))
		return
	}
	if _, _, ok := parseResolution(s.camRes.Text); !ok {
		u.showError(tr("settings.save"), fieldErr("error.resolution"))
		return
	}
	baud, err := strconv.Atoi(s.serialBaud.Text)
	if err != nil || baud <= 0 {
		u.showError(tr("settings.save"), fieldErr("error.baud"))
		return
	}
	langVals, _ := languageOptions()
	themeVals, _ := themeOptions()
	old := u.set
	n := old
	n.Endpoint, n.ServerName, n.TLSCA, n.MSPID = s.endpoint.Text, s.serverName.Text, s.tlsCA.Text, s.mspID.Text
	n.Cert, n.Key, n.Location = s.cert.Text, s.keyFile.Text, s.location.Text
	n.GSSubstitute, n.SerialPort, n.SerialBaud = s.gsSubst.Text, s.serialPort.Text, baud
	n.IdleEndMs = idleEnd
	n.CameraDevice, n.CameraResolution = s.camDevice.Text, s.camRes.Text
	n.Language = langVals[max(0, s.language.SelectedIndex())]
	n.Theme = themeVals[max(0, s.themeSel.SelectedIndex())]
	n.Save(u.fa.Preferences())
	u.set = n
	ledgerChanged := n.Endpoint != old.Endpoint || n.ServerName != old.ServerName || n.TLSCA != old.TLSCA ||
		n.MSPID != old.MSPID || n.Cert != old.Cert || n.Key != old.Key
	if n.SerialPort != old.SerialPort || n.SerialBaud != old.SerialBaud {
		u.startSerial()
	}
	if n.IdleEndMs != old.IdleEndMs {
		u.applyIdleEnd()
	}
	if n.Theme != old.Theme {
		u.fa.Settings().SetTheme(newTheme(n.Theme))
	}
	if n.Language != old.Language {
		if err := u.switchLanguage(n.Language); err != nil {
			u.showError(tr("settings.save"), err)
		}
		u.build()
		u.selectTab(2)
	}
	msg := tr("settings.saved")
	if ledgerChanged {
		msg = tr("settings.saved.restart")
	}
	showInfo(u.w, tr("settings.save"), msg)
	u.status(map[string]any{"event": "settings", "state": "saved"})
}

// calibrate asks for a scan of the test code and shows the diagnosis.
func (s *settingsScreen) calibrate() {
	u := s.u
	cal := u.cfg.Calibrator
	if cal == nil {
		return
	}
	result := widget.NewLabel(tr("settings.calibrate.waiting"))
	result.Wrapping = fyne.TextWrapWord
	e := NewScanEntry(u.now)
	e.SetPlaceHolder(tr("settings.calibrate.placeholder"))
	e.OnScan = func(_ []byte, keys []KeyStroke) {
		fs := cal.Calibrate(keys)
		if len(fs) == 0 {
			result.SetText(tr("settings.calibrate.ok"))
			u.play(SoundSuccess)
			return
		}
		text := ""
		for _, f := range fs {
			text += "• " + calibrationAdvice(f) + "\n"
		}
		result.SetText(text)
		u.play(SoundFailure)
	}
	code := widget.NewLabelWithStyle(cal.TestCode(), fyne.TextAlignCenter, fyne.TextStyle{Monospace: true})
	content := container.NewVBox(widget.NewLabel(tr("settings.calibrate.intro")), code, e, result)
	d := dialog.NewCustom(tr("settings.calibrate"), tr("dialog.close"), content, u.w)
	d.Resize(fyne.NewSize(720, 420))
	d.Show()
	u.w.Canvas().Focus(e)
}

// calibrationFaults are the faults the wedge calibration reports (scanner/
// wedge's Fault names), each worded by "settings.calibrate.fault.<name>".
func calibrationFaults() []string {
	return []string{"no-input", "layout-us-on-de", "layout-de-on-us", "caps-lock", "no-gs", "gs-substituted",
		"no-terminator", "too-slow", "unrecognised"}
}

// calibrationAdvice words a calibration finding in the UI's language.
func calibrationAdvice(f CalibrationFinding) string {
	known := false
	for _, k := range calibrationFaults() {
		known = known || k == f.Fault
	}
	if !known {
		return f.Advice
	}
	data := map[string]any{}
	for k, v := range f.Params {
		data[k] = v
	}
	if f.Fault == "unrecognised" {
		for _, k := range []string{"Expected", "Got"} {
			if f.Params[k] == "" {
				data[k] = tr("settings.calibrate.endofscan")
			}
		}
	}
	return tr("settings.calibrate.fault."+f.Fault, data)
}

// serialStatus describes the serial scanner connection.
func (u *ui) serialStatus() string {
	switch {
	case u.set.SerialPort == "":
		return tr("settings.serial.off")
	case u.cfg.Serial == nil:
		return tr("settings.serial.notconnected")
	}
	return tr("settings.serial.listening", map[string]any{"Port": u.set.SerialPort})
}

// startSerial (re)starts listening on the configured serial port; reads go
// to the role screen's scan handler.
func (u *ui) startSerial() {
	if u.serialStop != nil {
		u.serialStop()
		u.serialStop = nil
	}
	if u.cfg.Serial == nil || u.set.SerialPort == "" {
		return
	}
	ctx, cancel := context.WithCancel(u.ctx)
	u.serialStop = cancel
	port, baud := u.set.SerialPort, u.set.SerialBaud
	u.goTask(func(context.Context) {
		err := u.cfg.Serial.Listen(ctx, port, baud, func(raw []byte) {
			u.do(func() { u.route(Read{Raw: raw, Source: intake.SourceSerial + port}) })
		})
		if err != nil && ctx.Err() == nil {
			u.do(func() {
				if u.prefs != nil {
					u.prefs.serialState.SetText(tr("settings.serial.error", map[string]any{"Port": port, "Err": err.Error()}))
				}
			})
		}
	})
}

// wrapLabel is a label that wraps at word boundaries (so long messages do
// not widen the window).
func wrapLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

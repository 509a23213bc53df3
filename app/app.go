// Package app is MedTrace's desktop user interface, built with Fyne. It
// talks to the rest of MedTrace only through the small interfaces in
// ports.go, which main wires; background results reach widgets only through
// ui.do.
package app

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/google/uuid"

	"github.com/medtrace/medtrace/assets"
	"github.com/medtrace/medtrace/scanner/intake"
)

// AppID is MedTrace's application ID (as in FyneApp.toml).
const AppID = "org.medtrace.app"

// Config carries the implementations main wired. A nil field shows an
// honest "not connected" state where a screen needs it.
type Config struct {
	Parser     Parser
	Verifier   Verifier
	History    HistoryReader
	Queue      EventQueue
	Scans      ScanLog
	QueueView  QueueView
	Syncer     Syncer
	Snapshot   SnapshotDownloader
	Calibrator Calibrator
	Images     ImageDecoder
	Serial     SerialListener
	Camera     Camera
	Sound      SoundPlayer  // nil: an ExecPlayer over SoundDir's sounds, when set
	SoundDir   string       // where the feedback sounds are written for the player
	Labels     LabelPrinter // the manufacturer's label sheets

	// Notes lists what main could not connect and why, shown in Settings.
	Notes []string
	// LogPath is the app's log file, shown in Settings with a button that
	// opens its folder; "" hides the row.
	LogPath string
	// OnRole, when set, is told the user's role once it is known (at start,
	// or when chosen); main connects to the ledger with that role's
	// identity. Called on Fyne's goroutine: it must not block.
	OnRole func(role string)
	// SuggestLocation, when set, proposes this site's GLN for a role (from
	// the ledger's connection profile) when the user is asked for it.
	SuggestLocation func(role string) string
	// StatusFile, when set, receives one JSON line per screen shown and per
	// verdict (for the real-window test and for kiosk monitoring).
	StatusFile string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Location is the time zone dates are shown in; nil means time.Local.
	Location *time.Location

	post func(func()) // tests: how results reach the widgets; nil means fyne.Do

	// The desks' ports (ports_desks.go): findings kept across restarts,
	// the contents of cases and pallets, the regulator's view, and the
	// clone alerts (refused events, notified once each).
	Findings   FindingStore
	Units      UnitReader
	Consortium ConsortiumReader
	Recalls    RecallReader
	Alerts     AlertLog
	Refusals   RefusalReader
	Notifier   Notifier // nil: fyne's SendNotification
}

// App is MedTrace's desktop app.
type App struct {
	fa fyne.App

	mu      sync.Mutex
	ui      *ui        // set while Run shows the window
	lastRep SyncReport // the latest sync report, for a UI built later
}

// New creates the app and reads its preferences. It does not open a window.
func New() *App {
	fa := fyneapp.NewWithID(AppID)
	// Widgets ask fyne.CurrentApp() whether to animate: answer no.
	fyne.SetCurrentApp(quietApp{fa})
	if icon, err := assets.FS.ReadFile("icon.png"); err == nil {
		fa.SetIcon(fyne.NewStaticResource("icon.png", icon))
	}
	return &App{fa: fa}
}

// Settings returns the saved settings (main dials the ledger with them).
func (a *App) Settings() Settings { return LoadSettings(a.fa.Preferences()) }

// ReportSync receives the sync engine's progress. Safe from any goroutine.
func (a *App) ReportSync(r SyncReport) {
	a.mu.Lock()
	a.lastRep = r
	u := a.ui
	a.mu.Unlock()
	if u != nil {
		u.reportSync(r)
	}
}

// Run opens the main window and blocks until it is closed or ctx ends.
func (a *App) Run(ctx context.Context, cfg Config) error {
	if cfg.Sound == nil && cfg.SoundDir != "" {
		player, err := NewExecPlayer(ctx, cfg.SoundDir)
		if err != nil {
			cfg.Notes = append(cfg.Notes, "sounds: "+err.Error())
		} else {
			cfg.Sound = player
			defer player.Wait()
		}
	}
	set := a.Settings()
	orig := captureLocale()
	if err := useLanguage(set.Language); err != nil {
		return err
	}
	a.fa.Settings().SetTheme(newTheme(set.Theme))
	w := a.fa.NewWindow("MedTrace")
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	u := newUI(ctx, a.fa, w, cfg)
	u.origLocale = orig
	a.mu.Lock()
	a.ui = u
	rep := a.lastRep
	a.mu.Unlock()
	u.reportSync(rep)
	w.Resize(fyne.NewSize(1100, 760))
	w.SetMaster()
	a.fa.Lifecycle().SetOnStarted(func() { u.status(map[string]any{"event": "ready", "screen": u.current().name()}) })
	u.tasks.Add(1)
	go func() {
		defer u.tasks.Done()
		<-ctx.Done()
		u.do(a.fa.Quit)
	}()
	w.ShowAndRun()
	cancel()
	u.tasks.Wait()
	a.mu.Lock()
	a.ui = nil
	a.mu.Unlock()
	return nil
}

// ui is one window's state. Widgets are touched only on Fyne's goroutine:
// background tasks hand their results over through do.
type ui struct {
	ctx context.Context
	fa  fyne.App
	w   fyne.Window
	cfg Config
	set Settings
	f   formatter

	tasks sync.WaitGroup
	post  func(func()) // fyne.Do

	serialStop context.CancelFunc // stops the serial listener
	cam        *cameraPanel       // the role screen's camera preview
	session    string             // the working session scans belong to
	lastSync   SyncReport         // the latest report from the sync engine
	origLocale localeEnv          // the process locale before a language was chosen

	tabs    *container.AppTabs
	screens []screen

	pharm *pharmacistScreen
	ware  *warehouseScreen
	insp  *inspectorScreen
	manu  *manufacturerScreen
	queue *queueScreen
	prefs *settingsScreen

	// The desks (clonealert.go, regulator.go).
	regulator      *regulatorScreen // the inspector's regulator tab
	banner         *refusalBanner   // clone alerts over the role screen
	checking       bool             // a refusal check is running
	refusalsPrimed bool             // the first refusal check ran
	seenRefusals   map[string]bool  // refused event IDs already looked at
	refused        []AlertRecord    // refusals on the banner until dismissed, newest last
}

// screen is one tab of the main window.
type screen interface {
	title() string
	content() fyne.CanvasObject
	// shown is called when the tab becomes visible.
	shown()
	// key handles an unmodified key (F-keys, Escape) and reports whether it did.
	key(k fyne.KeyName) bool
	name() string
}

func newUI(ctx context.Context, fa fyne.App, w fyne.Window, cfg Config) *ui {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	u := &ui{ctx: ctx, fa: fa, w: w, cfg: cfg, post: fyne.Do, seenRefusals: map[string]bool{}}
	if cfg.post != nil {
		u.post = cfg.post
	}
	u.set = LoadSettings(fa.Preferences())
	u.origLocale = captureLocale()
	u.session = newSessionID()
	u.build()
	u.startSerial()
	if u.set.Role != "" && cfg.OnRole != nil {
		cfg.OnRole(u.set.Role)
	}
	return u
}

// do runs f on Fyne's goroutine: the one place background work reaches
// widgets. (Tests replace post to run f on the test's goroutine, because
// Fyne's test driver runs fyne.Do on the caller's goroutine.)
func (u *ui) do(f func()) { u.post(f) }

// goTask runs f in a goroutine that the window owns: it ends with the
// window's context and Run waits for it.
func (u *ui) goTask(f func(ctx context.Context)) {
	u.tasks.Add(1)
	go func() {
		defer u.tasks.Done()
		f(u.ctx)
	}()
}

// now returns the current time.
func (u *ui) now() time.Time { return u.cfg.Now() }

// build (re)creates the window's content for the current settings: the
// role chooser, or the role's screen with the queue and settings.
func (u *ui) build() {
	u.f = newFormatter(effectiveLanguage(u.set.Language), u.cfg.Location)
	u.w.SetTitle(tr("app.title"))
	u.w.Canvas().SetOnTypedRune(nil)
	u.w.Canvas().SetOnTypedKey(nil)
	if u.cam != nil {
		u.cam.close() // the screens it fed are replaced
	}
	u.cam = newCameraPanel(u)
	if u.set.Role == "" {
		u.showChooser()
		return
	}
	u.pharm, u.ware, u.insp, u.manu, u.regulator = nil, nil, nil, nil, nil
	u.banner = newRefusalBanner(u)
	var main screen
	switch u.set.Role {
	case RoleManufacturer:
		u.manu = newManufacturerScreen(u)
		main = u.manu
	case RoleWarehouse:
		u.ware = newWarehouseScreen(u)
		main = u.ware
	case RoleInspector:
		u.insp = newInspectorScreen(u)
		main = u.insp
	default:
		u.pharm = newPharmacistScreen(u)
		main = u.pharm
	}
	u.queue = newQueueScreen(u)
	u.prefs = newSettingsScreen(u)
	u.screens = []screen{main, u.queue, u.prefs}
	if u.insp != nil { // the inspector acts for the regulator: its desk is a tab
		u.regulator = newRegulatorScreen(u)
		u.screens = []screen{main, u.regulator, u.queue, u.prefs}
	}
	items := make([]*container.TabItem, len(u.screens))
	for i, s := range u.screens {
		c := s.content()
		if i == 0 { // the role screen: the camera preview opens at its right, clone alerts above
			u.cam.host = container.New(sideLayout{}, c, u.cam.slot)
			c = container.NewBorder(u.banner.box, nil, nil, nil, u.cam.host)
		}
		items[i] = container.NewTabItem(fmt.Sprintf("%s  (Ctrl+%d)", s.title(), i+1), c)
		switch s {
		case main:
			items[i].Icon = theme.HomeIcon()
		case screen(u.queue):
			items[i].Icon = theme.UploadIcon()
		case screen(u.prefs):
			items[i].Icon = theme.SettingsIcon()
		default:
			items[i].Icon = theme.ListIcon()
		}
	}
	u.tabs = container.NewAppTabs(items...)
	u.tabs.OnSelected = func(*container.TabItem) { u.current().shown() }
	u.w.SetContent(u.tabs)
	for i := range u.screens {
		i := i
		u.w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyName(fmt.Sprint(i + 1)), Modifier: fyne.KeyModifierControl},
			func(fyne.Shortcut) { u.selectTab(i) })
	}
	u.w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyS, Modifier: fyne.KeyModifierControl},
		func(fyne.Shortcut) { u.saveShortcut() })
	u.w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) { u.screenKey(k.Name) })
	u.current().shown()
	if !validGLN(u.set.Location) {
		u.askLocation()
	}
}

// askLocation asks for this site's GLN, which every recorded event needs.
func (u *ui) askLocation() {
	e := widget.NewEntry()
	e.SetPlaceHolder(tr("settings.location.placeholder"))
	if u.cfg.SuggestLocation != nil {
		e.SetText(u.cfg.SuggestLocation(u.set.Role))
	}
	msg := widget.NewLabel(tr("location.intro"))
	msg.Wrapping = fyne.TextWrapWord
	errLabel := widget.NewLabel("")
	errLabel.Importance = widget.DangerImportance
	var d dialog.Dialog
	save := func() {
		if !validGLN(e.Text) {
			errLabel.SetText(tr("error.gln"))
			u.w.Canvas().Focus(e)
			return
		}
		u.set.Location = e.Text
		u.set.Save(u.fa.Preferences())
		d.Hide()
		u.status(map[string]any{"event": "location", "state": "set"})
		u.build()
	}
	e.OnSubmitted = func(string) { save() }
	later := widget.NewButton(tr("location.later"), func() { d.Hide(); u.current().shown() })
	ok := widget.NewButtonWithIcon(tr("settings.save")+"  [Enter]", theme.ConfirmIcon(), save)
	ok.Importance = widget.HighImportance
	content := container.NewVBox(msg, e, errLabel, container.NewHBox(ok, later))
	d = dialog.NewCustomWithoutButtons(tr("location.title"), content, u.w)
	d.Resize(fyne.NewSize(560, 260))
	d.Show()
	u.w.Canvas().Focus(e)
	u.status(map[string]any{"event": "location", "state": "asked"})
}

// current returns the visible screen (the chooser has none).
func (u *ui) current() screen {
	if u.tabs == nil {
		if len(u.screens) == 0 {
			return chooserScreen{}
		}
		return u.screens[0]
	}
	return u.screens[u.tabs.SelectedIndex()]
}

// selectTab shows tab i (OnSelected tells the screen).
func (u *ui) selectTab(i int) {
	if i < 0 || i >= len(u.screens) {
		return
	}
	if u.tabs.SelectedIndex() == i {
		u.screens[i].shown()
		return
	}
	u.tabs.SelectIndex(i)
}

// formEntry is an Entry for forms that passes the screens' F-keys and
// shortcuts on, so keyboard operation works whichever field has focus.
type formEntry struct {
	widget.Entry
	u *ui
}

func (u *ui) newFormEntry() *formEntry {
	e := &formEntry{u: u}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey passes F-keys and Escape to the visible screen.
func (e *formEntry) TypedKey(k *fyne.KeyEvent) {
	if isScreenKey(k.Name) && e.u.screenKey(k.Name) {
		return
	}
	e.Entry.TypedKey(k)
}

// TypedShortcut passes the window's shortcuts on before the Entry's own.
func (e *formEntry) TypedShortcut(s fyne.Shortcut) {
	if e.u.shortcut(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// screenKey handles an unmodified key for the visible screen: F12 opens
// and closes the camera preview on the role screen, the rest is the
// screen's.
func (u *ui) screenKey(k fyne.KeyName) bool {
	if k == fyne.KeyF12 && u.tabs != nil && u.tabs.SelectedIndex() == 0 && u.cam != nil && u.cfg.Camera != nil &&
		(u.cam.shown || u.ware == nil || u.ware.sess != nil) { // the warehouse scans only within a session
		u.cam.toggle()
		return true
	}
	return u.current().key(k)
}

// isScreenKey reports whether k is one the screens use (F1-F12, Escape).
func isScreenKey(k fyne.KeyName) bool {
	switch k {
	case fyne.KeyEscape, fyne.KeyF1, fyne.KeyF2, fyne.KeyF3, fyne.KeyF4, fyne.KeyF5, fyne.KeyF6,
		fyne.KeyF7, fyne.KeyF8, fyne.KeyF9, fyne.KeyF10, fyne.KeyF11, fyne.KeyF12:
		return true
	}
	return false
}

// shortcut handles the window-wide shortcuts when a scan field has focus.
func (u *ui) shortcut(s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	if !ok || cs.Modifier != fyne.KeyModifierControl {
		return false
	}
	for i := range u.screens {
		if cs.KeyName == fyne.KeyName(fmt.Sprint(i+1)) {
			u.selectTab(i)
			return true
		}
	}
	if cs.KeyName == fyne.KeyS {
		u.saveShortcut()
		return true
	}
	return false
}

// saveShortcut saves the settings when the settings tab is shown.
func (u *ui) saveShortcut() {
	if u.tabs != nil && u.current() == screen(u.prefs) {
		u.prefs.save()
	}
}

// showChooser shows the one-time role choice.
func (u *ui) showChooser() {
	u.tabs, u.screens = nil, nil
	pick := func(role string) {
		u.set.Role = role
		u.set.Save(u.fa.Preferences())
		u.build()
		if u.cfg.OnRole != nil {
			u.cfg.OnRole(role)
		}
	}
	card := func(key, role, title, desc string, icon fyne.Resource) fyne.CanvasObject {
		b := widget.NewButtonWithIcon(fmt.Sprintf("%s  [%s]", title, key), icon, func() { pick(role) })
		b.Importance = widget.HighImportance
		d := widget.NewLabel(desc)
		d.Wrapping = fyne.TextWrapWord
		return container.NewVBox(container.NewGridWrap(fyne.NewSize(360, 64), b), d)
	}
	head := widget.NewLabelWithStyle(tr("chooser.title"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	head.SizeName = theme.SizeNameHeadingText
	sub := widget.NewLabelWithStyle(tr("chooser.subtitle"), fyne.TextAlignCenter, fyne.TextStyle{})
	grid := container.NewGridWithColumns(2,
		card("1", RolePharmacist, tr("role.pharmacist"), tr("role.pharmacist.desc"), theme.ConfirmIcon()),
		card("2", RoleWarehouse, tr("role.warehouse"), tr("role.warehouse.desc"), theme.StorageIcon()),
		card("3", RoleInspector, tr("role.inspector"), tr("role.inspector.desc"), theme.SearchIcon()),
		card("4", RoleManufacturer, tr("role.manufacturer"), tr("role.manufacturer.desc"), theme.ContentAddIcon()),
	)
	u.w.SetContent(container.NewPadded(container.NewVBox(layoutSpacer(40), head, sub, layoutSpacer(24), grid)))
	u.w.Canvas().SetOnTypedRune(func(r rune) {
		switch r {
		case '1':
			pick(RolePharmacist)
		case '2':
			pick(RoleWarehouse)
		case '3':
			pick(RoleInspector)
		case '4':
			pick(RoleManufacturer)
		}
	})
	u.status(map[string]any{"event": "screen", "screen": "chooser"})
}

// status appends one JSON line to the status file, when one is configured.
func (u *ui) status(rec map[string]any) {
	if u.cfg.StatusFile == "" {
		return
	}
	rec["time"] = u.now().UTC().Format(time.RFC3339Nano)
	rec["lang"] = effectiveLanguage(u.set.Language)
	line, err := json.Marshal(rec)
	if err != nil {
		return
	}
	f, err := os.OpenFile(u.cfg.StatusFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fyne.LogError("status file", err)
		return
	}
	defer func() {
		if err := f.Close(); err != nil {
			fyne.LogError("status file", err)
		}
	}()
	if _, err := f.Write(append(line, '\n')); err != nil {
		fyne.LogError("status file", err)
	}
}

// reportSync takes a sync report from any goroutine to the queue screen
// (and keeps it for a queue screen built later).
func (u *ui) reportSync(r SyncReport) {
	u.do(func() {
		u.lastSync = r
		if u.queue != nil {
			u.queue.apply(r)
		}
		u.checkRefusals()
	})
}

// play plays a feedback sound when a player is wired.
func (u *ui) play(s Sound) {
	if u.cfg.Sound != nil {
		u.cfg.Sound.Play(s)
	}
}

// newScanEntry returns a desk's scan field wired to the window's
// shortcuts: what a keyboard-wedge scanner types in reaches the desk
// through route, as every other reader's reads do. onKeys, when set, sees
// the keystrokes of each input first.
func (u *ui) newScanEntry(placeholder string, onKeys func(keys []KeyStroke)) *ScanEntry {
	e := NewScanEntry(u.now)
	e.post = u.post
	e.SetPlaceHolder(placeholder)
	e.SetIdleEnd(u.set.idleEnd())
	e.OnScan = func(raw []byte, keys []KeyStroke) {
		if onKeys != nil {
			onKeys(keys)
		}
		u.route(Read{Raw: raw, Source: intake.SourceWedge})
	}
	e.OnShortcut = u.shortcut
	e.OnKey = u.screenKey
	return e
}

// scanRecord describes a scan for the store. It reads the settings, so it
// runs on Fyne's goroutine; saveScan then writes it from a background task.
func (u *ui) scanRecord(raw []byte, source string, c Code) ScanRecord {
	c.Raw = raw
	return ScanRecord{Code: c, Session: u.session, Source: source, Role: u.set.Role, Location: u.set.Location, Time: u.now()}
}

// saveScan keeps a scan in the store (every scan, valid or not), durably.
func (u *ui) saveScan(ctx context.Context, rec ScanRecord) error {
	if u.cfg.Scans == nil {
		return nil
	}
	return u.cfg.Scans.RecordScan(ctx, rec)
}

// parse runs the parser, or reports that none is wired.
func (u *ui) parse(raw []byte) (Code, error) {
	if u.cfg.Parser == nil {
		return Code{Raw: raw}, errNotConnected
	}
	c := u.cfg.Parser.Parse(raw, u.set.substituteByte())
	c.Raw = raw
	return c, nil
}

// showError shows err in a dialog.
func (u *ui) showError(title string, err error) {
	showErrorDialog(u.w, title, err)
}

// reportVerdict writes a verdict to the status file.
func (u *ui) reportVerdict(vd Verdict, band *canvas.Rectangle) {
	if u.cfg.StatusFile == "" {
		return
	}
	u.status(map[string]any{
		"event": "verdict", "level": vd.Level.String(), "reason": vd.Reason, "offline": vd.Offline,
		"gtin": vd.Code.GTIN, "serial": vd.Code.Serial, "sscc": vd.Code.SSCC, "title": tr("reason." + vd.Reason),
		"band": u.bandPixel(band),
	})
}

// scanTools returns the buttons beside a role screen's scan field: "Open
// image…" (each code found is routed to the desk) and the camera preview.
func (u *ui) scanTools() fyne.CanvasObject {
	return container.NewHBox(u.imageButton(), u.cam.btn)
}

// imageButton returns "Open image…", which decodes every code in an image
// file and routes each to the desk.
func (u *ui) imageButton() *widget.Button {
	b := widget.NewButtonWithIcon(tr("scan.image"), theme.FileImageIcon(), nil)
	if u.cfg.Images == nil {
		b.SetText(tr("scan.image") + " — " + tr("notconnected.short"))
		b.Disable()
		return b
	}
	b.OnTapped = func() {
		showOpenFile(u.w, []string{".png", ".jpg", ".jpeg", ".gif", ".webp"}, func(path string) {
			u.goTask(func(ctx context.Context) {
				codes, err := u.cfg.Images.DecodeFile(ctx, path)
				u.do(func() {
					if err != nil {
						u.showError(tr("scan.image"), err)
						return
					}
					for _, raw := range codes {
						u.route(Read{Raw: raw, Source: intake.SourceImage + path})
					}
				})
			})
		})
	}
	return b
}

// newSessionID names a working session (scans in one session are checked
// for duplicates by the store).
func newSessionID() string {
	id, err := uuid.NewV7()
	if err != nil {
		// Only a broken random source fails; scans then share one session,
		// which only widens duplicate detection.
		return "session"
	}
	return id.String()
}

// chooserScreen stands for the role chooser where a screen is asked for.
type chooserScreen struct{}

func (chooserScreen) title() string              { return "" }
func (chooserScreen) content() fyne.CanvasObject { return nil }
func (chooserScreen) shown()                     {}
func (chooserScreen) key(fyne.KeyName) bool      { return false }
func (chooserScreen) name() string               { return "chooser" }

// bandPixel returns where on screen (in pixels) and in which colour the
// verdict band shows, for the status file: the real-window test watches
// that pixel to time a scan from terminator to verdict drawn.
func (u *ui) bandPixel(bg *canvas.Rectangle) map[string]any {
	c := u.w.Canvas()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(bg).AddXY(bg.Size().Width/2, 4)
	x, y := c.PixelCoordinateForPosition(pos)
	col := color.NRGBAModel.Convert(bg.FillColor).(color.NRGBA)
	return map[string]any{"x": x, "y": y, "rgb": fmt.Sprintf("%d,%d,%d", col.R, col.G, col.B)}
}

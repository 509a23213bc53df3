package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/medtrace/medtrace/trace"
)

// LabelPrinter writes a sheet of pack labels (GS1 DataMatrix with the
// human-readable text under each symbol) to a PDF file at path. Each code is
// a GS1 element string (GS, byte 0x1D, between fields).
type LabelPrinter interface {
	WriteLabels(ctx context.Context, path string, codes [][]byte) error
}

// Commissioning limits: one batch at a time, as many packs as one label
// run may print.
const (
	maxCommission = 10000
	// serialLen is the length of a generated serial: 12 characters of a
	// 32-character alphabet are 60 random bits, so a guessed serial is
	// valid with a chance of one in 2^60 / (packs of the product).
	serialLen = 12
	// serialAlphabet is the generated serials' characters: the letters and
	// digits of GS1 character set 82 without I, O, 0 and 1, which people
	// confuse when they read a serial aloud or type it. 32 characters, so
	// one random byte's low five bits pick one without bias.
	serialAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
)

// manMode is one of the desk's forms.
type manMode int

const (
	manCommission manMode = iota
	manShip
	manRecall
	manLoss
)

// commissioned is the batch commissioned last on this desk, for its labels
// and its shipment.
type commissioned struct {
	gtin, batch, expiry string
	serials             []string
}

// manufacturerScreen is the manufacturer's desk.
type manufacturerScreen struct {
	u     *ui
	root  fyne.CanvasObject
	stack *fyne.Container
	mode  manMode

	modeBtns [4]*widget.Button
	forms    [4]fyne.CanvasObject

	// commission
	gtin, batch, expiry, count *formEntry
	serials                    *formEntry
	commissionBtn, printBtn    *widget.Button
	last                       *commissioned
	lastLabel                  *widget.Label
	lastList                   *widget.List

	// ship
	counterparty *formEntry
	shipEntry    *ScanEntry
	shipItems    []Code
	shipList     *widget.List
	shipBtn      *widget.Button
	addLastBtn   *widget.Button

	// recall
	recallGTIN, recallBatch, recallReason *formEntry
	recallBtn                             *widget.Button

	// stolen or destroyed
	lossKind   *widget.RadioGroup
	lossEntry  *ScanEntry
	lossNote   *formEntry
	lossItems  []Code
	lossList   *widget.List
	lossBtn    *widget.Button
	confirming *confirmation // the confirmation dialog on screen, if any

	result *widget.Label // what the desk did last
}

// confirmation is a dialog that asks before an irreversible report: Enter
// confirms, Escape cancels.
type confirmation struct {
	d       dialog.Dialog
	yes, no *widget.Button
}

func newManufacturerScreen(u *ui) *manufacturerScreen {
	m := &manufacturerScreen{u: u}
	keys := [4]string{"F2", "F3", "F4", "F5"}
	names := [4]string{tr("man.mode.commission"), tr("man.mode.ship"), tr("man.mode.recall"), tr("man.mode.loss")}
	icons := [4]fyne.Resource{theme.ContentAddIcon(), theme.MailSendIcon(), theme.WarningIcon(), theme.ErrorIcon()}
	for i := range m.modeBtns {
		i := i
		m.modeBtns[i] = widget.NewButtonWithIcon(names[i]+"  ["+keys[i]+"]", icons[i], func() { m.setMode(manMode(i)) })
	}
	m.forms[manCommission] = m.commissionForm()
	m.forms[manShip] = m.shipForm()
	m.forms[manRecall] = m.recallForm()
	m.forms[manLoss] = m.lossForm()
	m.stack = container.NewStack()
	m.result = widget.NewLabel("")
	m.result.Wrapping = fyne.TextWrapWord
	modes := container.NewGridWithColumns(4, m.modeBtns[0], m.modeBtns[1], m.modeBtns[2], m.modeBtns[3])
	// Open image… and the camera (F12) feed the ship and loss lists.
	tools := u.scanTools()
	m.root = container.NewBorder(container.NewVBox(container.NewBorder(nil, nil, nil, tools, modes), widget.NewSeparator()), m.result, nil, nil, m.stack)
	m.setMode(manCommission)
	return m
}

func (m *manufacturerScreen) title() string              { return tr("tab.manufacturer") }
func (m *manufacturerScreen) name() string               { return "manufacturer" }
func (m *manufacturerScreen) content() fyne.CanvasObject { return container.NewPadded(m.root) }

func (m *manufacturerScreen) shown() {
	m.focus()
	m.u.status(map[string]any{"event": "screen", "screen": m.name(), "mode": m.modeName()})
}

func (m *manufacturerScreen) modeName() string {
	return [...]string{"commission", "ship", "recall", "loss"}[m.mode]
}

// key handles the desk's keys: F2-F5 pick the form, F9 runs its action,
// F6 adds the commissioned packs to a shipment, F10 prints their labels,
// F7/F8 choose stolen or destroyed; in the confirmation dialog Enter
// confirms and Escape cancels.
func (m *manufacturerScreen) key(k fyne.KeyName) bool {
	if c := m.confirming; c != nil {
		switch k {
		case fyne.KeyReturn, fyne.KeyEnter:
			c.yes.OnTapped()
		case fyne.KeyEscape:
			c.no.OnTapped()
		default:
			return false
		}
		return true
	}
	switch k {
	case fyne.KeyF2:
		m.setMode(manCommission)
	case fyne.KeyF3:
		m.setMode(manShip)
	case fyne.KeyF4:
		m.setMode(manRecall)
	case fyne.KeyF5:
		m.setMode(manLoss)
	case fyne.KeyF9:
		switch m.mode {
		case manCommission:
			m.commission()
		case manShip:
			m.ship()
		case manRecall:
			m.recall()
		case manLoss:
			m.reportLoss()
		}
	case fyne.KeyF6:
		if m.mode != manShip {
			return false
		}
		m.addCommissioned()
	case fyne.KeyF10:
		if m.mode != manCommission {
			return false
		}
		m.printLabels()
	case fyne.KeyF7, fyne.KeyF8:
		if m.mode != manLoss {
			return false
		}
		m.lossKind.SetSelected(m.lossKind.Options[map[fyne.KeyName]int{fyne.KeyF7: 0, fyne.KeyF8: 1}[k]])
	case fyne.KeyEscape:
		m.clearForm()
	default:
		return false
	}
	return true
}

// setMode shows form md.
func (m *manufacturerScreen) setMode(md manMode) {
	m.mode = md
	for i, b := range m.modeBtns {
		if manMode(i) == md {
			b.Importance = widget.HighImportance
		} else {
			b.Importance = widget.MediumImportance
		}
		b.Refresh()
	}
	m.stack.Objects = []fyne.CanvasObject{m.forms[md]}
	m.stack.Refresh()
	m.focus()
}

func (m *manufacturerScreen) focus() {
	c := m.u.w.Canvas()
	switch m.mode {
	case manCommission:
		c.Focus(m.gtin)
	case manShip:
		if validGLN(m.counterparty.Text) {
			c.Focus(m.shipEntry)
		} else {
			c.Focus(m.counterparty)
		}
	case manRecall:
		c.Focus(m.recallGTIN)
	case manLoss:
		c.Focus(m.lossEntry)
	}
}

// clearForm empties the visible form (Escape).
func (m *manufacturerScreen) clearForm() {
	switch m.mode {
	case manCommission:
		for _, e := range []*formEntry{m.gtin, m.batch, m.expiry, m.count, m.serials} {
			e.SetText("")
		}
	case manShip:
		m.shipItems = nil
		m.shipList.Refresh()
	case manRecall:
		for _, e := range []*formEntry{m.recallGTIN, m.recallBatch, m.recallReason} {
			e.SetText("")
		}
	case manLoss:
		m.lossItems = nil
		m.lossNote.SetText("")
		m.lossList.Refresh()
	}
	m.focus()
}

func (m *manufacturerScreen) entry(placeholder string, onSubmit func()) *formEntry {
	e := m.u.newFormEntry()
	e.SetPlaceHolder(placeholder)
	if onSubmit != nil {
		e.OnSubmitted = func(string) { onSubmit() }
	}
	return e
}

func (m *manufacturerScreen) commissionForm() fyne.CanvasObject {
	m.gtin = m.entry(tr("man.gtin.placeholder"), nil)
	m.batch = m.entry(tr("man.batch.placeholder"), nil)
	m.expiry = m.entry(tr("man.expiry.placeholder"), nil)
	m.count = m.entry(tr("man.count.placeholder"), m.commission)
	m.serials = m.entry(tr("man.serials.placeholder"), nil)
	m.serials.MultiLine = true
	m.serials.SetMinRowsVisible(3)
	m.commissionBtn = widget.NewButtonWithIcon(tr("man.commission")+"  [F9]", theme.ConfirmIcon(), m.commission)
	m.commissionBtn.Importance = widget.HighImportance
	m.printBtn = widget.NewButtonWithIcon(tr("man.print")+"  [F10]", theme.DocumentPrintIcon(), m.printLabels)
	m.printBtn.Disable()
	m.lastLabel = widget.NewLabel(tr("man.last.none"))
	m.lastLabel.Wrapping = fyne.TextWrapWord
	m.lastList = widget.NewList(func() int {
		if m.last == nil {
			return 0
		}
		return len(m.last.serials)
	}, func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(m.last.serials[i])
		})
	intro := widget.NewLabel(tr("man.commission.intro"))
	intro.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(tr("man.gtin"), m.gtin),
		widget.NewFormItem(tr("man.batch"), m.batch),
		widget.NewFormItem(tr("man.expiry"), m.expiry),
		widget.NewFormItem(tr("man.count"), m.count),
		widget.NewFormItem(tr("man.serials"), m.serials),
	)
	top := container.NewVBox(heading(tr("man.mode.commission")), intro, form, container.NewHBox(m.commissionBtn, m.printBtn), m.lastLabel)
	return container.NewBorder(top, nil, nil, nil, m.lastList)
}

func (m *manufacturerScreen) shipForm() fyne.CanvasObject {
	m.counterparty = m.entry(tr("wh.counterparty.placeholder"), func() { m.u.w.Canvas().Focus(m.shipEntry) })
	m.shipEntry = m.u.newScanEntry(tr("man.scan.placeholder"), nil)
	m.shipEntry.TextStyle = fyne.TextStyle{Monospace: true}
	m.shipList = m.itemList(&m.shipItems)
	m.shipBtn = widget.NewButtonWithIcon(tr("man.ship")+"  [F9]", theme.MailSendIcon(), m.ship)
	m.shipBtn.Importance = widget.HighImportance
	m.addLastBtn = widget.NewButtonWithIcon(tr("man.ship.addlast")+"  [F6]", theme.ContentAddIcon(), m.addCommissioned)
	m.addLastBtn.Disable()
	clear := widget.NewButtonWithIcon(tr("man.clear")+"  [Esc]", theme.ContentClearIcon(), m.clearForm)
	intro := widget.NewLabel(tr("man.ship.intro"))
	intro.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(tr("wh.counterparty"), m.counterparty),
		widget.NewFormItem(tr("man.items"), m.shipEntry),
	)
	top := container.NewVBox(heading(tr("man.mode.ship")), intro, form, container.NewHBox(m.shipBtn, m.addLastBtn, clear))
	return container.NewBorder(top, nil, nil, nil, m.shipList)
}

func (m *manufacturerScreen) recallForm() fyne.CanvasObject {
	m.recallGTIN = m.entry(tr("man.gtin.placeholder"), nil)
	m.recallBatch = m.entry(tr("man.batch.placeholder"), nil)
	m.recallReason = m.entry(tr("man.recall.reason.placeholder"), m.recall)
	m.recallBtn = widget.NewButtonWithIcon(tr("man.recall")+"  [F9]", theme.WarningIcon(), m.recall)
	m.recallBtn.Importance = widget.DangerImportance
	intro := widget.NewLabel(tr("man.recall.intro"))
	intro.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(tr("man.gtin"), m.recallGTIN),
		widget.NewFormItem(tr("man.batch"), m.recallBatch),
		widget.NewFormItem(tr("man.recall.reason"), m.recallReason),
	)
	return container.NewVBox(heading(tr("man.mode.recall")), intro, form, container.NewHBox(m.recallBtn))
}

func (m *manufacturerScreen) lossForm() fyne.CanvasObject {
	m.lossKind = widget.NewRadioGroup([]string{tr("kind.stolen") + "  [F7]", tr("kind.destroy") + "  [F8]"}, nil)
	m.lossKind.Horizontal = true
	m.lossKind.Required = true
	m.lossKind.SetSelected(m.lossKind.Options[0])
	m.lossEntry = m.u.newScanEntry(tr("man.scan.placeholder"), nil)
	m.lossEntry.TextStyle = fyne.TextStyle{Monospace: true}
	m.lossNote = m.entry(tr("man.loss.note.placeholder"), nil)
	m.lossList = m.itemList(&m.lossItems)
	m.lossBtn = widget.NewButtonWithIcon(tr("man.loss.report")+"  [F9]", theme.ErrorIcon(), m.reportLoss)
	m.lossBtn.Importance = widget.DangerImportance
	clear := widget.NewButtonWithIcon(tr("man.clear")+"  [Esc]", theme.ContentClearIcon(), m.clearForm)
	intro := widget.NewLabel(tr("man.loss.intro"))
	intro.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(tr("man.loss.kind"), m.lossKind),
		widget.NewFormItem(tr("man.items"), m.lossEntry),
		widget.NewFormItem(tr("man.loss.note"), m.lossNote),
	)
	top := container.NewVBox(heading(tr("man.mode.loss")), intro, form, container.NewHBox(m.lossBtn, clear))
	return container.NewBorder(top, nil, nil, nil, m.lossList)
}

func (m *manufacturerScreen) itemList(items *[]Code) *widget.List {
	return widget.NewList(func() int { return len(*items) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			o.(*widget.Label).SetText(itemLabel((*items)[len(*items)-1-i]))
		})
}

// scan adds a scanned pack or SSCC to the shipment or the loss report.
// Every scan is kept in the store, whichever form is shown.
func (m *manufacturerScreen) scan(raw []byte, source string) {
	u := m.u
	code, err := u.parse(raw)
	if err != nil {
		m.say(tr("notconnected.parser"))
		u.play(SoundFailure)
		return
	}
	rec := u.scanRecord(raw, source, code)
	u.goTask(func(ctx context.Context) {
		if err := u.saveScan(ctx, rec); err != nil {
			u.do(func() { u.showError(tr("error.scan.save"), err) })
		}
	})
	var items *[]Code
	var list *widget.List
	switch m.mode {
	case manShip:
		items, list = &m.shipItems, m.shipList
	case manLoss:
		items, list = &m.lossItems, m.lossList
	default:
		m.say(tr("man.scan.nowhere"))
		u.play(SoundFailure)
		return
	}
	if msg := m.add(items, code); msg != "" {
		m.say(msg)
		u.play(SoundFailure)
		return
	}
	list.Refresh()
	m.say(tr("man.item.added", map[string]any{"Item": itemLabel(code)}))
	u.play(SoundSuccess)
}

// add appends c to items, or says why it cannot be added.
func (m *manufacturerScreen) add(items *[]Code, c Code) string {
	switch {
	case !c.Valid:
		return tr("man.item.invalid", map[string]any{"Item": itemLabel(c), "Problem": problemsText(c.Problems)})
	case !c.IsPack() && !c.IsLogistic():
		return tr("man.item.notpack", map[string]any{"Item": itemLabel(c)})
	case len(*items) >= trace.MaxChildren:
		return tr("man.item.toomany", map[string]any{"N": m.u.f.number(trace.MaxChildren)})
	}
	for _, x := range *items {
		if x.Key() == c.Key() {
			return tr("man.item.duplicate", map[string]any{"Item": itemLabel(c)})
		}
	}
	*items = append(*items, c)
	return ""
}

// addCommissioned adds the packs commissioned last to the shipment.
func (m *manufacturerScreen) addCommissioned() {
	if m.last == nil {
		return
	}
	n := 0
	for _, s := range m.last.serials {
		c := Code{Valid: true, GTIN: m.last.gtin, Serial: s, Batch: m.last.batch}
		if m.add(&m.shipItems, c) == "" {
			n++
		}
	}
	m.shipList.Refresh()
	m.say(trN("man.ship.added", n, map[string]any{"N": m.u.f.number(int64(n))}))
	m.focus()
}

func (m *manufacturerScreen) say(msg string) { m.result.SetText(msg) }

// fieldError is a form field the user must correct: its message is
// already in the user's language.
type fieldError struct{ msg string }

func (e *fieldError) Error() string { return e.msg }

func fieldErr(key string, data ...map[string]any) error { return &fieldError{msg: tr(key, data...)} }

// commissionRequest is the commission form's content.
type commissionRequest struct {
	GTIN, Batch, Expiry string
	Count               string // how many serials to generate, when Serials is empty
	Serials             string // serials given, one per line (or separated by spaces or commas)
}

// commissionEvents checks a commission request and returns its events (one
// per pack, with content IDs) and the serials, generated from random when
// none are given. Every event has passed trace.CheckEvent.
func commissionEvents(req commissionRequest, location string, now time.Time, random io.Reader) ([]trace.Event, []string, error) {
	gtin, batch, expiry := strings.TrimSpace(req.GTIN), strings.TrimSpace(req.Batch), strings.TrimSpace(req.Expiry)
	if trace.CheckGTIN(gtin) != nil {
		return nil, nil, fieldErr("man.error.gtin")
	}
	if trace.CheckBatch(batch) != nil {
		return nil, nil, fieldErr("man.error.batch", map[string]any{"Max": trace.MaxBatch})
	}
	exp, err := time.Parse(time.DateOnly, expiry)
	if err != nil {
		return nil, nil, fieldErr("man.error.expiry")
	}
	if trace.Expired(expiry, now) {
		return nil, nil, fieldErr("man.error.expired", map[string]any{"Expiry": exp.Format(time.DateOnly)})
	}
	if !validGLN(location) {
		return nil, nil, fieldErr("error.location")
	}
	var serials []string
	if given := strings.FieldsFunc(req.Serials, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }); len(given) > 0 {
		if len(given) > maxCommission {
			return nil, nil, fieldErr("man.error.count", map[string]any{"Max": maxCommission})
		}
		seen := map[string]bool{}
		for _, s := range given {
			if trace.CheckSerial(s) != nil {
				return nil, nil, fieldErr("man.error.serial", map[string]any{"Serial": s, "Max": trace.MaxSerial})
			}
			if seen[s] {
				return nil, nil, fieldErr("man.error.serial.twice", map[string]any{"Serial": s})
			}
			seen[s] = true
		}
		serials = given
	} else {
		n, err := strconv.Atoi(strings.TrimSpace(req.Count))
		if err != nil || n < 1 || n > maxCommission {
			return nil, nil, fieldErr("man.error.count", map[string]any{"Max": maxCommission})
		}
		if serials, err = newSerials(n, random); err != nil {
			return nil, nil, err
		}
	}
	evs := make([]trace.Event, len(serials))
	for i, s := range serials {
		ev := trace.Event{Kind: trace.KindCommission, Time: now.UTC(), Location: location,
			GTIN: gtin, Serial: s, Batch: batch, Expiry: expiry}
		if err := ev.Check(); err != nil {
			return nil, nil, err
		}
		evs[i] = ev.WithContentID()
	}
	return evs, serials, nil
}

// newSerials draws n distinct serials of serialLen characters from random
// (crypto/rand in the app): random, not sequential, so that a valid serial
// cannot be guessed from another, as GS1 advises for serialised medicines.
func newSerials(n int, random io.Reader) ([]string, error) {
	out := make([]string, 0, n)
	seen := make(map[string]bool, n)
	buf := make([]byte, serialLen)
	// A repeat has a chance of n/2^60 per draw: allow a few, not forever.
	for tries := 0; len(out) < n; tries++ {
		if tries > n+100 {
			return nil, errors.New("random serials: the random source repeats itself")
		}
		if _, err := io.ReadFull(random, buf); err != nil {
			return nil, fmt.Errorf("random serials: %w", err)
		}
		b := make([]byte, serialLen)
		for i, r := range buf {
			b[i] = serialAlphabet[r&31]
		}
		s := string(b)
		if seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out, nil
}

// ready checks that events can be queued here, showing why not.
func (m *manufacturerScreen) ready(title string) bool {
	u := m.u
	if u.cfg.Queue == nil {
		u.showError(title, errors.New(tr("notconnected.queue")))
		return false
	}
	if !validGLN(u.set.Location) {
		u.showError(title, errors.New(tr("error.location")))
		return false
	}
	return true
}

// enqueue queues evs in one durable step; done runs on Fyne's goroutine
// once they are queued.
func (m *manufacturerScreen) enqueue(title string, btn *widget.Button, evs []trace.Event, done func()) {
	u := m.u
	btn.Disable()
	u.goTask(func(ctx context.Context) {
		err := u.cfg.Queue.Enqueue(ctx, evs...)
		u.do(func() {
			btn.Enable()
			if err != nil {
				u.showError(title, err)
				u.play(SoundFailure)
				return
			}
			done()
			u.play(SoundSuccess)
			kinds := map[string]int{}
			for _, ev := range evs {
				kinds[string(ev.Kind)]++
			}
			u.status(map[string]any{"event": "manufacturer", "mode": m.modeName(), "queued": kinds})
			m.focus()
		})
	})
}

// commission queues the commissioning of a batch.
func (m *manufacturerScreen) commission() {
	u := m.u
	title := tr("man.commission")
	if !m.ready(title) {
		return
	}
	req := commissionRequest{GTIN: m.gtin.Text, Batch: m.batch.Text, Expiry: m.expiry.Text, Count: m.count.Text, Serials: m.serials.Text}
	evs, serials, err := commissionEvents(req, u.set.Location, u.now(), rand.Reader)
	if err != nil {
		u.showError(title, err)
		return
	}
	m.enqueue(title, m.commissionBtn, evs, func() {
		m.last = &commissioned{gtin: evs[0].GTIN, batch: evs[0].Batch, expiry: evs[0].Expiry, serials: serials}
		m.lastList.Refresh()
		msg := trN("man.commissioned", len(serials), map[string]any{"N": u.f.number(int64(len(serials))),
			"GTIN": m.last.gtin, "Batch": m.last.batch, "Expiry": m.last.expiry})
		m.lastLabel.SetText(msg)
		m.say(msg)
		m.serials.SetText("")
		if u.cfg.Labels != nil {
			m.printBtn.Enable()
		}
		m.addLastBtn.Enable()
	})
}

// labelCodes are the element strings of the last batch's labels, one per
// serial commissioned: (01) GTIN, (17) expiry, (10) batch, (21) serial.
func (c *commissioned) labelCodes() [][]byte {
	exp, _ := time.Parse(time.DateOnly, c.expiry) // checked when commissioned
	out := make([][]byte, len(c.serials))
	for i, s := range c.serials {
		out[i] = []byte("01" + c.gtin + "17" + exp.Format("060102") + "10" + c.batch + "\x1d21" + s)
	}
	return out
}

// printLabels asks where to save the label sheet of the last batch.
func (m *manufacturerScreen) printLabels() {
	if m.last == nil || m.u.cfg.Labels == nil {
		return
	}
	showSaveFile(m.u.w, "labels-"+fileSafe(m.last.gtin+"-"+m.last.batch)+".pdf", m.writeLabels)
}

// writeLabels writes the last batch's labels as a PDF at path.
func (m *manufacturerScreen) writeLabels(path string) {
	u := m.u
	last := m.last
	if last == nil || u.cfg.Labels == nil {
		return
	}
	codes := last.labelCodes()
	m.printBtn.Disable()
	u.goTask(func(ctx context.Context) {
		err := u.cfg.Labels.WriteLabels(ctx, path, codes)
		u.do(func() {
			m.printBtn.Enable()
			if err != nil {
				u.showError(tr("man.print"), err)
				return
			}
			m.say(trN("man.printed", len(codes), map[string]any{"N": u.f.number(int64(len(codes))), "Path": path}))
			u.status(map[string]any{"event": "labels", "count": len(codes), "path": path})
		})
	})
}

// fileSafe keeps letters, digits and hyphens for a suggested file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// itemEvents makes one event of kind per item (a pack or an SSCC), checked
// with trace.CheckEvent.
func itemEvents(kind trace.Kind, items []Code, location, counterparty, note string, now time.Time) ([]trace.Event, error) {
	evs := make([]trace.Event, 0, len(items))
	for _, c := range items {
		ev := trace.Event{Kind: kind, Time: now.UTC(), Location: location, Counterparty: counterparty, Note: note}
		if c.IsLogistic() {
			ev.SSCC = c.SSCC
		} else {
			ev.GTIN, ev.Serial = c.GTIN, c.Serial
		}
		if err := ev.Check(); err != nil {
			return nil, err
		}
		evs = append(evs, ev.WithContentID())
	}
	return evs, nil
}

// ship queues the shipment of the listed packs and cases to the
// counterparty.
func (m *manufacturerScreen) ship() {
	u := m.u
	title := tr("man.ship")
	if !m.ready(title) {
		return
	}
	cp := strings.TrimSpace(m.counterparty.Text)
	if !validGLN(cp) {
		u.showError(title, errors.New(tr("error.counterparty")))
		return
	}
	if len(m.shipItems) == 0 {
		u.showError(title, errors.New(tr("man.error.noitems")))
		return
	}
	evs, err := itemEvents(trace.KindShip, m.shipItems, u.set.Location, cp, "", u.now())
	if err != nil {
		u.showError(title, err)
		return
	}
	m.enqueue(title, m.shipBtn, evs, func() {
		m.shipItems = nil
		m.shipList.Refresh()
		m.say(trN("man.shipped", len(evs), map[string]any{"N": u.f.number(int64(len(evs))), "Counterparty": cp}))
	})
}

// recall queues the recall of a batch, after confirmation.
func (m *manufacturerScreen) recall() {
	u := m.u
	title := tr("man.recall")
	if !m.ready(title) {
		return
	}
	gtin, batch, reason := strings.TrimSpace(m.recallGTIN.Text), strings.TrimSpace(m.recallBatch.Text), strings.TrimSpace(m.recallReason.Text)
	switch {
	case trace.CheckGTIN(gtin) != nil:
		u.showError(title, fieldErr("man.error.gtin"))
		return
	case trace.CheckBatch(batch) != nil:
		u.showError(title, fieldErr("man.error.batch", map[string]any{"Max": trace.MaxBatch}))
		return
	case reason == "" || len(reason) > trace.MaxNote:
		u.showError(title, fieldErr("man.error.reason", map[string]any{"Max": trace.MaxNote}))
		return
	}
	ev := trace.Event{Kind: trace.KindRecall, Time: u.now().UTC(), Location: u.set.Location, GTIN: gtin, Batch: batch, Note: reason}
	if err := ev.Check(); err != nil {
		u.showError(title, err)
		return
	}
	ev = ev.WithContentID()
	m.confirm(title, tr("man.recall.confirm", map[string]any{"GTIN": gtin, "Batch": batch, "Reason": reason}), tr("man.recall"), func() {
		m.enqueue(title, m.recallBtn, []trace.Event{ev}, func() {
			m.say(tr("man.recalled", map[string]any{"GTIN": gtin, "Batch": batch}))
			m.recallBatch.SetText("")
			m.recallReason.SetText("")
		})
	})
}

// lossKindSelected returns stolen or destroy, as chosen.
func (m *manufacturerScreen) lossKindSelected() trace.Kind {
	if m.lossKind.Selected == m.lossKind.Options[1] {
		return trace.KindDestroy
	}
	return trace.KindStolen
}

// reportLoss queues the listed packs as stolen or destroyed, after
// confirmation: neither can be undone.
func (m *manufacturerScreen) reportLoss() {
	u := m.u
	title := tr("man.loss.report")
	if !m.ready(title) {
		return
	}
	if len(m.lossItems) == 0 {
		u.showError(title, errors.New(tr("man.error.noitems")))
		return
	}
	note := strings.TrimSpace(m.lossNote.Text)
	if len(note) > trace.MaxNote {
		u.showError(title, fieldErr("man.error.note", map[string]any{"Max": trace.MaxNote}))
		return
	}
	kind := m.lossKindSelected()
	evs, err := itemEvents(kind, m.lossItems, u.set.Location, "", note, u.now())
	if err != nil {
		u.showError(title, err)
		return
	}
	n := len(evs)
	msg := trN("man.loss.confirm."+string(kind), n, map[string]any{"N": u.f.number(int64(n))})
	m.confirm(title, msg, tr("kind."+string(kind)), func() {
		m.enqueue(title, m.lossBtn, evs, func() {
			m.lossItems = nil
			m.lossList.Refresh()
			m.lossNote.SetText("")
			m.say(trN("man.loss.done."+string(kind), n, map[string]any{"N": u.f.number(int64(n))}))
		})
	})
}

// confirm asks before an irreversible step: yesText [Enter] runs yes,
// Cancel [Esc] does nothing.
func (m *manufacturerScreen) confirm(title, msg, yesText string, yes func()) {
	c := &confirmation{}
	done := func(ok bool) {
		c.d.Hide()
		m.confirming = nil
		if ok {
			yes()
		} else {
			m.focus()
		}
		m.u.status(map[string]any{"event": "confirm", "ok": ok})
	}
	c.yes = widget.NewButtonWithIcon(yesText+"  [Enter]", theme.ConfirmIcon(), func() { done(true) })
	c.yes.Importance = widget.DangerImportance
	c.no = widget.NewButtonWithIcon(tr("man.cancel")+"  [Esc]", theme.CancelIcon(), func() { done(false) })
	text := widget.NewLabel(msg)
	text.Wrapping = fyne.TextWrapWord
	c.d = dialog.NewCustomWithoutButtons(title, container.NewVBox(text, container.NewHBox(c.yes, c.no)), m.u.w)
	c.d.Resize(fyne.NewSize(560, 220))
	m.confirming = c
	c.d.Show()
	m.u.w.Canvas().Unfocus() // Enter and Escape reach the screen's keys
	m.u.status(map[string]any{"event": "confirm", "state": "asked"})
}

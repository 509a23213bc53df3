package app

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/trace"
)

func ctrlBracket() fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: fyne.KeyRightBracket, Modifier: fyne.KeyModifierControl}
}

func TestScanEntry(t *testing.T) {
	tests := []struct {
		name   string
		typeIt func(e *ScanEntry)
		want   string
	}{
		{"ctrl bracket is GS", func(e *ScanEntry) {
			test.Type(e, "0109501101530003")
			e.TypedShortcut(ctrlBracket())
			test.Type(e, "21X")
		}, "0109501101530003\x1d21X"},
		{"substitute is left to the parser", func(e *ScanEntry) { test.Type(e, "10AB~21X") }, "10AB~21X"},
		{"surrounding spaces dropped", func(e *ScanEntry) { test.Type(e, "  8612345678901234567  ") }, "8612345678901234567"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			var got []byte
			var keys []KeyStroke
			e := NewScanEntry(func() time.Time { return testNow })
			e.OnScan = func(raw []byte, k []KeyStroke) { got, keys = raw, k }
			test.NewTempWindow(t, e)
			tc.typeIt(e)
			e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
			if string(got) != tc.want {
				t.Fatalf("scanned %q, want %q", got, tc.want)
			}
			if e.Text != "" {
				t.Errorf("field not cleared after submit: %q", e.Text)
			}
			if n := len(keys); n == 0 || !keys[n-1].Enter {
				t.Errorf("keystrokes should end with Enter: %+v", keys)
			}
		})
	}
	t.Run("plain entry drops ctrl bracket", func(t *testing.T) {
		test.NewTempApp(t)
		e := widget.NewEntry()
		test.NewTempWindow(t, e)
		test.Type(e, "AB")
		e.TypedShortcut(ctrlBracket())
		if e.Text != "AB" {
			t.Fatalf("plain entry text %q: the ScanEntry subtype would not be needed", e.Text)
		}
	})
	t.Run("tab terminates", func(t *testing.T) {
		test.NewTempApp(t)
		var got string
		e := NewScanEntry(time.Now)
		e.OnScan = func(raw []byte, _ []KeyStroke) { got = string(raw) }
		test.NewTempWindow(t, e)
		test.Type(e, "00340123450000000017")
		e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyTab})
		if got != "00340123450000000017" {
			t.Fatalf("got %q", got)
		}
	})
}

func TestPharmacistVerdicts(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		level     Level
		reason    string
		title     string // in English
		lineHas   string // a line of the band contains this
		offline   bool
		sound     Sound
		unwireVer bool
	}{
		{"active", rawActive, LevelOK, ReasonActive, "Authentic, active", "Batch B123 · Expiry 31 Dec 2028", false, SoundSuccess, false},
		{"already dispensed says where and when", rawDispensed, LevelBad, ReasonDispensed, "Already dispensed", "Dispensed at 4012345000016 on 20 Nov 2026 09:15", false, SoundFailure, false},
		{"recalled batch", rawRecalled, LevelBad, ReasonRecalled, "Recalled batch", "Batch R9", false, SoundFailure, false},
		{"expired by its own date", rawExpired, LevelBad, ReasonExpired, "Expired", "Expiry 31 Jan 2024", false, SoundFailure, false},
		{"batch mismatch", rawMismatch, LevelBad, ReasonBatchMismatch, "Batch does not match the manufacturer's", "Manufacturer declared batch B123", false, SoundFailure, false},
		{"unknown pack", rawUnknown, LevelBad, ReasonUnknown, "Unknown pack — do not hand out", "Serial NEW1", false, SoundFailure, false},
		{"damaged code", rawDamaged, LevelBad, ReasonDamaged, "Damaged or misread code", "", false, SoundFailure, false},
		{"not a pack code", rawNotPack, LevelBad, ReasonNotPackCode, "Not a pack code", "Read: hello world", false, SoundFailure, false},
		{"case code without a contents reader", rawSSCC, LevelUnverified, ReasonNotConnected, "Not connected", "", false, SoundFailure, false},
		{"offline answer is stamped", rawOfflineHit, LevelOK, ReasonActive, "Authentic, active", "", true, SoundSuccess, false},
		{"no verifier wired", rawActive, LevelUnverified, ReasonNotConnected, "Not connected", "", false, SoundFailure, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, RolePharmacist, LangEnglish, func(c *Config) {
				if tc.unwireVer {
					c.Verifier = nil
				}
			})
			p := fx.u.pharm
			fx.scan(p.entry, tc.raw)
			v := p.verdict
			if v.current.Level != tc.level || v.current.Reason != tc.reason {
				t.Fatalf("verdict %v/%s, want %v/%s", v.current.Level, v.current.Reason, tc.level, tc.reason)
			}
			if v.title.Text != tc.title {
				t.Errorf("title %q, want %q", v.title.Text, tc.title)
			}
			if tc.lineHas != "" {
				all := v.lines[0].Text + "|" + v.lines[1].Text + "|" + v.lines[2].Text
				if !strings.Contains(all, tc.lineHas) {
					t.Errorf("lines %q lack %q", all, tc.lineHas)
				}
			}
			if tc.offline != strings.HasPrefix(v.badge.Text, "OFFLINE — as of 26 Nov 2026 18:00 (block 1,200)") {
				t.Errorf("offline badge %q, want offline=%v", v.badge.Text, tc.offline)
			}
			if got := fx.sound.last(); got != tc.sound {
				t.Errorf("sound %v, want %v", got, tc.sound)
			}
			if tc.level == LevelOK == p.dispenseBtn.Disabled() {
				t.Errorf("dispense enabled=%v for level %v", !p.dispenseBtn.Disabled(), tc.level)
			}
			if n := len(fx.scans.recs); n != 1 || string(fx.scans.recs[0].Code.Raw) != tc.raw {
				t.Errorf("scan log %+v, want the one scan", fx.scans.recs)
			}
			if tc.name == "damaged code" && !strings.Contains(v.detail.Text, "check digit should be 3") {
				t.Errorf("damaged code detail %q lacks the parser's words", v.detail.Text)
			}
		})
	}
}

func TestDispenseAndUndo(t *testing.T) {
	fx := newFixture(t, RolePharmacist, LangEnglish)
	p := fx.u.pharm
	fx.scan(p.entry, rawActive)
	fx.key(fyne.KeyF2)
	evs := fx.queue.all()
	if len(evs) != 1 {
		t.Fatalf("queued %d events, want 1", len(evs))
	}
	d := evs[0]
	if d.Kind != trace.KindDispense || d.GTIN != "09501101530003" || d.Serial != "ACTIVE1" || d.Batch != "B123" ||
		d.Expiry != "2028-12-31" || d.Location != testGLN || !d.Time.Equal(testNow) || d.ID != trace.ContentID(d) {
		t.Fatalf("dispense event %+v", d)
	}
	if p.verdict.title.Text != "Dispensed — queued for the ledger" || len(p.recent) != 1 {
		t.Fatalf("after dispense: title %q, recent %d", p.verdict.title.Text, len(p.recent))
	}
	if !p.dispenseBtn.Disabled() {
		t.Error("dispense still enabled after dispensing: a second F2 would dispense twice")
	}
	fx.key(fyne.KeyF2) // must not queue a second dispense
	if n := len(fx.queue.all()); n != 1 {
		t.Fatalf("second F2 queued again: %d events", n)
	}
	fx.key(fyne.KeyF3)
	evs = fx.queue.all()
	if len(evs) != 2 || evs[1].Kind != trace.KindUndoDispense || evs[1].Serial != "ACTIVE1" || evs[1].Location != testGLN {
		t.Fatalf("undo event %+v", evs)
	}
	if evs[1].ID == evs[0].ID {
		t.Error("undo reused the dispense's event ID")
	}
	if len(p.recent) != 0 || p.verdict.title.Text != "Dispense undone — queued for the ledger" {
		t.Errorf("after undo: recent %d, title %q", len(p.recent), p.verdict.title.Text)
	}

	t.Run("undo a pack dispensed here earlier", func(t *testing.T) {
		fx := newFixture(t, RolePharmacist, LangEnglish)
		fx.ver.answers["DISP1"] = func() trace.Verification {
			v := fx.ver.answers["DISP1"]
			v.LastPlace = testGLN
			return v
		}()
		fx.scan(fx.u.pharm.entry, rawDispensed)
		if fx.u.pharm.undoBtn.Disabled() {
			t.Fatal("undo disabled for a pack dispensed here 7 days ago")
		}
		fx.key(fyne.KeyF3)
		if evs := fx.queue.all(); len(evs) != 1 || evs[0].Kind != trace.KindUndoDispense {
			t.Fatalf("events %+v", evs)
		}
	})
	t.Run("no undo for another pharmacy's dispense", func(t *testing.T) {
		fx := newFixture(t, RolePharmacist, LangEnglish)
		fx.scan(fx.u.pharm.entry, rawDispensed)
		if !fx.u.pharm.undoBtn.Disabled() {
			t.Fatal("undo offered for a dispense at another location")
		}
	})
	t.Run("queue failure is shown and nothing is claimed", func(t *testing.T) {
		fx := newFixture(t, RolePharmacist, LangEnglish)
		fx.queue.err = os.ErrPermission
		fx.scan(fx.u.pharm.entry, rawActive)
		fx.key(fyne.KeyF2)
		if len(fx.u.pharm.recent) != 0 || fx.u.pharm.verdict.title.Text == "Dispensed — queued for the ledger" {
			t.Fatal("a failed enqueue was reported as dispensed")
		}
	})
}

func TestHistoryTimeline(t *testing.T) {
	fx := newFixture(t, RolePharmacist, LangEnglish)
	p := fx.u.pharm
	fx.scan(p.entry, rawActive)
	fx.key(fyne.KeyF4)
	if len(p.historyItems) != 4 {
		t.Fatalf("history has %d items", len(p.historyItems))
	}
	if p.historyTitle.Text != "History of 09501101530003 / ACTIVE1 (4 events)" {
		t.Errorf("history title %q", p.historyTitle.Text)
	}
}

func TestWarehouseSession(t *testing.T) {
	fx := newFixture(t, RoleWarehouse, LangEnglish)
	w := fx.u.ware
	w.counterparty.SetText(testCounterparty)
	w.kindRadio.SetSelected("Ship")
	fx.key(fyne.KeyF2)
	if w.sess == nil {
		t.Fatal("session did not start")
	}
	fx.scan(w.entry, rawActive)
	fx.scan(w.entry, rawActive)  // duplicate
	fx.scan(w.entry, rawNotPack) // unexpected
	fx.key(fyne.KeyF6)           // pack mode
	fx.scan(w.entry, rawSSCC)    // parent
	fx.scan(w.entry, rawUnknown) // child
	fx.scan(w.entry, rawRecalled)
	fx.key(fyne.KeyF8) // finish case
	c := w.sess.Counts()
	want := station.SessionCounts{Cases: 1, Packs: 3, Aggregations: 1, Duplicates: 1, Unexpected: 1}
	if c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
	if w.counts["packs"].Text != "3" || w.counts["duplicates"].Text != "1" {
		t.Errorf("shown counts packs=%s duplicates=%s", w.counts["packs"].Text, w.counts["duplicates"].Text)
	}
	if len(w.warnings) != 2 || !strings.HasPrefix(w.warnings[0], "Duplicate: 09501101530003 / ACTIVE1") {
		t.Errorf("warnings %q", w.warnings)
	}
	fx.key(fyne.KeyF9)
	evs := fx.queue.all()
	var kinds []string
	for _, e := range evs {
		kinds = append(kinds, string(e.Kind))
	}
	if got := strings.Join(kinds, ","); got != "pack,ship,ship" {
		t.Fatalf("events %s, want pack,ship,ship (pack before shipping)", got)
	}
	if evs[0].SSCC != "340123450000000017" || strings.Join(evs[0].Children, " ") != "09501101530003/NEW1 09501101530003/REC1" {
		t.Errorf("pack event %+v", evs[0])
	}
	if evs[1].Counterparty != testCounterparty || evs[1].Location != testGLN {
		t.Errorf("ship event %+v", evs[1])
	}
	if w.sess != nil {
		t.Error("session still open after closing")
	}
}

func TestWarehouseStartNeedsGLNs(t *testing.T) {
	tests := []struct{ name, counterparty, location string }{
		{"empty counterparty", "", testGLN},
		{"bad check digit", "4098765000004", testGLN},
		{"bad location", testCounterparty, "123"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, RoleWarehouse, LangEnglish)
			fx.u.ware.counterparty.SetText(tc.counterparty)
			fx.u.ware.location.SetText(tc.location)
			fx.key(fyne.KeyF2)
			if fx.u.ware.sess != nil {
				t.Fatal("session started with an invalid GLN")
			}
		})
	}
}

func TestInspector(t *testing.T) {
	fx := newFixture(t, RoleInspector, LangEnglish)
	s := fx.u.insp
	fx.key(fyne.KeyF7)
	if !strings.Contains(s.snapLabel.Text, "block 1,300 · 10,000 packs") {
		t.Fatalf("snapshot label %q", s.snapLabel.Text)
	}
	fx.scan(s.entry, rawRecalled)
	if s.verdict.current.Reason != ReasonRecalled || !s.verdict.current.Offline {
		t.Fatalf("verdict %+v", s.verdict.current)
	}
	if got := fx.ver.offlineOnly; len(got) != 1 || !got[0] {
		t.Fatalf("inspector verified with offlineOnly=%v, want [true]", got)
	}
	if s.conformant.Selected != "Not conformant" {
		t.Errorf("suggested result %q", s.conformant.Selected)
	}
	s.note.SetText("recalled batch on the shelf")
	fx.key(fyne.KeyF2)
	fx.scan(s.entry, rawActive)
	fx.key(fyne.KeyF2)
	if len(s.findings) != 2 {
		t.Fatalf("%d findings", len(s.findings))
	}
	evs := fx.queue.all()
	if len(evs) != 2 || evs[0].Kind != trace.KindInspect || evs[0].Conformant == nil || *evs[0].Conformant ||
		evs[0].Note != "recalled batch on the shelf" || !*evs[1].Conformant {
		t.Fatalf("inspect events %+v", evs)
	}
	if s.summary.Text != "2 findings · 1 conformant · 1 not conformant" {
		t.Errorf("summary %q", s.summary.Text)
	}

	dir := t.TempDir()
	csvPath := filepath.Join(dir, "r.csv")
	s.export(csvPath, false)
	fx.settle()
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[1][2] != "REC1" || recs[1][7] != ReasonRecalled || recs[1][11] != "false" || recs[1][12] != "recalled batch on the shelf" {
		t.Fatalf("csv %q", recs)
	}
	pdfPath := filepath.Join(dir, "r.pdf")
	s.export(pdfPath, true)
	fx.settle()
	pdf, err := os.ReadFile(pdfPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || len(pdf) < 1000 {
		t.Fatalf("pdf %d bytes, starts %q", len(pdf), pdf[:min(8, len(pdf))])
	}
}

func TestReportPDFChinese(t *testing.T) {
	fx := newFixture(t, RoleInspector, LangChinese)
	s := fx.u.insp
	fx.scan(s.entry, rawActive)
	s.note.SetText("包装完好")
	fx.key(fyne.KeyF2)
	path := filepath.Join(t.TempDir(), "r.pdf")
	// With or without a system CJK font: the app's own font serves.
	if err := writePDF(path, s.meta(), s.findings, fx.u.f); err != nil {
		t.Fatalf("pdf with Chinese text: %v", err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %v", err)
	}
}

func TestQueueScreen(t *testing.T) {
	qv := &fakeQueueView{
		counts: QueueCounts{Pending: 1200, InFlight: 100, Recorded: 5, Rejected: 1},
		events: []QueuedEvent{
			{Event: trace.Event{Kind: trace.KindDispense, Time: testNow, GTIN: "09501101530003", Serial: "A1"}, State: "recorded", TxID: "tx0123456789", Block: 77},
			{Event: trace.Event{Kind: trace.KindDispense, Time: testNow, GTIN: "09501101530003", Serial: "A2"}, State: "rejected", Reason: "already-dispensed", Message: "dispensed at 4012345000016 on 2026-11-20"},
			{Event: trace.Event{Kind: trace.KindShip, Time: testNow, SSCC: "340123450000000017"}, State: "pending", Attempts: 3},
			{Event: trace.Event{Kind: trace.KindDispense, Time: testNow, GTIN: "09501101530003", Serial: "A3"}, State: "recorded", TxID: "tx9876543210"},
		},
	}
	sy := &fakeSyncer{}
	fx := newFixture(t, RolePharmacist, LangEnglish, func(c *Config) { c.QueueView, c.Syncer = qv, sy })
	fx.u.selectTab(1)
	fx.settle()
	q := fx.u.queue
	if q.counts["pending"].Text != "1,200" || q.counts["rejected"].Text != "1" {
		t.Fatalf("counts pending=%s rejected=%s", q.counts["pending"].Text, q.counts["rejected"].Text)
	}
	lines := []string{q.eventLine(q.events[0]), q.eventLine(q.events[1]), q.eventLine(q.events[2]), q.eventLine(q.events[3])}
	wants := []string{"tx tx0123456789 (block 77)", "rejected · This pack was already dispensed", "pending · 3 attempts", "recorded · tx tx9876543210"}
	for i, w := range wants {
		if !strings.Contains(lines[i], w) {
			t.Errorf("line %d %q lacks %q", i, lines[i], w)
		}
	}
	// The refusal by its code on the list; the ledger's sentence is the
	// selected event's detail line.
	if strings.Contains(lines[1], "4012345000016") || q.detail.Text != "" {
		t.Errorf("line %q, detail %q: the ledger's sentence before a selection", lines[1], q.detail.Text)
	}
	q.list.Select(1)
	if want := "The ledger's words: dispensed at 4012345000016 on 2026-11-20"; q.detail.Text != want {
		t.Errorf("detail %q, want %q", q.detail.Text, want)
	}
	q.list.Select(0)
	if q.detail.Text != "" {
		t.Errorf("detail %q of a recorded event", q.detail.Text)
	}
	fx.u.reportSync(SyncReport{Syncing: true, Done: 25, Total: 100})
	fx.settle()
	if !q.bar.Visible() || q.bar.Value != 0.25 || q.state.Text != "Syncing: 25 of 100 sent" {
		t.Errorf("syncing: bar %v %v, state %q", q.bar.Visible(), q.bar.Value, q.state.Text)
	}
	fx.u.reportSync(SyncReport{Err: errOffline, Pending: 1200})
	fx.settle()
	if q.bar.Visible() || !strings.HasPrefix(q.state.Text, "Not syncing: ledger unavailable — 1,200 events wait") {
		t.Errorf("error state %q", q.state.Text)
	}
	fx.key(fyne.KeyF5)
	if sy.calls != 1 {
		t.Errorf("retry called SyncNow %d times", sy.calls)
	}
	path := filepath.Join(t.TempDir(), "q.csv")
	if err := writeQueueCSV(path, qv.events); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(mustOpen(t, path)).ReadAll()
	if err != nil || len(recs) != 5 || recs[2][14] != "already-dispensed" || recs[1][12] != "tx0123456789" || recs[1][13] != "77" {
		t.Fatalf("queue csv %q, %v", recs, err)
	}
	if recs[3][13] != "" || recs[4][13] != "" {
		t.Errorf("block of events without one: %q, %q, want empty", recs[3][13], recs[4][13])
	}
	if strings.HasSuffix(lines[3], ")") || strings.Contains(lines[3], "block") {
		t.Errorf("line %q names a block it does not know", lines[3])
	}
}

func mustOpen(t *testing.T, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

func TestNotConnectedStates(t *testing.T) {
	fx := newFixture(t, RolePharmacist, LangEnglish, func(c *Config) { *c = Config{Now: c.Now, Location: c.Location} })
	fx.scan(fx.u.pharm.entry, rawActive)
	if v := fx.u.pharm.verdict; v.current.Reason != ReasonNotConnected || v.detail.Text != "The pack-code reader is not connected in this build." {
		t.Fatalf("no parser: %+v / %q", v.current, v.detail.Text)
	}
	if !fx.u.queue.retryBtn.Disabled() || fx.u.queue.state.Text != "The queue and sync engine are not connected in this build." {
		t.Errorf("queue without engine: %q", fx.u.queue.state.Text)
	}
}

func TestChooseRoleAndSwitchLanguage(t *testing.T) {
	fx := newFixture(t, "", LangEnglish)
	if fx.u.tabs != nil {
		t.Fatal("no role yet: expected the chooser")
	}
	test.TypeOnCanvas(fx.w.Canvas(), "2")
	if fx.u.set.Role != RoleWarehouse || fx.u.ware == nil {
		t.Fatalf("role %q after pressing 2", fx.u.set.Role)
	}
	if got := fx.u.fa.Preferences().String(prefRole); got != RoleWarehouse {
		t.Errorf("role not remembered: %q", got)
	}
	fx.u.selectTab(2)
	fx.u.prefs.language.SetSelectedIndex(2) // 简体中文
	fx.u.prefs.save()
	fx.settle()
	if got := fx.u.tabs.Items[0].Text; got != "收货与发货  (Ctrl+1)" {
		t.Fatalf("after switching to Chinese, tab 1 is %q", got)
	}
	if fx.u.tabs.SelectedIndex() != 2 {
		t.Errorf("settings tab not kept after the language switch")
	}
}

func TestChineseVerdict(t *testing.T) {
	fx := newFixture(t, RolePharmacist, LangChinese)
	p := fx.u.pharm
	fx.scan(p.entry, rawDispensed)
	if p.verdict.title.Text != "已发药" || p.verdict.lines[2].Text != "已于 2026年11月20日 09:15 在 4012345000016 发药" {
		t.Fatalf("chinese verdict %q / %q", p.verdict.title.Text, p.verdict.lines[2].Text)
	}
	fx.scan(p.entry, rawOfflineHit)
	if !strings.HasPrefix(p.verdict.badge.Text, "离线 — 截至 2026年11月26日 18:00") {
		t.Errorf("offline badge %q", p.verdict.badge.Text)
	}
}

func TestSettingsValidation(t *testing.T) {
	tests := []struct {
		name, location, gs, baud string
		saved                    bool
	}{
		{"valid", testGLN, "~", "115200", true},
		{"bad gln", "4012345000008", "", "9600", false},
		{"two-character substitute", testGLN, "~~", "9600", false},
		{"letter substitute", testGLN, "G", "9600", false},
		{"bad baud", testGLN, "", "fast", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, RolePharmacist, LangEnglish)
			s := fx.u.prefs
			s.location.SetText(tc.location)
			s.gsSubst.SetText(tc.gs)
			s.serialBaud.SetText(tc.baud)
			s.endpoint.SetText("peer0.example:7051")
			s.save()
			got := LoadSettings(fx.u.fa.Preferences())
			if saved := got.Endpoint == "peer0.example:7051"; saved != tc.saved {
				t.Fatalf("saved=%v, want %v (%+v)", saved, tc.saved, got)
			}
			if tc.saved {
				fx.scan(fx.u.pharm.entry, strings.ReplaceAll(rawActive, "\x1d", "~"))
				if fx.u.pharm.verdict.current.Reason != ReasonActive {
					t.Errorf("with substitute ~ the scan gave %s", fx.u.pharm.verdict.current.Reason)
				}
			}
		})
	}
}

func TestStatusFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "status")
	fx := newFixture(t, RolePharmacist, LangEnglish, func(c *Config) { c.StatusFile = path })
	fx.scan(fx.u.pharm.entry, rawRecalled)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"event":"verdict","gtin":"09501101530003","lang":"en","level":"bad","offline":false,"reason":"recalled-batch"`) {
		t.Fatalf("status file:\n%s", data)
	}
}

// TestScanEntryAssembler: the scan field reads through the wedge
// assembler: with an idle end set, a burst without a suffix ends in
// silence; without one, nothing but Enter or Tab ends an input (a busy
// machine's pause must not split a scan); the input is the field's text.
func TestScanEntryAssembler(t *testing.T) {
	type stroke struct {
		r   rune
		gap time.Duration
	}
	burst := func(s string) []stroke {
		var out []stroke
		for _, r := range s {
			out = append(out, stroke{r, 10 * time.Millisecond})
		}
		return out
	}
	tests := []struct {
		name    string
		idleEnd time.Duration
		strokes []stroke
		idle    bool // wait past the idle end instead of pressing Enter
		want    []string
	}{
		{"a burst without a suffix ends in silence", 150 * time.Millisecond, burst("0109501101530003" + "21X"), true, []string{"010950110153000321X"}},
		{"without an idle end silence ends nothing", 0, burst("0109501101530003" + "21X"), true, nil},
		{"a pause inside a burst does not split it", 0, append(burst("01095011015"), append([]stroke{{'3', 400 * time.Millisecond}}, burst("0003")...)...), false, []string{"010950110153" + "0003"}},
		{"an AIM prefix is kept for the parser", 0, burst("]d20109501101530003"), false, []string{"]d20109501101530003"}},
		{"typing by hand", 150 * time.Millisecond, []stroke{{'A', 0}, {'B', 400 * time.Millisecond}, {'C', 400 * time.Millisecond}, {'D', 400 * time.Millisecond}}, false, []string{"ABCD"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			clock := testNow
			var got []string
			e := NewScanEntry(func() time.Time { return clock })
			e.SetIdleEnd(tc.idleEnd)
			e.OnScan = func(raw []byte, _ []KeyStroke) { got = append(got, string(raw)) }
			test.NewTempWindow(t, e)
			for _, s := range tc.strokes {
				clock = clock.Add(s.gap)
				e.TypedRune(s.r)
			}
			if tc.idle {
				e.idle() // not yet silent long enough
				if len(got) != 0 {
					t.Fatalf("delivered %q before the idle end", got)
				}
				clock = clock.Add(200 * time.Millisecond)
				e.idle()
			} else {
				clock = clock.Add(10 * time.Millisecond)
				e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("scanned %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSettingsShowsLog: Settings names the log file main gave and offers to
// open its folder; without one the row is not there.
func TestSettingsShowsLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "medtrace.log")
	for _, lang := range []string{LangEnglish, LangChinese} {
		t.Run(lang, func(t *testing.T) {
			fx := newFixture(t, RolePharmacist, lang, func(c *Config) { c.LogPath = path })
			s := fx.u.prefs
			if s.logOpen == nil || s.logOpen.Text != tr("settings.log.open") {
				t.Fatalf("no open-folder button: %+v", s.logOpen)
			}
			found := false
			for _, l := range test.LaidOutObjects(s.root) {
				if lbl, ok := l.(*widget.Label); ok && lbl.Text == path {
					found = true
				}
			}
			if !found {
				t.Fatalf("the log's path %s is not shown", path)
			}
			test.Tap(s.logOpen) // the test app's OpenURL opens nothing and reports no error
		})
	}
	t.Run("no log file", func(t *testing.T) {
		fx := newFixture(t, RolePharmacist, LangEnglish)
		if fx.u.prefs.logOpen != nil {
			t.Fatal("an open-folder button without a log file")
		}
	})
}

package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/medtrace/medtrace/trace"
)

// The manufacturer's product in these tests (valid check digit).
const (
	testManGTIN  = "04012345000016"
	testManBatch = "B2026-07"
)

type fakeLabels struct {
	mu    sync.Mutex
	path  string
	codes [][]byte
	err   error
}

func (f *fakeLabels) WriteLabels(_ context.Context, path string, codes [][]byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.path, f.codes = path, codes
	return nil
}

// Cases with valid SSCCs (the shared fixtures' SSCCs have wrong check
// digits, which the trace core refuses).
const (
	rawCase1 = "00340123450000000017"
	rawCase2 = "00340123450000000024"
)

func newManFixture(t *testing.T, language string, modify ...func(*Config)) (*fixture, *manufacturerScreen, *fakeLabels) {
	t.Helper()
	labels := &fakeLabels{}
	parser := newFakeParser()
	parser.codes[rawCase1] = Code{Valid: true, Scheme: "gs1", SSCC: "340123450000000017"}
	parser.codes[rawCase2] = Code{Valid: true, Scheme: "gs1", SSCC: "340123450000000024"}
	fx := newFixture(t, RoleManufacturer, language, append([]func(*Config){func(c *Config) { c.Labels, c.Parser = labels, parser }}, modify...)...)
	if fx.u.manu == nil {
		t.Fatal("the manufacturer role shows no manufacturer desk")
	}
	return fx, fx.u.manu, labels
}

// checkManQueued fails unless every event has kind, its content ID, and is
// accepted by the trace core's CheckEvent, and returns them.
func checkManQueued(t *testing.T, fx *fixture, kind trace.Kind, n int) []trace.Event {
	t.Helper()
	evs := fx.queue.all()
	if len(evs) != n {
		t.Fatalf("%d events queued, want %d: %+v", len(evs), n, evs)
	}
	for _, ev := range evs {
		if ev.Kind != kind {
			t.Errorf("event kind %s, want %s", ev.Kind, kind)
		}
		if reason, bad := trace.CheckEvent(ev); bad {
			t.Errorf("CheckEvent refuses %+v: %s %s", ev, reason.Code, reason.Message)
		}
		if ev.ID != trace.ContentID(ev) {
			t.Errorf("event ID %s is not its content ID", ev.ID)
		}
		if !ev.Time.Equal(testNow) || ev.Location != testGLN {
			t.Errorf("event at %s, %s; want %s, %s", ev.Time, ev.Location, testNow, testGLN)
		}
	}
	return evs
}

func TestManufacturerCommission(t *testing.T) {
	tests := []struct {
		name    string
		serials string // typed into the serials field
		count   string
		want    []string // the serials, when given
		n       int
	}{
		{"generated serials", "", "24", nil, 24},
		{"one generated serial", "", "1", nil, 1},
		{"serials given one per line", "SN-1\nSN-2\r\nSN-3\n", "", []string{"SN-1", "SN-2", "SN-3"}, 3},
		{"serials given win over the count", "A1, A2 A3", "50", []string{"A1", "A2", "A3"}, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx, m, labels := newManFixture(t, LangEnglish)
			m.gtin.SetText(testManGTIN)
			m.batch.SetText(testManBatch)
			m.expiry.SetText("2029-06-30")
			m.count.SetText(tc.count)
			m.serials.SetText(tc.serials)
			fx.key(fyne.KeyF9)
			evs := checkManQueued(t, fx, trace.KindCommission, tc.n)
			seen := map[string]bool{}
			for i, ev := range evs {
				if ev.GTIN != testManGTIN || ev.Batch != testManBatch || ev.Expiry != "2029-06-30" {
					t.Errorf("event %d: %+v", i, ev)
				}
				if seen[ev.Serial] {
					t.Errorf("serial %s twice", ev.Serial)
				}
				seen[ev.Serial] = true
				if tc.want != nil {
					if ev.Serial != tc.want[i] {
						t.Errorf("serial %d is %q, want %q", i, ev.Serial, tc.want[i])
					}
					continue
				}
				if len(ev.Serial) != serialLen || strings.Trim(ev.Serial, serialAlphabet) != "" {
					t.Errorf("generated serial %q: want %d characters of %s", ev.Serial, serialLen, serialAlphabet)
				}
			}
			if want := "queued for commissioning"; !strings.Contains(m.result.Text, want) {
				t.Errorf("result %q lacks %q", m.result.Text, want)
			}
			if tc.n == 1 && !strings.Contains(m.result.Text, "1 pack of") {
				t.Errorf("one pack is not worded in the singular: %q", m.result.Text)
			}
			// F10's labels are exactly the serials commissioned.
			if m.printBtn.Disabled() {
				t.Fatal("Print labels is disabled after commissioning")
			}
			m.writeLabels("/tmp/labels.pdf")
			fx.settle()
			if len(labels.codes) != len(evs) {
				t.Fatalf("%d labels for %d packs", len(labels.codes), len(evs))
			}
			for i, c := range labels.codes {
				want := "01" + testManGTIN + "17290630" + "10" + testManBatch + "\x1d21" + evs[i].Serial
				if string(c) != want {
					t.Errorf("label %d: %q, want %q", i, c, want)
				}
			}
			if !strings.Contains(m.result.Text, "/tmp/labels.pdf") {
				t.Errorf("result %q does not name the file", m.result.Text)
			}
		})
	}
}

func TestManufacturerCommissionRefused(t *testing.T) {
	tests := []struct {
		name                       string
		gtin, batch, expiry, count string
		serials                    string
		message                    string
	}{
		{"check digit", "04012345000017", testManBatch, "2029-06-30", "5", "", "The GTIN must be 14 digits"},
		{"no batch", testManGTIN, "", "2029-06-30", "5", "", "The batch must be 1 to 20"},
		{"batch character", testManGTIN, "B 1", "2029-06-30", "5", "", "The batch must be"},
		{"expiry format", testManGTIN, testManBatch, "30/06/2029", "5", "", "YYYY-MM-DD"},
		{"expired", testManGTIN, testManBatch, "2026-01-31", "5", "", "has passed"},
		{"no count", testManGTIN, testManBatch, "2029-06-30", "", "", "Commission 1 to 10000"},
		{"too many", testManGTIN, testManBatch, "2029-06-30", "10001", "", "Commission 1 to 10000"},
		{"serial twice", testManGTIN, testManBatch, "2029-06-30", "", "X1\nX2\nX1", "Serial X1 is listed twice"},
		{"serial too long", testManGTIN, testManBatch, "2029-06-30", "", "ABCDEFGHIJKLMNOPQRSTU", "is not valid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := commissionRequest{GTIN: tc.gtin, Batch: tc.batch, Expiry: tc.expiry, Count: tc.count, Serials: tc.serials}
			_, _, err := commissionEvents(req, testGLN, testNow, rand.Reader)
			var fe *fieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a *fieldError", err)
			}
			if !strings.Contains(fe.msg, tc.message) {
				t.Errorf("message %q lacks %q", fe.msg, tc.message)
			}
			// On the screen nothing is queued and the dialog says why.
			fx, m, _ := newManFixture(t, LangEnglish)
			m.gtin.SetText(tc.gtin)
			m.batch.SetText(tc.batch)
			m.expiry.SetText(tc.expiry)
			m.count.SetText(tc.count)
			m.serials.SetText(tc.serials)
			fx.key(fyne.KeyF9)
			if n := len(fx.queue.all()); n != 0 {
				t.Errorf("%d events queued", n)
			}
			if !m.printBtn.Disabled() {
				t.Error("Print labels is enabled with nothing commissioned")
			}
		})
	}
}

// repeatReader returns the same bytes forever: a broken random source.
type repeatReader struct{}

func (repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 7
	}
	return len(p), nil
}

func TestNewSerials(t *testing.T) {
	t.Run("distinct and unpredictable", func(t *testing.T) {
		a, err := newSerials(1000, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		b, err := newSerials(1000, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, s := range append(a, b...) {
			if seen[s] {
				t.Fatalf("serial %s drawn twice", s)
			}
			seen[s] = true
			if err := trace.CheckSerial(s); err != nil {
				t.Fatal(err)
			}
		}
		// Non-sequential: neighbours share no long common prefix, as a
		// counter's serials would.
		same := 0
		for i := 1; i < len(a); i++ {
			if a[i][:4] == a[i-1][:4] {
				same++
			}
		}
		if same > 5 {
			t.Errorf("%d of 999 neighbours share their first 4 characters: looks sequential", same)
		}
	})
	t.Run("every character used", func(t *testing.T) {
		s, err := newSerials(200, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(s, "")
		for _, c := range serialAlphabet {
			if !strings.ContainsRune(all, c) {
				t.Errorf("character %c never drawn in 2400", c)
			}
		}
	})
	t.Run("a repeating source is refused", func(t *testing.T) {
		if _, err := newSerials(3, repeatReader{}); err == nil {
			t.Fatal("no error from a source that repeats itself")
		}
	})
	t.Run("a failing source is refused", func(t *testing.T) {
		_, err := newSerials(3, io.LimitReader(rand.Reader, 20))
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
		}
	})
}

func TestManufacturerShip(t *testing.T) {
	fx, m, _ := newManFixture(t, LangEnglish)
	fx.key(fyne.KeyF3)
	if m.mode != manShip {
		t.Fatal("F3 does not show the ship form")
	}
	m.counterparty.SetText(testCounterparty)
	fx.scan(m.shipEntry, rawActive)
	fx.scan(m.shipEntry, rawCase1)
	fx.scan(m.shipEntry, rawActive)
	if !strings.Contains(m.result.Text, "already on the list") {
		t.Errorf("a repeated scan says %q", m.result.Text)
	}
	fx.scan(m.shipEntry, rawDamaged)
	if !strings.Contains(m.result.Text, "not a valid code") || !strings.Contains(m.result.Text, "Wrong check digit") {
		t.Errorf("a damaged scan says %q", m.result.Text)
	}
	fx.scan(m.shipEntry, rawNotPack)
	if len(m.shipItems) != 2 {
		t.Fatalf("%d items on the list, want 2", len(m.shipItems))
	}
	fx.key(fyne.KeyF9)
	evs := checkManQueued(t, fx, trace.KindShip, 2)
	if evs[0].GTIN != "09501101530003" || evs[0].Serial != "ACTIVE1" || evs[1].SSCC != "340123450000000017" {
		t.Errorf("shipped %+v", evs)
	}
	for _, ev := range evs {
		if ev.Counterparty != testCounterparty {
			t.Errorf("counterparty %q", ev.Counterparty)
		}
	}
	if len(m.shipItems) != 0 || !strings.Contains(m.result.Text, "2 items queued as shipped to "+testCounterparty) {
		t.Errorf("after shipping: %d items, %q", len(m.shipItems), m.result.Text)
	}

	t.Run("the commissioned packs", func(t *testing.T) {
		fx, m, _ := newManFixture(t, LangEnglish)
		m.gtin.SetText(testManGTIN)
		m.batch.SetText(testManBatch)
		m.expiry.SetText("2029-06-30")
		m.count.SetText("5")
		fx.key(fyne.KeyF9)
		fx.key(fyne.KeyF3)
		m.counterparty.SetText(testCounterparty)
		fx.key(fyne.KeyF6)
		fx.key(fyne.KeyF9)
		evs := fx.queue.all()
		if len(evs) != 10 {
			t.Fatalf("%d events, want 5 commissions and 5 ships", len(evs))
		}
		for i := 0; i < 5; i++ {
			c, s := evs[i], evs[5+i]
			if s.Kind != trace.KindShip || s.GTIN != c.GTIN || s.Serial != c.Serial || s.Counterparty != testCounterparty {
				t.Errorf("ship %d: %+v for commission %+v", i, s, c)
			}
			if _, bad := trace.CheckEvent(s); bad {
				t.Errorf("CheckEvent refuses %+v", s)
			}
		}
	})
	t.Run("no counterparty", func(t *testing.T) {
		fx, m, _ := newManFixture(t, LangEnglish)
		fx.key(fyne.KeyF3)
		fx.scan(m.shipEntry, rawActive)
		fx.key(fyne.KeyF9)
		if n := len(fx.queue.all()); n != 0 {
			t.Errorf("%d events queued without a counterparty", n)
		}
	})
}

func TestManufacturerRecall(t *testing.T) {
	fx, m, _ := newManFixture(t, LangEnglish)
	fx.key(fyne.KeyF4)
	m.recallGTIN.SetText(testManGTIN)
	m.recallBatch.SetText(testManBatch)
	fx.key(fyne.KeyF9)
	if m.confirming != nil || len(fx.queue.all()) != 0 {
		t.Fatal("a recall without a reason was asked for or queued")
	}
	m.recallReason.SetText("sterility not assured")
	fx.key(fyne.KeyF9)
	if m.confirming == nil {
		t.Fatal("no confirmation before a recall")
	}
	if n := len(fx.queue.all()); n != 0 {
		t.Fatalf("%d events queued before confirmation", n)
	}
	fx.key(fyne.KeyReturn)
	evs := checkManQueued(t, fx, trace.KindRecall, 1)
	if evs[0].GTIN != testManGTIN || evs[0].Batch != testManBatch || evs[0].Note != "sterility not assured" || evs[0].Serial != "" {
		t.Errorf("recall %+v", evs[0])
	}
	if m.confirming != nil {
		t.Error("the confirmation stays open")
	}
}

func TestManufacturerLoss(t *testing.T) {
	tests := []struct {
		name string
		key  fyne.KeyName // F7 stolen, F8 destroyed
		kind trace.Kind
		word string
	}{
		{"stolen", fyne.KeyF7, trace.KindStolen, "stolen"},
		{"destroyed", fyne.KeyF8, trace.KindDestroy, "destroyed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx, m, _ := newManFixture(t, LangEnglish)
			fx.key(fyne.KeyF5)
			fx.key(tc.key)
			fx.scan(m.lossEntry, rawActive)
			fx.scan(m.lossEntry, rawCase2)
			m.lossNote.SetText("police report 2026-117")
			fx.key(fyne.KeyF9)
			if m.confirming == nil {
				t.Fatal("no confirmation")
			}
			if !strings.Contains(m.confirming.yes.Text, "[Enter]") || !strings.Contains(m.confirming.no.Text, "[Esc]") {
				t.Errorf("the dialog's keys are not on its buttons: %q, %q", m.confirming.yes.Text, m.confirming.no.Text)
			}
			fx.key(fyne.KeyEscape)
			if m.confirming != nil || len(fx.queue.all()) != 0 || len(m.lossItems) != 2 {
				t.Fatalf("Escape: dialog %v, %d queued, %d items kept", m.confirming != nil, len(fx.queue.all()), len(m.lossItems))
			}
			fx.key(fyne.KeyF9)
			fx.key(fyne.KeyReturn)
			evs := checkManQueued(t, fx, tc.kind, 2)
			if evs[0].Serial != "ACTIVE1" || evs[1].SSCC != "340123450000000024" || evs[0].Note != "police report 2026-117" {
				t.Errorf("events %+v", evs)
			}
			if !strings.Contains(m.result.Text, "2 items queued as "+tc.word) {
				t.Errorf("result %q", m.result.Text)
			}
		})
	}
}

func TestManufacturerNotConnected(t *testing.T) {
	fx, m, _ := newManFixture(t, LangEnglish, func(c *Config) { c.Queue = nil })
	m.gtin.SetText(testManGTIN)
	m.batch.SetText(testManBatch)
	m.expiry.SetText("2029-06-30")
	m.count.SetText("3")
	fx.key(fyne.KeyF9)
	if m.last != nil {
		t.Error("commissioned with no queue")
	}
}

func TestManufacturerChinese(t *testing.T) {
	fx, m, _ := newManFixture(t, LangChinese)
	if got := m.title(); got != "生产企业工作台" {
		t.Errorf("tab title %q", got)
	}
	m.gtin.SetText(testManGTIN)
	m.batch.SetText(testManBatch)
	m.expiry.SetText("2029-06-30")
	m.count.SetText("1")
	fx.key(fyne.KeyF9)
	if !strings.Contains(m.result.Text, "个药盒加入赋码队列") {
		t.Errorf("result %q is not Chinese", m.result.Text)
	}
	fx.key(fyne.KeyF5)
	fx.scan(m.lossEntry, rawActive)
	fx.key(fyne.KeyF9)
	if m.confirming == nil || !strings.Contains(m.confirming.yes.Text, "[Enter]") {
		t.Fatal("no confirmation")
	}
}

func TestChooserManufacturer(t *testing.T) {
	fx := newFixture(t, "", LangEnglish)
	test.TypeOnCanvas(fx.w.Canvas(), "4")
	fx.settle()
	if fx.u.set.Role != RoleManufacturer || fx.u.manu == nil {
		t.Fatalf("key 4 chose role %q", fx.u.set.Role)
	}
	if !bytes.Contains([]byte(fx.u.tabs.Items[0].Text), []byte("Manufacturer desk")) {
		t.Errorf("first tab %q", fx.u.tabs.Items[0].Text)
	}
}

// TestManufacturerOtherSources checks that reads from a serial scanner, the
// camera or an image reach the desk's lists, and are refused with a reason
// where no list takes them.
func TestManufacturerOtherSources(t *testing.T) {
	tests := []struct {
		name  string
		mode  fyne.KeyName
		items func(m *manufacturerScreen) []Code
		want  int
		says  string
	}{
		{"ship list", fyne.KeyF3, func(m *manufacturerScreen) []Code { return m.shipItems }, 1, "Added 09501101530003 / ACTIVE1"},
		{"loss list", fyne.KeyF5, func(m *manufacturerScreen) []Code { return m.lossItems }, 1, "Added"},
		{"commission form takes no scans", fyne.KeyF2, func(m *manufacturerScreen) []Code { return append(m.shipItems, m.lossItems...) }, 0, "choose one first"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fx, m, _ := newManFixture(t, LangEnglish)
			fx.key(tc.mode)
			fx.u.route(Read{Raw: []byte("]d2" + rawActive), Source: "camera:/dev/video0"})
			fx.settle()
			if n := len(tc.items(m)); n != tc.want {
				t.Errorf("%d items, want %d", n, tc.want)
			}
			if !strings.Contains(m.result.Text, tc.says) {
				t.Errorf("the desk says %q, want %q in it", m.result.Text, tc.says)
			}
			if len(fx.scans.recs) != 1 {
				t.Errorf("%d scans kept, want every scan (1)", len(fx.scans.recs))
			}
		})
	}
}

package app

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/medtrace/medtrace/trace"
)

// The fakes stand in for the parser, store, sync engine and ledger in the
// screen tests: the screens only see the interfaces in ports.go.

// testNow is the fixed clock of the screen tests.
var testNow = time.Date(2026, 11, 27, 10, 30, 0, 0, time.UTC)

const (
	testGLN          = "4012345000009" // this site
	testCounterparty = "4098765000003"
)

// Scans the fake parser knows (GS1 element strings with GS as \x1d).
const (
	rawActive     = "010950110153000321ACTIVE1\x1d10B123\x1d17281231"
	rawDispensed  = "010950110153000321DISP1\x1d10B123\x1d17281231"
	rawRecalled   = "010950110153000321REC1\x1d10R9\x1d17281231"
	rawExpired    = "010950110153000321OLD1\x1d10B1\x1d17240131"
	rawMismatch   = "010950110153000321MIS1\x1d10WRONG\x1d17281231"
	rawUnknown    = "010950110153000321NEW1\x1d10B123\x1d17281231"
	rawDamaged    = "010950110153000421BAD\x1d10B1"
	rawSSCC       = "00340123450000000017"
	rawSSCC2      = "00340123450000000025"
	rawNotPack    = "hello world"
	rawOfflineHit = "010950110153000321OFF1\x1d10B123\x1d17281231"
)

type fakeParser struct{ codes map[string]Code }

func newFakeParser() *fakeParser {
	exp := time.Date(2028, 12, 31, 0, 0, 0, 0, time.UTC)
	pack := func(serial, batch string, expiry time.Time) Code {
		return Code{Valid: true, Scheme: "gs1", GTIN: "09501101530003", Serial: serial, Batch: batch, Expiry: expiry}
	}
	return &fakeParser{codes: map[string]Code{
		rawActive:     pack("ACTIVE1", "B123", exp),
		rawDispensed:  pack("DISP1", "B123", exp),
		rawRecalled:   pack("REC1", "R9", exp),
		rawExpired:    pack("OLD1", "B1", time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)),
		rawMismatch:   pack("MIS1", "WRONG", exp),
		rawUnknown:    pack("NEW1", "B123", exp),
		rawOfflineHit: pack("OFF1", "B123", exp),
		rawDamaged: {Scheme: "gs1", GTIN: "09501101530004", Serial: "BAD", Batch: "B1",
			Problems: []Problem{{AI: "01", Code: "check-digit", Message: "AI (01): the check digit should be 3, not 4"}}},
		rawSSCC:  {Valid: true, Scheme: "gs1", SSCC: "340123450000000017"},
		rawSSCC2: {Valid: true, Scheme: "gs1", SSCC: "340123450000000025"},
	}}
}

func (p *fakeParser) Parse(raw []byte, subst byte) Code {
	raw = bytes.TrimPrefix(raw, []byte("]d2")) // a camera's read (GS1 Data Matrix)
	if subst != 0 {
		raw = bytes.ReplaceAll(raw, []byte{subst}, []byte{gsByte})
	}
	if c, ok := p.codes[string(raw)]; ok {
		return c
	}
	return Code{Scheme: "unknown", Problems: []Problem{{Code: "unknown-format", Message: "not a GS1, IFA or Chinese drug code"}}}
}

type fakeVerifier struct {
	mu          sync.Mutex
	answers     map[string]trace.Verification // by serial
	offlineOnly []bool                        // what each call asked for
	err         error
}

func newFakeVerifier() *fakeVerifier {
	active := func(serial, batch string) trace.Verification {
		return trace.Verification{GTIN: "09501101530003", Serial: serial, Status: trace.PackActive, Batch: batch,
			Expiry: "2028-12-31", Block: 1234, AsOf: testNow}
	}
	disp := active("DISP1", "B123")
	disp.Status = trace.PackDispensed
	disp.LastKind, disp.LastPlace, disp.LastTime = trace.KindDispense, "4012345000016", time.Date(2026, 11, 20, 9, 15, 0, 0, time.UTC)
	disp.Alerts = []trace.Alert{{Code: "already-dispensed", Message: "dispensed at 4012345000016 on 2026-11-20"}}
	rec := active("REC1", "R9")
	rec.Status = trace.PackRecalled
	rec.Alerts = []trace.Alert{{Code: "recalled-batch", Message: "batch R9 recalled"}}
	mis := active("MIS1", "B123")
	mis.Alerts = []trace.Alert{{Code: "batch-mismatch", Message: "scanned batch WRONG, declared B123"}}
	off := active("OFF1", "B123")
	off.Offline, off.AsOf, off.Block = true, time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC), 1200
	return &fakeVerifier{answers: map[string]trace.Verification{
		"ACTIVE1": active("ACTIVE1", "B123"), "DISP1": disp, "REC1": rec, "MIS1": mis, "OFF1": off,
		"NEW1": {GTIN: "09501101530003", Serial: "NEW1", Status: trace.PackUnknown, AsOf: testNow, Block: 1234},
	}}
}

func (v *fakeVerifier) Verify(_ context.Context, c Code, offlineOnly bool) (trace.Verification, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.offlineOnly = append(v.offlineOnly, offlineOnly)
	if v.err != nil {
		return trace.Verification{}, v.err
	}
	ans, ok := v.answers[c.Serial]
	if !ok {
		return trace.Verification{GTIN: c.GTIN, Serial: c.Serial, Status: trace.PackUnknown, AsOf: testNow}, nil
	}
	if offlineOnly {
		ans.Offline = true
	}
	return ans, nil
}

type fakeQueue struct {
	mu     sync.Mutex
	events []trace.Event
	err    error
}

func (q *fakeQueue) Enqueue(_ context.Context, evs ...trace.Event) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.err != nil {
		return q.err
	}
	// The same contract as the real queue (station.Enqueue): an event the
	// ledger would refuse for its form (trace.CheckEvent, the chaincode's
	// own check) is refused here, so no screen test passes with an event
	// the ledger would not take.
	for _, ev := range evs {
		if err := ev.Check(); err != nil {
			return err
		}
	}
	q.events = append(q.events, evs...)
	return nil
}

func (q *fakeQueue) all() []trace.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]trace.Event(nil), q.events...)
}

type fakeScans struct {
	mu   sync.Mutex
	recs []ScanRecord
}

func (s *fakeScans) RecordScan(_ context.Context, r ScanRecord) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs = append(s.recs, r)
	return nil
}

type fakeHistory struct{}

func (fakeHistory) History(_ context.Context, gtin, serial string) ([]HistoryEntry, error) {
	return []HistoryEntry{
		{Kind: trace.KindCommission, Time: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), Place: "4000001000005", TxID: "a1b2c3d4e5f60718293a4b5c"},
		{Kind: trace.KindShip, Time: time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC), Place: "4000001000005", TxID: "b2c3d4e5f60718293a4b5c6d"},
		{Kind: trace.KindReceive, Time: time.Date(2026, 3, 7, 14, 0, 0, 0, time.UTC), Place: testGLN, TxID: "c3d4e5f60718293a4b5c6d7e"},
		{Kind: trace.KindDispense, Time: testNow, Place: testGLN, Pending: true},
	}, nil
}

type fakeQueueView struct {
	counts QueueCounts
	events []QueuedEvent
}

func (f *fakeQueueView) Counts(context.Context) (QueueCounts, error) { return f.counts, nil }
func (f *fakeQueueView) Events(_ context.Context, limit int) ([]QueuedEvent, error) {
	if limit < len(f.events) {
		return f.events[:limit], nil
	}
	return f.events, nil
}

type fakeSyncer struct {
	mu    sync.Mutex
	calls int
}

func (s *fakeSyncer) SyncNow(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return nil
}

type fakeSnapshot struct {
	steps []int64 // progress reported
	info  SnapshotInfo
	err   error
}

func (f *fakeSnapshot) Download(_ context.Context, progress func(done, total int64)) (SnapshotInfo, error) {
	for _, s := range f.steps {
		progress(s, f.steps[len(f.steps)-1])
	}
	return f.info, f.err
}

func (f *fakeSnapshot) Current(context.Context) (SnapshotInfo, error) { return SnapshotInfo{}, nil }

type fakeSound struct {
	mu     sync.Mutex
	played []Sound
}

func (s *fakeSound) Play(x Sound) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.played = append(s.played, x)
}

func (s *fakeSound) last() Sound {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.played) == 0 {
		return 0
	}
	return s.played[len(s.played)-1]
}

// fixture is a UI wired to fakes in a test window.
type fixture struct {
	u      *ui
	w      fyne.Window
	queue  *fakeQueue
	ver    *fakeVerifier
	scans  *fakeScans
	sound  *fakeSound
	cancel context.CancelFunc
	calls  chan func() // widget updates from background tasks, run by settle
}

// inLanguage switches the translations to language until t ends, then back
// to English (the language is process-wide).
func inLanguage(t testing.TB, language string) {
	t.Helper()
	if err := useLanguage(language); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = useLanguage(LangEnglish) })
}

// newFixture builds the UI for role in language with every part faked.
// Pass a modify func to unwire parts.
func newFixture(t testing.TB, role, language string, modify ...func(*Config)) *fixture {
	t.Helper()
	a := test.NewTempApp(t)
	inLanguage(t, language)
	p := a.Preferences()
	p.SetString(prefRole, role)
	p.SetString(prefLocation, testGLN)
	p.SetString(prefLanguage, language)
	fx := &fixture{queue: &fakeQueue{}, ver: newFakeVerifier(), scans: &fakeScans{}, sound: &fakeSound{},
		calls: make(chan func(), 1024)}
	cfg := Config{
		Parser: newFakeParser(), Verifier: fx.ver, History: fakeHistory{}, Queue: fx.queue, Scans: fx.scans,
		QueueView: &fakeQueueView{}, Syncer: &fakeSyncer{}, Sound: fx.sound,
		Snapshot: &fakeSnapshot{steps: []int64{10, 50, 100}, info: SnapshotInfo{Block: 1300, AsOf: testNow, Packs: 10000}},
		Now:      func() time.Time { return testNow }, Location: time.UTC,
		post: func(f func()) { fx.calls <- f },
	}
	for _, m := range modify {
		m(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	fx.cancel = cancel
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1100, 760))
	fx.w = w
	fx.u = newUI(ctx, a, w, cfg)
	t.Cleanup(func() {
		cancel()
		fx.settle()
	})
	fx.settle()
	return fx
}

// settle runs the widget updates of the UI's background tasks on the test's
// goroutine (as Fyne's own goroutine would) until no task is left. Updates
// are run only after the tasks have ended (they never wait for the UI), so
// a new task started by an update never races with the wait.
func (fx *fixture) settle() {
	for {
		fx.u.tasks.Wait()
		ran := false
		for {
			select {
			case f := <-fx.calls:
				f()
				ran = true
				continue
			default:
			}
			break
		}
		if !ran {
			return
		}
	}
}

// scan types raw into the focused scan field as a wedge scanner would (GS
// as Ctrl+]) and presses Enter.
func (fx *fixture) scan(e *ScanEntry, raw string) {
	for _, r := range raw {
		if r == gsByte {
			e.TypedShortcut(ctrlBracket())
			continue
		}
		e.TypedRune(r)
	}
	e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	fx.settle()
}

func (fx *fixture) key(k fyne.KeyName) {
	fx.u.current().key(k)
	fx.settle()
}

var errOffline = errors.New("ledger unavailable")

// Command medtrace reads the codes on medicine packs, keeps every scan and
// syncs them to the traceability ledger. With no arguments it opens the
// desktop app; with a subcommand it runs headless (see `medtrace help`).
package main

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // image formats the app opens
	_ "image/jpeg" // (PNG, JPEG, GIF; WebP through x/image)
	_ "image/png"
	"io/fs"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"sync"
	"syscall"
	"time"

	_ "golang.org/x/image/webp"

	// Before Fyne's lang package initialises: no "Error parsing user
	// locale C" under C.UTF-8 (see the package doc).
	_ "github.com/medtrace/medtrace/internal/localeenv"

	"github.com/medtrace/medtrace/app"
	"github.com/medtrace/medtrace/internal/applog"
	"github.com/medtrace/medtrace/cli"
	"github.com/medtrace/medtrace/internal/packcode"
	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/camera"
	"github.com/medtrace/medtrace/scanner/dmdecode"
	"github.com/medtrace/medtrace/scanner/labels"
	"github.com/medtrace/medtrace/scanner/serialport"
	"github.com/medtrace/medtrace/scanner/wedge"
	"github.com/medtrace/medtrace/sync/outbox"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if len(os.Args) > 1 {
		os.Exit(cli.Run(ctx, os.Args[1:], cli.Stdio()))
	}
	if err := runApp(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "medtrace:", err)
		os.Exit(1)
	}
}

// runApp wires the parts of MedTrace into the desktop app and runs it.
func runApp(ctx context.Context) error {
	tuneGC(os.LookupEnv)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup // the ledger connection and sync engine
	defer wg.Wait()
	defer cancel()

	ui := app.New()
	cfg := app.Config{
		StatusFile: os.Getenv("MEDTRACE_TEST_STATUS"),
		Parser:     parser{},
		Calibrator: calibrator{},
		Images:     imageDecoder{},
		Serial:     serialListener{},
		Camera:     liveCamera{},
	}
	dir, err := cli.DataDir("", os.Getenv)
	if err != nil {
		return err
	}
	lg := applog.Open(dir, applog.Options{})
	cfg.LogPath = applog.Path(dir)
	defer lg.Close()
	lg.Info("app start", "version", cli.Version, "data", dir)
	player, err := app.NewExecPlayer(ctx, filepath.Join(dir, "sounds"))
	if err != nil {
		cfg.Notes = append(cfg.Notes, "sounds: "+err.Error())
	} else {
		cfg.Sound = player
		defer player.Wait()
	}

	profile := os.Getenv("MEDTRACE_LEDGER_PROFILE")
	if profile == "" {
		profile = filepath.Join(dir, "ledger", "connection.json")
	}
	cfg.SuggestLocation = func(role string) string {
		if p, err := ledger.LoadProfile(profile); err == nil {
			return p.GLNs[identity(role)]
		}
		return ""
	}

	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		// Never recreate a damaged database: the UI runs without it and
		// says why, so nothing is silently lost.
		cfg.Notes = append(cfg.Notes, "Local store not open, nothing can be recorded: "+err.Error())
		lg.Error("store not open", "err", err)
		return ui.Run(ctx, cfg)
	}
	// The sync engine and the ledger connection stop before the store
	// closes (deferred calls run last first: this one runs before the
	// cancel and wait above, so it does both itself).
	defer func() {
		cancel()
		wg.Wait()
		if err := st.Close(); err != nil {
			lg.Error("store close", "err", err)
		}
	}()
	// The store's own upkeep: a full integrity check and a rotating
	// backup, each at most once a day (docs/store-sync.md).
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = st.Run(ctx, store.Maintenance{Report: func(r store.MaintenanceResult) {
			if r.Err != nil {
				lg.Error("store "+r.Op, "err", r.Err)
				return
			}
			lg.Info("store "+r.Op, "backup", r.Path, "removed", len(r.Removed))
		}}) // it returns only ctx's error, when the app stops
	}()
	link := &ledgerLink{}
	s := storeAdapter{st}
	cfg.Scans, cfg.Queue, cfg.QueueView = s, s, s
	cfg.Verifier = verifier{st: st, link: link}
	cfg.History = history{st: st, link: link}
	cfg.Snapshot = snapshots{st: st, link: link}
	cfg.Syncer = syncer{st: st, link: link}
	cfg.Labels = labels.FileWriter{}
	var once sync.Once
	cfg.OnRole = func(role string) {
		once.Do(func() {
			settings := ui.Settings()
			wg.Add(1)
			go func() {
				defer wg.Done()
				connectAndSync(ctx, ledgerSource{settings: settings, profile: profile, role: role}, st, link, ui)
			}()
		})
	}
	return ui.Run(ctx, cfg)
}

// The desktop app's garbage collector settings. Go's default (GOGC=100)
// lets the heap grow to twice what is live before collecting; for a window
// that idles with about 16 MB live (most of it parsed fonts) half of that
// headroom is plenty, and it is 7 MB less resident memory (docs/gui.md,
// Performance). The soft limit makes the collector work harder only when
// the Go heap nears it, e.g. while a large photo is decoded. GOGC and
// GOMEMLIMIT in the environment still win.
const (
	appGCPercent   = 50
	appMemoryLimit = 128 << 20
)

// tuneGC applies the desktop app's garbage collector settings unless the
// environment sets them.
func tuneGC(lookup func(string) (string, bool)) {
	if _, ok := lookup("GOGC"); !ok {
		debug.SetGCPercent(appGCPercent)
	}
	if _, ok := lookup("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(appMemoryLimit)
	}
}

// identity maps the app's roles to the ledger identities of a connection
// profile.
func identity(role string) string {
	switch role {
	case app.RoleWarehouse:
		return "distributor"
	case app.RoleInspector:
		return "regulator"
	case app.RoleManufacturer:
		return "manufacturer"
	}
	return "pharmacy"
}

// ledgerSource says where the ledger connection comes from: the Settings
// screen when its endpoint is set, else the connection profile.
type ledgerSource struct {
	settings app.Settings
	profile  string
	role     string
}

func (src ledgerSource) config() (ledger.Config, string, error) {
	s := src.settings
	if s.Endpoint != "" {
		if s.TLSCA == "" || s.MSPID == "" || s.Cert == "" || s.Key == "" {
			return ledger.Config{}, "", errors.New("ledger settings incomplete: endpoint, TLS CA, MSP ID, certificate and key are all needed")
		}
		// A consortium network runs MedTrace's chaincode on its channel,
		// both named medtrace like the local network's.
		return ledger.Config{Endpoint: s.Endpoint, ServerName: s.ServerName, TLSCACertFile: s.TLSCA, MSPID: s.MSPID,
			CertFile: s.Cert, KeyFile: s.Key, Channel: "medtrace", Chaincode: "medtrace"}, s.Endpoint, nil
	}
	p, err := ledger.LoadProfile(src.profile)
	if err != nil {
		return ledger.Config{}, "", fmt.Errorf("no ledger connection: set one in Settings, or start the local network ('make run'): %w", err)
	}
	c, err := p.Config(identity(src.role))
	return c, src.profile, err
}

// connectAndSync dials the ledger and runs the sync engine until ctx ends.
func connectAndSync(ctx context.Context, src ledgerSource, st *store.Store, link *ledgerLink, ui *app.App) {
	lc, where, err := src.config()
	if err == nil {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		var c *ledger.Client
		c, err = ledger.Dial(dctx, lc)
		cancel()
		if err == nil {
			defer c.Close()
			oc := outbox.NewClient(c)
			link.set(oc, nil)
			e := outbox.New(outbox.Config{Store: st, Ledger: oc, Feed: oc, Progress: &progress{ui: ui}})
			err = e.Run(ctx)
			if ctx.Err() != nil {
				return
			}
		} else {
			err = fmt.Errorf("connect to the ledger (%s as %s): %w", where, lc.MSPID, err)
		}
	}
	link.set(nil, err)
	if ctx.Err() != nil {
		return // the app is stopping: its window may be gone, nothing to report
	}
	n, _ := st.Unsent(ctx)
	ui.ReportSync(app.SyncReport{Err: err, Pending: n})
}

// ledgerLink holds the ledger connection once it is made.
type ledgerLink struct {
	mu  sync.Mutex
	c   *outbox.Client
	err error
}

func (l *ledgerLink) set(c *outbox.Client, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.c, l.err = c, err
}

// client returns the connection, or an error saying why there is none.
func (l *ledgerLink) client() (*outbox.Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.c != nil {
		return l.c, nil
	}
	if l.err != nil {
		return nil, fmt.Errorf("%w: %v", ledger.ErrUnavailable, l.err)
	}
	return nil, fmt.Errorf("%w: not connected yet", ledger.ErrUnavailable)
}

// progress passes the sync engine's status to the app, with a progress
// count over the events pending since the queue was last empty.
type progress struct {
	ui   *app.App
	mu   sync.Mutex
	peak int
}

func (p *progress) SyncStatus(s outbox.Status) {
	p.mu.Lock()
	if s.Pending == 0 {
		p.peak = 0
	} else if s.Pending > p.peak {
		p.peak = s.Pending
	}
	r := app.SyncReport{Pending: s.Pending, LastSuccess: s.LastSuccess, Err: s.Err,
		Syncing: s.Pending > 0 && s.Err == nil, Done: p.peak - s.Pending, Total: p.peak}
	p.mu.Unlock()
	p.ui.ReportSync(r)
}

// parser adapts packcode to the app.
type parser struct{}

func (parser) Parse(raw []byte, gsSubstitute byte) app.Code {
	r := packcode.Parse(raw, packcode.Options{GSSubstitute: gsSubstitute})
	c := app.Code{Raw: raw, Valid: r.Valid, Scheme: string(r.Scheme), GTIN: r.GTIN, Serial: r.Serial,
		Batch: r.Batch, SSCC: r.SSCC, NotACode: errors.Is(r.Err(), packcode.ErrNotPackCode)}
	if r.Expiry != nil {
		c.Expiry, c.ExpiryRaw = r.Expiry.T, r.Expiry.Raw
	}
	for i, h := range r.HRI {
		if i > 0 {
			c.HRI += " "
		}
		c.HRI += h
	}
	for _, p := range r.Problems {
		if !p.Warning {
			c.Problems = append(c.Problems, app.Problem{AI: p.AI, Code: string(p.Code), Message: p.Message})
		}
	}
	return c
}

// storeAdapter serves the scan log, the event queue and the queue view from
// the local store.
type storeAdapter struct{ s *store.Store }

func (a storeAdapter) RecordScan(ctx context.Context, r app.ScanRecord) error {
	sc := store.Scan{Session: r.Session, Raw: r.Raw, Valid: r.Valid, Source: r.Source, Role: r.Role,
		Location: r.Location, Time: r.Time, Problems: []store.Problem{}}
	for _, p := range r.Problems {
		sc.Problems = append(sc.Problems, store.Problem{Code: p.Code, AI: p.AI, Message: p.Message})
	}
	_, err := a.s.RecordScan(ctx, sc)
	return err
}

// Enqueue stores all events in one durable transaction.
func (a storeAdapter) Enqueue(ctx context.Context, events ...ledger.Event) error {
	tx, err := a.s.BeginTx(ctx)
	if err != nil {
		return err
	}
	for _, ev := range events {
		if _, err := a.s.EnqueueTx(ctx, tx, ev); err != nil {
			_ = tx.Rollback() // the enqueue error is the one to report
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("queue events: %w", err)
	}
	a.s.Notify()
	return nil
}

func (a storeAdapter) Counts(ctx context.Context) (app.QueueCounts, error) {
	m, err := a.s.Counts(ctx)
	if err != nil {
		return app.QueueCounts{}, err
	}
	return app.QueueCounts{Pending: m[store.StatePending], InFlight: m[store.StateInFlight],
		Recorded: m[store.StateRecorded], Rejected: m[store.StateRejected] + m[store.StateConflict]}, nil
}

// Requeue gives rejected events back to the queue, recorded as the
// operating system user running the app, in role.
func (a storeAdapter) Requeue(ctx context.Context, role string, ids ...string) (int, error) {
	u, err := user.Current()
	if err != nil {
		return 0, fmt.Errorf("re-queue: who is re-queueing: %w", err)
	}
	done, err := a.s.Requeue(ctx, store.Actor{User: u.Username, Role: role}, ids...)
	return len(done), err
}

// Events returns the newest limit events, newest first.
func (a storeAdapter) Events(ctx context.Context, limit int) ([]app.QueuedEvent, error) {
	qs, err := a.s.Events(ctx, store.EventFilter{})
	if err != nil {
		return nil, err
	}
	if len(qs) > limit {
		qs = qs[len(qs)-limit:]
	}
	out := make([]app.QueuedEvent, 0, len(qs))
	for i := len(qs) - 1; i >= 0; i-- {
		q := qs[i]
		out = append(out, app.QueuedEvent{Event: q.Event, State: string(q.State), TxID: q.TxID, Block: q.Block,
			Reason: q.Reason, Message: q.Message, Attempts: q.Attempts})
	}
	return out, nil
}

// verifier asks the ledger with a short timeout, then the local copy.
type verifier struct {
	st   *store.Store
	link *ledgerLink
}

func (v verifier) Verify(ctx context.Context, c app.Code, offlineOnly bool) (ledger.Verification, error) {
	q := outbox.Query{GTIN: c.GTIN, Serial: c.Serial, Batch: c.Batch}
	if !c.Expiry.IsZero() {
		q.Expiry = c.Expiry.Format("2006-01-02")
	}
	ov := &outbox.Verifier{Store: v.st, Timeout: 2 * time.Second}
	if offlineOnly {
		return ov.Offline(ctx, q)
	}
	oc, linkErr := v.link.client()
	if oc != nil {
		ov.Online = oc
	}
	ans, online, err := ov.Verify(ctx, q)
	if err != nil {
		if online == nil {
			online = linkErr
		}
		if online != nil {
			return ans, fmt.Errorf("%w (the ledger did not answer either: %v)", err, online)
		}
	}
	return ans, err
}

// history lists a pack's events: the ledger's when connected, then the
// ones queued here that the ledger does not have yet.
type history struct {
	st   *store.Store
	link *ledgerLink
}

func (h history) History(ctx context.Context, gtin, serial string) ([]app.HistoryEntry, error) {
	var out []app.HistoryEntry
	var onlineErr error
	if oc, err := h.link.client(); err == nil {
		hs, err := oc.C.History(ctx, gtin, serial)
		if err != nil {
			onlineErr = err
		}
		for _, e := range hs {
			out = append(out, app.HistoryEntry{Kind: e.Kind, Time: e.EventTime, Place: e.Place, TxID: e.TxID})
		}
	} else {
		onlineErr = err
	}
	qs, err := h.st.Events(ctx, store.EventFilter{States: []store.State{store.StatePending, store.StateInFlight}})
	if err != nil {
		return out, err
	}
	for _, q := range qs {
		if q.Event.GTIN == gtin && q.Event.Serial == serial {
			out = append(out, app.HistoryEntry{Kind: q.Event.Kind, Time: q.Event.Time, Place: q.Event.Location, Pending: true})
		}
	}
	if len(out) == 0 && onlineErr != nil {
		return nil, onlineErr
	}
	return out, nil
}

// snapshots downloads the ledger's state into the local copy.
type snapshots struct {
	st   *store.Store
	link *ledgerLink
}

func (s snapshots) Download(ctx context.Context, progress func(done, total int64)) (app.SnapshotInfo, error) {
	oc, err := s.link.client()
	if err != nil {
		return app.SnapshotInfo{}, err
	}
	if _, err := outbox.Snapshot(ctx, s.st, oc, func(done, total int) { progress(int64(done), int64(total)) }); err != nil {
		return app.SnapshotInfo{}, err
	}
	return s.Current(ctx)
}

func (s snapshots) Current(ctx context.Context) (app.SnapshotInfo, error) {
	stamp, err := s.st.Stamp(ctx)
	if errors.Is(err, store.ErrNoCopy) {
		return app.SnapshotInfo{}, nil
	}
	if err != nil {
		return app.SnapshotInfo{}, err
	}
	packs, _, err := s.st.CopySize(ctx)
	return app.SnapshotInfo{Block: stamp.Block, AsOf: stamp.AsOf, Packs: packs}, err
}

// syncer wakes the sync engine.
type syncer struct {
	st   *store.Store
	link *ledgerLink
}

func (s syncer) SyncNow(context.Context) error {
	if _, err := s.link.client(); err != nil {
		return err
	}
	s.st.Notify()
	return nil
}

// calibrator runs the wedge assembler over the keys of a calibration scan.
type calibrator struct{}

func (calibrator) TestCode() string { return wedge.CalibrationElementString }

func (calibrator) Calibrate(keys []app.KeyStroke) []app.CalibrationFinding {
	cfg := wedge.DefaultConfig()
	a := wedge.NewAssembler(cfg)
	var res wedge.Result
	done := false
	for _, k := range keys {
		wk := wedge.Key{Kind: wedge.KeyRune, Rune: k.Rune, Time: k.Time}
		switch {
		case k.GS:
			wk.Kind = wedge.KeyGS
		case k.Enter:
			wk.Kind = wedge.KeyEnter
		case k.Tab:
			wk.Kind = wedge.KeyTab
		}
		if r, ok := a.Feed(wk); ok {
			res, done = r, true
		}
	}
	if !done && len(keys) > 0 {
		res, done = a.Idle(keys[len(keys)-1].Time.Add(time.Hour))
	}
	if !done {
		res = wedge.Result{} // nothing arrived
	}
	rep := wedge.Calibrate(res, cfg)
	out := make([]app.CalibrationFinding, 0, len(rep.Findings))
	for _, f := range rep.Findings {
		out = append(out, calibrationFinding(f))
	}
	return out
}

// calibrationFinding passes a finding on with the values its advice names,
// by the placeholder names of the app's translations.
func calibrationFinding(f wedge.Finding) app.CalibrationFinding {
	ms := func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) }
	quote := func(s string) string {
		if s == "" {
			return "" // past the end: the app words it
		}
		return strconv.Quote(s)
	}
	p := map[string]string{}
	switch f.Fault {
	case wedge.FaultGSSubstituted:
		p["Substitute"] = strconv.QuoteRune(f.Substitute)
	case wedge.FaultNoTerminator:
		p["Wait"] = ms(f.Wait)
	case wedge.FaultTooSlow:
		p["Gap"], p["MaxGap"], p["Suggested"] = ms(f.Gap), ms(f.MaxGap), ms(f.SuggestedGap)
	case wedge.FaultUnrecognised:
		p["Position"], p["Expected"], p["Got"] = strconv.Itoa(f.Position), quote(f.Expected), quote(f.Got)
	}
	return app.CalibrationFinding{Fault: f.Fault.String(), Advice: f.Advice, Params: p}
}

// imageDecoder reads every Data Matrix in an image file. The file goes
// through scanner.LoadImage: one that declares more pixels than the
// default limits (a decompression bomb) is refused before it is decoded.
type imageDecoder struct{}

func (imageDecoder) DecodeFile(ctx context.Context, path string) ([][]byte, error) {
	img, _, err := scanner.LoadImage(ctx, path, scanner.ImageLimits{})
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", path, err)
	}
	reads, err := dmdecode.New(dmdecode.Options{All: true}).Decode(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([][]byte, 0, len(reads))
	for _, r := range reads {
		out = append(out, r.WithAIM()) // "]d2..." tells the parser GS1 from plain data
	}
	return out, nil
}

// serialListener reads a serial scanner until ctx ends.
type serialListener struct{}

func (serialListener) Listen(ctx context.Context, port string, baud int, emit func(raw []byte)) error {
	s, err := serialport.Open(ctx, port, serialport.Config{Baud: baud})
	if err != nil {
		return err
	}
	defer s.Close()
	// A frame cut for length is still handed on: the parser reports what
	// is wrong with it, and the store keeps it.
	return s.Run(ctx, func(r scanner.Read, _ error) { emit(r.WithAIM()) })
}

// liveCamera streams a V4L2 camera through the frame pipeline and the Data
// Matrix decoder, for the app's camera preview.
type liveCamera struct{}

func (liveCamera) Stream(ctx context.Context, device string, w, h int,
	onFrame func(image.Image, []image.Rectangle), onRead func([]byte)) error {
	if _, err := os.Stat(device); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s", app.ErrNoCamera, device)
	}
	d, err := camera.OpenDevice(ctx, device, w, h)
	if err != nil {
		return err
	}
	defer d.Close()
	// Live frames: the locator and one more strategy within 60 ms; the
	// next frame is a better second chance than a slow pass (as `medtrace
	// scan --camera`).
	dec := dmdecode.New(dmdecode.Options{All: true, Budget: 60 * time.Millisecond, Strategies: 1})
	return camera.NewPipeline(d, dec, 0).RunFrames(ctx, func(f camera.Frame, reads []scanner.Read) {
		boxes := make([]image.Rectangle, 0, len(reads))
		for _, r := range reads {
			boxes = append(boxes, r.Bounds())
		}
		onFrame(f.Image, boxes)
	}, func(r scanner.Read) { onRead(r.WithAIM()) })
}

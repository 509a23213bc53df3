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
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	_ "golang.org/x/image/webp"

	"github.com/medtrace/medtrace/app"
	"github.com/medtrace/medtrace/internal/cli"
	"github.com/medtrace/medtrace/internal/packcode"
	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/dmdecode"
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
	ui := app.New()
	cfg := app.Config{
		StatusFile: os.Getenv("MEDTRACE_TEST_STATUS"),
		Parser:     parser{},
		Calibrator: calibrator{},
		Images:     imageDecoder{},
		Serial:     serialListener{},
	}

	dir, err := cli.DataDir("", os.Getenv)
	if err != nil {
		return err
	}
	player, err := app.NewExecPlayer(ctx, filepath.Join(dir, "sounds"))
	if err != nil {
		cfg.Notes = append(cfg.Notes, "sounds: "+err.Error())
	} else {
		cfg.Sound = player
		defer player.Wait()
	}

	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		// Never recreate a damaged database: the UI runs without it and
		// says why, so nothing is silently lost.
		cfg.Notes = append(cfg.Notes, "local store: "+err.Error())
	} else {
		defer st.Close()
		s := storeAdapter{st}
		cfg.Scans, cfg.Queue, cfg.QueueView = s, s, s
		cfg.Verifier = verifier{&outbox.Verifier{Store: st, Timeout: 2 * time.Second}}
	}
	cfg.Notes = append(cfg.Notes, "Ledger: not connected in this build (no ledger client is wired yet). "+
		"Events stay queued in the local store; verdicts come from the local copy of the ledger, marked offline.")
	return ui.Run(ctx, cfg)
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
type verifier struct{ v *outbox.Verifier }

func (v verifier) Verify(ctx context.Context, c app.Code, offlineOnly bool) (ledger.Verification, error) {
	q := outbox.Query{GTIN: c.GTIN, Serial: c.Serial, Batch: c.Batch}
	if !c.Expiry.IsZero() {
		q.Expiry = c.Expiry.Format("2006-01-02")
	}
	if offlineOnly {
		return v.v.Offline(ctx, q)
	}
	ans, _, err := v.v.Verify(ctx, q)
	return ans, err
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
		return []app.CalibrationFinding{{Fault: "no-scan", Advice: "nothing arrived: scan the test code into the field"}}
	}
	rep := wedge.Calibrate(res, cfg)
	var out []app.CalibrationFinding
	for _, f := range rep.Findings {
		out = append(out, app.CalibrationFinding{Fault: f.Fault.String(), Advice: f.Advice})
	}
	return out
}

// imageDecoder reads every Data Matrix in an image file.
type imageDecoder struct{}

func (imageDecoder) DecodeFile(ctx context.Context, path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", path, err)
	}
	reads, err := dmdecode.New(dmdecode.Options{All: true}).Decode(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([][]byte, 0, len(reads))
	for _, r := range reads {
		out = append(out, withAIM(r))
	}
	return out, nil
}

// withAIM puts the symbology identifier back in front of the data, so the
// parser knows GS1 data from plain text.
func withAIM(r scanner.Read) []byte {
	return append([]byte(r.Symbology), r.Data...)
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
	return s.Run(ctx, func(r scanner.Read, _ error) { emit(withAIM(r)) })
}

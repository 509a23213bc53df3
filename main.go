// Command medtrace reads the codes on medicine packs, keeps every scan and
// syncs them to the traceability ledger. With no arguments it opens the
// desktop app; with a subcommand it runs headless (see `medtrace help`).
// It only wires: the desktop app (app) and the commands (cli) are adapters
// over the workstation's application layer (station).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	// Before Fyne's lang package initialises: no "Error parsing user
	// locale C" under C.UTF-8 (see the package doc).
	_ "github.com/medtrace/medtrace/internal/localeenv"

	"github.com/medtrace/medtrace/app"
	"github.com/medtrace/medtrace/cli"
	"github.com/medtrace/medtrace/internal/applog"
	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/scanner/intake"
	"github.com/medtrace/medtrace/scanner/labels"
	"github.com/medtrace/medtrace/station"
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
	app.TuneGC(os.LookupEnv)
	dir, err := cli.DataDir("", os.Getenv)
	if err != nil {
		return err
	}
	lg := applog.Open(dir, applog.Options{})
	defer func() { _ = lg.Close() }() // the log closes last: nowhere is left to report its failure
	lg.Info("app start", "version", cli.Version, "data", dir)
	profile := station.ProfilePath(dir, os.Getenv)
	ui := app.New()
	cfg := app.Config{StatusFile: os.Getenv("MEDTRACE_TEST_STATUS"), LogPath: applog.Path(dir),
		Parser: station.Parser{}, Calibrator: intake.Calibrator{}, Images: intake.Images{}, Serial: intake.Serial{},
		Camera: intake.Camera{}, Labels: labels.FileWriter{}, SoundDir: filepath.Join(dir, "sounds"),
		SuggestLocation: func(role string) string { return station.SuggestLocation(profile, role) }}
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		// Never recreate a damaged database: the UI runs without it and
		// says why, so nothing is silently lost.
		cfg.Notes = append(cfg.Notes, "Local store not open, nothing can be recorded: "+err.Error())
		lg.Error("store not open", "err", err)
		return ui.Run(ctx, cfg)
	}
	ctx, cancel := context.WithCancel(ctx) // sync, ledger and upkeep stop before the store closes
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		if err := st.Close(); err != nil {
			lg.Error("store close", "err", err)
		}
	}()
	ws := station.New(st, station.Options{})
	wg.Go(func() { ws.Upkeep(ctx, lg.Logger) })
	cfg.Use(ws)
	var once sync.Once
	cfg.OnRole = func(role string) { // the first role chosen connects, as that role's identity
		once.Do(func() {
			ws.SetIdentity(station.Identity(role)) // signs what this desk queues
			src := station.Source{Manual: ui.Settings().Ledger(), Profile: profile, Identity: ws.Identity()}
			wg.Go(func() { _ = ws.Run(ctx, src, ui.ReportSync) })
		})
	}
	return ui.Run(ctx, cfg)
}

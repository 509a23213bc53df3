// Command medtrace reads the codes on medicine packs, keeps every scan and
// syncs them to the traceability ledger. With no arguments it opens the
// desktop app; with a subcommand it runs headless (see `medtrace help`).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/medtrace/medtrace/app"
	"github.com/medtrace/medtrace/internal/cli"
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
	cfg := app.Config{StatusFile: os.Getenv("MEDTRACE_TEST_STATUS")}

	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	player, err := app.NewExecPlayer(ctx, filepath.Join(cache, "medtrace", "sounds"))
	if err != nil {
		cfg.Notes = append(cfg.Notes, "sounds: "+err.Error())
	} else {
		cfg.Sound = player
		defer player.Wait()
	}

	cfg.Notes = append(cfg.Notes,
		"Not connected in this build: the pack-code parser, the local store and sync engine, and the ledger client.")
	return ui.Run(ctx, cfg)
}

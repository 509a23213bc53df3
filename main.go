// Command medtrace reads the codes on medicine packs, keeps every scan and
// syncs them to the traceability ledger. With no arguments it opens the
// desktop app; with a subcommand it runs headless (see `medtrace help`).
package main

import (
	"context"
	"os"
	"os/signal"
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
	app.Run(ctx, app.Config{})
}

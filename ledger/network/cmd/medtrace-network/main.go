// Command medtrace-network starts, stops and inspects MedTrace's local
// ledger network: `medtrace-network up|down|status [flags]`. It is the part
// of `medtrace ledger` that needs neither the app nor the ledger client, so
// `make test` can run it without building the desktop app.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/medtrace/medtrace/ledger/network"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	code := network.Command(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

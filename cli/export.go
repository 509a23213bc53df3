package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/trace"
)

const exportUsage = `Usage: medtrace export --epcis FILE [--state STATE] [--data DIR]

Writes the local events as one EPCIS 2.0 JSON-LD document, for trading
partners and regulators. Packs and cases are named by GS1 Digital Link URIs
(https://id.gs1.org/01/GTIN/21/SERIAL, /00/SSCC), places by their GLN
(https://id.gs1.org/414/GLN). FILE "-" writes to standard output.

Exit status: 0 done, 2 usage error, 3 the database or the file failed.
`

// runExport implements "medtrace export".
func runExport(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	df := newDataFlags(sio.Getenv)
	df.register(fs, false)
	file := fs.String("epcis", "", "the EPCIS 2.0 JSON file to write")
	state := fs.String("state", "", "only events in this sync state (e.g. recorded)")
	fs.Usage = func() { fmt.Fprint(sio.Stderr, exportUsage); fs.PrintDefaults() }
	if exit, ok := parseFlags(fs, args, sio, false); !ok {
		return exit
	}
	if fs.NArg() != 0 || *file == "" {
		fmt.Fprintln(sio.Stderr, "medtrace export: want --epcis FILE and no other arguments")
		return ExitUsage
	}
	var filter store.EventFilter
	if *state != "" {
		st, err := store.ParseState(*state)
		if err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace export: --state: %v\n", err)
			return ExitUsage
		}
		filter.States = []store.State{st}
	}
	s, err := df.openStore(ctx, sio)
	if err != nil {
		return printStoreErr(sio, "export", err)
	}
	defer closeLogged(sio, "store", s)
	evs, err := s.Events(ctx, filter)
	if err != nil {
		return printStoreErr(sio, "export", err)
	}
	events := make([]trace.Event, 0, len(evs))
	for _, e := range evs {
		events = append(events, e.Event)
	}
	doc, err := trace.EPCISDocument(events, time.Now())
	if err != nil {
		return printStoreErr(sio, "export", err)
	}
	doc = append(doc, '\n')
	if *file == "-" {
		if _, err := sio.Stdout.Write(doc); err != nil {
			return printStoreErr(sio, "export", err)
		}
		return ExitOK
	}
	if err := writeFileAtomic(*file, doc); err != nil {
		return printStoreErr(sio, "export", err)
	}
	fmt.Fprintf(sio.Stdout, "wrote %d events to %s\n", len(events), *file)
	return ExitOK
}

// writeFileAtomic writes data to a temporary file beside path, syncs it and
// renames it into place, so a failure never leaves half a document.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".export-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp) // best effort; the write error is the one to report
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
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
	var df dataFlags
	df.register(fs, false)
	file := fs.String("epcis", "", "the EPCIS 2.0 JSON file to write")
	state := fs.String("state", "", "only events in this sync state (e.g. recorded)")
	fs.Usage = func() { fmt.Fprint(sio.Stderr, exportUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
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
	defer s.Close()
	evs, err := s.Events(ctx, filter)
	if err != nil {
		return printStoreErr(sio, "export", err)
	}
	events := make([]ledger.Event, 0, len(evs))
	for _, e := range evs {
		events = append(events, e.Event)
	}
	doc, err := json.MarshalIndent(EPCISDocument(events, time.Now()), "", "  ")
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
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// EPCISDocument maps MedTrace events to an EPCIS 2.0 document.
func EPCISDocument(events []ledger.Event, created time.Time) map[string]any {
	list := make([]map[string]any, 0, len(events))
	for _, ev := range events {
		list = append(list, epcisEvent(ev))
	}
	return map[string]any{
		"@context":      []any{"https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"},
		"type":          "EPCISDocument",
		"schemaVersion": "2.0",
		"creationDate":  created.UTC().Format(time.RFC3339),
		"epcisBody":     map[string]any{"eventList": list},
	}
}

// epcisStep is the EPCIS action, CBV business step and disposition of a kind.
func epcisStep(k ledger.Kind) (action, bizStep, disposition string) {
	switch k {
	case ledger.KindCommission:
		return "ADD", "commissioning", "active"
	case ledger.KindPack:
		return "ADD", "packing", "container_closed"
	case ledger.KindUnpack:
		return "DELETE", "unpacking", "container_open"
	case ledger.KindShip:
		return "OBSERVE", "shipping", "in_transit"
	case ledger.KindReceive:
		return "OBSERVE", "receiving", "in_progress"
	case ledger.KindDispense:
		return "OBSERVE", "dispensing", "dispensed"
	case ledger.KindUndoDispense:
		return "OBSERVE", "receiving", "returned"
	case ledger.KindDestroy:
		return "DELETE", "destroying", "destroyed"
	case ledger.KindStolen:
		return "OBSERVE", "other", "stolen"
	case ledger.KindRecall:
		return "OBSERVE", "holding", "recalled"
	case ledger.KindSample:
		return "OBSERVE", "sampling", "sellable_not_accessible"
	case ledger.KindExport:
		return "OBSERVE", "departing", "in_transit"
	case ledger.KindInspect:
		return "OBSERVE", "inspecting", "conformant"
	}
	return "OBSERVE", "other", "unknown"
}

const dl = "https://id.gs1.org"

func sgtin(gtin, serial string) string {
	return dl + "/01/" + gtin + "/21/" + url.PathEscape(serial)
}

func glnURI(gln string) string { return dl + "/414/" + gln }

// epcisEvent maps one event.
func epcisEvent(ev ledger.Event) map[string]any {
	action, step, disp := epcisStep(ev.Kind)
	if ev.Kind == ledger.KindInspect && ev.Conformant != nil && !*ev.Conformant {
		disp = "non_conformant"
	}
	t := ev.Time.UTC()
	e := map[string]any{
		"eventID":             "urn:uuid:" + ev.ID,
		"eventTime":           t.Format(time.RFC3339Nano),
		"eventTimeZoneOffset": "+00:00",
		"action":              action,
		"bizStep":             step,
		"disposition":         disp,
	}
	if ev.Location != "" {
		e["readPoint"] = map[string]any{"id": glnURI(ev.Location)}
		e["bizLocation"] = map[string]any{"id": glnURI(ev.Location)}
	}
	if ev.Counterparty != "" {
		switch ev.Kind {
		case ledger.KindShip, ledger.KindExport:
			e["destinationList"] = []any{map[string]any{"type": "owning_party", "destination": glnURI(ev.Counterparty)}}
		case ledger.KindReceive:
			e["sourceList"] = []any{map[string]any{"type": "owning_party", "source": glnURI(ev.Counterparty)}}
		}
	}
	switch {
	case ev.Kind == ledger.KindPack || ev.Kind == ledger.KindUnpack:
		e["type"] = "AggregationEvent"
		e["parentID"] = dl + "/00/" + ev.SSCC
		children := []any{}
		for _, c := range ev.Children {
			children = append(children, childURI(c))
		}
		e["childEPCs"] = children
	case ev.Kind == ledger.KindRecall || (ev.Serial == "" && ev.SSCC == "" && ev.Batch != ""):
		e["type"] = "ObjectEvent"
		e["epcList"] = []any{}
		e["quantityList"] = []any{map[string]any{"epcClass": dl + "/01/" + ev.GTIN + "/10/" + url.PathEscape(ev.Batch)}}
	default:
		e["type"] = "ObjectEvent"
		var epc string
		if ev.SSCC != "" && ev.Serial == "" {
			epc = dl + "/00/" + ev.SSCC
		} else {
			epc = sgtin(ev.GTIN, ev.Serial)
		}
		e["epcList"] = []any{epc}
	}
	if ev.Kind == ledger.KindCommission && (ev.Batch != "" || ev.Expiry != "") {
		ilmd := map[string]any{}
		if ev.Batch != "" {
			ilmd["cbvmda:lotNumber"] = ev.Batch
		}
		if ev.Expiry != "" {
			ilmd["cbvmda:itemExpirationDate"] = ev.Expiry
		}
		e["ilmd"] = ilmd
	}
	return e
}

// childURI names a packed child: an SSCC (18 digits) or a pack given as
// "GTIN/SERIAL" or a Digital Link already.
func childURI(c string) string {
	if len(c) > 8 && c[:8] == "https://" {
		return c
	}
	if len(c) == 18 {
		return dl + "/00/" + c
	}
	for i := 0; i < len(c); i++ {
		if c[i] == '/' {
			return sgtin(c[:i], c[i+1:])
		}
	}
	return dl + "/01/" + c
}

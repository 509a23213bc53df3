package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
)

const queueUsage = `Usage:
  medtrace queue add --event KIND --code CODE [--location GLN] [--counterparty GLN] [--session S]
  medtrace queue list [--json] [--state STATE]

add   keeps the scan of CODE and queues a KIND event for the ledger; it returns
      only once both are safely on disk. An invalid code is kept as a scan but
      queues nothing (exit 1). The same pack twice in one session is flagged.
list  shows the queued events and their sync state (pending, inflight,
      recorded, rejected, conflict).

KIND is one of: %s.
Exit status: 0 done, 1 invalid code, 2 usage error, 3 the database failed.
`

// runQueue implements "medtrace queue".
func runQueue(ctx context.Context, sio IO, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		printQueueUsage(sio)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	switch args[0] {
	case "add":
		return runQueueAdd(ctx, sio, args[1:])
	case "list":
		return runQueueList(ctx, sio, args[1:])
	}
	fmt.Fprintf(sio.Stderr, "medtrace queue: unknown subcommand %q (want add or list)\n", args[0])
	return ExitUsage
}

func printQueueUsage(sio IO) {
	var names []string
	for _, k := range kinds() {
		names = append(names, string(k))
	}
	fmt.Fprintf(sio.Stderr, queueUsage, strings.Join(names, ", "))
}

func runQueueAdd(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("queue add", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	var df dataFlags
	df.register(fs, false)
	kind := fs.String("event", "", "the event KIND")
	code := fs.String("code", "", "the pack's code as scanned or typed (\\xHH escapes allowed, \\x1d is GS)")
	location := fs.String("location", "", "the GLN where it happens")
	counterparty := fs.String("counterparty", "", "the other party's GLN (ship to, receive from)")
	session := fs.String("session", "cli", "the working session; the same pack twice in it is flagged")
	note := fs.String("note", "", "a note kept with the event")
	fs.Usage = func() { printQueueUsage(sio); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(sio.Stderr, "medtrace queue add: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	k := ledger.Kind(*kind)
	if !slices.Contains(kinds(), k) {
		fmt.Fprintf(sio.Stderr, "medtrace queue add: --event %q is not an event kind (see 'medtrace queue -h')\n", *kind)
		return ExitUsage
	}
	if *code == "" {
		fmt.Fprintln(sio.Stderr, "medtrace queue add: --code is required")
		return ExitUsage
	}
	for name, gln := range map[string]string{"--location": *location, "--counterparty": *counterparty} {
		if gln != "" && !validGLN(gln) {
			fmt.Fprintf(sio.Stderr, "medtrace queue add: %s %q is not a GLN (13 digits with a valid check digit)\n", name, gln)
			return ExitUsage
		}
	}
	raw, res, err := parseCode(*code)
	if err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace queue add: %v\n", err)
		return ExitUsage
	}
	s, err := df.openStore(ctx, sio)
	if err != nil {
		return printStoreErr(sio, "queue add", err)
	}
	defer s.Close()
	sc := scanOf(raw, res, "cli")
	sc.Session, sc.Location = *session, *location
	if !res.Valid {
		r, err := s.RecordScan(ctx, sc)
		if err != nil {
			return printStoreErr(sio, "queue add", err)
		}
		fmt.Fprintf(sio.Stderr, "medtrace queue add: the code is not valid; scan %d kept, nothing queued:\n", r.ID)
		for _, p := range res.Problems {
			fmt.Fprintf(sio.Stderr, "  %s\n", p.Error())
		}
		return ExitInvalid
	}
	ev := ledger.Event{Kind: k, Location: *location, Counterparty: *counterparty, GTIN: res.GTIN, Serial: res.Serial,
		Batch: res.Batch, SSCC: res.SSCC, Note: *note}
	if res.Expiry != nil {
		ev.Expiry = res.Expiry.String()
	}
	if msg := missingFor(ev); msg != "" {
		r, err := s.RecordScan(ctx, sc)
		if err != nil {
			return printStoreErr(sio, "queue add", err)
		}
		fmt.Fprintf(sio.Stderr, "medtrace queue add: %s; scan %d kept, nothing queued\n", msg, r.ID)
		return ExitInvalid
	}
	r, ev, err := s.Capture(ctx, sc, ev)
	if err != nil {
		return printStoreErr(sio, "queue add", err)
	}
	fmt.Fprintf(sio.Stdout, "queued %s %s (scan %d), safely on disk\n", ev.Kind, ev.ID, r.ID)
	if r.DuplicateOf != 0 {
		fmt.Fprintf(sio.Stdout, "warning: this pack was already scanned in session %q (scan %d); both scans are kept\n", *session, r.DuplicateOf)
	}
	if r.ClockBehind > 0 {
		fmt.Fprintf(sio.Stdout, "warning: this computer's clock is %s behind the newest scan; check the date and time\n", r.ClockBehind.Round(time.Second))
	}
	return ExitOK
}

// missingFor says what an event of its kind lacks, "" if nothing.
func missingFor(ev ledger.Event) string {
	switch ev.Kind {
	case ledger.KindRecall:
		if ev.GTIN == "" || ev.Batch == "" {
			return "a recall needs a code with a GTIN and a batch"
		}
	case ledger.KindPack, ledger.KindUnpack:
		if ev.SSCC == "" {
			return "packing and unpacking need an SSCC code"
		}
	case ledger.KindShip, ledger.KindReceive:
		if ev.SSCC == "" && (ev.GTIN == "" || ev.Serial == "") {
			return "shipping and receiving need a pack's GTIN and serial or an SSCC"
		}
	default:
		if ev.GTIN == "" || ev.Serial == "" {
			return fmt.Sprintf("a %s event needs a code with a GTIN and a serial number", ev.Kind)
		}
	}
	return ""
}

// validGLN checks 13 digits with a GS1 mod-10 check digit.
func validGLN(s string) bool {
	return len(s) == 13 && gs1.CheckDigitOK(s)
}

// queueItem is one line of "queue list --json".
type queueItem struct {
	Seq      int64        `json:"seq"`
	State    store.State  `json:"state"`
	Attempts int          `json:"attempts"`
	TxID     string       `json:"txId,omitempty"`
	Block    uint64       `json:"block,omitempty"`
	Reason   string       `json:"reason,omitempty"`
	Message  string       `json:"message,omitempty"`
	Queued   time.Time    `json:"queued"`
	Event    ledger.Event `json:"event"`
}

func runQueueList(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("queue list", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	var df dataFlags
	df.register(fs, false)
	jsonOut := fs.Bool("json", false, "print a JSON array")
	state := fs.String("state", "", "only events in this state (pending, inflight, recorded, rejected, conflict)")
	fs.Usage = func() { printQueueUsage(sio); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(sio.Stderr, "medtrace queue list: unexpected argument %q\n", fs.Arg(0))
		return ExitUsage
	}
	var filter store.EventFilter
	if *state != "" {
		st, err := store.ParseState(*state)
		if err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace queue list: --state: %v\n", err)
			return ExitUsage
		}
		filter.States = []store.State{st}
	}
	s, err := df.openStore(ctx, sio)
	if err != nil {
		return printStoreErr(sio, "queue list", err)
	}
	defer s.Close()
	evs, err := s.Events(ctx, filter)
	if err != nil {
		return printStoreErr(sio, "queue list", err)
	}
	if *jsonOut {
		items := make([]queueItem, 0, len(evs))
		for _, e := range evs {
			items = append(items, queueItem{Seq: e.Seq, State: e.State, Attempts: e.Attempts, TxID: e.TxID, Block: e.Block,
				Reason: e.Reason, Message: e.Message, Queued: e.CreatedAt, Event: e.Event})
		}
		enc := json.NewEncoder(sio.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(items); err != nil {
			return printStoreErr(sio, "queue list", err)
		}
		return ExitOK
	}
	tw := tabwriter.NewWriter(sio.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SEQ\tSTATE\tKIND\tPACK\tTIME\tID\tDETAIL")
	for _, e := range evs {
		pack := e.Event.GTIN + " " + e.Event.Serial
		if e.Event.SSCC != "" {
			pack = "SSCC " + e.Event.SSCC
		} else if e.Event.Serial == "" {
			pack = e.Event.GTIN + " batch " + e.Event.Batch
		}
		detail := ""
		switch e.State {
		case store.StateRecorded:
			detail = fmt.Sprintf("block %d tx %s", e.Block, e.TxID)
		case store.StateRejected, store.StateConflict:
			detail = strings.TrimSpace(e.Reason + ": " + e.Message)
		default:
			if e.Attempts > 0 {
				detail = fmt.Sprintf("%d attempts; %s", e.Attempts, e.Message)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.State, e.Event.Kind, pack,
			e.Event.Time.Local().Format("2006-01-02 15:04:05"), e.Event.ID, detail)
	}
	tw.Flush()
	counts, err := s.Counts(ctx)
	if err != nil {
		return printStoreErr(sio, "queue list", err)
	}
	fmt.Fprintf(sio.Stdout, "%d pending, %d in flight, %d recorded, %d rejected, %d conflict\n",
		counts[store.StatePending], counts[store.StateInFlight], counts[store.StateRecorded], counts[store.StateRejected], counts[store.StateConflict])
	return ExitOK
}

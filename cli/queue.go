package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os/user"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/trace"
)

const queueUsage = `Usage:
  medtrace queue add --event KIND --code CODE [--batch B] [--expiry YYYY-MM-DD] [--link CODE] [--child CODE ...]
                    [--location GLN] [--counterparty GLN] [--session S]
  medtrace queue list [--json] [--state STATE]
  medtrace queue requeue [--role ROLE] (--all | ID...)

add   keeps the scan of CODE and queues a KIND event for the ledger; it returns
      only once both are safely on disk. An invalid code is kept as a scan but
      queues nothing (exit 1). The same pack twice in one session is flagged.
      pack and unpack take the case or pallet's SSCC as --code and each
      child (a pack or a case) as --child, in any form a scanner or a person
      gives it: element string, bracketed (01)...(21)..., Digital Link,
      GTIN/serial, (00)SSCC or 18 digits, or China's 20-digit drug code.
      unpack without --child opens all.
      A China drug code carries no batch or expiry: a commission of one
      names them with --batch and --expiry. A pack that carries both a GS1
      code and a China drug code is commissioned once, under one of them,
      with --link naming the other: the ledger then knows it under both. A GS1 code's own batch and
      expiry are used; --batch and --expiry fill in what it lacks and may
      not contradict it (exit 2). recall takes the batch of the code's
      product (GTIN or China product identifier) from the code or --batch;
      withdraw-recall likewise, with why in --note (the brand owner or the
      regulator withdraws a recall; the batch's packs are as before it).
      An event the ledger would refuse for its form is not queued (exit 1).
list  shows the queued events and their sync state (pending, inflight,
      recorded, rejected, conflict); a pending event shows why it is not on
      the ledger yet, a re-queued one who re-queued it and its old rejection.
requeue  gives events the ledger rejected back to the queue (by event ID or
      SEQ, or --all), once their cause is fixed; it records the operating
      system user, the role and the time, and keeps the rejection on record.
      The sync engine sends them again. Nothing changes if any ID is unknown
      or not rejected (exit 2).

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
	case "requeue":
		return runQueueRequeue(ctx, sio, args[1:])
	}
	fmt.Fprintf(sio.Stderr, "medtrace queue: unknown subcommand %q (want add, list or requeue)\n", args[0])
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
	df := newDataFlags(sio.Getenv)
	df.register(fs, false)
	df.registerRole(fs) // the identity that must sign the event
	kind := fs.String("event", "", "the event KIND")
	code := fs.String("code", "", "the pack's code as scanned or typed (\\xHH escapes allowed, \\x1d is GS)")
	location := fs.String("location", "", "the GLN where it happens")
	counterparty := fs.String("counterparty", "", "the other party's GLN (ship to, receive from)")
	session := fs.String("session", "cli", "the working session; the same pack twice in it is flagged")
	note := fs.String("note", "", "a note kept with the event")
	batch := fs.String("batch", "", "the batch, when the code does not carry it (a China drug code's commission, a recall)")
	expiry := fs.String("expiry", "", "the expiry date YYYY-MM-DD, when the code does not carry it (a China drug code's commission)")
	link := fs.String("link", "", "commission only: the pack's other code (its China drug code on a GS1 pack, or the reverse): one pack, both names")
	var children childFlags
	fs.Var(&children, "child", "a child of the SSCC packed or unpacked (repeat for each)")
	fs.Usage = func() { printQueueUsage(sio); fs.PrintDefaults() }
	if exit, ok := parseFlags(fs, args, sio, true); !ok {
		return exit
	}
	k := trace.Kind(*kind)
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
	if *expiry != "" {
		if err := trace.CheckExpiry(*expiry); err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace queue add: --expiry: %v\n", err)
			return ExitUsage
		}
	}
	if *batch != "" {
		if err := trace.CheckBatch(*batch); err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace queue add: --batch: %v\n", err)
			return ExitUsage
		}
	}
	raw, res, err := parseCode(*code)
	if err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace queue add: %v\n", err)
		return ExitUsage
	}
	gtin, serial, cn := packOfCode(res)
	codeExpiry := ""
	if res.Expiry != nil {
		codeExpiry = res.Expiry.String()
	}
	evBatch, err := mergeField("--batch", res.Batch, *batch)
	if err == nil {
		codeExpiry, err = mergeField("--expiry", codeExpiry, *expiry)
	}
	if err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace queue add: %v\n", err)
		return ExitUsage
	}
	if cn != "" && k == trace.KindCommission && (evBatch == "" || codeExpiry == "") {
		fmt.Fprintln(sio.Stderr, "medtrace queue add: a China drug code carries no batch or expiry: a commission names them with --batch and --expiry")
		return ExitUsage
	}
	if cn != "" && (k == trace.KindRecall || k == trace.KindWithdrawRecall) {
		serial = "" // a recall and its withdrawal name the code's product and a batch
	}
	ws, done, _, err := df.openStation(ctx, sio, false, station.Options{})
	if err != nil {
		return printStoreErr(sio, "queue add", err)
	}
	defer done()
	scan := station.ScanRecord{Code: station.Parse(raw, 0), Session: *session, Source: "cli", Location: *location, Time: time.Now()}
	// keepScan keeps the scan alone, says why nothing was queued (and what
	// is wrong in detail, a line each), and returns ExitInvalid.
	keepScan := func(why string, detail ...string) int {
		r, err := ws.Capture(ctx, scan)
		if err != nil {
			return printStoreErr(sio, "queue add", err)
		}
		fmt.Fprintf(sio.Stderr, "medtrace queue add: %s; scan %d kept, nothing queued", why, r.ScanID)
		if len(detail) > 0 {
			fmt.Fprint(sio.Stderr, ":")
		}
		fmt.Fprintln(sio.Stderr)
		for _, d := range detail {
			fmt.Fprintf(sio.Stderr, "  %s\n", d)
		}
		return ExitInvalid
	}
	if !res.Valid {
		var lines []string
		for _, p := range res.Problems {
			lines = append(lines, p.Error())
		}
		return keepScan("the code is not valid", lines...)
	}
	ev := trace.Event{Kind: k, Location: *location, Counterparty: *counterparty, GTIN: gtin, Serial: serial,
		Batch: evBatch, Expiry: codeExpiry, SSCC: res.SSCC, Note: *note, Time: scan.Time.UTC()}
	if *link != "" {
		if k != trace.KindCommission {
			fmt.Fprintf(sio.Stderr, "medtrace queue add: --link is for commission events, not %s\n", k)
			return ExitUsage
		}
		c, err := childOf(*link)
		if err != nil || c.IsUnit() {
			fmt.Fprintf(sio.Stderr, "medtrace queue add: --link %q is not a pack's code (a China drug code or a GS1 pack code): %v\n", *link, err)
			return ExitUsage
		}
		ev.Link = c.Ref()
	}
	if len(children) > 0 && k != trace.KindPack && k != trace.KindUnpack {
		fmt.Fprintf(sio.Stderr, "medtrace queue add: --child is for pack and unpack events, not %s\n", k)
		return ExitUsage
	}
	if msg := missingFor(ev); msg != "" {
		return keepScan(msg)
	}
	for _, c := range children {
		ch, err := childOf(c)
		if err != nil {
			return keepScan(err.Error())
		}
		ev.Children = append(ev.Children, ch.Ref())
	}
	r, err := ws.Capture(ctx, scan, ev)
	if bad := (*trace.BadEventError)(nil); errors.As(err, &bad) { // the ledger would refuse it: Capture kept the scan alone
		fmt.Fprintf(sio.Stderr, "medtrace queue add: %s; scan %d kept, nothing queued\n", bad.Reason.Message, r.ScanID)
		return ExitInvalid
	}
	if err != nil {
		return printStoreErr(sio, "queue add", err)
	}
	ev = r.Events[0]
	fmt.Fprintf(sio.Stdout, "queued %s %s (scan %d), safely on disk\n", ev.Kind, ev.ID, r.ScanID)
	if r.DuplicateOf != 0 {
		fmt.Fprintf(sio.Stdout, "warning: this pack was already scanned in session %q (scan %d); both scans are kept\n", *session, r.DuplicateOf)
	}
	if r.ClockBehind > 0 {
		fmt.Fprintf(sio.Stdout, "warning: this computer's clock is %s behind the newest scan; check the date and time\n", r.ClockBehind.Round(time.Second))
	}
	return ExitOK
}

// childFlags collects the repeated --child flag.
type childFlags []string

func (c *childFlags) String() string     { return strings.Join(*c, " ") }
func (c *childFlags) Set(v string) error { *c = append(*c, v); return nil }

// childOf reads a child of a case or pallet, in any form the parser reads,
// as the trace core's canonical child.
func childOf(code string) (trace.Child, error) {
	if c, err := trace.ParseChildRef(code); err == nil { // GTIN/serial, 18 or 20 digits
		return c, nil
	}
	_, res, err := parseCode(code)
	if err != nil {
		return trace.Child{}, fmt.Errorf("child %q: %w", code, err)
	}
	if !res.Valid {
		msg := "not a valid code"
		if len(res.Problems) > 0 {
			msg = res.Problems[0].Error()
		}
		return trace.Child{}, fmt.Errorf("child %q: %s", code, msg)
	}
	var c trace.Child
	gtin, serial, _ := packOfCode(res)
	switch {
	case gtin != "" && serial != "":
		c = trace.PackChild(gtin, serial)
	case res.SSCC != "" && res.GTIN == "":
		c = trace.UnitChild(res.SSCC)
	default:
		return trace.Child{}, fmt.Errorf("child %q names neither a pack (GTIN and serial, or a China drug code) nor a case or pallet (SSCC)", code)
	}
	if err := c.Check(); err != nil {
		return trace.Child{}, fmt.Errorf("child %q: %w", code, err)
	}
	return c, nil
}

// missingFor says what an event of its kind lacks, "" if nothing.
func missingFor(ev trace.Event) string {
	switch ev.Kind {
	case trace.KindRecall, trace.KindWithdrawRecall:
		if ev.GTIN == "" || ev.Batch == "" {
			return fmt.Sprintf("a %s needs a code with a GTIN (or a China drug code) and a batch (from the code or --batch)", ev.Kind)
		}
	case trace.KindPack, trace.KindUnpack:
		if ev.SSCC == "" {
			return "packing and unpacking need an SSCC code"
		}
	case trace.KindShip, trace.KindReceive:
		if ev.SSCC == "" && (ev.GTIN == "" || ev.Serial == "") {
			return "shipping and receiving need a pack's GTIN and serial, a China drug code or an SSCC"
		}
	default:
		if ev.GTIN == "" || ev.Serial == "" {
			return fmt.Sprintf("a %s event needs a code with a GTIN and a serial number, or a China drug code", ev.Kind)
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
	Seq      int64       `json:"seq"`
	State    store.State `json:"state"`
	Attempts int         `json:"attempts"`
	TxID     string      `json:"txId,omitempty"`
	Block    uint64      `json:"block,omitempty"`
	Reason   string      `json:"reason,omitempty"`
	Message  string      `json:"message,omitempty"`
	Queued   time.Time   `json:"queued"`
	// NotBefore is when a pending event is sent again at the earliest.
	NotBefore *time.Time   `json:"notBefore,omitempty"`
	Requeued  *requeueItem `json:"requeued,omitempty"`
	Event     trace.Event  `json:"event"`
}

// requeueItem is the latest re-queue of an event, in "queue list --json".
type requeueItem struct {
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Role    string    `json:"role,omitempty"`
	Reason  string    `json:"reason,omitempty"`  // the rejection's reason code
	Message string    `json:"message,omitempty"` // the rejection's sentence
	TxID    string    `json:"txId,omitempty"`
	Block   uint64    `json:"block,omitempty"`
}

func runQueueList(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("queue list", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	df := newDataFlags(sio.Getenv)
	df.register(fs, false)
	jsonOut := fs.Bool("json", false, "print a JSON array")
	state := fs.String("state", "", "only events in this state (pending, inflight, recorded, rejected, conflict)")
	fs.Usage = func() { printQueueUsage(sio); fs.PrintDefaults() }
	if exit, ok := parseFlags(fs, args, sio, true); !ok {
		return exit
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
	defer closeLogged(sio, "store", s)
	evs, err := s.Events(ctx, filter)
	if err != nil {
		return printStoreErr(sio, "queue list", err)
	}
	if *jsonOut {
		items := make([]queueItem, 0, len(evs))
		for _, e := range evs {
			it := queueItem{Seq: e.Seq, State: e.State, Attempts: e.Attempts, TxID: e.TxID, Block: e.Block,
				Reason: e.Reason, Message: e.Message, Queued: e.CreatedAt, Event: e.Event}
			if !e.NotBefore.IsZero() {
				nb := e.NotBefore
				it.NotBefore = &nb
			}
			if r := e.Requeued; r != nil {
				it.Requeued = &requeueItem{At: r.At, By: r.By, Role: r.Role, Reason: r.Reason, Message: r.Message, TxID: r.TxID, Block: r.Block}
			}
			items = append(items, it)
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
		if cn, ok := trace.CNCodeOf(e.Event.GTIN, e.Event.Serial); ok {
			pack = "CN " + cn
		}
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
				detail = fmt.Sprintf("%d attempts", e.Attempts)
				if e.Message != "" {
					detail += "; last error: " + oneLine(e.Message)
				}
				if !e.NotBefore.IsZero() {
					detail += "; next try after " + e.NotBefore.Local().Format("15:04:05")
				}
			}
		}
		if r := e.Requeued; r != nil {
			by := r.By
			if r.Role != "" {
				by += " (" + r.Role + ")"
			}
			detail = strings.TrimPrefix(detail+fmt.Sprintf("; re-queued by %s at %s, was rejected: %s",
				by, r.At.Local().Format("2006-01-02 15:04:05"), strings.TrimSpace(r.Reason+": "+r.Message)), "; ")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.Seq, e.State, e.Event.Kind, pack,
			e.Event.Time.Local().Format("2006-01-02 15:04:05"), e.Event.ID, detail)
	}
	if err := tw.Flush(); err != nil {
		return printStoreErr(sio, "queue list", fmt.Errorf("write the list: %w", err))
	}
	counts, err := s.Counts(ctx)
	if err != nil {
		return printStoreErr(sio, "queue list", err)
	}
	fmt.Fprintf(sio.Stdout, "%d pending, %d in flight, %d recorded, %d rejected, %d conflict\n",
		counts[store.StatePending], counts[store.StateInFlight], counts[store.StateRecorded], counts[store.StateRejected], counts[store.StateConflict])
	if n := counts[store.StateRejected]; n > 0 {
		fmt.Fprintf(sio.Stdout, "%d rejected events need attention: fix the cause, then 'medtrace queue requeue --all' (or by ID)\n", n)
	}
	return ExitOK
}

// oneLine joins a multi-line message (the gateway's error details) for a
// table cell.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// osUser names the operating system user running this process.
func osUser(getenv func(string) string) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	for _, k := range []string{"USER", "USERNAME", "LOGNAME"} {
		if v := getenv(k); v != "" {
			return v
		}
	}
	return ""
}

func runQueueRequeue(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("queue requeue", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	df := newDataFlags(sio.Getenv)
	df.register(fs, false)
	all := fs.Bool("all", false, "re-queue every rejected event")
	role := fs.String("role", "", "the role you work as, kept in the record (manufacturer, distributor, pharmacy, regulator)")
	fs.Usage = func() { printQueueUsage(sio); fs.PrintDefaults() }
	if exit, ok := parseFlags(fs, args, sio, false); !ok {
		return exit
	}
	refs := fs.Args()
	switch {
	case *all && len(refs) > 0:
		fmt.Fprintln(sio.Stderr, "medtrace queue requeue: give --all or IDs, not both")
		return ExitUsage
	case !*all && len(refs) == 0:
		fmt.Fprintln(sio.Stderr, "medtrace queue requeue: give the IDs (or SEQ numbers) of rejected events, or --all")
		return ExitUsage
	}
	who := osUser(sio.Getenv)
	if who == "" {
		fmt.Fprintln(sio.Stderr, "medtrace queue requeue: cannot tell which operating system user you are (set USER)")
		return ExitUsage
	}
	s, err := df.openStore(ctx, sio)
	if err != nil {
		return printStoreErr(sio, "queue requeue", err)
	}
	defer func() { _ = s.Close() }() // the re-queue committed durably, or failed and said so
	done, err := s.Requeue(ctx, store.Actor{User: who, Role: *role}, refs...)
	var nr *store.NotRejectedError
	if errors.Is(err, store.ErrNoSuchEvent) || errors.As(err, &nr) {
		fmt.Fprintf(sio.Stderr, "medtrace queue requeue: %v; nothing re-queued\n", err)
		return ExitUsage
	}
	if err != nil {
		return printStoreErr(sio, "queue requeue", err)
	}
	for _, r := range done {
		fmt.Fprintf(sio.Stdout, "re-queued %s (was rejected: %s)\n", r.EventID, strings.TrimSpace(r.Reason+": "+r.Message))
	}
	fmt.Fprintf(sio.Stdout, "%d events re-queued by %s; 'medtrace sync' sends them\n", len(done), who)
	return ExitOK
}

package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/trace"
)

// config is what one growth run does.
type config struct {
	state     string        // the network's state folder
	fabricBin string        // Fabric's binaries, for the snapshot request
	packs     int           // stop after this many packs
	duration  time.Duration // or after this long
	batch     int           // events per transaction
	inFlight  int           // transactions in flight
	window    int           // packs per row
	snapshot  bool          // snapshot at the end
	out       string        // TSV copy of the rows, if set
}

// Limits that keep one run bounded.
const (
	maxBatch    = 1000
	maxInFlight = 256
	maxErrors   = 20 // failed transactions tolerated before the run stops
)

// errUsage marks a configuration the run refuses.
var errUsage = errors.New("bad configuration")

func (c config) check() error {
	switch {
	case c.state == "":
		return fmt.Errorf("%w: no state folder (--state or MEDTRACE_LEDGER_STATE)", errUsage)
	case c.packs <= 0:
		return fmt.Errorf("%w: --packs must be positive", errUsage)
	case c.duration <= 0:
		return fmt.Errorf("%w: --duration must be positive", errUsage)
	case c.batch <= 0 || c.batch > maxBatch:
		return fmt.Errorf("%w: --batch must be 1 to %d", errUsage, maxBatch)
	case c.inFlight <= 0 || c.inFlight > maxInFlight:
		return fmt.Errorf("%w: --inflight must be 1 to %d", errUsage, maxInFlight)
	case c.window < c.batch:
		return fmt.Errorf("%w: --window must be at least --batch", errUsage)
	case c.snapshot && c.fabricBin == "":
		return fmt.Errorf("%w: the snapshot needs Fabric's binaries (--fabric-bin or MEDTRACE_FABRIC_BIN), or --snapshot=false", errUsage)
	}
	return nil
}

// products is how many GTINs the packs are spread over; a transaction's
// packs share one GTIN and one lot, as a packaging line commissions them.
const products = 1000

// lotPacks is how many packs one lot has.
const lotPacks = 10_000

// serialAlphabet is what random serials are made of (GS1 AI 21 allows more;
// EU FMD and DSCSA want serials that cannot be guessed, hence random).
const serialAlphabet = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// serialLen is the random serials' length: 34^12 is about 6e18, so the
// packs of a run never share a serial by chance.
const serialLen = 12

// randomSerial returns a fresh random serial.
func randomSerial() string {
	b := make([]byte, serialLen)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	for i := range b {
		b[i] = serialAlphabet[int(b[i])%len(serialAlphabet)]
	}
	return string(b)
}

// source makes the commissioning batches of one run.
type source struct {
	gtins []string
	gln   string
	run   string // tells this run's lots from earlier runs'
}

func newSource(p *ledger.Profile) (*source, error) {
	prefixes := p.CompanyPrefixes["manufacturer"]
	var prefix string
	for _, pf := range prefixes {
		if pf != "" && strings.IndexFunc(pf, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
			prefix = pf
			break
		}
	}
	if prefix == "" || len(prefix) > 9 {
		return nil, fmt.Errorf("the profile names no numeric GS1 company prefix of 9 digits or fewer for the manufacturer (has %q)", prefixes)
	}
	gln := p.GLNs["manufacturer"]
	if gln == "" {
		return nil, errors.New("the profile names no manufacturer GLN")
	}
	s := &source{gln: gln, run: randomSerial()[:4]}
	digits := 12 - len(prefix)
	for i := range products {
		s.gtins = append(s.gtins, gs1.AppendCheckDigit("0"+prefix+fmt.Sprintf("%0*d", digits, i)))
	}
	return s, nil
}

// batch is transaction number n's events: n events of one GTIN and lot,
// random serials, content IDs as MedTrace sends them.
func (s *source) batch(n, size int, now time.Time) []trace.Event {
	first := n * size
	gtin := s.gtins[(first/lotPacks)%len(s.gtins)]
	lot := fmt.Sprintf("G%s%06d", s.run, first/lotPacks)
	evs := make([]trace.Event, size)
	for i := range evs {
		evs[i] = trace.Event{Kind: trace.KindCommission, Time: now.Add(-time.Second), Location: s.gln,
			GTIN: gtin, Serial: randomSerial(), Batch: lot, Expiry: "2031-12-31"}.WithContentID()
	}
	return evs
}

// outcome is one transaction's end.
type outcome struct {
	events int
	err    error
}

// grow commissions packs on the network of c.state until c.packs or
// c.duration, printing a row per window and, if asked, the snapshot.
func grow(ctx context.Context, c config, stdout io.Writer) error {
	// The peer CLI resolves relative paths from its configuration folder.
	for _, p := range []*string{&c.state, &c.fabricBin} {
		if *p == "" {
			continue
		}
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = abs
	}
	p, err := ledger.LoadProfile(filepath.Join(c.state, "connection.json"))
	if err != nil {
		return err
	}
	if err := ledger.ConfigureProfile(ctx, filepath.Join(c.state, "connection.json")); err != nil {
		return err
	}
	client, err := p.DialRole(ctx, "manufacturer")
	if err != nil {
		return err
	}
	// Every transaction has ended when grow returns: closing loses nothing.
	defer func() { _ = client.Close() }()
	src, err := newSource(p)
	if err != nil {
		return err
	}
	out := []io.Writer{stdout}
	if c.out != "" {
		f, err := os.Create(c.out)
		if err != nil {
			return fmt.Errorf("rows file: %w", err)
		}
		defer func() { _ = f.Close() }() // written line by line; a failed write was reported then
		out = append(out, f)
	}
	w := io.MultiWriter(out...)
	m := newMeter(c.state)

	// Issuing stops at the deadline or the count; transactions in flight
	// then finish with ctx, so every counted event was committed.
	issue, stopIssue := context.WithTimeout(ctx, c.duration)
	defer stopIssue()
	total := (c.packs + c.batch - 1) / c.batch
	next := make(chan int)
	done := make(chan outcome, c.inFlight)
	var wg sync.WaitGroup
	for range c.inFlight {
		wg.Add(1)
		go func() { // owned: wg.Wait below
			defer wg.Done()
			for n := range next {
				done <- submit(ctx, client, src.batch(n, c.batch, time.Now()))
			}
		}()
	}
	go func() { // owned: closes next when issuing ends; the workers' range ends with it
		defer close(next)
		for n := range total {
			select {
			case next <- n:
			case <-issue.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(done) }() // owned: ends when every worker has

	if _, err := fmt.Fprintln(w, header); err != nil {
		return err
	}
	row := m.start(time.Now())
	committed, failures := 0, 0
	var firstErr error
	for o := range done {
		if o.err != nil {
			failures++
			if firstErr == nil {
				firstErr = o.err
			}
			if failures > maxErrors {
				stopIssue()
			}
			continue
		}
		committed += o.events
		if committed/c.window > (committed-o.events)/c.window {
			if _, err := fmt.Fprintln(w, m.row(time.Now(), committed, &row)); err != nil {
				return err
			}
		}
	}
	if committed%c.window != 0 {
		if _, err := fmt.Fprintln(w, m.row(time.Now(), committed, &row)); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintf(w, "# %d packs committed, %d failed transactions, %.0f events/s over the run\n",
		committed, failures, float64(committed)/time.Since(m.t0).Seconds()); err != nil {
		return err
	}
	if failures > maxErrors {
		return fmt.Errorf("%d transactions failed, the first: %w", failures, firstErr)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if c.snapshot {
		snap, err := takeSnapshot(ctx, c.state, c.fabricBin)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintf(w, "# snapshot at block %d: %s, %.1f MB (%d bytes) in %s\n",
			snap.block, snap.dir, float64(snap.bytes)/1e6, snap.bytes, snap.took.Round(time.Millisecond)); err != nil {
			return err
		}
	}
	if firstErr != nil {
		_, err := fmt.Fprintf(w, "# first failure: %v\n", firstErr)
		return err
	}
	return nil
}

// submit records evs and says how many the ledger accepted; a rejected
// event is an error (the packs are new: nothing should be refused).
func submit(ctx context.Context, c *ledger.Client, evs []trace.Event) outcome {
	res, err := c.Submit(ctx, evs)
	if err != nil {
		return outcome{err: err}
	}
	for _, r := range res.Results {
		if r.Status != trace.StatusAccepted && r.Status != trace.StatusDuplicate {
			return outcome{err: fmt.Errorf("event %s: %s %s", r.EventID, r.Status, r.Reason)}
		}
	}
	return outcome{events: len(evs)}
}

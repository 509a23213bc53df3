package station

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// What the desks keep and read beyond capture and verification: an
// inspector's findings (kept across restarts), the contents of cases and
// pallets, the consortium's members, the recall orders of the local copy,
// and the alerts this station saw (refused events, packs that must not be
// handed out).

// ErrUnitsOffline is wrapped by UnitContents when neither the ledger nor
// the local copy can answer for a case or pallet (no copy yet, or a unit
// too large to check from it).
var ErrUnitsOffline = errors.New("the contents of the case or pallet cannot be checked from the local copy")

// Finding is one item an inspector checked, with the result, as the store
// keeps it.
type Finding = store.Finding

// SaveFinding stores f durably and returns it with its ID.
func (s *Station) SaveFinding(ctx context.Context, f Finding) (Finding, error) {
	return s.store.SaveFinding(ctx, f)
}

// Findings lists the stored findings, oldest first, the newest limit of
// them.
func (s *Station) Findings(ctx context.Context, limit int) ([]Finding, error) {
	return s.store.Findings(ctx, limit)
}

// UnitContents is what a case or pallet holds, with where the answer came
// from: the ledger, or the local copy as of a block.
type UnitContents struct {
	trace.Contents
	Offline bool      // answered from the local copy
	AsOf    time.Time // when the answer was true (offline: the copy's time)
	Block   uint64    // offline: the copy's last block; 0 online
	// Online is why the ledger did not answer when the local copy did (nil
	// when the ledger answered or was not asked).
	Online error
}

// UnitContents answers what a case or pallet holds, each child with its
// status: the ledger's answer when it gives one within the station's
// verify timeout, else (when it cannot be reached or does not answer in
// time) the local copy's (Offline, as of its block), each pack judged by
// the same rule the ledger runs. A refusal by the ledger (say, a unit
// outside the reader's scope) is returned as is. With offlineOnly it asks
// the local copy only. When the copy cannot answer either the error wraps
// ErrUnitsOffline, the copy's reason (store.ErrNoCopy,
// store.ErrUnitTooLarge) and the ledger's failure.
func (s *Station) UnitContents(ctx context.Context, sscc string, offlineOnly bool) (UnitContents, error) {
	var online error
	if !offlineOnly {
		oc, err := s.link.client()
		if err == nil {
			octx, cancel := context.WithTimeout(ctx, s.verifyTimeout)
			var c trace.Contents
			c, err = oc.Contents(octx, sscc)
			cancel()
			if err == nil {
				return UnitContents{Contents: c, AsOf: s.now()}, nil
			}
			if ctx.Err() != nil {
				return UnitContents{}, fmt.Errorf("%w: %w", err, ctx.Err())
			}
		}
		if !outbox.IsOffline(err) {
			return UnitContents{}, err // the ledger answered with a refusal: the copy must not hide it
		}
		online = err
	}
	lu, err := s.store.LookupUnit(ctx, sscc)
	if err != nil {
		if online != nil {
			return UnitContents{Online: online}, fmt.Errorf("%w: %w (the ledger did not answer either: %w)", ErrUnitsOffline, err, online)
		}
		return UnitContents{}, fmt.Errorf("%w: %w", ErrUnitsOffline, err)
	}
	return UnitContents{Contents: outbox.JudgeUnit(lu, s.now()), Offline: true, AsOf: lu.Stamp.AsOf, Block: lu.Stamp.Block, Online: online}, nil
}

// Member is one organisation of the consortium as the ledger's
// configuration names it.
type Member struct {
	MSP         string   // the organisation's MSP ID
	Role        string   // "manufacturer", "distributor", "pharmacy" or "regulator"
	Prefixes    []string // GS1 company prefixes it owns
	ChinaCodes  []string // China drug-code product identifiers it owns (7 digits)
	GLNs        []string // locations where its events may happen
	AnyLocation bool     // no GLN restriction
}

// Members reads the consortium's members from the ledger's configuration,
// sorted by MSP ID. It needs the ledger.
func (s *Station) Members(ctx context.Context) ([]Member, error) {
	oc, err := s.link.client()
	if err != nil {
		return nil, err
	}
	cfg, err := oc.C.LedgerConfig(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(cfg.Orgs))
	for msp, o := range cfg.Orgs {
		m := Member{MSP: msp, Role: o.Role, GLNs: slices.Clone(o.GLNs), AnyLocation: len(o.GLNs) == 0}
		for _, p := range o.Prefixes {
			if cn, ok := strings.CutPrefix(p, trace.CNProductPrefix); ok {
				m.ChinaCodes = append(m.ChinaCodes, cn)
			} else {
				m.Prefixes = append(m.Prefixes, p)
			}
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Member) int { return strings.Compare(a.MSP, b.MSP) })
	return out, nil
}

// RecallOrder is one recalled batch.
type RecallOrder struct {
	GTIN   string
	Batch  string
	Reason string
	Time   time.Time
	Block  uint64
}

// recallsShown bounds the recall list.
const recallsShown = 1000

// Recalls lists the recalled batches in the local copy, newest first.
func (s *Station) Recalls(ctx context.Context) ([]RecallOrder, error) {
	rs, err := s.store.Recalls(ctx, recallsShown)
	if err != nil {
		return nil, err
	}
	out := make([]RecallOrder, len(rs))
	for i, r := range rs {
		out[i] = RecallOrder{GTIN: r.GTIN, Batch: r.Batch, Reason: r.Reason, Time: r.Time, Block: r.Block}
	}
	return out, nil
}

// AlertRecord is one alert this station saw.
type AlertRecord struct {
	ID      int64
	Time    time.Time
	Kind    string // the desk's grouping: "double-dispense", "unknown-serial", ...
	Code    string // the ledger's reason code (trace/reasons.go)
	Message string // the ledger's sentence
	Source  string // "refusal" (an event the ledger refused) or "scan" (a verdict)
	EventID string // the refused event, "" for a scan
	Event   trace.Kind
	GTIN    string
	Serial  string
	Batch   string
	SSCC    string
	Place   string // GLN where it was seen
	By      string // the MSP that reported it, for an alert read from the ledger (SourceLedger)
}

// AlertFilter selects alerts.
type AlertFilter struct {
	Kinds []string  // none: every kind
	Since time.Time // zero: from the start
	Text  string    // a GTIN, serial, batch, SSCC or GLN the alert names ("" for any)
	Limit int       // at most this many (0: 1000)
}

// RecordAlert keeps a in the store; an alert for an event already kept is
// not kept twice (added is false). The alert of an event refused with a
// reason that signals a clone, a theft or a diversion is also queued, in
// the same transaction, for the ledger's alert list (ledgerReport), and
// sent while the station syncs (SendAlertReports).
func (s *Station) RecordAlert(ctx context.Context, a AlertRecord) (added bool, err error) {
	r := ledgerReport(a)
	added, err = s.store.RecordAlertReported(ctx, store.Alert{Time: a.Time, Kind: a.Kind, Code: a.Code, Message: a.Message, Source: a.Source,
		EventID: a.EventID, EventKind: a.Event, GTIN: a.GTIN, Serial: a.Serial, Batch: a.Batch, SSCC: a.SSCC, Place: a.Place}, r)
	if err == nil && r != nil {
		s.wakeAlerts()
	}
	return added, err
}

// Alerts lists the alerts f selects, newest first.
func (s *Station) Alerts(ctx context.Context, f AlertFilter) ([]AlertRecord, error) {
	as, err := s.store.Alerts(ctx, store.AlertFilter(f))
	if err != nil {
		return nil, err
	}
	out := make([]AlertRecord, len(as))
	for i, a := range as {
		out[i] = AlertRecord{ID: a.ID, Time: a.Time, Kind: a.Kind, Code: a.Code, Message: a.Message, Source: a.Source,
			EventID: a.EventID, Event: a.EventKind, GTIN: a.GTIN, Serial: a.Serial, Batch: a.Batch, SSCC: a.SSCC, Place: a.Place}
	}
	return out, nil
}

// Refused lists the events the ledger refused (rejected or in conflict),
// newest first, at most limit: the clone alerts the desks raise.
func (s *Station) Refused(ctx context.Context, limit int) ([]QueuedEvent, error) {
	qs, err := s.store.Events(ctx, store.EventFilter{States: []store.State{store.StateRejected, store.StateConflict},
		Limit: max(limit, 1), Newest: true})
	if err != nil {
		return nil, err
	}
	out := make([]QueuedEvent, 0, len(qs))
	for i := len(qs) - 1; i >= 0; i-- { // the store lists them in capture order
		q := qs[i]
		out = append(out, QueuedEvent{Event: q.Event, State: string(q.State), TxID: q.TxID, Block: q.Block,
			Reason: q.Reason, Message: q.Message, Attempts: q.Attempts})
	}
	return out, nil
}

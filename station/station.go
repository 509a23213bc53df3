package station

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/medtrace/medtrace/internal/store"
)

// Station is one workstation's application layer over its local store and,
// once connected, the ledger.
type Station struct {
	store *store.Store
	link  link
	mu    sync.Mutex
	id    string // the identity that signs what the station queues
	now   func() time.Time
	// verifyTimeout bounds how long Verify waits for the ledger before it
	// answers from the local copy.
	verifyTimeout time.Duration
	dialTimeout   time.Duration // bounds Connect
	alertWake     chan struct{} // wakes the alert sender (alertreports.go)
}

// Options tune a Station; the zero value is the desktop app's.
type Options struct {
	// VerifyTimeout bounds how long Verify waits for the ledger before it
	// answers from the local copy (default 2 s: a pharmacist is waiting).
	VerifyTimeout time.Duration
	// Identity names the connection profile identity that must sign every
	// event the station queues (e.g. "pharmacy"); the sync engine sends
	// only those, as that identity, and holds others with the reason. ""
	// until SetIdentity.
	Identity string
	// DialTimeout bounds how long Connect waits for the ledger (default
	// 10 s).
	DialTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns a station over an open store. The caller keeps the store and
// closes it after every Run of the station has returned.
func New(st *store.Store, o Options) *Station {
	s := &Station{store: st, now: o.Now, verifyTimeout: o.VerifyTimeout, dialTimeout: o.DialTimeout, id: o.Identity,
		alertWake: make(chan struct{}, 1)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.verifyTimeout <= 0 {
		s.verifyTimeout = 2 * time.Second
	}
	if s.dialTimeout <= 0 {
		s.dialTimeout = 10 * time.Second
	}
	return s
}

// SetIdentity names the identity that signs what the station queues from
// now on (a desk's is Identity(role)); events queued before keep theirs.
func (s *Station) SetIdentity(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.id = name
}

// Identity is the identity that signs what the station queues.
func (s *Station) Identity() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id
}

// Store returns the station's local store.
func (s *Station) Store() *store.Store { return s.store }

// Upkeep runs the store's own upkeep until ctx ends: a full integrity
// check and a rotating backup, each at most once a day
// (docs/store-sync.md), each outcome logged to log.
func (s *Station) Upkeep(ctx context.Context, log *slog.Logger) {
	_ = s.store.Run(ctx, store.Maintenance{Report: func(r store.MaintenanceResult) {
		if r.Err != nil {
			log.Error("store "+r.Op, "err", r.Err)
			return
		}
		log.Info("store "+r.Op, "backup", r.Path, "removed", len(r.Removed))
	}}) // it returns only ctx's error, when the station stops
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// mustClose closes c and fails the test if that fails.
func mustClose(tb testing.TB, c io.Closer) {
	tb.Helper()
	if err := c.Close(); err != nil {
		tb.Error(err)
	}
}

// must stops the test at once on an error.
func must(tb testing.TB, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatal(err)
	}
}

func openTest(t testing.TB, opt Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "data"), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() }) // a test may have closed it already
	return s
}

func TestOpenPermissionsAndPragmas(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	for _, c := range []struct {
		name string
		path string
		want os.FileMode
	}{{"folder", s.Dir(), 0o700}, {"database", s.Path(), 0o600}} {
		t.Run(c.name, func(t *testing.T) {
			st, err := os.Stat(c.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != c.want {
				t.Errorf("mode %v, want %v", got, c.want)
			}
		})
	}
	// No connection maps the file: an I/O error on a mapped page would be
	// a SIGBUS, not an error (TestReadErrorIsAnError).
	for name, db := range map[string]interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}{"reader": s.r, "writer": s.w} {
		var mmap int64
		if err := db.QueryRowContext(ctx, "PRAGMA mmap_size").Scan(&mmap); err != nil || mmap != 0 {
			t.Errorf("%s's mmap_size %d (%v), want 0", name, mmap, err)
		}
	}
	for _, c := range []struct{ pragma, want string }{
		{"journal_mode", "wal"}, {"synchronous", "2"}, {"foreign_keys", "1"}, {"user_version", fmt.Sprint(SchemaVersion())},
	} {
		t.Run(c.pragma, func(t *testing.T) {
			var got string
			if err := s.w.QueryRowContext(ctx, "PRAGMA "+c.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("PRAGMA %s = %s, want %s", c.pragma, got, c.want)
			}
		})
	}
}

// TestMigrateFromEveryVersion builds a database at each earlier schema
// version, puts data in it, and opens it with the current code.
func TestMigrateFromEveryVersion(t *testing.T) {
	ctx := context.Background()
	for v := 0; v < SchemaVersion(); v++ {
		t.Run(fmt.Sprintf("from-v%d", v), func(t *testing.T) {
			dir := t.TempDir()
			old, err := open(ctx, dir, Options{}, v)
			if err != nil {
				t.Fatal(err)
			}
			if v >= 1 {
				if _, err := old.w.ExecContext(ctx, `INSERT INTO events (id, kind, body, created_at, updated_at)
					VALUES ('0190a000-0000-7000-8000-000000000001', 'pack', '{"id":"0190a000-0000-7000-8000-000000000001","kind":"pack","time":"2026-01-02T03:04:05Z","gtin":"09506000134352","serial":"S1","sscc":"106141411234567897","children":["09506000134352/A","09506000134352/B"]}', 1, 1)`); err != nil {
					t.Fatal(err)
				}
				if _, err := old.w.ExecContext(ctx, `INSERT INTO scans (session, raw, valid, scanned_at) VALUES ('s', x'41', 1, 5)`); err != nil {
					t.Fatal(err)
				}
			}
			mustClose(t, old)
			s, err := Open(ctx, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer mustClose(t, s)
			var got int
			must(t, s.w.QueryRowContext(ctx, "PRAGMA user_version").Scan(&got))
			if got != SchemaVersion() {
				t.Fatalf("version %d, want %d", got, SchemaVersion())
			}
			evs, err := s.Events(ctx, EventFilter{})
			if err != nil {
				t.Fatal(err)
			}
			scans, err := s.Scans(ctx, ScanFilter{})
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if v >= 1 {
				want = 1
			}
			if len(evs) != want || len(scans) != want {
				t.Fatalf("after migration: %d events, %d scans, want %d each", len(evs), len(scans), want)
			}
			if v >= 1 && v < 4 { // migration 4 computes the keys; a v4 row has its own
				var keys string
				must(t, s.r.QueryRowContext(ctx, `SELECT keys FROM events`).Scan(&keys))
				if keys != "09506000134352/S1 106141411234567897 09506000134352/A 09506000134352/B" {
					t.Errorf("keys after migration %q", keys)
				}
			}
			// The migrated database works end to end.
			if _, _, err := s.Capture(ctx, Scan{Session: "s", Raw: []byte("x"), GTIN: "1", Serial: "2"}, trace.Event{Kind: trace.KindReceive}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTooNew(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	mustClose(t, s)
	_, err = Open(ctx, dir, Options{})
	var de *DBError
	if !errors.Is(err, ErrTooNew) || !errors.As(err, &de) || de.Path != filepath.Join(dir, FileName) {
		t.Fatalf("got %v, want ErrTooNew naming the file", err)
	}
}

func TestRecordScanFlagsDuplicates(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	steps := []struct {
		name    string
		scan    Scan
		dupOfNo int // 1-based index of the earlier step, 0 none
	}{
		{"first pack", Scan{Session: "a", Raw: []byte("p1"), Valid: true, GTIN: "09506000134352", Serial: "S1"}, 0},
		{"other pack", Scan{Session: "a", Raw: []byte("p2"), Valid: true, GTIN: "09506000134352", Serial: "S2"}, 0},
		{"same pack again", Scan{Session: "a", Raw: []byte("p1"), Valid: true, GTIN: "09506000134352", Serial: "S1"}, 1},
		{"same pack other session", Scan{Session: "b", Raw: []byte("p1"), Valid: true, GTIN: "09506000134352", Serial: "S1"}, 0},
		{"invalid code kept", Scan{Session: "a", Raw: []byte{0xff, 0x1d}, Problems: []Problem{{Code: "check-digit", AI: "01", Message: "bad"}}}, 0},
		{"invalid code twice kept", Scan{Session: "a", Raw: []byte{0xff, 0x1d}}, 0},
		{"sscc", Scan{Session: "a", Raw: []byte("c"), Valid: true, SSCC: "106141411234567897"}, 0},
		{"sscc again", Scan{Session: "a", Raw: []byte("c"), Valid: true, SSCC: "106141411234567897"}, 7},
	}
	ids := make([]int64, len(steps))
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			res, err := s.RecordScan(ctx, st.scan)
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = res.ID
			var want int64
			if st.dupOfNo > 0 {
				want = ids[st.dupOfNo-1]
			}
			if res.DuplicateOf != want {
				t.Errorf("DuplicateOf %d, want %d", res.DuplicateOf, want)
			}
		})
	}
	got, err := s.Scans(ctx, ScanFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(steps) {
		t.Fatalf("%d scans kept, want %d", len(got), len(steps))
	}
	if string(got[4].Raw) != "\xff\x1d" || len(got[4].Problems) != 1 || got[4].Problems[0].Code != "check-digit" {
		t.Errorf("invalid scan not kept as read: %+v", got[4])
	}
}

func TestClockSetBack(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := openTest(t, Options{Now: clock})
	ctx := context.Background()
	if _, _, err := s.Capture(ctx, Scan{Session: "a", Raw: []byte("1")}, trace.Event{Kind: trace.KindReceive}); err != nil {
		t.Fatal(err)
	}
	c, err := s.ClaimBatch(ctx, 10, time.Minute)
	if err != nil || len(c.Events) != 1 {
		t.Fatalf("claim: %v %v", c, err)
	}
	mu.Lock()
	now = now.Add(-time.Hour) // the clock is set back an hour
	mu.Unlock()
	res, ev2, err := s.Capture(ctx, Scan{Session: "a", Raw: []byte("2")}, trace.Event{Kind: trace.KindReceive})
	if err != nil {
		t.Fatal(err)
	}
	if res.ClockBehind < 59*time.Minute {
		t.Errorf("ClockBehind %v, want about an hour", res.ClockBehind)
	}
	// The lease taken "in the future" is not trusted: it is taken over at once.
	c2, err := s.ClaimBatch(ctx, 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !c2.Recovered || len(c2.Events) != 1 || c2.Events[0].ID == ev2.ID {
		t.Fatalf("want the first claim recovered, got %+v", c2)
	}
	c3, err := s.ClaimBatch(ctx, 10, time.Minute)
	if err != nil || len(c3.Events) != 1 || c3.Events[0].ID != ev2.ID {
		t.Fatalf("want the second event, got %+v %v", c3, err)
	}
	evs, _ := s.Events(ctx, EventFilter{})
	if len(evs) != 2 || evs[0].Seq > evs[1].Seq {
		t.Fatalf("capture order lost: %+v", evs)
	}
}

func TestQueueLifecycle(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	var ids []string
	for i := 0; i < 5; i++ {
		ev, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindDispense, GTIN: "09506000134352", Serial: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ev.ID)
	}
	select {
	case <-s.Enqueued():
	default:
		t.Fatal("enqueue did not notify")
	}
	c, err := s.ClaimBatch(ctx, 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != 3 || c.Events[0].ID != ids[0] || c.Recovered {
		t.Fatalf("claim %+v", c)
	}
	if err := s.SetTxID(ctx, c.ID, "tx1"); err != nil {
		t.Fatal(err)
	}
	// A second engine sees only the rest while the lease holds.
	c2, err := s.ClaimBatch(ctx, 10, time.Minute)
	if err != nil || len(c2.Events) != 2 {
		t.Fatalf("second claim %+v %v", c2, err)
	}
	if err := s.Release(ctx, c2.ID, "ledger unavailable"); err != nil {
		t.Fatal(err)
	}
	err = s.Record(ctx, c.ID, trace.BatchResult{TxID: "tx1", Block: 7, Results: []trace.Result{
		{EventID: ids[0], Status: trace.StatusAccepted},
		{EventID: ids[1], Status: trace.StatusDuplicate, TxID: "tx0"},
		{EventID: ids[2], Status: trace.StatusRejected, Reason: "already-dispensed", Message: "The pack was dispensed before."},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Record(ctx, c.ID, trace.BatchResult{}); !errors.Is(err, ErrNoSuchClaim) {
		t.Errorf("settling twice: %v, want ErrNoSuchClaim", err)
	}
	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[State]int{StateRecorded: 2, StateRejected: 1, StatePending: 2}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("counts %v, want %v", counts, want)
	}
	evs, _ := s.Events(ctx, EventFilter{States: []State{StateRecorded, StateRejected}})
	if len(evs) != 3 || evs[0].TxID != "tx1" || evs[0].Block != 7 || evs[1].TxID != "tx0" || evs[2].Reason != "already-dispensed" {
		t.Errorf("recorded events %+v", evs)
	}
	if n, _ := s.Unsent(ctx); n != 2 {
		t.Errorf("unsent %d, want 2", n)
	}
}

func TestExpiredLeaseRecoveredWithTxID(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s := openTest(t, Options{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		if _, err := s.Enqueue(ctx, trace.Event{Kind: trace.KindShip, SSCC: fmt.Sprintf("3%017d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := s.ClaimBatch(ctx, 2, 30*time.Second)
	must(t, s.SetTxID(ctx, c.ID, "txA"))
	mu.Lock()
	now = now.Add(31 * time.Second)
	mu.Unlock()
	r, err := s.ClaimBatch(ctx, 10, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Recovered || r.TxID != "txA" || len(r.Events) != 2 || r.Events[0].ID != c.Events[0].ID {
		t.Fatalf("recovered claim %+v, want the whole first batch with its txID", r)
	}
	if err := s.SetTxID(ctx, c.ID, "late"); !errors.Is(err, ErrNoSuchClaim) {
		t.Errorf("old claim still usable: %v", err)
	}
}

func TestEnqueueTxRollsBackWithCaller(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	tx, err := s.BeginTx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnqueueTx(ctx, tx, trace.Event{Kind: trace.KindReceive}); err != nil {
		t.Fatal(err)
	}
	must(t, tx.Rollback())
	tx, _ = s.BeginTx(ctx)
	if _, err := s.EnqueueTx(ctx, tx, trace.Event{Kind: trace.KindReceive}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Unsent(ctx); n != 1 {
		t.Fatalf("%d events, want only the committed one", n)
	}
	if _, err := s.Enqueue(ctx, trace.Event{}); err == nil {
		t.Error("event without kind accepted")
	}
}

func TestClaimKeepsPackOrder(t *testing.T) {
	s := openTest(t, Options{})
	ctx := context.Background()
	add := func(ev trace.Event) string {
		t.Helper()
		ev, err := s.Enqueue(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		return ev.ID
	}
	ids := func(c Claim) (out []string) {
		for _, e := range c.Events {
			out = append(out, e.ID)
		}
		return out
	}
	e1 := add(trace.Event{Kind: trace.KindCommission, GTIN: "1", Serial: "P"})
	c1, err := s.ClaimBatch(ctx, 1, time.Minute)
	if err != nil || fmt.Sprint(ids(c1)) != fmt.Sprint([]string{e1}) {
		t.Fatalf("first claim %v %v", ids(c1), err)
	}
	e2 := add(trace.Event{Kind: trace.KindShip, GTIN: "1", Serial: "P"})
	e3 := add(trace.Event{Kind: trace.KindCommission, GTIN: "1", Serial: "Q"})
	e4 := add(trace.Event{Kind: trace.KindPack, SSCC: "X", Children: []string{"1/P", "1/Q"}})
	e5 := add(trace.Event{Kind: trace.KindShip, SSCC: "X"})
	e6 := add(trace.Event{Kind: trace.KindCommission, GTIN: "1", Serial: "R"})
	c2, err := s.ClaimBatch(ctx, 10, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// P is in flight: e2 waits, and so do e4 (packs P) and e5 (ships what e4 packs).
	if got, want := fmt.Sprint(ids(c2)), fmt.Sprint([]string{e3, e6}); got != want {
		t.Fatalf("second claim %s, want %s", got, want)
	}
	// P, Q and R are in flight now (two claims): nothing left may go.
	if c, err := s.ClaimBatch(ctx, 10, time.Minute); err != nil || len(c.Events) != 0 {
		t.Fatalf("a claim beside two in flight took %v (%v)", ids(c), err)
	}
	if err := s.Record(ctx, c1.ID, trace.BatchResult{TxID: "t", Block: 1, Results: []trace.Result{{EventID: e1, Status: trace.StatusAccepted}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Release(ctx, c2.ID, "test"); err != nil {
		t.Fatal(err)
	}
	c3, err := s.ClaimBatch(ctx, 10, time.Minute)
	if got, want := fmt.Sprint(ids(c3)), fmt.Sprint([]string{e2, e3, e4, e5, e6}); err != nil || got != want {
		t.Fatalf("third claim %s, want %s (%v)", got, want, err)
	}
}

func TestEnqueueContentIDs(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	dispense := trace.Event{Kind: trace.KindDispense, Time: at, Location: "4012345000108", GTIN: "09506000134352", Serial: "A1"}
	tests := []struct {
		name    string
		evs     []trace.Event
		wantErr error
		want    int // events queued
	}{
		{"empty ID gets the content ID", []trace.Event{dispense}, nil, 1},
		{"the same content twice is one event", []trace.Event{dispense, dispense.WithContentID()}, nil, 1},
		{"other content, other event", []trace.Event{dispense, func() trace.Event { e := dispense; e.Serial = "A2"; return e }()}, nil, 2},
		{"a UUID is kept", []trace.Event{func() trace.Event { e := dispense; e.ID = "01a22021-5c0c-76b4-9e90-995239feae2d"; return e }()}, nil, 1},
		{"content changed after the ID was made", []trace.Event{func() trace.Event {
			e := dispense.WithContentID()
			e.Serial = "A3"
			return e
		}()}, trace.ErrContentIDMismatch, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openTest(t, Options{})
			ctx := context.Background()
			var err error
			for _, ev := range tt.evs {
				var got trace.Event
				if got, err = s.Enqueue(ctx, ev); err != nil {
					break
				}
				if ev.ID == "" && got.ID != trace.ContentID(ev) {
					t.Fatalf("ID %s, want the content ID %s", got.ID, trace.ContentID(ev))
				}
				if ev.ID != "" && got.ID != ev.ID {
					t.Fatalf("ID %s changed to %s", ev.ID, got.ID)
				}
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			c, err := s.ClaimBatch(ctx, 10, time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Events) != tt.want {
				t.Fatalf("%d events queued, want %d", len(c.Events), tt.want)
			}
		})
	}
}

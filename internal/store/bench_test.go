package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// BenchmarkEnqueue is a durable enqueue, one event per transaction as a
// scanner produces them (WAL, synchronous=FULL: an fsync per commit).
func BenchmarkEnqueue(b *testing.B) {
	s := openTest(b, Options{})
	ctx := context.Background()
	ev := trace.Event{Kind: trace.KindReceive, GTIN: "09506000134352", Batch: "B1", Expiry: "2027-12-31", Location: "4012345000009"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ev.ID, ev.Serial = "", fmt.Sprint(i)
		if _, err := s.Enqueue(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "enqueues/s")
}

// BenchmarkClaimBesideInflight is the sync engine's steady state at 20
// batches of 100 in flight: each step claims a batch (checking it against
// the packs of the 2,000 events in flight) and settles the oldest claim.
func BenchmarkClaimBesideInflight(b *testing.B) {
	s := openTest(b, Options{})
	ctx := context.Background()
	const batch, inflight = 100, 20
	enqueue := func(n, from int) {
		tx, err := s.BeginTx(ctx)
		if err != nil {
			b.Fatal(err)
		}
		for i := range n {
			if _, err := s.EnqueueTx(ctx, tx, trace.Event{Kind: trace.KindCommission, GTIN: "09506000134352", Serial: fmt.Sprint("S", from+i)}); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	var claims []Claim
	claim := func() {
		c, err := s.ClaimBatch(ctx, batch, time.Hour)
		if err != nil || len(c.Events) != batch {
			b.Fatalf("claimed %d: %v", len(c.Events), err)
		}
		claims = append(claims, c)
	}
	enqueue(batch*inflight, 0)
	for range inflight {
		claim()
	}
	next := batch * inflight
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		enqueue(batch, next)
		next += batch
		b.StartTimer()
		claim()
		c := claims[0]
		claims = claims[1:]
		res := trace.BatchResult{TxID: "tx", Block: 1}
		for _, ev := range c.Events {
			res.Results = append(res.Results, trace.Result{EventID: ev.ID, Status: trace.StatusAccepted, TxID: "tx"})
		}
		if err := s.Record(ctx, c.ID, res); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*batch), "µs/event")
}

// BenchmarkCapture stores a scan and its event in one durable transaction.
func BenchmarkCapture(b *testing.B) {
	s := openTest(b, Options{})
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		serial := fmt.Sprint(i)
		if _, _, err := s.Capture(ctx, Scan{Session: "bench", Raw: []byte("010950600013435221" + serial), Valid: true, GTIN: "09506000134352", Serial: serial},
			trace.Event{Kind: trace.KindReceive, GTIN: "09506000134352", Serial: serial}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "captures/s")
}

// BenchmarkBareInsert is the floor Enqueue is compared with: one INSERT of
// the same JSON body per transaction into a table without indexes, with
// the same pragmas and the same file system.
func BenchmarkBareInsert(b *testing.B) {
	dir := b.TempDir()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "bare.db")+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_foreign_keys=on&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer mustClose(b, db)
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id TEXT, body TEXT)`); err != nil {
		b.Fatal(err)
	}
	body := `{"id":"0190a000-0000-7000-8000-000000000001","kind":"receive","time":"2026-01-02T03:04:05Z","location":"4012345000009","gtin":"09506000134352","serial":"1","batch":"B1","expiry":"2027-12-31"}`
	for i := 0; b.Loop(); i++ {
		id, _ := NewEventID()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (?, ?)`, id, body); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "inserts/s")
}

// BenchmarkEnqueueVsBare alternates a durable Enqueue with a bare INSERT
// (same pragmas, same file system) in one loop, so that the noise of a
// shared disk hits both alike, and reports their ratio.
func BenchmarkEnqueueVsBare(b *testing.B) {
	s := openTest(b, Options{})
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(b.TempDir(), "bare.db")+"?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=5000&_foreign_keys=on&_txlock=immediate")
	if err != nil {
		b.Fatal(err)
	}
	defer mustClose(b, db)
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (id TEXT, body TEXT)`); err != nil {
		b.Fatal(err)
	}
	ev := trace.Event{Kind: trace.KindReceive, GTIN: "09506000134352", Batch: "B1", Expiry: "2027-12-31", Location: "4012345000009"}
	body := `{"id":"0190a000-0000-7000-8000-000000000001","kind":"receive","time":"2026-01-02T03:04:05Z","location":"4012345000009","gtin":"09506000134352","serial":"1","batch":"B1","expiry":"2027-12-31"}`
	var enq, bare time.Duration
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		ev.ID, ev.Serial = "", fmt.Sprint(i)
		if _, err := s.Enqueue(ctx, ev); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		id, _ := NewEventID()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO t VALUES (?, ?)`, id, body); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		enq += t1.Sub(t0)
		bare += time.Since(t1)
	}
	b.ReportMetric(float64(b.N)/enq.Seconds(), "enqueues/s")
	b.ReportMetric(float64(b.N)/bare.Seconds(), "bare-inserts/s")
	b.ReportMetric(float64(enq)/float64(bare), "ratio")
}

// benchPacks is the size of the local copy for the offline verify benchmark.
const benchPacks = 10_000_000

// benchGTIN returns the i-th pack's GTIN and serial (100 GTINs, 100k serials each).
func benchPack(i int) (string, string) {
	return fmt.Sprintf("0950600013%04d", i%100), fmt.Sprintf("S%09d", i/100)
}

// copy10M returns a data folder whose local copy holds benchPacks packs,
// built once and cached in the system temp folder (about 1 GB).
func copy10M(b *testing.B) string {
	dir := filepath.Join(os.TempDir(), "medtrace-bench-copy-10m")
	done := filepath.Join(dir, "complete")
	if _, err := os.Stat(done); err == nil {
		stampBenchCopy(b, dir)
		return dir
	}
	must(b, os.RemoveAll(dir))
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	mustClose(b, s)
	start := time.Now()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, FileName)+"?_synchronous=OFF")
	if err != nil {
		b.Fatal(err)
	}
	defer mustClose(b, db)
	db.SetMaxOpenConns(1)
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO packs (gtin, serial, status, batch, expiry, last_event, last_kind, last_time, last_place, block)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	// Insert in key order (gtin, serial) so the B-tree only appends.
	for g := 0; g < 100; g++ {
		for s := 0; s < benchPacks/100; s++ {
			gtin, serial := benchPack(s*100 + g)
			status := trace.PackActive
			if s%50 == 0 {
				status = trace.PackDispensed
			}
			if _, err := st.ExecContext(ctx, gtin, serial, string(status), fmt.Sprintf("B%d", s%1000), "2028-06-30",
				"01a21f68-1c03-78cf-8645-cd6c32285170", "receive", int64(1e18), "4012345000009", 1+s/1000); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO recalls (gtin, batch, reason, block, at) VALUES ('09506000130007', 'B7', 'bench', 5, 0)`); err != nil {
		b.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO copy_state (id, block, as_of) VALUES (1, 10000, ?)`, time.Now().UnixNano()); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	b.Logf("built a local copy of %d packs in %s", benchPacks, time.Since(start).Round(time.Second))
	if err := os.WriteFile(done, nil, 0o600); err != nil {
		b.Fatal(err)
	}
	return dir
}

// stampBenchCopy opens a cached copy (migrating it to this build's schema)
// and stamps it again if a migration took its stamp away (migration 9 does:
// the copy is then followed again from the first block).
func stampBenchCopy(b *testing.B, dir string) {
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{SkipOpenCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	defer mustClose(b, s)
	if _, err := s.w.ExecContext(ctx, `INSERT INTO copy_state (id, block, as_of) VALUES (1, 10000, ?)
		ON CONFLICT (id) DO NOTHING`, time.Now().UnixNano()); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLookupPack10M is an offline verify lookup with 10 million packs
// in the local copy; it reports the p50 and p99 latency. Each case first
// drops the fixture from the operating system's cache (as after a reboot)
// and opens the store anew; os-warm then runs Store.Warm (as the app's
// upkeep does at start) before the lookups. after-write commits one row
// before each lookup, as a scan's capture does before its verify: in WAL
// mode a commit empties the page cache of every other connection, so each
// lookup reads its pages again (from the operating system's cache, or the
// disk).
func BenchmarkLookupPack10M(b *testing.B) {
	dir := copy10M(b)
	for _, c := range []struct {
		name         string
		warm, writes bool
	}{
		{"os-cold", false, false},
		{"os-warm", true, false},
		{"after-write/os-cold", false, true},
		{"after-write/os-warm", true, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			if !osCacheDropped {
				b.Skip("the operating system's cache cannot be dropped here")
			}
			benchLookupPack(b, dir, c.warm, c.writes)
		})
	}
}

// benchLookupPack runs one case of BenchmarkLookupPack10M.
func benchLookupPack(b *testing.B, dir string, warm, writes bool) {
	must(b, dropOSCache(filepath.Join(dir, FileName)))
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{SkipOpenCheck: true})
	if err != nil {
		b.Fatal(err)
	}
	defer mustClose(b, s)
	if warm {
		t0 := time.Now()
		n, err := s.Warm(ctx)
		must(b, err)
		b.Logf("Warm read %d MB in %s", n>>20, time.Since(t0).Round(time.Millisecond))
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, 1<<20)
	cpu0 := cpuTime()
	for i := 0; b.Loop(); i++ {
		if writes {
			// Not b.StopTimer: it reads the memory statistics (stopping
			// the world), a cost that is not the lookup's either. ns/op
			// includes the write; the latencies and the CPU do not.
			w0 := cpuTime()
			if _, err := s.w.ExecContext(ctx, `INSERT INTO checkpoints (name, block, updated_at) VALUES ('bench-write', ?, 0)
				ON CONFLICT (name) DO UPDATE SET block = excluded.block`, i); err != nil {
				b.Fatal(err)
			}
			cpu0 += cpuTime() - w0 // the write's CPU is not the lookup's
		}
		gtin, serial := benchPack(rnd.IntN(benchPacks))
		t0 := time.Now()
		lp, err := s.LookupPack(ctx, gtin, serial, "")
		if err != nil || !lp.Found {
			b.Fatalf("%s %s: %v found=%v", gtin, serial, err, lp.Found)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	// On a shared, loaded machine wall-clock tails include waiting for a
	// CPU; the CPU time per lookup shows the lookup's own cost.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	slices.Sort(lat)
	if !writes {
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
	}
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
}

// BenchmarkSnapshotApply applies snapshot pages of 1000 packs.
func BenchmarkSnapshotApply(b *testing.B) {
	s := openTest(b, Options{})
	ctx := context.Background()
	page := make([]PackCopy, 1000)
	n := 0
	for b.Loop() {
		for i := range page {
			gtin, serial := benchPack(n)
			n++
			page[i] = PackCopy{GTIN: gtin, Serial: serial, Status: trace.PackActive, Batch: "B1", Expiry: "2028-06-30",
				LastEvent: "01a21f68-1c03-78cf-8645-cd6c32285170", LastKind: trace.KindReceive, LastTime: time.Now(), LastPlace: "4012345000009", Block: 9}
		}
		if _, err := s.ApplyChanges(ctx, Changes{Block: 10, Time: time.Now(), Packs: page}, Apply{Checkpoint: "bench", Partial: true}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "packs/s")
}

// BenchmarkOpen10M opens the 10-million-pack copy (1.3 GB) with and without
// the quick check Open runs.
func BenchmarkOpen10M(b *testing.B) {
	dir := copy10M(b)
	for _, c := range []struct {
		name string
		skip bool
	}{{"quick_check", false}, {"no_check", true}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				s, err := Open(context.Background(), dir, Options{SkipOpenCheck: c.skip})
				if err != nil {
					b.Fatal(err)
				}
				mustClose(b, s)
			}
		})
	}
}

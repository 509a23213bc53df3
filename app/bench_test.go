package app

import (
	"context"
	"sort"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/station"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

// offlineVerifier is the benchmark's stand-in for the desktop's wiring:
// the real application layer, verifying offline against a real SQLite copy.
type offlineVerifier struct{ ws *station.Station }

func (o offlineVerifier) Verify(ctx context.Context, c Code, _ bool) (trace.Verification, error) {
	return o.ws.Verify(ctx, c, true)
}

// BenchmarkScanToVerdict measures, offline, from the wedge terminator
// (Enter) to the verdict on the widgets: the real parser, the scan stored
// durably in SQLite, an offline verify against the local copy, and the
// widgets updated. Drawing is left out here: Fyne's test painter rasterises
// the whole window in software (about 200 ms, nothing like the OpenGL
// driver); the real-window test measures terminator to verdict pixels on
// screen instead. It reports p50 and p95 in ms.
func BenchmarkScanToVerdict(b *testing.B) {
	dir := b.TempDir()
	seedBenchStore(b, dir)
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := st.Close(); err != nil {
			b.Error(err)
		}
	})
	fx := newFixture(b, RolePharmacist, LangEnglish, func(c *Config) {
		ws := station.New(st, station.Options{})
		c.Parser = station.Parser{}
		c.Verifier = offlineVerifier{ws}
		c.Scans = ws
		c.Now = time.Now
	})
	e := fx.u.pharm.entry
	codes := []string{rwActive, rwRecalled, rwDispensed, rwDamaged}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		code := codes[i%len(codes)]
		for _, r := range code {
			if r == gsByte {
				e.TypedShortcut(ctrlBracket())
				continue
			}
			e.TypedRune(r)
		}
		b.StartTimer()
		start := time.Now()
		e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		fx.settle()
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	if got := fx.u.pharm.verdict.current.Reason; got == ReasonReady || got == ReasonNotConnected {
		b.Fatalf("no verdict drawn: %s", got)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
}

func seedBenchStore(b *testing.B, dir string) {
	b.Helper()
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := st.Close(); err != nil {
			b.Error(err)
		}
	}()
	ch := store.Changes{Block: 4711, Time: time.Now().Add(-time.Hour),
		Packs: []store.PackCopy{
			{GTIN: rwGTIN, Serial: "PACK0001", Status: trace.PackActive, Batch: "B2027A", Expiry: "2027-12-31"},
			{GTIN: rwGTIN, Serial: "PACK0002", Status: trace.PackActive, Batch: "R0042", Expiry: "2027-12-31"},
			{GTIN: rwGTIN, Serial: "PACK0003", Status: trace.PackDispensed, Batch: "B2027A", Expiry: "2027-12-31"},
		},
		Recalls: []store.RecallCopy{{GTIN: rwGTIN, Batch: "R0042", Reason: "contamination"}},
	}
	if _, err := st.ApplyChanges(context.Background(), ch, store.Apply{Checkpoint: outbox.Checkpoint}); err != nil {
		b.Fatal(err)
	}
}

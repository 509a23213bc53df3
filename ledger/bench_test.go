package ledger_test

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/medtrace/medtrace/ledger"
)

// latencies collects per-call durations from parallel goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// report adds the p50 and p99 in milliseconds to the benchmark's output.
func (l *latencies) report(b *testing.B) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return
	}
	slices.Sort(l.d)
	ms := func(q float64) float64 { return float64(l.d[int(q*float64(len(l.d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(ms(0.5), "p50-ms")
	b.ReportMetric(ms(0.99), "p99-ms")
}

// inFlight is how many batches of size n are submitted at once: enough to
// keep the orderer's blocks full, as many MedTrace sites would.
func inFlight(n int) int { return max(4, min(128, 2000/n)) }

// BenchmarkRecord measures events recorded per second on the real network
// with every check on: concurrent RecordEvents transactions of n
// commissioning events each, each waiting for its commit.
func BenchmarkRecord(b *testing.B) {
	e := setup(b)
	for _, n := range []int{1, 10, 100, 500} {
		b.Run(fmt.Sprintf("batch-%d", n), func(b *testing.B) {
			gtin := e.gtin(200 + n)
			var lat latencies
			b.SetParallelism(max(1, inFlight(n)/max(1, runtimeProcs())))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					evs := make([]ledger.Event, n)
					for i := range evs {
						evs[i] = e.commission(gtin, e.serial(), "BENCH", "2030-01-31")
					}
					t0 := time.Now()
					res, err := e.c["manufacturer"].Submit(ctxT(b), evs)
					if err != nil {
						b.Error(err)
						return
					}
					lat.add(time.Since(t0))
					for _, r := range res.Results {
						if r.Status != ledger.StatusAccepted {
							b.Errorf("%+v", r)
							return
						}
					}
				}
			})
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
			lat.report(b)
		})
	}
}

// BenchmarkPutRaw is the baseline of the same run: concurrent transactions
// writing n plain 512-byte keys each, with no checks.
func BenchmarkPutRaw(b *testing.B) {
	e := setup(b)
	for _, n := range []int{1, 10, 100, 500} {
		b.Run(fmt.Sprintf("batch-%d", n), func(b *testing.B) {
			var lat latencies
			b.SetParallelism(max(1, inFlight(n)/max(1, runtimeProcs())))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					t0 := time.Now()
					if err := e.c["regulator"].PutRaw(ctxT(b), n, 512); err != nil {
						b.Error(err)
						return
					}
					lat.add(time.Since(t0))
				}
			})
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "keys/s")
			lat.report(b)
		})
	}
}

// BenchmarkVerify measures one pharmacy's verify round trips, one at a time.
func BenchmarkVerify(b *testing.B) {
	e := setup(b)
	gtin := e.gtin(300)
	serials := e.stock(b, gtin, "V1", "2030-01-31", 100)
	var lat latencies
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		v, err := e.c["pharmacy"].Verify(ctxT(b), gtin, serials[i%len(serials)], "V1", "2030-01-31")
		if err != nil {
			b.Fatal(err)
		}
		lat.add(time.Since(t0))
		if v.Status != ledger.PackActive {
			b.Fatalf("%+v", v)
		}
	}
	lat.report(b)
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

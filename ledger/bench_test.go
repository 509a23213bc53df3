package ledger_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/medtrace/medtrace/ledger/network"
	"github.com/medtrace/medtrace/trace"
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
func inFlight(n int) int {
	if v, err := strconv.Atoi(os.Getenv("MEDTRACE_BENCH_INFLIGHT")); err == nil && v > 0 {
		return v
	}
	return max(4, min(128, 2000/n))
}

// BenchmarkRecord measures events recorded per second on the real network
// with every check on: concurrent RecordEvents transactions of n
// commissioning events each, each waiting for its commit. The events carry
// content IDs, as MedTrace makes them; uuid-batch-100 sends UUIDs
// instead, which the ledger must also key by their ID. The events are made
// before the timer starts, as a station's queue holds them made when they
// were scanned: what is timed is what a sync does (encode, endorse, order,
// commit), as for the plain puts beside it.
func BenchmarkRecord(b *testing.B) {
	e := benchSetup(b)
	type run struct {
		n     int
		uuids bool
	}
	for _, r := range []run{{1, false}, {10, false}, {100, false}, {500, false}, {100, true}} {
		n, uuids := r.n, r.uuids
		name := fmt.Sprintf("batch-%d", n)
		if uuids {
			name = fmt.Sprintf("uuid-batch-%d", n)
		}
		b.Run(name, func(b *testing.B) {
			gtin := e.gtin(200 + n)
			batches := make([][]trace.Event, b.N)
			for j := range batches {
				batches[j] = make([]trace.Event, n)
				for i := range batches[j] {
					batches[j][i] = e.commission(gtin, e.serial(), "BENCH", "2030-01-31")
					if !uuids {
						batches[j][i] = batches[j][i].WithContentID()
					}
				}
			}
			var next atomic.Int64
			var lat latencies
			cpu := newCPUMeter(e)
			b.SetParallelism(max(1, inFlight(n)/max(1, runtimeProcs())))
			cpu.begin()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if !submitAccepted(b, e, batches[next.Add(1)-1], &lat) {
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
			lat.report(b)
			cpu.report(b, b.N*n, "event")
		})
	}
}

// BenchmarkShip measures custody's cost: concurrent transactions of 100
// ships (content IDs) of packs the manufacturer holds to the distributor,
// each checked for holder, site and consignee. The packs are commissioned
// before the timer starts.
func BenchmarkShip(b *testing.B) {
	e := benchSetup(b)
	const n = 100
	gtin := e.gtin(400)
	// b.N batches of packs, commissioned 5 batches a transaction, 8
	// transactions at once.
	serials := make([][]string, b.N)
	var wg sync.WaitGroup
	slots := make(chan struct{}, 8)
	for i := 0; i < b.N; i += 5 {
		var evs []trace.Event
		for j := i; j < min(i+5, b.N); j++ {
			for range n {
				s := e.serial()
				serials[j] = append(serials[j], s)
				evs = append(evs, e.commission(gtin, s, "SHIP", "2030-01-31"))
			}
		}
		slots <- struct{}{}
		wg.Add(1)
		go func() { // owned: Wait below
			defer wg.Done()
			defer func() { <-slots }()
			res, err := e.c["manufacturer"].Submit(ctxT(b), evs)
			if err != nil {
				b.Error(err)
				return
			}
			for _, r := range res.Results {
				if r.Status != trace.StatusAccepted {
					b.Errorf("commission: %+v", r)
					return
				}
			}
		}()
	}
	wg.Wait()
	if b.Failed() {
		return
	}
	var next atomic.Int64
	var lat latencies
	cpu := newCPUMeter(e)
	b.SetParallelism(max(1, inFlight(n)/max(1, runtimeProcs())))
	cpu.begin()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			ss := serials[next.Add(1)-1]
			evs := make([]trace.Event, n)
			for i, s := range ss {
				evs[i] = e.on(trace.KindShip, "manufacturer", gtin, s)
				evs[i].Counterparty = e.glns["distributor"]
				evs[i] = evs[i].WithContentID()
			}
			if !submitAccepted(b, e, evs, &lat) {
				return
			}
		}
	})
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
	lat.report(b)
	cpu.report(b, b.N*n, "event")
}

// BenchmarkPutRaw is the baseline of the same run: concurrent transactions
// writing n plain 512-byte keys each, with no checks.
func BenchmarkPutRaw(b *testing.B) {
	e := benchSetup(b)
	for _, n := range []int{1, 10, 100, 500} {
		b.Run(fmt.Sprintf("batch-%d", n), func(b *testing.B) {
			var lat latencies
			cpu := newCPUMeter(e)
			b.SetParallelism(max(1, inFlight(n)/max(1, runtimeProcs())))
			cpu.begin()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					t0 := time.Now()
					if err := e.c["regulator"].PutRaw(ctxT(b), n, rawSize()); err != nil {
						b.Errorf("%v (PutRaw is only in the chaincode built with -tags %s: benchmark a new network, see benchSetup)", err, benchChaincodeTag)
						return
					}
					lat.add(time.Since(t0))
				}
			})
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "keys/s")
			lat.report(b)
			cpu.report(b, b.N*n, "key")
		})
	}
}

// BenchmarkVerify measures one pharmacy's verify round trips, one at a time.
func BenchmarkVerify(b *testing.B) {
	e := benchSetup(b)
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
		if v.Status != trace.PackActive {
			b.Fatalf("%+v", v)
		}
	}
	lat.report(b)
}

// benchChaincodeTag builds the benchmark chaincode: the production one
// without it has no PutRaw (chaincode/putraw.go).
const benchChaincodeTag = "benchchaincode"

// benchSetup is setup for the benchmarks: a network this test process
// starts builds the chaincode with the benchchaincode tag (through GOFLAGS,
// which the network's go build reads), so PutRaw, the baseline, exists.
// The network must be a new one (MEDTRACE_LEDGER_STATE, as make bench
// sets): a running network, or a state directory whose chaincode was
// built from the same source without the tag, keeps the production
// chaincode, and BenchmarkPutRaw then fails saying so. With
// MEDTRACE_LEDGER_BENCH_TOPOLOGY=consortium the benchmarks run on the
// consortium network instead (MEDTRACE_LEDGER_CONSORTIUM_STATE, as `make
// bench LEDGER_BENCH_TOPOLOGY=consortium` sets), where every transaction,
// the baseline's too, needs a majority of the members' endorsements.
func benchSetup(b *testing.B) *env {
	b.Helper()
	flags := os.Getenv("GOFLAGS")
	if !strings.Contains(flags, "-tags="+benchChaincodeTag) {
		b.Setenv("GOFLAGS", strings.TrimSpace(flags+" -tags="+benchChaincodeTag))
	}
	var e *env
	if os.Getenv("MEDTRACE_LEDGER_BENCH_TOPOLOGY") == network.TopologyConsortium {
		e = consortiumSetup(b)
	} else {
		e = setup(b)
	}
	warmed.Do(func() { warmUp(b, e) })
	return e
}

// warmed makes warmUp run once per test binary (one network).
var warmed sync.Once

// warmUp runs what the benchmarks time, untimed, before the first of them:
// a new network's first few thousand transactions run slower (its peer's
// heap and LevelDB's first compactions, the chaincode's first calls), and
// whichever benchmark came first paid for it: on 2026-12-06 the first
// Record row on each of three new networks ran at 0.44–0.54× the puts
// after it, and the same rows again at 0.65–0.66× (docs/ledger.md). So
// every row is measured on a warm network: 100 transactions of 100
// commissionings and 100 of 100 plain puts, interleaved (the puts fail
// quietly on a chaincode without PutRaw; BenchmarkPutRaw says so).
func warmUp(b *testing.B, e *env) {
	b.Helper()
	gtin := e.gtin(999)
	var wg sync.WaitGroup
	slots := make(chan struct{}, 8)
	for i := 0; i < 200; i++ {
		slots <- struct{}{}
		wg.Add(1)
		go func() { // owned: Wait below
			defer wg.Done()
			defer func() { <-slots }()
			if i%2 == 1 {
				_ = e.c["regulator"].PutRaw(ctxT(b), 100, rawSize()) // a missing PutRaw is BenchmarkPutRaw's to report
				return
			}
			evs := make([]trace.Event, 100)
			for j := range evs {
				evs[j] = e.commission(gtin, e.serial(), "WARM", "2030-01-31").WithContentID()
			}
			if _, err := e.c["manufacturer"].Submit(ctxT(b), evs); err != nil {
				b.Errorf("warming up: %v", err)
			}
		}()
	}
	wg.Wait()
}

// rawSize is the PutRaw value size: 512 bytes unless MEDTRACE_BENCH_RAW_SIZE says otherwise.
func rawSize() int {
	if n, err := strconv.Atoi(os.Getenv("MEDTRACE_BENCH_RAW_SIZE")); err == nil && n > 0 {
		return n
	}
	return 512
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// cpuMeter reads the CPU time the network's processes (orderers, peers,
// chaincode; on the consortium each kind summed over its processes) and
// this client have used, from their pid files and /proc (Linux). Per-event
// CPU is what bounds throughput on a shared machine, whatever the load.
type cpuMeter struct {
	dir   string
	start map[string]float64
}

func newCPUMeter(e *env) *cpuMeter {
	return &cpuMeter{dir: filepath.Join(e.stateDir, "pids")}
}

func (m *cpuMeter) read() map[string]float64 {
	out := map[string]float64{}
	pids := map[string]string{"self": "client"} // the client: this test binary (gateway client, signing)
	files, _ := filepath.Glob(filepath.Join(m.dir, "*.pid"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// orderer0..2 count as "orderer", peer-ROLE as "peer".
		name := strings.TrimSuffix(filepath.Base(f), ".pid")
		for _, kind := range []string{"orderer", "peer", "chaincode"} {
			if strings.HasPrefix(name, kind) {
				name = kind
			}
		}
		pids[strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])] = name
	}
	for pid, name := range pids {
		stat, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
		if err != nil {
			continue
		}
		// Fields after the command name: utime and stime are the 12th and 13th.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseFloat(f[11], 64)
		s, _ := strconv.ParseFloat(f[12], 64)
		out[name] += (u + s) / 100 // clock ticks; 100 per second on Linux
	}
	return out
}

func (m *cpuMeter) begin() { m.start = m.read() }

// report adds each process's CPU microseconds per unit (event or key).
func (m *cpuMeter) report(b *testing.B, units int, unit string) {
	end := m.read()
	for name, t0 := range m.start {
		if t1, ok := end[name]; ok && units > 0 {
			b.ReportMetric((t1-t0)*1e6/float64(units), name+"-µs/"+unit)
		}
	}
}

// submitAccepted submits evs as the manufacturer, records the latency and
// reports false (with the error) unless the ledger accepted every event.
func submitAccepted(b *testing.B, e *env, evs []trace.Event, lat *latencies) bool {
	t0 := time.Now()
	res, err := e.c["manufacturer"].Submit(ctxT(b), evs)
	if err != nil {
		b.Error(err)
		return false
	}
	lat.add(time.Since(t0))
	for _, r := range res.Results {
		if r.Status != trace.StatusAccepted {
			b.Errorf("%+v", r)
			return false
		}
	}
	return true
}

package station

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/store"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/sync/outbox"
	"github.com/medtrace/medtrace/trace"
)

const (
	gtin     = "09501101530003"
	site     = "4012345000009"
	packRaw  = "]d201" + gtin + "1727123110B1\x1d21PACK1"
	otherRaw = "]d201" + gtin + "1727123110B1\x1d21PACK2"
	ssccRaw  = "]d200040987650000001239"
	cnRaw    = "81234560000000011234" // China's drug code: product 8123456
)

var testNow = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// newStation opens a station over a real SQLite store in a temporary
// folder.
func newStation(t *testing.T) *Station {
	t.Helper()
	st, err := store.Open(context.Background(), t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return New(st, Options{Now: func() time.Time { return testNow }})
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name               string
		raw                string
		valid, pack, logis bool
		notACode           bool
		expiry             string
	}{
		{"pack", packRaw, true, true, false, false, "2027-12-31"},
		{"sscc", ssccRaw, true, false, true, false, ""},
		{"check digit wrong", "]d20109501101530004" + "21X", false, true, false, false, ""},
		{"no code at all", "hello", false, false, false, true, ""},
		{"china drug code", cnRaw, true, true, false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Parse([]byte(tc.raw), 0)
			if c.Valid != tc.valid || c.IsPack() != tc.pack || c.IsLogistic() != tc.logis || c.NotACode != tc.notACode {
				t.Errorf("Parse(%q) = valid %v pack %v logistic %v not-a-code %v, want %v %v %v %v",
					tc.raw, c.Valid, c.IsPack(), c.IsLogistic(), c.NotACode, tc.valid, tc.pack, tc.logis, tc.notACode)
			}
			if c.Valid == (len(c.Problems) > 0) {
				t.Errorf("valid %v with problems %+v", c.Valid, c.Problems)
			}
			if got := c.ExpiryDate(); got != tc.expiry {
				t.Errorf("expiry %q, want %q", got, tc.expiry)
			}
		})
	}
}

func TestCapture(t *testing.T) {
	ctx := context.Background()
	pack := Parse([]byte(packRaw), 0)
	rec := func(c Code, session string) ScanRecord {
		return ScanRecord{Code: c, Session: session, Source: "wedge", Role: RolePharmacist, Location: site, Time: testNow}
	}
	t.Run("scan and event in one transaction", func(t *testing.T) {
		s := newStation(t)
		got, err := s.Capture(ctx, rec(pack, "s1"), pack.Event(trace.KindDispense, testNow, site))
		if err != nil || got.DuplicateOf != 0 {
			t.Fatalf("Capture = %+v, %v", got, err)
		}
		scans, err := s.Store().Scans(ctx, store.ScanFilter{})
		if err != nil || len(scans) != 1 {
			t.Fatalf("scans %d, %v; want 1", len(scans), err)
		}
		evs, err := s.Events(ctx, 10)
		if err != nil || len(evs) != 1 || scans[0].EventID != evs[0].Event.ID || evs[0].State != string(store.StatePending) {
			t.Fatalf("events %+v, %v; want one pending, named by the scan %q", evs, err, scans[0].EventID)
		}
		if scans[0].GTIN != gtin || scans[0].Serial != "PACK1" || scans[0].Expiry != "2027-12-31" {
			t.Errorf("scan kept as %+v, want the code's fields", scans[0])
		}
	})
	t.Run("second scan in a session is flagged, not lost", func(t *testing.T) {
		s := newStation(t)
		if _, err := s.Capture(ctx, rec(pack, "s1")); err != nil {
			t.Fatal(err)
		}
		got, err := s.Capture(ctx, rec(pack, "s1"))
		if err != nil || got.DuplicateOf == 0 {
			t.Fatalf("Capture again = %+v, %v; want a duplicate", got, err)
		}
		if got, err := s.Capture(ctx, rec(pack, "s2")); err != nil || got.DuplicateOf != 0 {
			t.Fatalf("other session = %+v, %v; want no duplicate", got, err)
		}
		if got, err := s.Capture(ctx, rec(Parse([]byte(otherRaw), 0), "s1")); err != nil || got.DuplicateOf != 0 {
			t.Fatalf("other pack = %+v, %v; want no duplicate", got, err)
		}
	})
	t.Run("ill-formed event keeps the scan and queues nothing", func(t *testing.T) {
		s := newStation(t)
		bad := pack.Event(trace.KindDispense, testNow, site)
		bad.GTIN = "09501101530004" // check digit wrong
		_, err := s.Capture(ctx, rec(pack, "s1"), pack.Event(trace.KindReceive, testNow, site), bad)
		var be *trace.BadEventError
		if !errors.As(err, &be) {
			t.Fatalf("err = %v, want a *trace.BadEventError", err)
		}
		scans, _ := s.Store().Scans(ctx, store.ScanFilter{})
		counts, _ := s.Counts(ctx)
		if len(scans) != 1 || scans[0].EventID != "" || counts != (QueueCounts{}) {
			t.Fatalf("scans %+v, queue %+v; want the scan alone", scans, counts)
		}
	})
	t.Run("an event without a time gets the station's", func(t *testing.T) {
		s := newStation(t)
		ev := pack.Event(trace.KindDispense, time.Time{}, site)
		ev.Time = time.Time{}
		if err := s.Enqueue(ctx, ev); err != nil {
			t.Fatal(err)
		}
		evs, _ := s.Events(ctx, 1)
		if len(evs) != 1 || !evs[0].Event.Time.Equal(testNow) {
			t.Fatalf("events %+v, want one at %v", evs, testNow)
		}
	})
}

func TestQueueView(t *testing.T) {
	ctx := context.Background()
	s := newStation(t)
	for i, raw := range []string{packRaw, otherRaw} {
		c := Parse([]byte(raw), 0)
		if err := s.Enqueue(ctx, c.Event(trace.KindDispense, testNow.Add(time.Duration(i)*time.Minute), site)); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := s.Counts(ctx)
	if err != nil || counts != (QueueCounts{Pending: 2}) {
		t.Fatalf("Counts = %+v, %v; want 2 pending", counts, err)
	}
	evs, err := s.Events(ctx, 1)
	if err != nil || len(evs) != 1 || evs[0].Event.Serial != "PACK2" {
		t.Fatalf("Events(1) = %+v, %v; want the newest (PACK2)", evs, err)
	}
}

func TestVerifyWithoutTheLedger(t *testing.T) {
	ctx := context.Background()
	pack := Parse([]byte(packRaw), 0)
	t.Run("no copy: both failures named", func(t *testing.T) {
		s := newStation(t)
		_, err := s.Verify(ctx, pack, false)
		if !errors.Is(err, store.ErrNoCopy) {
			t.Fatalf("err = %v, want store.ErrNoCopy", err)
		}
		a, err := s.Ask(ctx, pack, false)
		if err == nil || !errors.Is(a.Online, ledger.ErrUnavailable) {
			t.Fatalf("Ask = %+v, %v; want the ledger's absence in Online", a, err)
		}
	})
	t.Run("the local copy answers", func(t *testing.T) {
		s := newStation(t)
		ch := store.Changes{Block: 41, Time: testNow.Add(-time.Hour), Packs: []store.PackCopy{
			{GTIN: gtin, Serial: "PACK1", Status: trace.PackDispensed, Batch: "B1", Expiry: "2027-12-31"}}}
		if _, err := s.Store().ApplyChanges(ctx, ch, store.Apply{Checkpoint: outbox.Checkpoint}); err != nil {
			t.Fatal(err)
		}
		for _, offlineOnly := range []bool{true, false} {
			a, err := s.Ask(ctx, pack, offlineOnly)
			if err != nil || !a.Offline || a.Status != trace.PackDispensed || a.Block != 41 {
				t.Fatalf("Ask(offlineOnly %v) = %+v, %v; want dispensed, offline, block 41", offlineOnly, a, err)
			}
			if offlineOnly != (a.Online == nil) {
				t.Errorf("offlineOnly %v: Online = %v", offlineOnly, a.Online)
			}
		}
		info, err := s.Current(ctx)
		if err != nil || info.Block != 41 || info.Packs != 1 {
			t.Fatalf("Current = %+v, %v", info, err)
		}
	})
}

func TestHistoryOffline(t *testing.T) {
	ctx := context.Background()
	s := newStation(t)
	pack := Parse([]byte(packRaw), 0)
	if _, err := s.History(ctx, gtin, "PACK1"); !errors.Is(err, ledger.ErrUnavailable) {
		t.Fatalf("History with nothing = %v, want ledger.ErrUnavailable", err)
	}
	if err := s.Enqueue(ctx, pack.Event(trace.KindDispense, testNow, site)); err != nil {
		t.Fatal(err)
	}
	hs, err := s.History(ctx, gtin, "PACK1")
	if err != nil || len(hs) != 1 || !hs[0].Pending || hs[0].Kind != trace.KindDispense || hs[0].Place != site {
		t.Fatalf("History = %+v, %v; want the queued dispense", hs, err)
	}
}

func TestSourceConfig(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "connection.json")
	for _, tc := range []struct {
		name string
		src  Source
		want error
	}{
		{"manual without key", Source{Manual: Connection{Endpoint: "127.0.0.1:7051", TLSCA: "ca.pem", MSPID: "PharmacyMSP", Cert: "c.pem"}}, ErrIncompleteConnection},
		{"no profile", Source{Profile: missing, Identity: "pharmacy"}, os.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := tc.src.Config(); !errors.Is(err, tc.want) {
				t.Fatalf("Config = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("manual", func(t *testing.T) {
		src := Source{Manual: Connection{Endpoint: "127.0.0.1:7051", TLSCA: "ca.pem", MSPID: "PharmacyMSP", Cert: "c.pem", Key: "k.pem"}}
		c, where, err := src.Config()
		if err != nil || where != "127.0.0.1:7051" || c.MSPID != "PharmacyMSP" || c.Channel != "medtrace" {
			t.Fatalf("Config = %+v, %q, %v", c, where, err)
		}
	})
}

func TestConnectFailureIsKept(t *testing.T) {
	ctx := context.Background()
	s := newStation(t)
	src := Source{Profile: filepath.Join(t.TempDir(), "none.json"), Identity: "pharmacy"}
	if err := s.Connect(ctx, src); err == nil {
		t.Fatal("Connect to no profile succeeded")
	}
	if err := s.SyncNow(ctx); !errors.Is(err, ledger.ErrUnavailable) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("SyncNow = %v, want ledger.ErrUnavailable wrapping the reason", err)
	}
	if _, err := s.Drain(ctx, nil); !errors.Is(err, ledger.ErrUnavailable) {
		t.Fatalf("Drain = %v, want ledger.ErrUnavailable", err)
	}
	var reports []SyncReport
	if err := s.Run(ctx, src, func(r SyncReport) { reports = append(reports, r) }); err == nil {
		t.Fatal("Run without a ledger returned nil")
	}
	if len(reports) != 1 || reports[0].Err == nil {
		t.Fatalf("reports %+v, want one with the error", reports)
	}
}

func TestChinaCodeIsALedgerPack(t *testing.T) {
	c := Parse([]byte(cnRaw), 0)
	if !c.IsPack() || c.GTIN != "CN8123456" || c.Serial != "0000000011234" {
		t.Fatalf("Parse(%s) = %+v, want the pack CN8123456 / 0000000011234", cnRaw, c)
	}
	if got, want := c.Name(), "drug code "+cnRaw; got != want {
		t.Errorf("Name() = %q, want %q", got, want)
	}
	ev := c.Event(trace.KindDispense, testNow, site)
	if err := ev.Check(); err != nil {
		t.Errorf("a dispense of it is not well formed: %v", err)
	}
}

func TestQueuedEventsNameTheirSigner(t *testing.T) {
	ctx := context.Background()
	s := newStation(t)
	pack := Parse([]byte(packRaw), 0)
	s.SetIdentity("pharmacy")
	if _, err := s.Capture(ctx, ScanRecord{Code: pack, Session: "s", Time: testNow}, pack.Event(trace.KindDispense, testNow, site)); err != nil {
		t.Fatal(err)
	}
	s.SetIdentity("distributor")
	other := Parse([]byte(otherRaw), 0)
	if err := s.Enqueue(ctx, other.Event(trace.KindReceive, testNow, site)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		signsAs string
		want    map[string]int
	}{
		{"pharmacy", map[string]int{"distributor": 1}},
		{"distributor", map[string]int{"pharmacy": 1}},
		{"regulator", map[string]int{"pharmacy": 1, "distributor": 1}},
	} {
		t.Run(tc.signsAs, func(t *testing.T) {
			got, err := s.Store().Waiting(ctx, tc.signsAs)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("waiting for others when signing as %s: %v, want %v", tc.signsAs, got, tc.want)
			}
			for k, n := range tc.want {
				if got[k] != n {
					t.Fatalf("waiting for others when signing as %s: %v, want %v", tc.signsAs, got, tc.want)
				}
			}
		})
	}
}

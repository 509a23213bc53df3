package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// countingPager is a Pager that counts the keys its scans return.
type countingPager struct {
	pg      Pager
	scanned int
}

func (c *countingPager) ScanPage(start, end string, pageSize int, bookmark string) ([]KV, string, error) {
	kvs, next, err := c.pg.ScanPage(start, end, pageSize, bookmark)
	c.scanned += len(kvs)
	return kvs, next, err
}

// exported is what a member's full export returned and what it cost.
type exported struct {
	packs, units []string // keys of the records, sorted
	recalls      int
	scanned      int // keys the scans returned (index keys or records)
	recordReads  int // pack and unit records read one by one
	pages        int
}

// exportAll pages through msp's whole export, pageSize records a page.
func exportAll(t *testing.T, w *world, msp string, pageSize int) exported {
	t.Helper()
	var e exported
	bm := ""
	for {
		st, tx := w.tx(msp)
		pg := &countingPager{pg: st}
		page, err := Export(st, pg, tx, bm, pageSize)
		must(t, err)
		e.pages++
		e.scanned += pg.scanned
		for k := range st.reads {
			if strings.HasPrefix(k, prefixPack) || strings.HasPrefix(k, prefixUnit) {
				e.recordReads++
			}
		}
		for _, p := range page.Packs {
			e.packs = append(e.packs, packKey(p.GTIN, p.Serial))
		}
		for _, u := range page.Units {
			e.units = append(e.units, unitKey(u.SSCC))
		}
		e.recalls += len(page.Recalls)
		if bm = page.Bookmark; bm == "" {
			break
		}
		if e.pages > 5000 {
			t.Fatal("export does not end")
		}
	}
	slices.Sort(e.packs)
	slices.Sort(e.units)
	return e
}

// inScope is every pack and unit record of the state that msp's read scope
// takes in, found by reading them all: what Export returned before the
// holder index.
func inScope(t *testing.T, w *world, msp string) (packs, units []string) {
	t.Helper()
	st, tx := w.tx(msp)
	scope, err := scopeOf(st, tx)
	must(t, err)
	for _, k := range slices.Sorted(maps.Keys(w.st.m)) {
		switch {
		case strings.HasPrefix(k, prefixPack):
			if scope.pack(readPack(t, k, w.st.m[k])) {
				packs = append(packs, k)
			}
		case strings.HasPrefix(k, prefixUnit):
			var u unit
			must(t, json.Unmarshal(w.st.m[k], &u))
			if scope.unit(&u) {
				units = append(units, k)
			}
		}
	}
	return packs, units
}

// holderWorld has 1,000 packs of gtinA: N0001 went to the pharmacy alone,
// N0002 and N0003 in the distributor's case (received by the pharmacy),
// N0004 is on its way from the distributor to the second pharmacy; the
// rest stayed with the manufacturer. Batch L1 is recalled.
func holderWorld(t *testing.T) *world {
	w := newWorld(t)
	serials := make([]string, 1000)
	for i := range serials {
		serials[i] = fmt.Sprintf("N%04d", i)
	}
	w.stock(serials...)
	w.toPhar("N0001")
	w.toDist("N0002", "N0003", "N0004")
	w.ok(mspDist, w.unit(KindPack, glnDist, ssccCase, PackKey(gtinA, "N0002"), PackKey(gtinA, "N0003")))
	w.ok(mspDist, Event{ID: w.id(), Kind: KindShip, Time: w.now, Location: glnDist, SSCC: ssccCase, Counterparty: glnPhar})
	w.ok(mspPhar, Event{ID: w.id(), Kind: KindReceive, Time: w.now, Location: glnPhar, SSCC: ssccCase})
	w.ok(mspDist, w.ship(glnDist, "N0004", glnPhar2))
	w.ok(mspMan, w.recall(gtinA, "L1"))
	return w
}

// TestHolderIndexExport: a member's export reads its holder index and the
// records it names, not every record, and returns what its read scope takes
// in, as the full scan did; the regulator's still reads every record.
func TestHolderIndexExport(t *testing.T) {
	w := holderWorld(t)
	pk := func(serials ...string) []string {
		var out []string
		for _, s := range serials {
			out = append(out, packKey(gtinA, s))
		}
		return out
	}
	tests := []struct {
		msp   string
		packs []string // nil: not listed here, only compared with the full scan
		units int
		// most is the most keys the whole export may scan and records it
		// may read one by one (-1: every record).
		most int
	}{
		{mspReg, nil, 1, -1},
		{mspMan, nil, 0, 2 * 1002},
		{mspMan2, []string{}, 0, 2},
		{mspDist, pk("N0001", "N0002", "N0003", "N0004"), 1, 2 * 6},
		{mspPhar, pk("N0001", "N0002", "N0003"), 1, 2 * 5},
		{mspPhar2, pk("N0004"), 0, 2 * 2},
		{mspNone, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.msp, func(t *testing.T) {
			if tt.msp == mspNone {
				st, tx := w.tx(tt.msp)
				if _, err := Export(st, st, tx, "", 10); err == nil {
					t.Fatal("a stranger exported the state")
				}
				return
			}
			for _, size := range []int{1, 2, 7, MaxPage} {
				e := exportAll(t, w, tt.msp, size)
				packs, units := inScope(t, w, tt.msp)
				if !slices.Equal(e.packs, packs) || !slices.Equal(e.units, units) {
					t.Fatalf("page size %d: packs %v units %v, the scope has %v and %v", size, e.packs, e.units, packs, units)
				}
				if tt.packs != nil && !slices.Equal(e.packs, tt.packs) {
					t.Fatalf("page size %d: packs %v, want %v", size, e.packs, tt.packs)
				}
				if len(e.units) != tt.units || e.recalls != 1 {
					t.Fatalf("page size %d: %d units, %d recalls", size, len(e.units), e.recalls)
				}
				cost := e.scanned + e.recordReads
				switch {
				case tt.most < 0 && (e.scanned < 1000 || e.recordReads != 0):
					t.Fatalf("page size %d: the regulator scanned %d keys and read %d records one by one, want every record scanned", size, e.scanned, e.recordReads)
				case tt.most >= 0 && cost > tt.most:
					t.Fatalf("page size %d: scanned %d keys and read %d records, want at most %d in all", size, e.scanned, e.recordReads, tt.most)
				}
				t.Logf("page size %d: %d pages, %d keys scanned, %d records read one by one", size, e.pages, e.scanned, e.recordReads)
			}
		})
	}
}

// TestHolderIndexBookmarks: a bookmark of the full range (as a member held
// before the index) starts the member's range over; bad bookmarks are
// refused as before.
func TestHolderIndexBookmarks(t *testing.T) {
	w := holderWorld(t)
	tests := []struct {
		bookmark string
		packs    int
		units    int
		next     string
	}{
		{"p|" + packKey(gtinA, "N0500"), 3, 0, "u|"},
		{"u|" + unitKey(ssccCase), 0, 1, "b|"},
		{"p|", 3, 0, "u|"},
	}
	for _, tt := range tests {
		t.Run(tt.bookmark, func(t *testing.T) {
			st, tx := w.tx(mspPhar)
			pg, err := Export(st, st, tx, tt.bookmark, 10)
			must(t, err)
			if len(pg.Packs) != tt.packs || len(pg.Units) != tt.units || pg.Bookmark != tt.next {
				t.Fatalf("page %+v", pg)
			}
		})
	}
	st, tx := w.tx(mspPhar)
	if _, err := Export(st, st, tx, "x|", 10); err == nil {
		t.Fatal("a bad bookmark was accepted")
	}
}

// TestHolderIndexWrites: each event writes the index keys of the
// organisations that come to read a pack or unit, once (a commissioning its
// product's key, not one per pack), and the write path never reads the
// index.
func TestHolderIndexWrites(t *testing.T) {
	w := newWorld(t)
	s1, s2 := packKey(gtinA, "S1"), packKey(gtinA, "S2")
	c := unitKey(ssccCase)
	tests := []struct {
		name string
		msp  string
		ev   func() Event
		want []string // index keys written
	}{
		{"commission: the commissioner's product key", mspMan, func() Event { return w.commission(gtinA, "S1", "L1", "2028-12-31") }, []string{productKey(mspMan, gtinA)}},
		{"commission S2: the product key again (a blind write)", mspMan, func() Event { return w.commission(gtinA, "S2", "L1", "2028-12-31") }, []string{productKey(mspMan, gtinA)}},
		{"ship: the consignee", mspMan, func() Event { return w.ship(glnMan, "S1", glnDist) }, []string{holderKey(mspDist, s1)}},
		{"receive: none (the consignee had it)", mspDist, func() Event { return w.on(KindReceive, glnDist, gtinA, "S1") }, nil},
		{"inspect: none", mspReg, func() Event { return w.inspection(true) }, nil},
		{"ship S2 to the distributor", mspMan, func() Event { return w.ship(glnMan, "S2", glnDist) }, []string{holderKey(mspDist, s2)}},
		{"receive S2", mspDist, func() Event { return w.on(KindReceive, glnDist, gtinA, "S2") }, nil},
		{"pack: the new case's holder", mspDist, func() Event {
			return w.unit(KindPack, glnDist, ssccCase, PackKey(gtinA, "S1"), PackKey(gtinA, "S2"))
		}, []string{holderKey(mspDist, c)}},
		{"ship the case: the consignee, of the case and its packs", mspDist, func() Event {
			return Event{ID: w.id(), Kind: KindShip, Time: w.now, Location: glnDist, SSCC: ssccCase, Counterparty: glnPhar}
		}, []string{holderKey(mspPhar, s1), holderKey(mspPhar, s2), holderKey(mspPhar, c)}},
		{"receive the case: none", mspPhar, func() Event {
			return Event{ID: w.id(), Kind: KindReceive, Time: w.now, Location: glnPhar, SSCC: ssccCase}
		}, nil},
		{"dispense: none", mspPhar, func() Event { return w.on(KindDispense, glnPhar, gtinA, "S1") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal([]Event{tt.ev()})
			must(t, err)
			st, tx := w.tx(tt.msp)
			res, _, err := Record(st, tx, b)
			must(t, err)
			if r := res.Results[0]; r.Status != StatusAccepted {
				t.Fatalf("%+v", r)
			}
			st.commit()
			var got []string
			for k, v := range st.writes {
				if strings.HasPrefix(k, prefixHolder) {
					got = append(got, k)
					if string(v) != string(holderMark) {
						t.Fatalf("index key %s holds %q", k, v)
					}
				}
			}
			slices.Sort(got)
			if want := slices.Sorted(slices.Values(tt.want)); !slices.Equal(got, want) {
				t.Fatalf("index keys written %v, want %v", got, want)
			}
			for k := range st.reads {
				if strings.HasPrefix(k, prefixHolder) {
					t.Fatalf("the write path read index key %s", k)
				}
			}
		})
	}
}

// TestHolderIndexFilledOnWrite: records written before the index existed
// (no index keys, not marked) are missing from a member's export until they
// are next written, which indexes every organisation they name; the
// commissioner's product key then brings every pack of the product into
// its export.
func TestHolderIndexFilledOnWrite(t *testing.T) {
	w := holderWorld(t)
	// Make it a ledger from before the index: no index keys, no marks.
	for k, v := range w.st.m {
		switch {
		case strings.HasPrefix(k, prefixHolder):
			delete(w.st.m, k)
		case strings.HasPrefix(k, prefixPack):
			p := readPack(t, k, v)
			p.Indexed = false
			b, err := encodePack(p, nil)
			must(t, err)
			w.st.m[k] = b
		case strings.HasPrefix(k, prefixUnit):
			var u unit
			must(t, json.Unmarshal(v, &u))
			u.Indexed = false
			b, err := json.Marshal(&u)
			must(t, err)
			w.st.m[k] = b
		}
	}
	if e := exportAll(t, w, mspPhar, 10); len(e.packs)+len(e.units) != 0 {
		t.Fatalf("before any write: %v %v", e.packs, e.units)
	}
	// The regulator inspects N0001 and N0004: their records are written.
	yes := true
	var evs []Event
	for _, s := range []string{"N0001", "N0004"} {
		e := w.on(KindInspect, glnReg, gtinA, s)
		e.Conformant = &yes
		evs = append(evs, e)
	}
	w.ok(mspReg, evs...)
	tests := []struct {
		msp   string
		packs []string
	}{
		{mspMan, nil}, // every pack of gtinA, its product
		{mspDist, []string{packKey(gtinA, "N0001"), packKey(gtinA, "N0004")}},
		{mspPhar, []string{packKey(gtinA, "N0001")}},
		{mspPhar2, []string{packKey(gtinA, "N0004")}},
	}
	for _, tt := range tests {
		t.Run(tt.msp, func(t *testing.T) {
			want := tt.packs
			if want == nil {
				want, _ = inScope(t, w, tt.msp)
			}
			if e := exportAll(t, w, tt.msp, 10); !slices.Equal(e.packs, want) || len(e.units) != 0 {
				t.Fatalf("packs %v units %v, want %v", e.packs, e.units, want)
			}
		})
	}
}

// TestHolderIndexScopeCheckedAgain: a consignee whose shipment was reported
// stolen on the way has left the pack's scope: it keeps its index key, and
// its export, which checks the scope on the record, does not return the pack.
func TestHolderIndexScopeCheckedAgain(t *testing.T) {
	w := newWorld(t)
	w.stockAt("dist", "S1")
	w.ok(mspDist, w.ship(glnDist, "S1", glnPhar2))
	if e := exportAll(t, w, mspPhar2, 10); len(e.packs) != 1 {
		t.Fatalf("in transit to it: %v", e.packs)
	}
	w.ok(mspDist, w.on(KindStolen, glnDist, gtinA, "S1"))
	if w.st.m[holderKey(mspPhar2, packKey(gtinA, "S1"))] == nil {
		t.Fatal("the index key is gone")
	}
	if e := exportAll(t, w, mspPhar2, 10); len(e.packs) != 0 || e.recordReads != 1 {
		t.Fatalf("after the theft: packs %v, %d records read", e.packs, e.recordReads)
	}
}

// TestHolderOrg: index keys name an MSP as is when that is safe and short,
// else by a hash; either way the key's length is bounded.
func TestHolderOrg(t *testing.T) {
	long := strings.Repeat("M", maxHolderOrg+1)
	tests := []struct {
		msp    string
		asIs   bool
		hashed bool
	}{
		{"PharmacyMSP", true, false},
		{"org1.example-com_MSP", true, false},
		{strings.Repeat("M", maxHolderOrg), true, false},
		{long, false, true},
		{"Org:1", false, true},
		{"Org 1", false, true},
		{"Org;1", false, true},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.msp, func(t *testing.T) {
			got := holderOrg(tt.msp)
			if (got == tt.msp) != tt.asIs || strings.HasPrefix(got, "~") != tt.hashed {
				t.Fatalf("holderOrg(%q) = %q", tt.msp, got)
			}
			if len(got) > maxHolderOrg || strings.ContainsAny(got, ":;") {
				t.Fatalf("holderOrg(%q) = %q: too long or with a separator", tt.msp, got)
			}
			if other, ok := seen[got]; ok {
				t.Fatalf("%q and %q share %q", tt.msp, other, got)
			}
			seen[got] = tt.msp
		})
	}
}

// TestProductPages: a manufacturer's export finds the packs it commissioned
// through its product keys, product by product, whatever the page size,
// and no other manufacturer's; bookmarks inside the product range resume
// where they stopped and bad ones are refused.
func TestProductPages(t *testing.T) {
	w := newWorld(t)
	var evs []Event
	for i := range 5 {
		evs = append(evs, w.commission(gtinA, fmt.Sprintf("A%d", i), "L1", "2028-12-31"), w.commission(gtinB, fmt.Sprintf("B%d", i), "L1", "2028-12-31"))
	}
	w.ok(mspMan, evs...)
	w.ok(mspMan, w.commission(gtinA, "A9", "L2", "2028-12-31")) // a product's packs from two transactions
	m2 := []Event{w.commission(gtinM2, "M0", "L1", "2028-12-31"), w.commission(gtinM2, "M1", "L1", "2028-12-31")}
	for i := range m2 {
		m2[i].Location = glnMan2
	}
	w.ok(mspMan2, m2...)
	for _, msp := range []string{mspMan, mspMan2, mspDist} {
		want, _ := inScope(t, w, msp)
		for _, size := range []int{1, 2, 3, 7, MaxPage} {
			t.Run(fmt.Sprintf("%s/page-%d", msp, size), func(t *testing.T) {
				e := exportAll(t, w, msp, size)
				if !slices.Equal(e.packs, want) {
					t.Fatalf("packs %v, want %v", e.packs, want)
				}
				if n := len(want) + 2; e.scanned > n+2*e.pages {
					t.Fatalf("scanned %d keys in %d pages for %d packs", e.scanned, e.pages, len(want))
				}
			})
		}
	}
	if want, _ := inScope(t, w, mspMan); len(want) != 11 {
		t.Fatalf("the manufacturer's scope has %d packs, want 11", len(want))
	}
	t.Run("resume", func(t *testing.T) {
		st, tx := w.tx(mspMan)
		pg, err := Export(st, st, tx, "g|"+gtinA+"|"+packKey(gtinA, "A3"), 3)
		must(t, err)
		if got := len(pg.Packs); got != 3 || pg.Packs[0].Serial != "A3" || pg.Packs[2].Serial != "A9" {
			t.Fatalf("page %+v", pg)
		}
	})
	for _, bad := range []string{"g|" + gtinA, "g||" + packKey(gtinA, "A1"), "g|" + gtinA + "|" + packKey(gtinB, "B1")} {
		t.Run("bad bookmark "+bad, func(t *testing.T) {
			st, tx := w.tx(mspMan)
			if _, err := Export(st, st, tx, bad, 10); !errors.Is(err, ErrBadRequest) {
				t.Fatalf("bookmark %q: %v", bad, err)
			}
		})
	}
}

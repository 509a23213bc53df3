package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// memState is an in-memory world state with Fabric's semantics: writes of a
// transaction are not visible to its own reads, and become visible when the
// transaction commits.
type memState struct {
	m map[string][]byte
}

// txState is one transaction against a memState; it records its read and
// write sets like the peer does.
type txState struct {
	base   *memState
	writes map[string][]byte
	reads  map[string]bool
}

func (s *memState) begin() *txState {
	return &txState{base: s, writes: map[string][]byte{}, reads: map[string]bool{}}
}

func (t *txState) GetState(k string) ([]byte, error) {
	t.reads[k] = true
	v, ok := t.base.m[k]
	if !ok {
		return nil, nil
	}
	return bytes.Clone(v), nil
}

func (t *txState) PutState(k string, v []byte) error {
	if k == "" {
		return fmt.Errorf("empty key")
	}
	t.writes[k] = bytes.Clone(v)
	return nil
}

func (t *txState) commit() { maps.Copy(t.base.m, t.writes) }

// gs1 appends the GS1 check digit to a numeric key body.
func gs1(body string) string {
	for d := 0; d < 10; d++ {
		if s := body + strconv.Itoa(d); trace.CheckDigitOK(s) {
			return s
		}
	}
	panic("no check digit for " + body)
}

// The test world's organisations, locations and products.
const (
	mspReg   = "RegulatorMSP"
	mspMan   = "ManufacturerMSP"
	mspMan2  = "Manufacturer2MSP"
	mspDist  = "DistributorMSP"
	mspPhar  = "PharmacyMSP"
	mspPhar2 = "Pharmacy2MSP"
	mspNone  = "StrangerMSP"
)

var (
	glnMan   = gs1("401234500000")
	glnMan2  = gs1("501234500000")
	glnDist  = gs1("402000000001")
	glnPhar  = gs1("403000000001")
	glnPhar2 = gs1("403000000002")
	glnReg   = gs1("404000000001")
	// Second locations (the custody table's "-b" places).
	glnManB  = gs1("401234500001")
	glnDistB = gs1("402000000002")
	glnPharB = gs1("403000000003")
	gtinA    = gs1("0401234500001") // manufacturer 1's
	gtinB    = gs1("0401234500002")
	gtinM2   = gs1("0501234500001") // manufacturer 2's
	ssccCase = gs1("34020000000000001")
	ssccCas2 = gs1("34020000000000002")
	ssccPal  = gs1("34020000000000009")
)

// certOf is the certificate of the test world's usual user of msp: its
// organisation's role, no site (so any of its organisation's locations),
// and for the regulator an administrator's.
func certOf(msp string) Cert {
	role := map[string]Role{mspReg: RoleRegulator, mspMan: RoleManufacturer, mspMan2: RoleManufacturer, mspDist: RoleDistributor,
		mspPhar: RolePharmacy, mspPhar2: RolePharmacy}[msp]
	return Cert{Role: role, Admin: role == RoleRegulator}
}

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// world drives the trace logic through transactions against a memState.
type world struct {
	t   testing.TB
	st  *memState
	now time.Time
	seq int
	// written is what the last submit wrote.
	written map[string][]byte
	// certs are the certificates the organisations submit with, where not
	// certOf's.
	certs map[string]Cert
}

func newWorld(t testing.TB) *world {
	w := &world{t: t, st: &memState{m: map[string][]byte{}}, now: t0}
	must(t, w.admin(mspReg, func(st State, tx Tx) error { return InitLedger(st, tx, mspReg, mspReg) }))
	for msp, role := range map[string]Role{mspMan: RoleManufacturer, mspMan2: RoleManufacturer, mspDist: RoleDistributor,
		mspPhar: RolePharmacy, mspPhar2: RolePharmacy} {
		must(t, w.admin(mspReg, func(st State, tx Tx) error { return SetOrgRole(st, tx, msp, role) }))
	}
	must(t, w.admin(mspReg, func(st State, tx Tx) error { return SetCompanyPrefixes(st, tx, mspMan, []string{"4012345"}) }))
	must(t, w.admin(mspReg, func(st State, tx Tx) error { return SetCompanyPrefixes(st, tx, mspMan2, []string{"5012345"}) }))
	for msp, glns := range map[string][]string{mspMan: {glnMan, glnManB}, mspMan2: {glnMan2}, mspDist: {glnDist, glnDistB},
		mspPhar: {glnPhar, glnPharB}, mspPhar2: {glnPhar2}, mspReg: {glnReg}} {
		must(t, w.admin(mspReg, func(st State, tx Tx) error { return SetLocations(st, tx, msp, glns) }))
	}
	return w
}

// ship is a ship of pack gtinA/serial from loc to the GLN to.
func (w *world) ship(loc, serial, to string) Event {
	e := w.on(KindShip, loc, gtinA, serial)
	e.Counterparty = to
	return e
}

// toDist brings commissioned packs of gtinA from the manufacturer to the
// distributor: shipped, then received.
func (w *world) toDist(serials ...string) {
	w.t.Helper()
	for _, s := range serials {
		w.ok(mspMan, w.ship(glnMan, s, glnDist))
		w.ok(mspDist, w.on(KindReceive, glnDist, gtinA, s))
	}
}

// toPhar brings commissioned packs of gtinA from the manufacturer through
// the distributor to the pharmacy.
func (w *world) toPhar(serials ...string) {
	w.t.Helper()
	w.toDist(serials...)
	for _, s := range serials {
		w.ok(mspDist, w.ship(glnDist, s, glnPhar))
		w.ok(mspPhar, w.on(KindReceive, glnPhar, gtinA, s))
	}
}

// stockAt commissions packs and brings them to the distributor ("dist")
// or the pharmacy ("phar"); "man" leaves them at the manufacturer.
func (w *world) stockAt(where string, serials ...string) {
	w.t.Helper()
	w.stock(serials...)
	switch where {
	case "dist":
		w.toDist(serials...)
	case "phar":
		w.toPhar(serials...)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (w *world) tx(msp string) (*txState, Tx) {
	w.seq++
	c, ok := w.certs[msp]
	if !ok {
		c = certOf(msp)
	}
	return w.st.begin(), Tx{ID: fmt.Sprintf("tx%04d", w.seq), Time: w.now, MSP: msp, Clock: w.now, Cert: c}
}

// admin runs a configuration transaction and commits it when it succeeds.
func (w *world) admin(msp string, f func(State, Tx) error) error {
	st, tx := w.tx(msp)
	if err := f(st, tx); err != nil {
		return err
	}
	st.commit()
	return nil
}

// submit records events in one transaction and commits it.
func (w *world) submit(msp string, evs ...Event) (BatchResult, Emission, error) {
	b, err := json.Marshal(evs)
	must(w.t, err)
	st, tx := w.tx(msp)
	res, em, err := Record(st, tx, b)
	w.written = nil
	if err == nil {
		st.commit()
		w.written = st.writes
	}
	return res, em, err
}

// packsWritten is what offline copies learn from the last submit's write
// set: the state of each pack it wrote, in key order.
func (w *world) packsWritten() []PackChange { return packChanges(w.t, w.written) }

// packChanges decodes the pack records among writes, in key order.
func packChanges(t testing.TB, writes map[string][]byte) []PackChange {
	t.Helper()
	var out []PackChange
	for _, k := range slices.Sorted(maps.Keys(writes)) {
		if !strings.HasPrefix(k, prefixPack) {
			continue
		}
		out = append(out, readPack(t, k, writes[k]).change())
	}
	return out
}

// record submits events that must form a valid request and returns the results.
func (w *world) record(msp string, evs ...Event) []Result {
	w.t.Helper()
	res, _, err := w.submit(msp, evs...)
	if err != nil {
		w.t.Fatalf("record as %s: %v", msp, err)
	}
	return res.Results
}

// ok records events and fails the test unless all are accepted.
func (w *world) ok(msp string, evs ...Event) {
	w.t.Helper()
	for _, r := range w.record(msp, evs...) {
		if r.Status != StatusAccepted {
			w.t.Fatalf("event %s as %s: %s %s: %s", r.EventID, msp, r.Status, r.Reason, r.Message)
		}
	}
}

func (w *world) verify(gtin, serial, batch, expiry string) Verification {
	w.t.Helper()
	st, tx := w.tx(mspReg)
	v, err := Verify(st, tx, gtin, serial, batch, expiry)
	must(w.t, err)
	return v
}

// id makes a fresh UUID-shaped event ID.
func (w *world) id() string {
	w.seq++
	return fmt.Sprintf("00000000-0000-7000-8000-%012d", w.seq)
}

// Event constructors. Each returns a fresh ID at the world's current time.
func (w *world) commission(gtin, serial, batch, expiry string) Event {
	return Event{ID: w.id(), Kind: KindCommission, Time: w.now, Location: glnMan, GTIN: gtin, Serial: serial, Batch: batch, Expiry: expiry}
}

func (w *world) on(kind Kind, loc, gtin, serial string) Event {
	return Event{ID: w.id(), Kind: kind, Time: w.now, Location: loc, GTIN: gtin, Serial: serial}
}

func (w *world) unit(kind Kind, loc, sscc string, children ...string) Event {
	return Event{ID: w.id(), Kind: kind, Time: w.now, Location: loc, SSCC: sscc, Children: children}
}

func (w *world) recall(gtin, batch string) Event {
	return Event{ID: w.id(), Kind: KindRecall, Time: w.now, GTIN: gtin, Batch: batch}
}

func (w *world) withdraw(gtin, batch string) Event {
	return Event{ID: w.id(), Kind: KindWithdrawRecall, Time: w.now, GTIN: gtin, Batch: batch, Note: "the tests passed"}
}

// stock commissions serials of gtinA in batch L1 expiring 2028-12-31.
func (w *world) stock(serials ...string) {
	w.t.Helper()
	var evs []Event
	for _, s := range serials {
		evs = append(evs, w.commission(gtinA, s, "L1", "2028-12-31"))
	}
	w.ok(mspMan, evs...)
}

// ScanPage pages through committed keys in [start, end) like Fabric's
// GetStateByRangeWithPagination: the bookmark is the next key to return.
func (t *txState) ScanPage(start, end string, pageSize int, bookmark string) ([]KV, string, error) {
	keys := slices.Sorted(maps.Keys(t.base.m))
	var out []KV
	from := start
	if bookmark != "" {
		from = bookmark
	}
	for _, k := range keys {
		if k < from || k >= end {
			continue
		}
		if len(out) == pageSize {
			return out, k, nil
		}
		out = append(out, KV{k, bytes.Clone(t.base.m[k])})
	}
	return out, "", nil
}

// readPack decodes the pack record stored under key, as the chaincode reads
// it (every logged event's ID filled in).
func readPack(t testing.TB, key string, b []byte) *pack {
	t.Helper()
	p, err := decodePack(key, b, map[string]bool{})
	must(t, err)
	return p
}

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/medtrace/medtrace/chaincode/record"
)

// fakeStub is the part of the Fabric stub the contract uses; anything else
// panics through the nil embedded interface.
type fakeStub struct {
	shim.ChaincodeStubInterface
	state   map[string][]byte
	writes  map[string][]byte
	args    [][]byte
	txID    string
	creator []byte
	events  map[string][]byte
}

func (s *fakeStub) GetArgs() [][]byte { return s.args }
func (s *fakeStub) GetStringArgs() []string {
	out := make([]string, len(s.args))
	for i, a := range s.args {
		out[i] = string(a)
	}
	return out
}
func (s *fakeStub) GetFunctionAndParameters() (string, []string) {
	a := s.GetStringArgs()
	return a[0], a[1:]
}
func (s *fakeStub) GetTxID() string      { return s.txID }
func (s *fakeStub) GetChannelID() string { return "medtrace" }
func (s *fakeStub) GetTxTimestamp() (*timestamppb.Timestamp, error) {
	return timestamppb.New(txTime), nil
}
func (s *fakeStub) GetCreator() ([]byte, error) { return s.creator, nil }
func (s *fakeStub) GetState(k string) ([]byte, error) {
	return s.state[k], nil
}
func (s *fakeStub) PutState(k string, v []byte) error {
	s.writes[k] = v
	return nil
}
func (s *fakeStub) SetEvent(name string, payload []byte) error {
	s.events[name] = payload
	return nil
}

// attrOID is Fabric CA's attribute extension.
var attrOID = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}

// identities of the tests: who is "MSP" (its organisation's usual user:
// a regulator's administrator, any other organisation's user of its role)
// or "MSP/variant": "inspector" (a regulator's user who is no
// administrator), "bare" (a certificate without attributes), "site=GLN".
func attrsOf(who string) (string, map[string]string) {
	msp, variant, _ := strings.Cut(who, "/")
	role := map[string]string{"RegulatorMSP": "regulator", "ManufacturerMSP": "manufacturer", "PharmacyMSP": "pharmacy",
		"DistributorMSP": "distributor"}[msp]
	attrs := map[string]string{}
	if role != "" {
		attrs[record.AttrRole] = role
	}
	if role == "regulator" {
		attrs[record.AttrAdmin] = "true"
	}
	switch {
	case variant == "inspector":
		delete(attrs, record.AttrAdmin)
	case variant == "bare":
		attrs = nil
	case strings.HasPrefix(variant, "site="):
		attrs[record.AttrGLN] = strings.TrimPrefix(variant, "site=")
	case strings.HasPrefix(variant, "role="):
		attrs[record.AttrRole] = strings.TrimPrefix(variant, "role=")
	}
	return msp, attrs
}

// creator is a serialized identity of who (see attrsOf) with a fresh
// certificate carrying its attributes as Fabric CA writes them.
func creator(t testing.TB, who string) []byte {
	t.Helper()
	mspID, attrs := attrsOf(who)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "User1@" + mspID},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	if attrs != nil {
		v, err := json.Marshal(map[string]any{"attrs": attrs})
		if err != nil {
			t.Fatal(err)
		}
		tmpl.ExtraExtensions = []pkix.Extension{{Id: attrOID, Value: v}}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := proto.Marshal(&msp.SerializedIdentity{Mspid: mspID, IdBytes: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ledgerOf runs transactions through the real contract API dispatch.
type ledgerOf struct {
	t     testing.TB
	cc    *contractapi.ContractChaincode
	state map[string][]byte
	ids   map[string][]byte
	n     int
}

// txTime is every fake transaction's timestamp, and the fake peer's clock.
var txTime = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func newLedger(t testing.TB) *ledgerOf { return newLedgerAt(t, func() time.Time { return txTime }) }

// newLedgerAt is a ledger whose endorsing peer's clock is now.
func newLedgerAt(t testing.TB, now func() time.Time) *ledgerOf {
	cc, err := newChaincode(now, "RegulatorMSP")
	if err != nil {
		t.Fatal(err)
	}
	return &ledgerOf{t: t, cc: cc, state: map[string][]byte{}, ids: map[string][]byte{}}
}

// invoke runs fn as msp (a "who" of attrsOf) and commits its writes when it succeeds.
func (l *ledgerOf) invoke(msp string, fn string, args ...string) (int32, string, *fakeStub) {
	l.t.Helper()
	if l.ids[msp] == nil {
		l.ids[msp] = creator(l.t, msp)
	}
	l.n++
	st := &fakeStub{state: l.state, writes: map[string][]byte{}, txID: "tx" + string(rune('a'+l.n)), creator: l.ids[msp], events: map[string][]byte{}}
	st.args = append(st.args, []byte(fn))
	for _, a := range args {
		st.args = append(st.args, []byte(a))
	}
	res := l.cc.Invoke(st)
	if res.Status == shim.OK {
		for k, v := range st.writes {
			l.state[k] = v
		}
	}
	out := res.Message
	if res.Status == shim.OK {
		out = string(res.Payload)
	}
	return res.Status, out, st
}

func TestContract(t *testing.T) {
	l := newLedger(t)
	if st, msg, _ := l.invoke("ManufacturerMSP", "InitLedger", "RegulatorMSP"); st == shim.OK {
		t.Fatalf("a manufacturer bootstrapped the regulator: %s", msg)
	}
	steps := []struct{ msp, fn, a, b string }{
		{"RegulatorMSP", "InitLedger", "RegulatorMSP", ""},
		{"RegulatorMSP", "SetOrgRole", "ManufacturerMSP", "manufacturer"},
		{"RegulatorMSP", "SetCompanyPrefixes", "ManufacturerMSP", `["4012345"]`},
		{"RegulatorMSP", "SetLocations", "ManufacturerMSP", `["4012345000009"]`},
	}
	for _, s := range steps {
		args := []string{s.a}
		if s.b != "" {
			args = append(args, s.b)
		}
		if st, msg, _ := l.invoke(s.msp, s.fn, args...); st != shim.OK {
			t.Fatalf("%s: %d %s", s.fn, st, msg)
		}
	}
	t.Run("record", func(t *testing.T) {
		evs := `[{"id":"00000000-0000-7000-8000-000000000001","kind":"commission","time":"2026-11-02T08:00:00Z","location":"4012345000009","gtin":"04012345000016","serial":"S1","batch":"L1","expiry":"2028-12-31"},
		{"id":"00000000-0000-7000-8000-000000000002","kind":"dispense","time":"2026-11-02T08:00:00Z","location":"4012345000009","gtin":"04012345000016","serial":"S1"}]`
		st, out, stub := l.invoke("ManufacturerMSP", "RecordEvents", evs)
		if st != shim.OK {
			t.Fatalf("%d %s", st, out)
		}
		var res record.BatchResult
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatal(err)
		}
		if res.TxID != stub.txID || len(res.Results) != 2 || res.Results[0].Status != record.StatusAccepted ||
			res.Results[0].TxID != "" || res.Results[0].EventID != "" || res.Results[1].EventID != "" || res.Results[1].Reason != record.ReasonNotAuthorized {
			t.Fatalf("result %s", out)
		}
		var em record.Emission
		if len(stub.events) != 1 || json.Unmarshal(stub.events[record.EventName], &em) != nil || em.TxID != stub.txID || len(em.Recalls) != 0 {
			t.Fatalf("chaincode events %v", stub.events)
		}
		st, out, _ = l.invoke("ManufacturerMSP", "RecordEvents", evs)
		if st != shim.OK || json.Unmarshal([]byte(out), &res) != nil || res.Results[0].Status != record.StatusDuplicate || res.Results[0].TxID != stub.txID {
			t.Fatalf("replay: %d %s", st, out)
		}
	})
	t.Run("queries", func(t *testing.T) {
		st, out, _ := l.invoke("ManufacturerMSP", "Verify", "04012345000016", "S1", "L1", "")
		var v record.Verification
		if st != shim.OK || json.Unmarshal([]byte(out), &v) != nil || v.Status != record.PackActive {
			t.Fatalf("verify %d %s", st, out)
		}
		st, out, _ = l.invoke("ManufacturerMSP", "History", "04012345000016", "S1")
		var h []record.HistoryEntry
		if st != shim.OK || json.Unmarshal([]byte(out), &h) != nil || len(h) != 1 || h[0].TxID == "" {
			t.Fatalf("history %d %s", st, out)
		}
		if st, out, _ := l.invoke("ManufacturerMSP", "Contents", "340200000000000012"); st != shim.OK {
			t.Fatalf("contents %d %s", st, out)
		}
		if st, out, _ := l.invoke("ManufacturerMSP", "GetConfig"); st != shim.OK {
			t.Fatalf("config %d %s", st, out)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		tests := []struct {
			name, msp, fn string
			args          []string
		}{
			{"stranger records", "StrangerMSP", "RecordEvents", []string{`[{}]`}},
			{"malformed batch", "ManufacturerMSP", "RecordEvents", []string{`{`}},
			{"stranger verifies", "StrangerMSP", "Verify", []string{"04012345000016", "S1", "", ""}},
			{"bad GTIN", "ManufacturerMSP", "Verify", []string{"123", "S1", "", ""}},
			{"manufacturer sets roles", "ManufacturerMSP", "SetOrgRole", []string{"ManufacturerMSP", "regulator"}},
			{"prefixes not JSON", "RegulatorMSP", "SetCompanyPrefixes", []string{"ManufacturerMSP", "4012345"}},
			{"time limits by a manufacturer", "ManufacturerMSP", "SetTimeLimits", []string{"24h", ""}},
			{"time limits not durations", "RegulatorMSP", "SetTimeLimits", []string{"a day", ""}},
			{"page size not a number", "RegulatorMSP", "Export", []string{"", "ten"}},
			{"the inspector sets roles", "RegulatorMSP/inspector", "SetOrgRole", []string{"ManufacturerMSP", "regulator"}},
			{"the inspector sets locations", "RegulatorMSP/inspector", "SetLocations", []string{"ManufacturerMSP", `[]`}},
			{"the inspector sets time limits", "RegulatorMSP/inspector", "SetTimeLimits", []string{"24h", ""}},
			{"a certificate without attributes sets roles", "RegulatorMSP/bare", "SetOrgRole", []string{"ManufacturerMSP", "regulator"}},
			{"a certificate without a role records", "ManufacturerMSP/bare", "RecordEvents", []string{commissionS2}},
			{"a certificate of another role records", "ManufacturerMSP/role=pharmacy", "RecordEvents", []string{commissionS2}},
			{"a certificate of another role verifies", "ManufacturerMSP/role=pharmacy", "Verify", []string{"04012345000016", "S1", "", ""}},
			{"a certificate for a site not the organisation's", "ManufacturerMSP/site=4098765000010", "RecordEvents", []string{commissionS2}},
			{"the manufacturer bootstraps itself", "ManufacturerMSP", "InitLedger", []string{"ManufacturerMSP"}},
			{"the regulator's administrator names another regulator", "RegulatorMSP", "InitLedger", []string{"ManufacturerMSP"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if st, msg, stub := l.invoke(tt.msp, tt.fn, tt.args...); st == shim.OK || len(stub.events) != 0 {
					t.Fatalf("accepted: %d %s", st, msg)
				}
			})
		}
	})
	t.Run("certificates", func(t *testing.T) {
		if st, msg, _ := l.invoke("RegulatorMSP/inspector", "Verify", "04012345000016", "S1", "", ""); st != shim.OK {
			t.Fatalf("the inspector verifies: %d %s", st, msg)
		}
		if st, msg, _ := l.invoke("RegulatorMSP", "InitLedger", "RegulatorMSP"); st != shim.OK {
			t.Fatalf("the bootstrap again, by the regulator's administrator: %d %s", st, msg)
		}
		var res record.BatchResult
		st, out, _ := l.invoke("ManufacturerMSP/site=4012345000009", "RecordEvents", commissionS2)
		if st != shim.OK || json.Unmarshal([]byte(out), &res) != nil || res.Results[0].Status != record.StatusAccepted {
			t.Fatalf("a user at its own site: %d %s", st, out)
		}
	})
	t.Run("time limits", func(t *testing.T) {
		if st, msg, _ := l.invoke("RegulatorMSP", "SetTimeLimits", "48h", "2m"); st != shim.OK {
			t.Fatalf("%d %s", st, msg)
		}
		_, out, _ := l.invoke("ManufacturerMSP", "GetConfig")
		var cfg record.Config
		if err := json.Unmarshal([]byte(out), &cfg); err != nil || cfg.MaxEventLag() != 48*time.Hour || cfg.ClockSkew() != 2*time.Minute {
			t.Fatalf("config %s", out)
		}
	})
}

// commissionS2 commissions a second pack at the manufacturer's location.
const commissionS2 = `[{"id":"00000000-0000-7000-8000-000000000003","kind":"commission","time":"2026-11-02T08:00:00Z","location":"4012345000009","gtin":"04012345000016","serial":"S2","batch":"L1","expiry":"2028-12-31"}]`

// TestPeerClock: the chaincode compares the transaction's timestamp with
// the clock of the peer it runs beside, and refuses the whole transaction
// when they are too far apart.
func TestPeerClock(t *testing.T) {
	for _, tt := range []struct {
		name string
		peer time.Time
		ok   bool
	}{
		{"the same minute", txTime.Add(30 * time.Second), true},
		{"the peer 10 minutes later", txTime.Add(10 * time.Minute), false},
		{"the peer 10 minutes earlier", txTime.Add(-10 * time.Minute), false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newLedgerAt(t, func() time.Time { return tt.peer })
			for _, s := range [][]string{{"InitLedger", "RegulatorMSP"}, {"SetOrgRole", "ManufacturerMSP", "manufacturer"},
				{"SetCompanyPrefixes", "ManufacturerMSP", `["4012345"]`}} {
				if st, msg, _ := l.invoke("RegulatorMSP", s[0], s[1:]...); st != shim.OK {
					t.Fatalf("%s: %d %s", s[0], st, msg)
				}
			}
			evs := `[{"id":"00000000-0000-7000-8000-000000000001","kind":"commission","time":"2026-11-02T08:00:00Z","location":"4012345000009","gtin":"04012345000016","serial":"S1","batch":"L1","expiry":"2028-12-31"}]`
			st, msg, stub := l.invoke("ManufacturerMSP", "RecordEvents", evs)
			if (st == shim.OK) != tt.ok {
				t.Fatalf("status %d (%s), want ok=%v", st, msg, tt.ok)
			}
			if !tt.ok && (len(stub.writes) != 0 || len(stub.events) != 0 || !strings.Contains(msg, "clock")) {
				t.Fatalf("refused with %q, %d writes, %d events", msg, len(stub.writes), len(stub.events))
			}
		})
	}
}

// BenchmarkRecordEvents is RecordEvents through the contract API's dispatch
// (argument and result serialisation included) against an in-memory state:
// 100 new packs per transaction.
func BenchmarkRecordEvents(b *testing.B) {
	l := newLedger(b)
	for _, s := range [][]string{
		{"InitLedger", "RegulatorMSP"},
		{"SetOrgRole", "ManufacturerMSP", "manufacturer"},
		{"SetCompanyPrefixes", "ManufacturerMSP", `["4012345"]`},
		{"SetLocations", "ManufacturerMSP", `["4012345000009"]`},
	} {
		if st, msg, _ := l.invoke("RegulatorMSP", s[0], s[1:]...); st != shim.OK {
			b.Fatalf("%s: %d %s", s[0], st, msg)
		}
	}
	const n = 100
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		evs := make([]record.Event, n)
		for j := range evs {
			evs[j] = record.Event{Kind: record.KindCommission, Time: time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC),
				Location: "4012345000009", GTIN: "04012345000016", Serial: fmt.Sprintf("B%d-%d", i, j), Batch: "L1", Expiry: "2028-12-31"}
			evs[j].ID = record.ContentID(&evs[j])
		}
		raw, err := json.Marshal(evs)
		if err != nil {
			b.Fatal(err)
		}
		if st, msg, _ := l.invoke("ManufacturerMSP", "RecordEvents", string(raw)); st != shim.OK {
			b.Fatalf("%d %s", st, msg)
		}
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
}

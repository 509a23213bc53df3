package ledger

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/medtrace/medtrace/trace"
)

func TestClassOf(t *testing.T) {
	tests := []struct {
		name  string
		stage stage
		code  codes.Code
		want  error
	}{
		{"endorse unreachable", stageEndorse, codes.Unavailable, ErrUnavailable},
		{"endorse too slow", stageEndorse, codes.DeadlineExceeded, ErrUnavailable},
		{"chaincode error", stageEndorse, codes.Aborted, ErrRejected},
		{"access denied", stageEndorse, codes.PermissionDenied, ErrRejected},
		{"bad argument", stageEndorse, codes.InvalidArgument, ErrRejected},
		{"orderer unreachable", stageSubmit, codes.Unavailable, ErrUnavailable},
		{"orderer too slow", stageSubmit, codes.DeadlineExceeded, ErrCommitUnknown},
		{"orderer answered a failure status", stageSubmit, codes.Aborted, ErrUnavailable},
		{"orderer gave no clear answer", stageSubmit, codes.Unknown, ErrCommitUnknown},
		{"orderer refused the request", stageSubmit, codes.InvalidArgument, ErrRejected},
		{"status lost", stageStatus, codes.Unavailable, ErrCommitUnknown},
		{"status too slow", stageStatus, codes.DeadlineExceeded, ErrCommitUnknown},
		{"other transient", stageOther, codes.Unavailable, ErrUnavailable},
		{"other", stageOther, codes.Unknown, ErrRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := classOf(tt.stage, tt.code); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
		code string
	}{
		{"cancelled", context.Canceled, ErrUnavailable, ""},
		{"deadline", fmt.Errorf("wrapped: %w", context.DeadlineExceeded), ErrUnavailable, ""},
		{"plain error", errors.New("boom"), ErrRejected, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify("tx1", tt.err)
			var te *TxError
			if !errors.Is(err, tt.want) || !errors.As(err, &te) || te.TxID != "tx1" || !errors.Is(err, tt.err) {
				t.Fatalf("got %v, want class %v carrying tx1 and the cause", err, tt.want)
			}
		})
	}
	t.Run("read conflict is retried", func(t *testing.T) {
		err := invalidated("tx2", peer.TxValidationCode_MVCC_READ_CONFLICT)
		var te *TxError
		if !errors.Is(err, ErrUnavailable) || !errors.As(err, &te) || te.Code != "MVCC_READ_CONFLICT" {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("policy failure is a rejection", func(t *testing.T) {
		if err := invalidated("tx3", peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE); !errors.Is(err, ErrRejected) {
			t.Fatalf("got %v", err)
		}
	})
}

// identityFiles writes a self-signed ECDSA certificate and key.
func identityFiles(t *testing.T, keyMode os.FileMode) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "User1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key_sk")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), keyMode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(keyFile, keyMode); err != nil { // beyond the umask
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestDial(t *testing.T) {
	cert, key := identityFiles(t, 0o600)
	_, openKey := identityFiles(t, 0o644)
	_, groupKey := identityFiles(t, 0o640)
	base := Config{Endpoint: "127.0.0.1:1", ServerName: "peer0", TLSCACertFile: cert, MSPID: "PharmacyMSP",
		CertFile: cert, KeyFile: key, Channel: "medtrace", Chaincode: "medtrace"}
	tests := []struct {
		name    string
		edit    func(c *Config)
		wantErr bool
		perm    bool
	}{
		{"ok", func(c *Config) {}, false, false},
		{"key readable by others", func(c *Config) { c.KeyFile = openKey }, true, true},
		{"key readable by group", func(c *Config) { c.KeyFile = groupKey }, true, true},
		{"missing key", func(c *Config) { c.KeyFile = filepath.Join(t.TempDir(), "none") }, true, false},
		{"no endpoint", func(c *Config) { c.Endpoint = "" }, true, false},
		{"CA file is not PEM", func(c *Config) { c.TLSCACertFile = key }, true, false},
		{"certificate is a key", func(c *Config) { c.CertFile = key }, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.edit(&cfg)
			c, err := Dial(context.Background(), cfg)
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Close(); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				closeClient(t, c)
				t.Fatal("no error")
			}
			var pe *KeyPermissionError
			if errors.As(err, &pe) != tt.perm {
				t.Fatalf("err = %v, key permission error %v", err, tt.perm)
			}
			if tt.perm && !strings.Contains(err.Error(), "chmod 600") {
				t.Fatalf("the message does not say what to do: %v", err)
			}
		})
	}
	t.Run("unreachable peer is unavailable", func(t *testing.T) {
		c, err := Dial(context.Background(), base)
		if err != nil {
			t.Fatal(err)
		}
		defer closeClient(t, c)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err = c.Submit(ctx, []trace.Event{{ID: "00000000-0000-7000-8000-000000000001", Kind: trace.KindDispense}})
		var te *TxError
		if !errors.Is(err, ErrUnavailable) || !errors.As(err, &te) || te.TxID == "" {
			t.Fatalf("err = %v, want ErrUnavailable with a TxID", err)
		}
		if _, err := c.Verify(ctx, "04012345000016", "S1", "", ""); !errors.Is(err, ErrUnavailable) {
			t.Fatalf("verify err = %v", err)
		}
	})
}

func TestParseProfile(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "connection.json"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseProfile(good)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := p.Config("pharmacy")
	if err != nil || cfg.MSPID != "PharmacyMSP" || cfg.KeyFile != "/state/ph/key_sk" || cfg.ServerName != "peer0.peer.medtrace.test" {
		t.Fatalf("config %+v %v", cfg, err)
	}
	if _, err := p.Config("regulator"); err == nil {
		t.Fatal("a missing role gave a config")
	}
	tests := []struct{ name, doc string }{
		{"not JSON", `{`},
		{"no channel", `{"chaincode":"m","peer":{"endpoint":"e","tlsCACert":"c"},"identities":{"a":{"mspId":"M","cert":"c","key":"k"}}}`},
		{"no peer", `{"channel":"c","chaincode":"m","identities":{"a":{"mspId":"M","cert":"c","key":"k"}}}`},
		{"no identities", `{"channel":"c","chaincode":"m","peer":{"endpoint":"e","tlsCACert":"c"}}`},
		{"identity without key", `{"channel":"c","chaincode":"m","peer":{"endpoint":"e","tlsCACert":"c"},"identities":{"a":{"mspId":"M","cert":"c"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseProfile([]byte(tt.doc)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func FuzzParseProfile(f *testing.F) {
	good, err := os.ReadFile(filepath.Join("testdata", "connection.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseProfile(b)
		if err != nil {
			return
		}
		for _, r := range p.Roles() {
			if _, err := p.Config(r); err != nil {
				t.Fatalf("role %s listed but no config: %v", r, err)
			}
		}
	})
}

// envelope builds a RecordEvents transaction of one event, e1, with a
// chaincode response and event, that wrote pack S1 as dispensed (and keys
// of other kinds and of another namespace).
func envelope(t testing.TB, txID, cc string, response, event []byte) []byte {
	t.Helper()
	m := func(p proto.Message) []byte {
		b, err := proto.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	kv := &kvrwset.KVRWSet{Writes: []*kvrwset.KVWrite{
		{Key: "e:e0", Value: []byte(`{"h":"x"}`)},
		{Key: "p:04012345000016:S1", Value: []byte(`{"g":"04012345000016","s":"S1","b":"L1","x":"2028-12-31","st":"dispensed","lk":"dispense","lt":"2026-11-02T09:00:00Z","ev":["e0",""],"lg":[{"i":"e1"}]}`)},
		{Key: "p:04012345000016:S2", IsDelete: true},
		{Key: "u:340123450000000012", Value: []byte(`{"c":"340123450000000012","st":"active","l":"4054321000016","ch":["04012345000016/S1"],"ev":["e0"],"h":"PharmacyMSP"}`)},
		{Key: "l:u:340123450000000012#0", Value: []byte(`{"ev":["ex"]}`)}, // a chunk of its events: not a unit
	}}
	other := &kvrwset.KVRWSet{Writes: []*kvrwset.KVWrite{{Key: "p:04012345000016:S3", Value: []byte(`not a pack`)}}}
	results := &rwset.TxReadWriteSet{DataModel: rwset.TxReadWriteSet_KV, NsRwset: []*rwset.NsReadWriteSet{
		{Namespace: "_lifecycle", Rwset: m(other)}, {Namespace: cc, Rwset: m(kv)}}}
	action := &peer.ChaincodeAction{Results: m(results), Response: &peer.Response{Status: 200, Payload: response}}
	if event != nil {
		action.Events = m(&peer.ChaincodeEvent{ChaincodeId: cc, TxId: txID, EventName: "medtrace", Payload: event})
	}
	prp := &peer.ProposalResponsePayload{Extension: m(action)}
	call := &peer.ChaincodeInvocationSpec{ChaincodeSpec: &peer.ChaincodeSpec{ChaincodeId: &peer.ChaincodeID{Name: cc},
		Input: &peer.ChaincodeInput{Args: [][]byte{[]byte("RecordEvents"), []byte(`[{"id":"e1","kind":"dispense"}]`)}}}}
	cpl := &peer.ChaincodeActionPayload{ChaincodeProposalPayload: m(&peer.ChaincodeProposalPayload{Input: m(call)}),
		Action: &peer.ChaincodeEndorsedAction{ProposalResponsePayload: m(prp)}}
	tx := &peer.Transaction{Actions: []*peer.TransactionAction{{Payload: m(cpl)}}}
	ch := &common.ChannelHeader{Type: int32(common.HeaderType_ENDORSER_TRANSACTION), TxId: txID, ChannelId: "medtrace",
		Timestamp: timestamppb.New(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))}
	payload := &common.Payload{Header: &common.Header{ChannelHeader: m(ch)}, Data: m(tx)}
	return m(&common.Envelope{Payload: m(payload)})
}

func configEnvelope(t testing.TB) []byte {
	ch, _ := proto.Marshal(&common.ChannelHeader{Type: int32(common.HeaderType_CONFIG)})
	payload, _ := proto.Marshal(&common.Payload{Header: &common.Header{ChannelHeader: ch}})
	b, _ := proto.Marshal(&common.Envelope{Payload: payload})
	return b
}

func testBlock(t testing.TB) *common.Block {
	em := trace.Emission{TxID: "tx1"}
	evJSON, _ := json.Marshal(em)
	res, _ := json.Marshal(trace.BatchResult{TxID: "tx1", Results: []trace.Result{{Status: trace.StatusAccepted}}}) // as the chaincode sends it
	md := make([][]byte, 5)
	md[common.BlockMetadataIndex_TRANSACTIONS_FILTER] = []byte{byte(peer.TxValidationCode_VALID), byte(peer.TxValidationCode_MVCC_READ_CONFLICT), 0, byte(peer.TxValidationCode_VALID)}
	return &common.Block{
		Header: &common.BlockHeader{Number: 7},
		Data: &common.BlockData{Data: [][]byte{
			envelope(t, "tx1", "medtrace", res, evJSON),
			envelope(t, "tx2", "medtrace", res, evJSON), // invalidated
			configEnvelope(t),
			envelope(t, "tx4", "other", res, evJSON), // another chaincode
		}},
		Metadata: &common.BlockMetadata{Metadata: md},
	}
}

func TestBlockEvents(t *testing.T) {
	c := &Client{cfg: Config{Chaincode: "medtrace"}}
	be, err := c.blockEvents(testBlock(t))
	if err != nil {
		t.Fatal(err)
	}
	if be.Block != 7 || len(be.Txs) != 1 || be.Txs[0].TxID != "tx1" || be.Time.IsZero() {
		t.Fatalf("got %+v", be)
	}
	want := []trace.PackChange{{GTIN: "04012345000016", Serial: "S1", Batch: "L1", Expiry: "2028-12-31", Status: trace.PackDispensed,
		LastEvent: "e1", LastKind: trace.KindDispense, LastTime: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}}
	if !slices.Equal(be.Txs[0].Packs, want) {
		t.Fatalf("packs written %+v, want %+v", be.Txs[0].Packs, want)
	}
	wantUnits := []trace.UnitChange{{SSCC: "340123450000000012", Status: trace.PackActive, Location: "4054321000016",
		Children: []string{"04012345000016/S1"}, Holder: &trace.Party{MSP: "PharmacyMSP", GLN: "4054321000016"}}}
	if !reflect.DeepEqual(be.Txs[0].Units, wantUnits) {
		t.Fatalf("units written %+v, want %+v", be.Txs[0].Units, wantUnits)
	}
	txs, err := decodeBlock(testBlock(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 3 || txs[1].valid != peer.TxValidationCode_MVCC_READ_CONFLICT {
		t.Fatalf("decoded %+v", txs)
	}
	var res trace.BatchResult
	if err := json.Unmarshal(txs[0].response, &res); err != nil || res.Results[0].Status != trace.StatusAccepted {
		t.Fatalf("response %s: %v", txs[0].response, err)
	}
	ids, err := txs[0].eventIDs()
	if err != nil || !slices.Equal(ids, []string{"e1"}) {
		t.Fatalf("event IDs %q, %v", ids, err)
	}
	bad := testBlock(t)
	bad.Data.Data[0] = []byte{0xff, 0xff}
	if _, err := decodeBlock(bad); err == nil {
		t.Fatal("a corrupt valid envelope decoded")
	}
	bad.Data.Data[0], bad.Data.Data[1] = bad.Data.Data[1], []byte{0xff, 0xff} // now the corrupt one is invalid
	if txs, err := decodeBlock(bad); err != nil || len(txs) != 2 {
		t.Fatalf("a corrupt invalidated envelope: %d txs, %v", len(txs), err)
	}
}

func FuzzDecodeBlock(f *testing.F) {
	b, err := proto.Marshal(testBlock(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, raw []byte) {
		blk := &common.Block{}
		if proto.Unmarshal(raw, blk) != nil {
			return
		}
		c := &Client{cfg: Config{Chaincode: "medtrace"}}
		_, _ = c.blockEvents(blk) // must not panic
	})
}

func TestSeedHelpers(t *testing.T) {
	id := seedID("x")
	if id != seedID("x") || id == seedID("y") || len(id) != 36 || id[14] != '8' {
		t.Fatalf("seed ID %s", id)
	}
	s := seedSerial(3, 7, "")
	if len(s) != 12 || s != seedSerial(3, 7, "") || s == seedSerial(3, 7, "-5x200") || strings.ContainsAny(s, "01IO") {
		t.Fatalf("serial %s", s)
	}
}

func TestTxError(t *testing.T) {
	cause := errors.New("gone")
	err := fmt.Errorf("sync: %w", &TxError{TxID: "abc", Class: ErrCommitUnknown, Err: cause})
	var te *TxError
	if !errors.Is(err, ErrCommitUnknown) || !errors.Is(err, cause) || !errors.As(err, &te) || te.TxID != "abc" {
		t.Fatalf("%v", err)
	}
	if errors.Is(err, ErrRejected) {
		t.Fatal("wrong class matched")
	}
}

// TestComplete checks how results are matched to the events sent.
func TestComplete(t *testing.T) {
	tests := []struct {
		name    string
		results []trace.Result
		ids     []string
		want    []trace.Result
		wantErr bool
	}{
		{"as the chaincode sends them", []trace.Result{{Status: trace.StatusAccepted}, {Status: trace.StatusDuplicate, TxID: "old"}},
			[]string{"a", "b"}, []trace.Result{{EventID: "a", Status: trace.StatusAccepted, TxID: "tx"}, {EventID: "b", Status: trace.StatusDuplicate, TxID: "old"}}, false},
		{"from a chaincode that names them", []trace.Result{{EventID: "a", Status: trace.StatusRejected}},
			[]string{"a"}, []trace.Result{{EventID: "a", Status: trace.StatusRejected, TxID: "tx"}}, false},
		{"one result missing", []trace.Result{{Status: trace.StatusAccepted}}, []string{"a", "b"}, nil, true},
		{"one result too many", []trace.Result{{Status: trace.StatusAccepted}, {Status: trace.StatusAccepted}}, []string{"a"}, nil, true},
		{"a result for another event", []trace.Result{{EventID: "b", Status: trace.StatusAccepted}}, []string{"a"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := trace.BatchResult{TxID: "tx", Results: tt.results}
			err := r.Complete(tt.ids)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want one: %v", err, tt.wantErr)
			}
			if err == nil && !slices.Equal(r.Results, tt.want) {
				t.Fatalf("got %+v, want %+v", r.Results, tt.want)
			}
		})
	}
}

package ledger

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/medtrace/medtrace/trace"
)

// fakeGateway is a gRPC Gateway service on 127.0.0.1 that fails the
// stage told to fail with a gRPC status, as a real peer's gateway does
// (codes and messages from Fabric 2.5's internal/pkg/gateway).
type fakeGateway struct {
	gateway.UnimplementedGatewayServer
	failAt   stage
	code     codes.Code
	msg      string
	txStatus peer.TxValidationCode // the commit status when nothing fails
	result   []byte                // the chaincode's answer in the endorsed transaction
	t        testing.TB
}

func (g *fakeGateway) fail(s stage) error {
	if g.failAt == s && g.code != codes.OK {
		return status.Error(g.code, g.msg)
	}
	return nil
}

func (g *fakeGateway) Endorse(_ context.Context, r *gateway.EndorseRequest) (*gateway.EndorseResponse, error) {
	if err := g.fail(stageEndorse); err != nil {
		return nil, err
	}
	env := &common.Envelope{}
	if err := proto.Unmarshal(envelope(g.t, r.GetTransactionId(), "medtrace", g.result, nil), env); err != nil {
		return nil, err
	}
	return &gateway.EndorseResponse{PreparedTransaction: env}, nil
}

func (g *fakeGateway) Submit(context.Context, *gateway.SubmitRequest) (*gateway.SubmitResponse, error) {
	if err := g.fail(stageSubmit); err != nil {
		return nil, err
	}
	return &gateway.SubmitResponse{}, nil
}

func (g *fakeGateway) CommitStatus(context.Context, *gateway.SignedCommitStatusRequest) (*gateway.CommitStatusResponse, error) {
	if err := g.fail(stageStatus); err != nil {
		return nil, err
	}
	return &gateway.CommitStatusResponse{Result: g.txStatus, BlockNumber: 7}, nil
}

// serverTLS writes a self-signed certificate for 127.0.0.1 and returns the
// server's TLS config and the certificate's file (the client's CA).
func serverTLS(t *testing.T, dir string) (*tls.Config, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "peer0.test"},
		DNSNames: []string{"peer0.test"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(dir, "tlsca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, caFile
}

// startFake serves g over TLS and returns a client Config for it.
func startFake(t *testing.T, g gateway.GatewayServer) Config {
	t.Helper()
	dir := t.TempDir()
	tlsCfg, caFile := serverTLS(t, dir)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(tlsCfg)))
	gateway.RegisterGatewayServer(srv, g)
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(lis) }()
	t.Cleanup(func() { srv.Stop(); <-done })
	cert, key := identityFiles(t, 0o600)
	return Config{Endpoint: lis.Addr().String(), ServerName: "peer0.test", TLSCACertFile: caFile, MSPID: "Org1MSP",
		CertFile: cert, KeyFile: key, Channel: "medtrace", Chaincode: "medtrace"}
}

// TestSubmitClassification sends a one-event RecordEvents transaction
// through the real fabric-gateway client to a fake gateway that fails
// each stage with the codes a real one answers, and checks the class of
// the error Submit returns. Only the commit of a result with the
// chaincode's per-event verdict is an answer about the event; everything
// here is a class the sync engine keeps the event pending on.
func TestSubmitClassification(t *testing.T) {
	answer := []byte(`{"txId":"","results":[{"status":"accepted"}]}`)
	tests := []struct {
		name     string
		failAt   stage
		code     codes.Code
		msg      string
		txStatus peer.TxValidationCode
		want     error
		wantCode string
	}{
		{"peer gateway unreachable", stageEndorse, codes.Unavailable, "connection refused", 0, ErrUnavailable, ""},
		{"endorsement timeout", stageEndorse, codes.DeadlineExceeded, "endorsement timeout expired while collecting first endorsement", 0, ErrUnavailable, ""},
		{"chaincode could not be launched", stageEndorse, codes.Aborted, "failed to endorse transaction, see attached details for more info", 0, ErrRejected, ""},
		{"chaincode not initialised", stageEndorse, codes.Aborted, "failed to endorse transaction, see attached details for more info", 0, ErrRejected, ""},
		{"too few organisations for the endorsement policy", stageEndorse, codes.FailedPrecondition, "no combination of peers can be derived which satisfy the endorsement policy", 0, ErrUnavailable, ""},
		{"access denied", stageEndorse, codes.PermissionDenied, "access denied", 0, ErrRejected, ""},
		{"no orderer reachable", stageSubmit, codes.Unavailable, "no orderers could successfully process transaction", 0, ErrUnavailable, ""},
		{"orderer failure status", stageSubmit, codes.Aborted, "received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE", 0, ErrUnavailable, ""},
		{"orderer timeout", stageSubmit, codes.DeadlineExceeded, "submit timeout expired while broadcasting to ordering service", 0, ErrCommitUnknown, ""},
		{"commit status lost", stageStatus, codes.Unavailable, "peer went away", 0, ErrCommitUnknown, ""},
		{"commit status aborted", stageStatus, codes.Aborted, "failed to read the block", 0, ErrCommitUnknown, ""},
		{"read conflict", stageOther, codes.OK, "", peer.TxValidationCode_MVCC_READ_CONFLICT, ErrUnavailable, "MVCC_READ_CONFLICT"},
		{"policy failure", stageOther, codes.OK, "", peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE, ErrRejected, "ENDORSEMENT_POLICY_FAILURE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &fakeGateway{failAt: tt.failAt, code: tt.code, msg: tt.msg, txStatus: tt.txStatus, result: answer, t: t}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			c, err := Dial(ctx, startFake(t, g))
			if err != nil {
				t.Fatal(err)
			}
			defer closeClient(t, c)
			_, err = c.Submit(ctx, []trace.Event{{ID: "e1", Kind: trace.KindDispense}})
			var te *TxError
			if !errors.As(err, &te) || te.TxID == "" || !errors.Is(err, tt.want) || te.Code != tt.wantCode {
				t.Fatalf("err = %v, want a TxError of class %v (code %q)", err, tt.want, tt.wantCode)
			}
			if tt.code != codes.OK && status.Code(err) != tt.code {
				t.Errorf("the gRPC code %v is lost from the error: %v", tt.code, status.Code(err))
			}
		})
	}
	t.Run("committed", func(t *testing.T) {
		g := &fakeGateway{failAt: stageOther, result: answer, t: t}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := Dial(ctx, startFake(t, g))
		if err != nil {
			t.Fatal(err)
		}
		defer closeClient(t, c)
		res, err := c.Submit(ctx, []trace.Event{{ID: "e1", Kind: trace.KindDispense}})
		if err != nil || res.Block != 7 || len(res.Results) != 1 || res.Results[0].EventID != "e1" {
			t.Fatalf("got %+v, %v", res, err)
		}
	})
	t.Run("TLS failure", func(t *testing.T) {
		g := &fakeGateway{failAt: stageOther, result: answer, t: t}
		cfg := startFake(t, g)
		_, otherCA := serverTLS(t, t.TempDir()) // not the CA of the server's certificate
		cfg.TLSCACertFile = otherCA
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := Dial(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer closeClient(t, c)
		_, err = c.Submit(ctx, []trace.Event{{ID: "e1", Kind: trace.KindDispense}})
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
	})
}

// closeClient closes a client, failing the test if that fails.
func closeClient(t *testing.T, c *Client) {
	t.Helper()
	if err := c.Close(); err != nil {
		t.Error(err)
	}
}

package ledger

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestProfileConsortiumIdentity: on a consortium an identity names its own
// organisation's peer and its TLS client pair; the profile checks they go
// together and Config hands them to Dial.
func TestProfileConsortiumIdentity(t *testing.T) {
	const head = `{"channel":"medtrace","chaincode":"medtrace",
	 "peer":{"endpoint":"127.0.0.1:1","serverName":"peer0.regulator","tlsCACert":"/ca/regulator.pem","mspId":"RegulatorMSP"},
	 "identities":{"pharmacy":`
	tests := []struct {
		name    string
		id      string
		wantErr bool
	}{
		{"own peer and TLS pair", `{"mspId":"PharmacyMSP","cert":"c","key":"k","tlsCert":"tc","tlsKey":"tk",
			"peer":{"endpoint":"127.0.0.1:2","serverName":"peer0.pharmacy","tlsCACert":"/ca/pharmacy.pem","mspId":"PharmacyMSP"}}`, false},
		{"no own peer", `{"mspId":"PharmacyMSP","cert":"c","key":"k","tlsCert":"tc","tlsKey":"tk"}`, false},
		{"TLS certificate without its key", `{"mspId":"PharmacyMSP","cert":"c","key":"k","tlsCert":"tc"}`, true},
		{"TLS key without its certificate", `{"mspId":"PharmacyMSP","cert":"c","key":"k","tlsKey":"tk"}`, true},
		{"own peer without an endpoint", `{"mspId":"PharmacyMSP","cert":"c","key":"k","peer":{"tlsCACert":"/ca/p.pem"}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseProfile([]byte(head + tt.id + `}}`))
			if tt.wantErr {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := p.Config("pharmacy")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.TLSCertFile != "tc" || cfg.TLSKeyFile != "tk" {
				t.Errorf("TLS pair %q, %q", cfg.TLSCertFile, cfg.TLSKeyFile)
			}
			want := p.Peer
			if id := p.Identities["pharmacy"]; id.Peer != nil {
				want = *id.Peer
			}
			if cfg.Endpoint != want.Endpoint || cfg.TLSCACertFile != want.TLSCACert || cfg.PeerMSPID != want.MSPID {
				t.Errorf("config %s %s %s, want the peer %+v", cfg.Endpoint, cfg.TLSCACertFile, cfg.PeerMSPID, want)
			}
		})
	}
}

// TestDialRefusesAReadableTLSKey: the TLS client key, like the identity's
// key, must be readable by its owner only.
func TestDialRefusesAReadableTLSKey(t *testing.T) {
	cert, key := identityFiles(t, 0o600)
	_, tlsKey := identityFiles(t, 0o644)
	cfg := Config{Endpoint: "127.0.0.1:1", TLSCACertFile: cert, MSPID: "PharmacyMSP", CertFile: cert, KeyFile: key,
		TLSCertFile: cert, TLSKeyFile: tlsKey, Channel: "medtrace", Chaincode: "medtrace"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := Dial(ctx, cfg)
	var kpe *KeyPermissionError
	if !errors.As(err, &kpe) || kpe.Path != tlsKey {
		t.Fatalf("Dial with a TLS key of mode 0644: %v, want a KeyPermissionError for it", err)
	}
}

package ledger

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestProfileLoadsOnlyTheChosenIdentity: a demo profile names every role's
// user and the regulator's administrator; connecting as one role reads
// that user's certificate and key only (the others' files may be missing
// or unreadable), and the administrator is only reached by name.
func TestProfileLoadsOnlyTheChosenIdentity(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pharmacy"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	for name, b := range map[string][]byte{"ca.pem": certPEM, "ph-cert.pem": certPEM,
		"ph-key.pem": pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// The manufacturer's and the administrator's files do not exist.
	doc := `{"channel":"medtrace","chaincode":"medtrace",
	 "peer":{"endpoint":"127.0.0.1:1","serverName":"peer0","tlsCACert":"` + filepath.Join(dir, "ca.pem") + `"},
	 "identities":{"pharmacy":{"mspId":"PharmacyMSP","cert":"` + filepath.Join(dir, "ph-cert.pem") + `","key":"` + filepath.Join(dir, "ph-key.pem") + `"},
	               "manufacturer":{"mspId":"ManufacturerMSP","cert":"` + filepath.Join(dir, "none-cert.pem") + `","key":"` + filepath.Join(dir, "none-key.pem") + `"}},
	 "admins":{"regulator":{"mspId":"RegulatorMSP","cert":"` + filepath.Join(dir, "adm-cert.pem") + `","key":"` + filepath.Join(dir, "adm-key.pem") + `"}}}`
	p, err := ParseProfile([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := p.DialRole(ctx, "pharmacy")
	if err != nil {
		t.Fatalf("the pharmacy's identity needs another's files: %v", err)
	}
	_ = c.Close() // nothing was sent
	if _, err := p.DialRole(ctx, "manufacturer"); err == nil {
		t.Fatal("dialled the manufacturer without its files")
	}
	if _, err := p.Config("regulator"); err == nil {
		t.Fatal("the administrator is reachable as a role")
	}
	cfg, err := p.AdminConfig("regulator")
	if err != nil || cfg.MSPID != "RegulatorMSP" || cfg.KeyFile != filepath.Join(dir, "adm-key.pem") {
		t.Fatalf("admin config %+v %v", cfg, err)
	}
	if _, err := p.AdminConfig("pharmacy"); !errors.Is(err, ErrNoAdmin) {
		t.Fatalf("err = %v, want ErrNoAdmin", err)
	}
	if _, err := ParseProfile([]byte(`{"channel":"c","chaincode":"m","peer":{"endpoint":"e","tlsCACert":"c"},
		"identities":{"a":{"mspId":"M","cert":"c","key":"k"}},"admins":{"regulator":{"mspId":"R","cert":"c"}}}`)); err == nil {
		t.Fatal("an administrator without a key was accepted")
	}
}

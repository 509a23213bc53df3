package network

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fakeCAs lays out, for every client organisation, a CA (certificate and
// PKCS#8 key, as cryptogen writes them) and an MSP directory.
func fakeCAs(t testing.TB, l layout, start time.Time) {
	t.Helper()
	for _, o := range Orgs() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca." + o.Domain, Organization: []string{o.Domain}},
			NotBefore: start, NotAfter: start.Add(10 * 365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		kd, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile := l.orgCA(o.Domain)
		cacerts := filepath.Join(l.orgDir(o.Domain), "msp", "cacerts")
		for _, d := range []string{filepath.Dir(certFile), cacerts} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		for path, b := range map[string][]byte{certFile: certPEM, filepath.Join(cacerts, filepath.Base(certFile)): certPEM,
			keyFile: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}),
			filepath.Join(l.orgDir(o.Domain), "msp", "config.yaml"): []byte("NodeOUs:\n  Enable: true\n")} {
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestIssueUsers(t *testing.T) {
	l := layout{t.TempDir()}
	caStart := time.Now().Add(-time.Minute).Truncate(time.Minute)
	fakeCAs(t, l, caStart)
	if l.usersIssued() {
		t.Fatal("users issued before issueUsers")
	}
	if err := issueUsers(l, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !l.usersIssued() {
		t.Fatal("users not issued")
	}
	want := map[string]map[string]string{
		"manufacturer":    {AttrRole: "manufacturer", AttrGLN: "4012345000009"},
		"distributor":     {AttrRole: "distributor", AttrGLN: "4098765000010"},
		"pharmacy":        {AttrRole: "pharmacy", AttrGLN: "4054321000016"},
		"regulator":       {AttrRole: "regulator", AttrGLN: "4000001000012"},
		"regulator-admin": {AttrRole: "regulator", AttrGLN: "4000001000012", AttrAdmin: "true"},
	}
	for _, u := range Users() {
		t.Run(u.Name, func(t *testing.T) {
			b, err := os.ReadFile(l.userCertFile(u))
			if err != nil {
				t.Fatal(err)
			}
			got, err := CertAttributes(b)
			if err != nil || !maps.Equal(got, want[u.Name]) {
				t.Fatalf("attributes %v (%v), want %v", got, err, want[u.Name])
			}
			cert, err := readCert(l.userCertFile(u))
			if err != nil {
				t.Fatal(err)
			}
			ca, err := readCert(func() string { c, _ := l.orgCA(u.Org.Domain); return c }())
			if err != nil {
				t.Fatal(err)
			}
			pool := x509.NewCertPool()
			pool.AddCert(ca)
			// Fabric's MSP checks the chain as of the certificate's start.
			if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: cert.NotBefore.Add(time.Second),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				t.Fatalf("not issued by its organisation's CA: %v", err)
			}
			if len(cert.Subject.OrganizationalUnit) != 1 || cert.Subject.OrganizationalUnit[0] != "client" {
				t.Fatalf("OU %v, want client", cert.Subject.OrganizationalUnit)
			}
			if fi, err := os.Stat(l.userKeyFile(u)); err != nil || fi.Mode().Perm() != 0o600 {
				t.Fatalf("key %v %v", fi, err)
			}
			if _, err := readKey(l.userKeyFile(u)); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(l.userMSP(u), "config.yaml")); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Run("issued once", func(t *testing.T) {
		before, _ := os.ReadFile(l.userCertFile(Users()[0]))
		if err := issueUsers(l, time.Now()); err != nil {
			t.Fatal(err)
		}
		after, _ := os.ReadFile(l.userCertFile(Users()[0]))
		if string(before) != string(after) {
			t.Fatal("a second issueUsers replaced a certificate")
		}
	})
	t.Run("a further user", func(t *testing.T) {
		id, err := IssueUser(l.root, UserSpec{Org: "pharmacy", Name: "pharmacy-b", GLN: "4099999000036"})
		if err != nil || id.MSPID != "PharmacyMSP" {
			t.Fatalf("%+v %v", id, err)
		}
		b, _ := os.ReadFile(id.Cert)
		if got, _ := CertAttributes(b); got[AttrGLN] != "4099999000036" || got[AttrAdmin] != "" {
			t.Fatalf("attributes %v", got)
		}
		id, err = IssueUser(l.root, UserSpec{Org: "pharmacy", Name: "pharmacy-as-manufacturer", Role: "manufacturer"})
		if err != nil {
			t.Fatal(err)
		}
		b, _ = os.ReadFile(id.Cert)
		if got, _ := CertAttributes(b); got[AttrRole] != "manufacturer" || got[AttrGLN] != "" {
			t.Fatalf("attributes %v", got)
		}
		for _, bad := range []struct{ role, name string }{{"king", "x"}, {"pharmacy", "../x"}, {"pharmacy", ""}} {
			if _, err := IssueUser(l.root, UserSpec{Org: bad.role, Name: bad.name}); err == nil {
				t.Errorf("IssueUser(%q, %q) issued", bad.role, bad.name)
			}
		}
	})
}

// FuzzCertAttributes: any bytes give attributes or an error, never a panic.
func FuzzCertAttributes(f *testing.F) {
	l := layout{f.TempDir()}
	fakeCAs(f, l, time.Now().Add(-time.Minute))
	if err := issueUsers(l, time.Now()); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(l.userCertFile(Users()[0]))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		attrs, err := CertAttributes(b)
		if err != nil && attrs != nil {
			t.Fatalf("attributes %v beside error %v", attrs, err)
		}
	})
}

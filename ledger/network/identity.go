package network

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// Certificate attributes the chaincode authorises from (chaincode/record:
// AttrRole, AttrGLN, AttrAdmin).
const (
	AttrRole  = "medtrace.role"
	AttrGLN   = "medtrace.gln"
	AttrAdmin = "medtrace.admin"
)

// attrOID is Fabric CA's attribute extension: its value is JSON
// {"attrs":{name:value}}, read by the chaincode with pkg/cid.
var attrOID = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}

// User is a user identity the local network issues: a certificate from its
// organisation's CA naming, as attributes, its role, its site and whether
// it administers the ledger's configuration.
type User struct {
	Name  string // file and profile name: the role, or "regulator-admin"
	Org   Org
	GLN   string // its site ("" for none)
	Admin bool   // a regulator's administrator (medtrace.admin=true)
	// Role is the role the certificate names; "" names its organisation's.
	Role string
}

// Users returns the users of the local network: one per organisation, at
// its location, in its role; and the regulator's administrator, the only
// one who may change the ledger's configuration (the regulator's user is
// the inspectors' app, which may not).
func Users() []User {
	var out []User
	for _, o := range Orgs() {
		out = append(out, User{Name: o.Role, Org: o, GLN: o.GLN})
		if o.Role == "regulator" {
			out = append(out, User{Name: "regulator-admin", Org: o, GLN: o.GLN, Admin: true})
		}
	}
	return out
}

// attrs is the certificate's attribute set.
func (u User) attrs() map[string]string {
	role := u.Role
	if role == "" {
		role = u.Org.Role
	}
	a := map[string]string{AttrRole: role}
	if u.GLN != "" {
		a[AttrGLN] = u.GLN
	}
	if u.Admin {
		a[AttrAdmin] = "true"
	}
	return a
}

// userMSP is user u's MSP directory, laid out as Fabric's tools expect
// (signcerts/cert.pem, keystore/priv_sk, cacerts/, config.yaml), so the
// peer CLI can act as the user too.
func (l layout) userMSP(u User) string {
	return filepath.Join(l.orgDir(u.Org.Domain), "medtrace-users", u.Name, "msp")
}
func (l layout) userCertFile(u User) string {
	return filepath.Join(l.userMSP(u), "signcerts", "cert.pem")
}
func (l layout) userKeyFile(u User) string { return filepath.Join(l.userMSP(u), "keystore", "priv_sk") }
func (l layout) orgCA(domain string) (cert, key string) {
	ca := filepath.Join(l.orgDir(domain), "ca")
	return filepath.Join(ca, "ca."+domain+"-cert.pem"), filepath.Join(ca, "priv_sk")
}

// usersIssued reports whether every user's certificate and key exist.
func (l layout) usersIssued() bool {
	for _, u := range Users() {
		for _, f := range []string{l.userCertFile(u), l.userKeyFile(u)} {
			if _, err := os.Stat(f); err != nil {
				return false
			}
		}
	}
	return true
}

// issueUsers issues every user that has no certificate yet, each signed by
// its organisation's CA (cryptogen's), as Fabric CA would: organisational
// unit "client" (the MSP's Node OU for clients) and the attributes.
func issueUsers(l layout, now time.Time) error {
	for _, u := range Users() {
		if _, err := os.Stat(l.userCertFile(u)); err == nil {
			if _, err := os.Stat(l.userKeyFile(u)); err == nil {
				continue
			}
		}
		if err := issueUser(l, u, now); err != nil {
			return fmt.Errorf("issue the certificate of %s: %w", u.Name, err)
		}
	}
	return nil
}

func issueUser(l layout, u User, now time.Time) error {
	caCertFile, caKeyFile := l.orgCA(u.Org.Domain)
	caCert, err := readCert(caCertFile)
	if err != nil {
		return err
	}
	caKey, err := readKey(caKeyFile)
	if err != nil {
		return err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	ext, err := json.Marshal(map[string]any{"attrs": u.attrs()})
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	ski := sha256.Sum256(pub)
	// Fabric's MSP checks the chain as of the certificate's start (plus a
	// second): it may not start before its CA does.
	notBefore := now.Add(-5 * time.Minute)
	if notBefore.Before(caCert.NotBefore) {
		notBefore = caCert.NotBefore
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject: pkix.Name{CommonName: u.Name + "@" + u.Org.Domain, OrganizationalUnit: []string{"client"},
			Organization: caCert.Subject.Organization, Country: caCert.Subject.Country,
			Province: caCert.Subject.Province, Locality: caCert.Subject.Locality},
		NotBefore:             notBefore,
		NotAfter:              caCert.NotAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		SubjectKeyId:          ski[:],
		ExtraExtensions:       []pkix.Extension{{Id: attrOID, Value: ext}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	for _, d := range []string{"signcerts", "keystore", "cacerts"} {
		if err := os.MkdirAll(filepath.Join(l.userMSP(u), d), 0o700); err != nil {
			return err
		}
	}
	orgMSP := filepath.Join(l.orgDir(u.Org.Domain), "msp")
	for _, f := range []string{"config.yaml", filepath.Join("cacerts", filepath.Base(caCertFile))} {
		b, err := os.ReadFile(filepath.Join(orgMSP, f))
		if err != nil {
			return err
		}
		if err := writeFileAtomic(filepath.Join(l.userMSP(u), f), b, 0o644); err != nil {
			return err
		}
	}
	// The key first: a certificate without its key is issued again.
	if err := writeFileAtomic(l.userKeyFile(u), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return writeFileAtomic(l.userCertFile(u), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func readCert(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM certificate", path)
	}
	return x509.ParseCertificate(blk.Bytes)
}

func readKey(path string) (*ecdsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM key", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New(path + ": not an ECDSA key")
	}
	return ec, nil
}

// CertAttributes returns the MedTrace attributes in a PEM certificate (nil
// when it has none).
func CertAttributes(certPEM []byte) (map[string]string, error) {
	blk, _ := pem.Decode(certPEM)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, err
	}
	for _, e := range c.Extensions {
		if e.Id.Equal(attrOID) {
			var v struct {
				Attrs map[string]string `json:"attrs"`
			}
			if err := json.Unmarshal(e.Value, &v); err != nil {
				return nil, fmt.Errorf("attribute extension: %w", err)
			}
			return v.Attrs, nil
		}
	}
	return nil, nil
}

// UserSpec describes a further user for IssueUser.
type UserSpec struct {
	Org   string // the role its organisation plays: whose CA issues it
	Name  string // its file name, distinct from Users' names
	Role  string // the role its certificate names; "" for its organisation's
	GLN   string // its site; "" for none
	Admin bool   // whether it administers the configuration (meaningful for the regulator only)
}

// IssueUser issues (or, when it exists, returns) a further user of an
// organisation of the network in stateDir, signed by that organisation's
// CA. Tests use it for users at an organisation's second site, and for
// certificates the chaincode must refuse (another role than the
// organisation's, a site that is not its own).
func IssueUser(stateDir string, spec UserSpec) (Identity, error) {
	var org *Org
	for _, o := range Orgs() {
		if o.Role == spec.Org {
			org = &o
		}
	}
	if org == nil {
		return Identity{}, fmt.Errorf("no organisation plays %q", spec.Org)
	}
	name := spec.Name
	if name == "" || filepath.Base(name) != name || name == "." || name == ".." {
		return Identity{}, fmt.Errorf("user name %q is not a plain file name", name)
	}
	l := layout{stateDir}
	u := User{Name: name, Org: *org, GLN: spec.GLN, Admin: spec.Admin, Role: spec.Role}
	if _, err := os.Stat(l.userKeyFile(u)); err != nil {
		if err := issueUser(l, u, time.Now()); err != nil {
			return Identity{}, fmt.Errorf("issue the certificate of %s: %w", name, err)
		}
	}
	return Identity{MSPID: org.MSPID, Cert: l.userCertFile(u), Key: l.userKeyFile(u)}, nil
}

// CryptogenUser is the identity cryptogen made for an organisation
// (User1): a certificate without MedTrace's attributes, which the chaincode
// lets read but not record. Tests use it.
func CryptogenUser(stateDir, role string) (Identity, error) {
	for _, o := range Orgs() {
		if o.Role != role {
			continue
		}
		id := "User1@" + o.Domain
		msp := filepath.Join(layout{stateDir}.orgDir(o.Domain), "users", id, "msp")
		return Identity{MSPID: o.MSPID, Cert: filepath.Join(msp, "signcerts", id+"-cert.pem"), Key: filepath.Join(msp, "keystore", "priv_sk")}, nil
	}
	return Identity{}, fmt.Errorf("no organisation plays %q", role)
}

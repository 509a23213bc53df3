package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
)

// Profile is a network's connection.json: where the gateway peer is, and
// the identities, locations (GLNs) and GS1 company prefixes by role
// (manufacturer, distributor, pharmacy, regulator).
type Profile struct {
	Channel   string      `json:"channel"`
	Chaincode string      `json:"chaincode"`
	Peer      ProfilePeer `json:"peer"`
	// Identities are the users by role: one per role on a demo machine,
	// only its own user's on a desktop installation.
	Identities map[string]ProfileIdentity `json:"identities"`
	// Admins are the administrators by role: on the local network, the
	// regulator's, the only user who may change the ledger's configuration.
	Admins          map[string]ProfileIdentity `json:"admins,omitempty"`
	GLNs            map[string]string          `json:"glns"`
	CompanyPrefixes map[string][]string        `json:"companyPrefixes,omitempty"`
}

// ProfilePeer is a gateway peer: its endpoint, the name in its TLS
// certificate and the CA that issued that certificate.
type ProfilePeer struct {
	Endpoint   string `json:"endpoint"`
	ServerName string `json:"serverName"`
	TLSCACert  string `json:"tlsCACert"`
	// MSPID is the peer's organisation, when the profile names it (see
	// Config.PeerMSPID).
	MSPID string `json:"mspId,omitempty"`
}

// ProfileIdentity is a user's identity: its MSP, and the files of its
// certificate and private key. On a network with mutual TLS it also names
// the TLS client pair it presents, and on a consortium the peer of its own
// organisation (else the profile's peer).
type ProfileIdentity struct {
	MSPID   string       `json:"mspId"`
	Cert    string       `json:"cert"`
	Key     string       `json:"key"`
	TLSCert string       `json:"tlsCert,omitempty"` // PEM TLS client certificate (mutual TLS)
	TLSKey  string       `json:"tlsKey,omitempty"`  // its private key; must not be readable by group or others
	Peer    *ProfilePeer `json:"peer,omitempty"`    // this user's gateway peer, when not the profile's
}

// check reports what an identity lacks.
func (id ProfileIdentity) check() error {
	switch {
	case id.MSPID == "" || id.Cert == "" || id.Key == "":
		return errors.New("needs mspId, cert and key")
	case (id.TLSCert == "") != (id.TLSKey == ""):
		return errors.New("needs both tlsCert and tlsKey, or neither")
	case id.Peer != nil && (id.Peer.Endpoint == "" || id.Peer.TLSCACert == ""):
		return errors.New("its peer needs endpoint and tlsCACert")
	}
	return nil
}

// LoadProfile reads a connection.json.
func LoadProfile(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read connection profile: %w", err)
	}
	p, err := ParseProfile(b)
	if err != nil {
		return nil, fmt.Errorf("connection profile %s: %w", path, err)
	}
	return p, nil
}

// ParseProfile decodes and checks the content of a connection.json.
func ParseProfile(b []byte) (*Profile, error) {
	var p Profile
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, err
	}
	switch {
	case p.Channel == "" || p.Chaincode == "":
		return nil, errors.New("channel and chaincode are required")
	case p.Peer.Endpoint == "" || p.Peer.TLSCACert == "":
		return nil, errors.New("peer endpoint and peer TLS CA certificate are required")
	case len(p.Identities) == 0:
		return nil, errors.New("no identities")
	}
	for role, id := range p.Identities {
		if err := id.check(); err != nil {
			return nil, fmt.Errorf("identity %q %w", role, err)
		}
	}
	for role, id := range p.Admins {
		if err := id.check(); err != nil {
			return nil, fmt.Errorf("administrator %q %w", role, err)
		}
	}
	return &p, nil
}

// Roles lists the profile's roles, sorted.
func (p *Profile) Roles() []string {
	var out []string
	for r := range p.Identities {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Config is the client configuration for one of the profile's roles. It
// names that user's certificate and key files only: Dial reads those and
// no other identity's key.
func (p *Profile) Config(role string) (Config, error) {
	id, ok := p.Identities[role]
	if !ok {
		return Config{}, fmt.Errorf("connection profile has no %q identity", role)
	}
	return p.configOf(id), nil
}

// AdminConfig is the client configuration of the profile's administrator
// for role (the regulator's, who alone may change the ledger's
// configuration).
func (p *Profile) AdminConfig(role string) (Config, error) {
	id, ok := p.Admins[role]
	if !ok {
		return Config{}, fmt.Errorf("%w: connection profile has no %q administrator", ErrNoAdmin, role)
	}
	return p.configOf(id), nil
}

// ErrNoAdmin means a connection profile names no administrator for a role.
var ErrNoAdmin = errors.New("no administrator")

func (p *Profile) configOf(id ProfileIdentity) Config {
	peer := p.Peer
	if id.Peer != nil {
		peer = *id.Peer
	}
	return Config{Endpoint: peer.Endpoint, ServerName: peer.ServerName, TLSCACertFile: peer.TLSCACert,
		MSPID: id.MSPID, CertFile: id.Cert, KeyFile: id.Key, TLSCertFile: id.TLSCert, TLSKeyFile: id.TLSKey, PeerMSPID: peer.MSPID,
		Channel: p.Channel, Chaincode: p.Chaincode}
}

// DialRole connects as one of the profile's roles.
func (p *Profile) DialRole(ctx context.Context, role string) (*Client, error) {
	cfg, err := p.Config(role)
	if err != nil {
		return nil, err
	}
	return Dial(ctx, cfg)
}

// DialAdmin connects as the profile's administrator for role.
func (p *Profile) DialAdmin(ctx context.Context, role string) (*Client, error) {
	cfg, err := p.AdminConfig(role)
	if err != nil {
		return nil, err
	}
	return Dial(ctx, cfg)
}

// DialAll connects as every role of the profile; on error it closes what
// it opened.
func (p *Profile) DialAll(ctx context.Context) (map[string]*Client, error) {
	out := map[string]*Client{}
	for _, r := range p.Roles() {
		c, err := p.DialRole(ctx, r)
		if err != nil {
			for _, o := range out {
				_ = o.Close() // connecting failed: that error is the one to report
			}
			return nil, fmt.Errorf("connect as %s: %w", r, err)
		}
		out[r] = c
	}
	return out, nil
}

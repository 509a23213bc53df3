package network

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Profile is the content of connection.json: how the ledger client reaches
// the network and as whom.
type Profile struct {
	Channel         string              `json:"channel"`
	Chaincode       string              `json:"chaincode"`
	Peer            PeerEndpoint        `json:"peer"`
	Identities      map[string]Identity `json:"identities"`                // by role: each role's user
	Admins          map[string]Identity `json:"admins,omitempty"`          // by role: the regulator's administrator
	GLNs            map[string]string   `json:"glns"`                      // by role
	CompanyPrefixes map[string][]string `json:"companyPrefixes,omitempty"` // by role
}

// PeerEndpoint is the gateway peer.
type PeerEndpoint struct {
	Endpoint   string `json:"endpoint"`        // host:port
	ServerName string `json:"serverName"`      // the name in the peer's TLS certificate
	TLSCACert  string `json:"tlsCACert"`       // PEM file of the CA that issued it
	MSPID      string `json:"mspId,omitempty"` // its organisation
}

// Identity is an X.509 identity from files; on the consortium also its
// TLS client pair (mutual TLS) and its own organisation's peer.
type Identity struct {
	MSPID   string        `json:"mspId"`
	Cert    string        `json:"cert"`              // PEM certificate file
	Key     string        `json:"key"`               // PEM private key file
	TLSCert string        `json:"tlsCert,omitempty"` // PEM TLS client certificate file
	TLSKey  string        `json:"tlsKey,omitempty"`  // its private key file
	Peer    *PeerEndpoint `json:"peer,omitempty"`    // this user's gateway peer, when not the profile's
}

// Roles returns the profile's identity roles, sorted.
func (p Profile) Roles() []string {
	roles := make([]string, 0, len(p.Identities))
	for r := range p.Identities {
		roles = append(roles, r)
	}
	sort.Strings(roles)
	return roles
}

// ReadProfile reads and checks a connection profile.
func ReadProfile(path string) (Profile, error) {
	var p Profile
	b, err := os.ReadFile(path)
	if err != nil {
		return p, fmt.Errorf("read connection profile: %w", err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("connection profile %s: %w", path, err)
	}
	if p.Channel == "" || p.Chaincode == "" || p.Peer.Endpoint == "" || p.Peer.TLSCACert == "" {
		return p, fmt.Errorf("connection profile %s: channel, chaincode, peer.endpoint and peer.tlsCACert are required", path)
	}
	if len(p.Identities) == 0 {
		return p, fmt.Errorf("connection profile %s: no identities", path)
	}
	for role, id := range p.Identities {
		if id.MSPID == "" || id.Cert == "" || id.Key == "" {
			return p, fmt.Errorf("connection profile %s: identity %q needs mspId, cert and key", path, role)
		}
	}
	return p, nil
}

// profileFor builds the profile of the network laid out by l.
func profileFor(l layout, ports Ports) (Profile, error) {
	p := Profile{
		Channel:   Channel,
		Chaincode: Chaincode,
		Peer: PeerEndpoint{
			Endpoint:   fmt.Sprintf("127.0.0.1:%d", ports.Peer),
			ServerName: "peer0." + peerOrgDomain,
			TLSCACert:  l.peerTLSCA(),
			MSPID:      "PeerOrgMSP",
		},
		Identities:      map[string]Identity{},
		GLNs:            map[string]string{},
		CompanyPrefixes: map[string][]string{},
	}
	for _, o := range Orgs() {
		p.GLNs[o.Role] = o.GLN
		if len(o.CompanyPrefixes) > 0 {
			p.CompanyPrefixes[o.Role] = o.CompanyPrefixes
		}
	}
	for _, u := range Users() {
		id := Identity{MSPID: u.Org.MSPID, Cert: l.userCertFile(u), Key: l.userKeyFile(u)}
		if u.Admin {
			if p.Admins == nil {
				p.Admins = map[string]Identity{}
			}
			p.Admins[u.Org.Role] = id
			continue
		}
		p.Identities[u.Org.Role] = id
	}
	return p, nil
}

func writeProfile(path string, p Profile) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'), 0o644)
}

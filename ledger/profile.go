package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
)

// Profile is a network's connection.json: where the gateway peer is, and
// the identities, locations (GLNs) and GS1 company prefixes by role
// (manufacturer, distributor, pharmacy, regulator).
type Profile struct {
	Channel   string `json:"channel"`
	Chaincode string `json:"chaincode"`
	Peer      struct {
		Endpoint   string `json:"endpoint"`
		ServerName string `json:"serverName"`
		TLSCACert  string `json:"tlsCACert"`
	} `json:"peer"`
	Identities map[string]struct {
		MSPID string `json:"mspId"`
		Cert  string `json:"cert"`
		Key   string `json:"key"`
	} `json:"identities"`
	GLNs            map[string]string   `json:"glns"`
	CompanyPrefixes map[string][]string `json:"companyPrefixes,omitempty"`
}

// LoadProfile reads a connection.json.
func LoadProfile(path string) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read connection profile: %w", err)
	}
	var p Profile
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("connection profile %s: %w", path, err)
	}
	if p.Channel == "" || p.Chaincode == "" || p.Peer.Endpoint == "" || p.Peer.TLSCACert == "" || len(p.Identities) == 0 {
		return nil, fmt.Errorf("connection profile %s: channel, chaincode, peer endpoint, peer TLS CA and identities are required", path)
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

// Config is the client configuration for one of the profile's roles.
func (p *Profile) Config(role string) (Config, error) {
	id, ok := p.Identities[role]
	if !ok {
		return Config{}, fmt.Errorf("connection profile has no %q identity", role)
	}
	return Config{Endpoint: p.Peer.Endpoint, ServerName: p.Peer.ServerName, TLSCACertFile: p.Peer.TLSCACert,
		MSPID: id.MSPID, CertFile: id.Cert, KeyFile: id.Key, Channel: p.Channel, Chaincode: p.Chaincode}, nil
}

// DialRole connects as one of the profile's roles.
func (p *Profile) DialRole(ctx context.Context, role string) (*Client, error) {
	cfg, err := p.Config(role)
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
				o.Close()
			}
			return nil, fmt.Errorf("connect as %s: %w", r, err)
		}
		out[r] = c
	}
	return out, nil
}

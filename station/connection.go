package station

import (
	"errors"
	"fmt"
	"path/filepath"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network"
)

// Connection is a ledger connection a user set by hand (the desktop's
// Settings): it wins over the connection profile when Endpoint is set.
type Connection struct {
	Endpoint   string // host:port of the Fabric gateway peer
	ServerName string // TLS server name override, "" for the endpoint's host
	TLSCA      string // file: the peer's TLS CA certificate
	MSPID      string
	Cert       string // file: the user's certificate
	Key        string // file: the user's private key
}

// ErrIncompleteConnection is returned when a hand-set connection lacks one
// of the files or names it needs.
var ErrIncompleteConnection = errors.New("ledger settings incomplete: endpoint, TLS CA, MSP ID, certificate and key are all needed")

// Source says where the ledger connection comes from: Manual when its
// endpoint is set, else the connection profile file at Profile, as one of
// its identities (a desk's is Identity(role)). Only that one identity's
// key is loaded.
type Source struct {
	Manual   Connection
	Profile  string // path of connection.json
	Identity string // e.g. "pharmacy"
}

// Config resolves the source to a ledger configuration, and says where it
// came from (the endpoint or the profile's path) for messages.
func (src Source) Config() (ledger.Config, string, error) {
	m := src.Manual
	if m.Endpoint != "" {
		if m.TLSCA == "" || m.MSPID == "" || m.Cert == "" || m.Key == "" {
			return ledger.Config{}, "", ErrIncompleteConnection
		}
		// A consortium network runs MedTrace's chaincode on its channel,
		// both named medtrace like the local network's.
		return ledger.Config{Endpoint: m.Endpoint, ServerName: m.ServerName, TLSCACertFile: m.TLSCA, MSPID: m.MSPID,
			CertFile: m.Cert, KeyFile: m.Key, Channel: "medtrace", Chaincode: "medtrace"}, m.Endpoint, nil
	}
	p, err := ledger.LoadProfile(src.Profile)
	if err != nil {
		return ledger.Config{}, "", fmt.Errorf("no ledger connection: set one in Settings, or start the local network ('make run' or 'medtrace ledger up'): %w", err)
	}
	c, err := p.Config(src.Identity)
	return c, src.Profile, err
}

// SuggestLocation proposes the site's GLN for a desk from the connection
// profile at profile, "" when it names none.
func SuggestLocation(profile, role string) string {
	p, err := ledger.LoadProfile(profile)
	if err != nil {
		return ""
	}
	return p.GLNs[Identity(role)]
}

// ProfilePath is where a workstation finds its ledger connection profile:
// $MEDTRACE_LEDGER_PROFILE, else connection.json in the local network's
// state folder ($MEDTRACE_LEDGER_STATE, else "ledger" in the data folder
// dataDir, where `medtrace ledger up` and `make run` put it).
func ProfilePath(dataDir string, getenv func(string) string) string {
	if p := getenv(network.EnvProfile); p != "" {
		return p
	}
	state := getenv(network.EnvState)
	if state == "" {
		state = filepath.Join(dataDir, "ledger")
	}
	return filepath.Join(state, "connection.json")
}

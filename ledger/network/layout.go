package network

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// stateFile records what Up has done, so a later Up resumes from there.
const stateFile = "network.json"

// state is the content of stateFile.
type state struct {
	PortBase int    `json:"portBase"`
	Topology string `json:"topology,omitempty"` // "" is TopologySingle
	// Joined names the consortium's nodes joined to the channel.
	Joined map[string]bool `json:"joined,omitempty"`
	// NewMembers are the organisations JoinMember admitted (Joiner's name).
	NewMembers     []string `json:"newMembers,omitempty"`
	OrdererJoined  bool     `json:"ordererJoined"`
	PeerJoined     bool     `json:"peerJoined"`
	PackageID      string   `json:"packageId,omitempty"`         // the committed chaincode package
	Sequence       int      `json:"sequence,omitempty"`          // its definition's sequence
	ChaincodeSHA   string   `json:"chaincodeSha256,omitempty"`   // the binary the chaincode process runs
	SourceFP       string   `json:"sourceFingerprint,omitempty"` // the chaincode source it was built from
	ProfileWritten bool     `json:"profileWritten"`
	Configured     bool     `json:"configured,omitempty"` // the ledger's roles, prefixes and GLNs were set
}

func loadState(dir string) (state, bool, error) {
	var st state
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, os.ErrNotExist) {
		return st, false, nil
	}
	if err != nil {
		return st, false, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, false, fmt.Errorf("read %s: %w", filepath.Join(dir, stateFile), err)
	}
	return st, true, nil
}

func saveState(dir string, st state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, stateFile), append(b, '\n'), 0o644)
}

// writeFileAtomic replaces path with data through a temporary file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	// fail gives up: the first error is the one to report; the temporary
	// file is removed if it can be (a leftover dot-file is never read).
	fail := func(err error) error {
		_ = tmp.Close()
		_ = os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(perm); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		_ = os.Remove(tmp.Name()) // as in fail
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		_ = os.Remove(tmp.Name()) // as in fail
		return err
	}
	return nil
}

// layout names every path under a state directory.
type layout struct {
	root string
}

func (l layout) path(elem ...string) string {
	return filepath.Join(append([]string{l.root}, elem...)...)
}

func (l layout) configDir() string        { return l.path("config") }
func (l layout) peerConfigDir() string    { return l.path("config", "peer") }
func (l layout) ordererConfigDir() string { return l.path("config", "orderer") }
func (l layout) cryptoDir() string        { return l.path("crypto") }
func (l layout) genesisBlock() string     { return l.path("channel", Channel+".block") }
func (l layout) builderDir() string       { return l.path("builder") }
func (l layout) packageFile() string      { return l.path("chaincode", Chaincode+".tar.gz") }
func (l layout) chaincodeBin() string     { return l.path("chaincode", "bin", "medtrace-chaincode") }
func (l layout) pidDir() string           { return l.path("pids") }
func (l layout) logDir() string           { return l.path("logs") }
func (l layout) leaseDir() string         { return l.path("leases") }
func (l layout) tmpDir() string           { return l.path("tmp") }
func (l layout) profile() string          { return l.path("connection.json") }
func (l layout) lockFile() string         { return l.path("lock") }
func (l layout) pidFile(c string) string  { return l.path("pids", c+".pid") }
func (l layout) logFile(c string) string  { return l.path("logs", c+".log") }

// Crypto material produced by cryptogen.
func (l layout) ordererOrgDir() string {
	return l.path("crypto", "ordererOrganizations", "orderer.medtrace.test")
}
func (l layout) ordererNode() string {
	return filepath.Join(l.ordererOrgDir(), "orderers", "orderer.medtrace.test")
}
func (l layout) ordererAdmin() string {
	return filepath.Join(l.ordererOrgDir(), "users", "Admin@orderer.medtrace.test")
}
func (l layout) ordererTLSCA() string {
	return filepath.Join(l.ordererOrgDir(), "tlsca", "tlsca.orderer.medtrace.test-cert.pem")
}
func (l layout) orgDir(domain string) string {
	return l.path("crypto", "peerOrganizations", domain)
}
func (l layout) peerNode() string {
	return filepath.Join(l.orgDir(peerOrgDomain), "peers", "peer0."+peerOrgDomain)
}
func (l layout) chaincodeNode() string {
	return filepath.Join(l.orgDir(peerOrgDomain), "peers", "chaincode."+peerOrgDomain)
}
func (l layout) peerAdminMSP() string {
	return filepath.Join(l.orgDir(peerOrgDomain), "users", "Admin@"+peerOrgDomain, "msp")
}
func (l layout) peerTLSCA() string { return l.tlsCA(peerOrgDomain) }

// tlsCA is an organisation's TLS CA certificate.
func (l layout) tlsCA(domain string) string {
	return filepath.Join(l.orgDir(domain), "tlsca", "tlsca."+domain+"-cert.pem")
}

// orgAdmin is an organisation's cryptogen administrator (msp/, tls/).
func (l layout) orgAdmin(domain string) string {
	return filepath.Join(l.orgDir(domain), "users", "Admin@"+domain)
}

package network

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"text/template"
)

//go:embed templates
var templates embed.FS

// renderData is what the configuration templates see.
type renderData struct {
	State        string
	Crypto       string
	Ports        Ports
	ClientOrgs   []Org
	BatchTimeout string
	// Peer and Orderer are the node whose core.yaml or orderer.yaml is
	// rendered.
	Peer    peerNode
	Orderer ordererNode
	// Consortium is set for the consortium topology, whose nodes are
	// Orderers and Peers (one per member, in ClientOrgs' order).
	Consortium bool
	Orderers   []ordererNode
	Peers      []peerNode
	// For the builder's release script: the peer's TLS client pair and the
	// CA of the chaincode server's certificate.
	ClientCert, ClientKey, RootCert string
}

// peerNode is one peer as its core.yaml names it.
type peerNode struct {
	Name                                string // its component name: peer (single) or peer-ROLE
	ConfigDir                           string // where its core.yaml is
	Role                                string // the member it belongs to ("" for the single network's peer)
	ID                                  string // peer0.DOMAIN
	MSPID                               string
	Domain                              string
	Dir                                 string // its cryptogen node directory (msp/, tls/)
	Port, ChaincodePort, OperationsPort int
	StateDir                            string // its ledgers (data/) and snapshots (snapshots/)
	BuilderDir                          string // its external builder
	ClientAuth                          bool   // mutual TLS on its gRPC port
	ClientRootCAs                       []string
}

// ordererNode is one orderer as its orderer.yaml names it.
type ordererNode struct {
	ConfigDir                                    string // where its orderer.yaml is
	Name                                         string // orderer (single) or orderer0..2, also its component name
	Dir                                          string // its cryptogen node directory
	Port, AdminPort, ClusterPort, OperationsPort int
	StateDir                                     string // its block store (data/) and Raft log (etcdraft/)
	ClientAuth                                   bool
	ClientRootCAs                                []string
}

func newRenderData(l layout, ports Ports) renderData {
	return renderData{
		State:        l.root,
		Crypto:       l.cryptoDir(),
		Ports:        ports,
		ClientOrgs:   Orgs(),
		BatchTimeout: batchTimeout.String(),
		Peer: peerNode{Name: compPeer, ConfigDir: l.peerConfigDir(), ID: "peer0." + peerOrgDomain, MSPID: "PeerOrgMSP", Domain: peerOrgDomain, Dir: l.peerNode(),
			Port: ports.Peer, ChaincodePort: ports.PeerChaincode, OperationsPort: ports.PeerOperations,
			StateDir: l.path("peer"), BuilderDir: l.builderDir(),
			ClientRootCAs: []string{filepath.Join(l.peerNode(), "tls", "ca.crt")}},
		Orderer: ordererNode{Name: compOrderer, ConfigDir: l.ordererConfigDir(), Dir: l.ordererNode(), Port: ports.Orderer, AdminPort: ports.OrdererAdmin,
			ClusterPort: ports.OrdererCluster, OperationsPort: ports.OrdererOperations, StateDir: l.path("orderer")},
		ClientCert: filepath.Join(l.peerNode(), "tls", "server.crt"),
		ClientKey:  filepath.Join(l.peerNode(), "tls", "server.key"),
		RootCert:   filepath.Join(l.chaincodeNode(), "tls", "ca.crt"),
	}
}

// render executes the named template into dst (written only when changed).
func render(name, dst string, data renderData, perm os.FileMode) error {
	src, err := templates.ReadFile("templates/" + name)
	if err != nil {
		return err
	}
	t, err := template.New(name).Option("missingkey=error").Parse(string(src))
	if err != nil {
		return fmt.Errorf("template %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return fmt.Errorf("template %s: %w", name, err)
	}
	if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, b.Bytes()) {
		return os.Chmod(dst, perm)
	}
	return writeFileAtomic(dst, b.Bytes(), perm)
}

// renderAll writes the configuration files and the external builder.
func renderAll(l layout, ports Ports) error {
	d := newRenderData(l, ports)
	files := []struct {
		tmpl, dst string
		perm      os.FileMode
	}{
		{"crypto-config.yaml.tmpl", filepath.Join(l.configDir(), "crypto-config.yaml"), 0o644},
		{"configtx.yaml.tmpl", filepath.Join(l.configDir(), "configtx.yaml"), 0o644},
		{"core.yaml.tmpl", filepath.Join(l.peerConfigDir(), "core.yaml"), 0o644},
		{"orderer.yaml.tmpl", filepath.Join(l.ordererConfigDir(), "orderer.yaml"), 0o644},
	}
	for _, f := range files {
		if err := render(f.tmpl, f.dst, d, f.perm); err != nil {
			return err
		}
	}
	return renderBuilder(l.builderDir(), d)
}

// renderBuilder writes a peer's external builder into dir/bin.
func renderBuilder(dir string, d renderData) error {
	for _, f := range []string{"detect", "build", "release"} {
		tmpl := "builder/" + f
		if f == "release" {
			tmpl += ".tmpl"
		}
		if err := render(tmpl, filepath.Join(dir, "bin", f), d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

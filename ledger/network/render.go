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
	PeerDir      string
	OrdererDir   string
	ClientOrgs   []Org
	BatchTimeout string
	// For the builder's release script: the peer's TLS client pair and the
	// CA of the chaincode server's certificate.
	ClientCert, ClientKey, RootCert string
}

func newRenderData(l layout, ports Ports) renderData {
	return renderData{
		State:        l.root,
		Crypto:       l.cryptoDir(),
		Ports:        ports,
		PeerDir:      l.peerNode(),
		OrdererDir:   l.ordererNode(),
		ClientOrgs:   Orgs(),
		BatchTimeout: batchTimeout.String(),
		ClientCert:   filepath.Join(l.peerNode(), "tls", "server.crt"),
		ClientKey:    filepath.Join(l.peerNode(), "tls", "server.key"),
		RootCert:     filepath.Join(l.chaincodeNode(), "tls", "ca.crt"),
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
		{"builder/detect", filepath.Join(l.builderDir(), "bin", "detect"), 0o755},
		{"builder/build", filepath.Join(l.builderDir(), "bin", "build"), 0o755},
		{"builder/release.tmpl", filepath.Join(l.builderDir(), "bin", "release"), 0o755},
	}
	for _, f := range files {
		if err := render(f.tmpl, f.dst, d, f.perm); err != nil {
			return err
		}
	}
	return nil
}

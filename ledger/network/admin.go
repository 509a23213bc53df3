package network

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// tlsConfig makes a TLS client configuration that trusts caFile and, when
// certFile is set, presents that certificate.
func tlsConfig(caFile, certFile, keyFile string) (*tls.Config, error) {
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s: no PEM certificate", caFile)
	}
	c := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if certFile != "" {
		pair, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

// httpsGet fetches url over TLS and returns the status code and body.
func httpsGet(ctx context.Context, url string, tc *tls.Config) (int, []byte, error) {
	tr := &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }() // read to the end or failed: the read's error is the one that counts
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, body, err
}

// healthy reports whether a component answers: the orderer's participation
// API, the peer's health check, the chaincode server's TLS handshake.
func (u *upRun) healthy(ctx context.Context, c string) error {
	if o, ok := u.ordererNamed(c); ok {
		code, _, err := u.ordererAdminGet(ctx, o, "/participation/v1/channels")
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("orderer admin API: HTTP %d", code)
		}
		return nil
	}
	if p, ok := u.peerNamed(c); ok {
		tc, err := tlsConfig(filepath.Join(p.Dir, "tls", "ca.crt"), "", "")
		if err != nil {
			return err
		}
		code, body, err := httpsGet(ctx, fmt.Sprintf("https://127.0.0.1:%d/healthz", p.OperationsPort), tc)
		if err != nil {
			return err
		}
		if code != http.StatusOK {
			return fmt.Errorf("peer health: HTTP %d: %s", code, bytes.TrimSpace(body))
		}
		// The operations endpoint answers before the gRPC listener is up.
		// With mutual TLS the handshake needs a client pair: the peer's own.
		if p.ClientAuth {
			if tc, err = tlsConfig(filepath.Join(p.Dir, "tls", "ca.crt"),
				filepath.Join(p.Dir, "tls", "server.crt"), filepath.Join(p.Dir, "tls", "server.key")); err != nil {
				return err
			}
		}
		return tlsDial(ctx, p.Port, tc)
	}
	if c == compChaincode {
		p := u.gatewayPeer()
		tc, err := tlsConfig(filepath.Join(u.chaincodeNodeDir(), "tls", "ca.crt"),
			filepath.Join(p.Dir, "tls", "server.crt"), filepath.Join(p.Dir, "tls", "server.key"))
		if err != nil {
			return err
		}
		return tlsDial(ctx, u.ports.Chaincode, tc)
	}
	return fmt.Errorf("unknown component %q", c)
}

// peersHealthy reports whether every peer answers.
func (u *upRun) peersHealthy(ctx context.Context) error {
	for _, p := range u.peers() {
		if err := u.healthy(ctx, p.Name); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	return nil
}

// gatewayPeer is the peer up's own checks and commands go through: the
// single network's peer, the consortium's regulator's.
func (u *upRun) gatewayPeer() peerNode {
	ps := u.peers()
	for _, p := range ps {
		if p.Role == "regulator" {
			return p
		}
	}
	return ps[0]
}

// joined reports whether a node has joined the channel (the single
// network keeps its two flags from before topologies).
func (u *upRun) joined(name string) bool {
	switch {
	case u.topo == TopologyConsortium:
		return u.st.Joined[name]
	case name == compOrderer:
		return u.st.OrdererJoined
	}
	return u.st.PeerJoined
}

// setJoined records that a node joined the channel.
func (u *upRun) setJoined(name string) error {
	switch {
	case u.topo == TopologyConsortium:
		if u.st.Joined == nil {
			u.st.Joined = map[string]bool{}
		}
		u.st.Joined[name] = true
	case name == compOrderer:
		u.st.OrdererJoined = true
	default:
		u.st.PeerJoined = true
	}
	return saveState(u.l.root, u.st)
}

// tlsDial completes a TLS handshake with 127.0.0.1:port.
func tlsDial(ctx context.Context, port int, tc *tls.Config) error {
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 2 * time.Second}, Config: tc}
	conn, err := d.DialContext(ctx, "tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return err
	}
	return conn.Close()
}

func (u *upRun) ordererAdminGet(ctx context.Context, o ordererNode, path string) (int, []byte, error) {
	admin := filepath.Join(u.l.ordererAdmin(), "tls")
	tc, err := tlsConfig(u.l.ordererTLSCA(), filepath.Join(admin, "client.crt"), filepath.Join(admin, "client.key"))
	if err != nil {
		return 0, nil, err
	}
	return httpsGet(ctx, fmt.Sprintf("https://127.0.0.1:%d%s", o.AdminPort, path), tc)
}

// joinOrderer joins an orderer to the channel with osnadmin (the channel
// participation API; there is no system channel).
func (u *upRun) joinOrderer(ctx context.Context, o ordererNode) error {
	code, _, err := u.ordererAdminGet(ctx, o, "/participation/v1/channels/"+Channel)
	if err != nil {
		return err
	}
	if code == http.StatusNotFound {
		u.logf("%s: joining channel %q (osnadmin)", o.Name, Channel)
		admin := filepath.Join(u.l.ordererAdmin(), "tls")
		if _, err := run(ctx, u.l.root, baseEnv(), u.bins.osnadmin, "channel", "join",
			"--channelID", Channel, "--config-block", u.l.genesisBlock(),
			"-o", fmt.Sprintf("127.0.0.1:%d", o.AdminPort),
			"--ca-file", u.l.ordererTLSCA(),
			"--client-cert", filepath.Join(admin, "client.crt"),
			"--client-key", filepath.Join(admin, "client.key")); err != nil {
			return err
		}
	} else if code != http.StatusOK {
		return fmt.Errorf("orderer admin API: HTTP %d for channel %q", code, Channel)
	}
	return u.setJoined(o.Name)
}

// waitLeader waits until an orderer leads the channel's Raft cluster, so
// the first transactions are not refused for want of a leader.
func (u *upRun) waitLeader(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	// The operations endpoint serves /metrics only to a client with a
	// certificate from a trusted CA: the orderer admin's TLS pair.
	admin := filepath.Join(u.l.ordererAdmin(), "tls")
	tc, err := tlsConfig(u.l.ordererTLSCA(), filepath.Join(admin, "client.crt"), filepath.Join(admin, "client.key"))
	if err != nil {
		return err
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var err error
		for _, o := range u.orderers() {
			var code int
			var body []byte
			code, body, err = httpsGet(ctx, fmt.Sprintf("https://127.0.0.1:%d/metrics", o.OperationsPort), tc)
			switch {
			case err != nil:
			case code != http.StatusOK:
				err = fmt.Errorf("orderer metrics: HTTP %d", code)
			case hasLeader(body):
				return nil
			default:
				err = errors.New("no leader yet")
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no Raft leader for channel %q after %s: %w", Channel, readyTimeout, err)
		case <-tick.C:
		}
	}
}

func hasLeader(body []byte) bool {
	v, ok := metric(body, fmt.Sprintf(`consensus_etcdraft_is_leader{channel="%s"}`, Channel))
	return ok && v == 1
}

// peerCLI runs the peer command against the gateway peer as its
// organisation's admin.
func (u *upRun) peerCLI(ctx context.Context, args ...string) ([]byte, error) {
	return u.peerCLIOn(ctx, u.gatewayPeer(), args...)
}

// peerCLIOn runs the peer command against peer p as its organisation's
// admin, presenting the admin's TLS client pair where p wants mutual TLS.
func (u *upRun) peerCLIOn(ctx context.Context, p peerNode, args ...string) ([]byte, error) {
	admin := u.l.orgAdmin(p.Domain)
	env := append(baseEnv(),
		"FABRIC_CFG_PATH="+p.ConfigDir,
		"CORE_PEER_LOCALMSPID="+p.MSPID,
		"CORE_PEER_MSPCONFIGPATH="+filepath.Join(admin, "msp"),
		fmt.Sprintf("CORE_PEER_ADDRESS=127.0.0.1:%d", p.Port),
		"CORE_PEER_TLS_ENABLED=true",
		"CORE_PEER_TLS_ROOTCERT_FILE="+u.l.tlsCA(p.Domain),
	)
	if p.ClientAuth {
		env = append(env, "CORE_PEER_TLS_CLIENTAUTHREQUIRED=true",
			"CORE_PEER_TLS_CLIENTCERT_FILE="+filepath.Join(admin, "tls", "client.crt"),
			"CORE_PEER_TLS_CLIENTKEY_FILE="+filepath.Join(admin, "tls", "client.key"))
	}
	return run(ctx, u.l.root, env, append([]string{u.bins.peer}, args...)...)
}

// ordererArgs are the peer CLI flags that reach the first orderer over
// TLS, as peer p's organisation's admin (mutual TLS where the orderer
// wants it).
func (u *upRun) ordererArgs(p peerNode) []string {
	o := u.orderers()[0]
	args := []string{"-o", fmt.Sprintf("127.0.0.1:%d", o.Port), "--tls", "--cafile", u.l.ordererTLSCA()}
	if o.ClientAuth {
		admin := u.l.orgAdmin(p.Domain)
		args = append(args, "--clientauth", "--certfile", filepath.Join(admin, "tls", "client.crt"),
			"--keyfile", filepath.Join(admin, "tls", "client.key"))
	}
	return args
}

// joinPeer joins a peer to the channel from the genesis block.
func (u *upRun) joinPeer(ctx context.Context, p peerNode) error {
	out, err := u.peerCLIOn(ctx, p, "channel", "list")
	if err != nil {
		return err
	}
	joined := false
	for _, line := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(line) == Channel {
			joined = true
		}
	}
	if !joined {
		u.logf("%s: joining channel %q", p.Name, Channel)
		if _, err := u.peerCLIOn(ctx, p, "channel", "join", "-b", u.l.genesisBlock()); err != nil {
			return err
		}
	}
	return u.setJoined(p.Name)
}

// ccaasType is the package type the network's external builder claims.
const ccaasType = "medtrace-ccaas"

// writePackage writes the chaincode package: metadata.json and a code.tar.gz
// holding connection.json with the chaincode server's address. It is
// byte-for-byte stable, so its package ID changes only with the address.
func writePackage(path string, port int) error {
	conn, err := json.Marshal(map[string]any{"address": fmt.Sprintf("127.0.0.1:%d", port)})
	if err != nil {
		return err
	}
	code, err := tarGz(map[string][]byte{"connection.json": conn})
	if err != nil {
		return err
	}
	meta, err := json.Marshal(map[string]string{"type": ccaasType, "label": Chaincode})
	if err != nil {
		return err
	}
	pkg, err := tarGz(map[string][]byte{"metadata.json": meta, "code.tar.gz": code})
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, pkg) {
		return nil
	}
	return writeFileAtomic(path, pkg, 0o644)
}

// tarGz makes a deterministic gzipped tar of files (sorted by name, fixed
// times and modes).
func tarGz(files map[string][]byte) ([]byte, error) {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	// metadata.json first, as `peer lifecycle chaincode package` writes it.
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "metadata.json") != (names[j] == "metadata.json") {
			return names[i] == "metadata.json"
		}
		return names[i] < names[j]
	})
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	tw := tar.NewWriter(zw)
	for _, n := range names {
		hdr := &tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg,
			ModTime: time.Unix(0, 0), Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(files[n]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// packageID asks the peer CLI for the package's ID.
func (u *upRun) packageID(ctx context.Context) (string, error) {
	out, err := u.peerCLI(ctx, "lifecycle", "chaincode", "calculatepackageid", u.l.packageFile())
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(string(out))
	if !strings.HasPrefix(id, Chaincode+":") {
		return "", fmt.Errorf("calculatepackageid: unexpected output %q", id)
	}
	return id, nil
}

// deploy installs the package on every peer, approves a chaincode
// definition that runs it as every peer's organisation, and commits it
// (endorsed by every peer: the consortium's lifecycle policy wants a
// majority of the members).
func (u *upRun) deploy(ctx context.Context, pkgID string) error {
	t0 := time.Now()
	for _, p := range u.peers() {
		if err := u.install(ctx, p, pkgID); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	out, err := u.peerCLI(ctx, "lifecycle", "chaincode", "querycommitted", "--channelID", Channel, "--output", "json")
	if err != nil {
		return err
	}
	var committed struct {
		Definitions []struct {
			Name     string `json:"name"`
			Sequence int    `json:"sequence"`
		} `json:"chaincode_definitions"`
	}
	if err := json.Unmarshal(out, &committed); err != nil {
		return fmt.Errorf("querycommitted: %w", err)
	}
	seq := 1
	for _, d := range committed.Definitions {
		if d.Name == Chaincode {
			seq = d.Sequence + 1
		}
	}
	version := strconv.Itoa(seq)
	def := []string{"--channelID", Channel, "--name", Chaincode, "--version", version, "--sequence", version}

	u.logf("chaincode: approving and committing sequence %d", seq)
	for _, p := range u.peers() {
		approve := append(append([]string{"lifecycle", "chaincode", "approveformyorg"}, u.ordererArgs(p)...), def...)
		approve = append(approve, "--package-id", pkgID, "--waitForEventTimeout", "60s")
		if _, err := u.peerCLIOn(ctx, p, approve...); err != nil {
			// Approved before a crash? Then carry on to the commit.
			q, qerr := u.peerCLIOn(ctx, p, "lifecycle", "chaincode", "queryapproved", "--channelID", Channel,
				"--name", Chaincode, "--sequence", version, "--output", "json")
			if qerr != nil || !bytes.Contains(q, []byte(pkgID)) {
				return fmt.Errorf("%s: %w", p.Name, err)
			}
		}
	}
	gw := u.gatewayPeer()
	commit := append(append([]string{"lifecycle", "chaincode", "commit"}, u.ordererArgs(gw)...), def...)
	for _, p := range u.peers() {
		commit = append(commit, "--peerAddresses", fmt.Sprintf("127.0.0.1:%d", p.Port),
			"--tlsRootCertFiles", u.l.tlsCA(p.Domain))
	}
	commit = append(commit, "--waitForEventTimeout", "60s")
	if _, err := u.peerCLIOn(ctx, gw, commit...); err != nil {
		return err
	}
	u.st.PackageID, u.st.Sequence = pkgID, seq
	if err := saveState(u.l.root, u.st); err != nil {
		return err
	}
	u.logf("chaincode: committed sequence %d in %s", seq, time.Since(t0).Round(time.Millisecond))
	return nil
}

// install installs the package on peer p unless it has it.
func (u *upRun) install(ctx context.Context, p peerNode, pkgID string) error {
	out, err := u.peerCLIOn(ctx, p, "lifecycle", "chaincode", "queryinstalled", "--output", "json")
	if err != nil {
		return err
	}
	var installed struct {
		Chaincodes []struct {
			PackageID string `json:"package_id"`
		} `json:"installed_chaincodes"`
	}
	if err := json.Unmarshal(out, &installed); err != nil {
		return fmt.Errorf("queryinstalled: %w", err)
	}
	for _, c := range installed.Chaincodes {
		if c.PackageID == pkgID {
			return nil
		}
	}
	u.logf("%s: installing %s", p.Name, pkgID)
	_, err = u.peerCLIOn(ctx, p, "lifecycle", "chaincode", "install", u.l.packageFile())
	return err
}

// ping evaluates the contract API's metadata function, which every
// fabric-contract-api chaincode answers, through the peer.
func (u *upRun) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	out, err := u.peerCLI(ctx, "chaincode", "query", "--channelID", Channel, "--name", Chaincode,
		"--ctor", `{"Args":["org.hyperledger.fabric:GetMetadata"]}`)
	if err != nil {
		return fmt.Errorf("the chaincode does not answer: %w", err)
	}
	if !json.Valid(bytes.TrimSpace(out)) {
		return errors.New("the chaincode's metadata is not JSON")
	}
	return nil
}

package network

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Topologies of a local network (Config.Topology).
const (
	// TopologySingle is the quick demo and test network: one Raft orderer
	// and one peer of a separate peer organisation that endorses
	// everything; the member organisations are clients only.
	TopologySingle = "single"
	// TopologyConsortium is the network a consortium runs: one peer per
	// member organisation (of its own MSP), three Raft orderers of an
	// orderer organisation, an endorsement policy that needs a majority of
	// the members (MAJORITY Endorsement: 3 of 4), and mutual TLS on every
	// link, the gateway included.
	TopologyConsortium = "consortium"
)

// Topologies lists the topologies Up knows, the default first.
func Topologies() []string { return []string{TopologySingle, TopologyConsortium} }

// consortiumOrderers is the number of Raft orderers of the consortium.
const consortiumOrderers = 3

// Consortium ports from the base B: orderer i (0..2) at B+4i (broadcast),
// +1 (admin), +2 (cluster), +3 (operations); the peer of member j (Orgs'
// order) at B+12+3j (gateway), +1 (chaincode), +2 (operations); the
// chaincode server at B+24. 25 ports, within portSpan.
const (
	consortiumPeerBase      = 12
	consortiumChaincodePort = 24
)

// topologyOf returns the topology a state names ("" is the single one, as
// in state directories from before topologies).
func topologyOf(st state) string {
	if st.Topology == "" {
		return TopologySingle
	}
	return st.Topology
}

// portsOf lays out a topology's ports. For the consortium, they name the
// first orderer and the first member's peer (memberPorts has every
// member's).
func portsOf(topology string, base int) Ports {
	if topology != TopologyConsortium {
		return PortsFrom(base)
	}
	p := Ports{
		Orderer: base, OrdererAdmin: base + 1, OrdererCluster: base + 2, OrdererOperations: base + 3,
		Peer: base + consortiumPeerBase, PeerChaincode: base + consortiumPeerBase + 1,
		PeerOperations: base + consortiumPeerBase + 2, Chaincode: base + consortiumChaincodePort,
	}
	return p
}

// memberPorts are the consortium members' peer (gateway) ports by role;
// nil for the single network.
func memberPorts(topology string, base int) map[string]int {
	if topology != TopologyConsortium {
		return nil
	}
	m := map[string]int{}
	for j, o := range Orgs() {
		m[o.Role] = base + consortiumPeerBase + 3*j
	}
	return m
}

// loadRun reads the state of the network in cfg.StateDir (a normalized
// configuration) for an operation on the existing network; it fails with
// ErrNotCreated when there is none.
func loadRun(cfg Config) (*upRun, error) {
	u := &upRun{cfg: cfg, l: layout{cfg.StateDir}}
	st, exists, err := loadState(u.l.root)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, fmt.Errorf("%w: %s", ErrNotCreated, u.l.root)
	}
	u.st, u.topo = st, topologyOf(st)
	u.ports = portsOf(u.topo, st.PortBase)
	return u, nil
}

// orderers are the orderer nodes of the network in l.
func (u *upRun) orderers() []ordererNode {
	if u.topo != TopologyConsortium {
		return []ordererNode{newRenderData(u.l, u.ports).Orderer}
	}
	var out []ordererNode
	for i := range consortiumOrderers {
		name := fmt.Sprintf("orderer%d", i)
		base := u.st.PortBase + 4*i
		roots := append([]string{u.l.ordererTLSCA()}, u.memberTLSCAs()...)
		out = append(out, ordererNode{
			Name: name, Dir: filepath.Join(u.l.ordererOrgDir(), "orderers", name+".orderer.medtrace.test"),
			Port: base, AdminPort: base + 1, ClusterPort: base + 2, OperationsPort: base + 3,
			StateDir: u.l.path("orderers", name), ConfigDir: u.l.path("config", "orderers", name),
			ClientAuth: true, ClientRootCAs: roots,
		})
	}
	return out
}

// peers are the peer nodes of the network in l: on the consortium, the
// founding members' in Orgs' order, then a joiner's (JoinMember).
func (u *upRun) peers() []peerNode {
	if u.topo != TopologyConsortium {
		return []peerNode{newRenderData(u.l, u.ports).Peer}
	}
	roots := u.memberTLSCAs()
	var out []peerNode
	for j, o := range Orgs() {
		base := u.st.PortBase + consortiumPeerBase + 3*j
		out = append(out, peerNode{
			Name: "peer-" + o.Role, Role: o.Role, ID: "peer0." + o.Domain, MSPID: o.MSPID, Domain: o.Domain,
			Dir:  filepath.Join(u.l.orgDir(o.Domain), "peers", "peer0."+o.Domain),
			Port: base, ChaincodePort: base + 1, OperationsPort: base + 2,
			StateDir: u.l.path("peers", o.Role), ConfigDir: u.l.path("config", "peers", o.Role),
			BuilderDir: u.l.path("peers", o.Role, "builder"),
			ClientAuth: true, ClientRootCAs: roots,
		})
	}
	if slices.Contains(u.st.NewMembers, Joiner().Name) {
		out = append(out, u.joinerNode())
	}
	return out
}

// componentNames lists the network's components in start order; Down
// stops them in reverse.
func (u *upRun) componentNames() []string {
	if u.topo != TopologyConsortium {
		return components()
	}
	var cs []string
	for _, o := range u.orderers() {
		cs = append(cs, o.Name)
	}
	for _, p := range u.peers() {
		cs = append(cs, p.Name)
	}
	return append(cs, compChaincode)
}

// peerNamed and ordererNamed find a node by its component name.
func (u *upRun) peerNamed(name string) (peerNode, bool) {
	for _, p := range u.peers() {
		if p.Name == name {
			return p, true
		}
	}
	return peerNode{}, false
}

func (u *upRun) ordererNamed(name string) (ordererNode, bool) {
	for _, o := range u.orderers() {
		if o.Name == name {
			return o, true
		}
	}
	return ordererNode{}, false
}

// chaincodeNodeDir is the chaincode server's cryptogen node: the peer
// organisation's on the single network, the regulator's on the consortium
// (one chaincode server, shared by the four peers).
func (u *upRun) chaincodeNodeDir() string {
	if u.topo != TopologyConsortium {
		return u.l.chaincodeNode()
	}
	d := regulatorDomain()
	return filepath.Join(u.l.orgDir(d), "peers", "chaincode."+d)
}

// regulatorDomain is the regulator organisation's domain.
func regulatorDomain() string { return orgOf("regulator").Domain }

// chaincodeClientCAs is the file of the CAs whose TLS certificates the
// chaincode server accepts from peers: the peer organisation's TLS CA, or
// on the consortium a bundle of the four members' (written by render).
func (u *upRun) chaincodeClientCAs() string {
	if u.topo != TopologyConsortium {
		return filepath.Join(u.l.peerNode(), "tls", "ca.crt")
	}
	return u.l.path("chaincode", "peer-tls-cas.pem")
}

// renderTopology writes the configuration of every node and the external
// builder of every peer.
func (u *upRun) renderTopology() error {
	if u.topo != TopologyConsortium {
		return renderAll(u.l, u.ports)
	}
	d := newRenderData(u.l, u.ports)
	d.Consortium, d.Orderers, d.Peers = true, u.orderers(), u.peers()
	d.RootCert = filepath.Join(u.chaincodeNodeDir(), "tls", "ca.crt")
	for _, f := range []struct{ tmpl, dst string }{
		{"crypto-config.yaml.tmpl", filepath.Join(u.l.configDir(), "crypto-config.yaml")},
		{"configtx.yaml.tmpl", filepath.Join(u.l.configDir(), "configtx.yaml")},
	} {
		if err := render(f.tmpl, f.dst, d, 0o644); err != nil {
			return err
		}
	}
	for _, o := range d.Orderers {
		d.Orderer = o
		if err := render("orderer.yaml.tmpl", filepath.Join(o.ConfigDir, "orderer.yaml"), d, 0o644); err != nil {
			return err
		}
	}
	for _, p := range d.Peers {
		d.Peer = p
		d.ClientCert, d.ClientKey = filepath.Join(p.Dir, "tls", "server.crt"), filepath.Join(p.Dir, "tls", "server.key")
		if err := render("core.yaml.tmpl", filepath.Join(p.ConfigDir, "core.yaml"), d, 0o644); err != nil {
			return err
		}
		if err := renderBuilder(p.BuilderDir, d); err != nil {
			return err
		}
	}
	return nil
}

// writeChaincodeClientCAs writes the consortium's bundle of the members'
// TLS CAs for the chaincode server (once the crypto material exists).
func (u *upRun) writeChaincodeClientCAs() error {
	if u.topo != TopologyConsortium {
		return nil
	}
	var b []byte
	for _, o := range u.memberOrgs() {
		pem, err := os.ReadFile(u.l.tlsCA(o.Domain))
		if err != nil {
			return err
		}
		b = append(b, pem...)
	}
	return writeFileAtomic(u.chaincodeClientCAs(), b, 0o644)
}

// waitGossip waits, on the consortium, until every peer knows every other
// one through gossip: the gateway's discovery finds endorsers only among
// the peers it knows, so the first submission would find too few.
func (u *upRun) waitGossip(ctx context.Context) error {
	ps := u.peers()
	if len(ps) < 2 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	series := fmt.Sprintf(`gossip_membership_total_peers_known{channel="%s"}`, Channel)
	for {
		var err error
		for _, p := range ps {
			var body []byte
			if body, err = u.peerMetrics(ctx, p); err != nil {
				break
			}
			if v, ok := metric(body, series); !ok || int(v) < len(ps)-1 {
				err = fmt.Errorf("%s knows %v of the %d other peers", p.Name, v, len(ps)-1)
				break
			}
		}
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gossip: the peers do not know each other after %s: %w", readyTimeout, err)
		case <-tick.C:
		}
	}
}

// peerMetrics reads a peer's Prometheus metrics as its organisation's
// admin.
func (u *upRun) peerMetrics(ctx context.Context, p peerNode) ([]byte, error) {
	admin := filepath.Join(u.l.orgAdmin(p.Domain), "tls")
	tc, err := tlsConfig(u.l.tlsCA(p.Domain), filepath.Join(admin, "client.crt"), filepath.Join(admin, "client.key"))
	if err != nil {
		return nil, err
	}
	code, body, err := httpsGet(ctx, fmt.Sprintf("https://127.0.0.1:%d/metrics", p.OperationsPort), tc)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("%s metrics: HTTP %d", p.Name, code)
	}
	return body, nil
}

// profile is the network's connection profile. On the consortium each
// identity names its own organisation's peer and the TLS client pair it
// presents (its organisation's cryptogen user's, or admin's for an
// administrator); the profile's own peer is the regulator's.
func (u *upRun) profile() (Profile, error) {
	p, err := profileFor(u.l, u.ports)
	if err != nil || u.topo != TopologyConsortium {
		return p, err
	}
	peerOf := map[string]PeerEndpoint{}
	for _, n := range u.peers() {
		peerOf[n.Role] = PeerEndpoint{Endpoint: fmt.Sprintf("127.0.0.1:%d", n.Port), ServerName: n.ID,
			TLSCACert: u.l.tlsCA(n.Domain), MSPID: n.MSPID}
	}
	p.Peer = peerOf[u.gatewayPeer().Role]
	withTLS := func(ids map[string]Identity, admin bool) {
		for role, id := range ids {
			org := orgOf(role)
			user := filepath.Join(u.l.orgDir(org.Domain), "users", "User1@"+org.Domain, "tls")
			if admin {
				user = filepath.Join(u.l.orgAdmin(org.Domain), "tls")
			}
			pe := peerOf[role]
			id.Peer, id.TLSCert, id.TLSKey = &pe, filepath.Join(user, "client.crt"), filepath.Join(user, "client.key")
			ids[role] = id
		}
	}
	withTLS(p.Identities, false)
	withTLS(p.Admins, true)
	return p, nil
}

// orgOf is the organisation that plays role.
func orgOf(role string) Org {
	for _, o := range Orgs() {
		if o.Role == role {
			return o
		}
	}
	panic("network: no organisation plays " + role)
}

package network

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// Joiner is the new member organisation JoinMember admits to a consortium
// network: a second wholesale distributor. It is not one of Orgs: the
// connection profile's roles stay the four founding members'.
func Joiner() Org {
	return Org{Role: "distributor", Name: "Wholesaler", MSPID: "WholesalerMSP", Domain: "wholesaler.medtrace.test",
		GLN: "4098765000027"}
}

// joinerComponent is the joiner's peer's component name.
const joinerComponent = "peer-wholesaler"

// consortiumJoinerPort is the joiner's peer's first port above the base:
// gateway, +1 chaincode, +2 operations (B+25..B+27, within portSpan).
const consortiumJoinerPort = 25

// JoinResult is what JoinMember measured.
type JoinResult struct {
	Peer          PeerEndpoint  // the new member's peer
	Component     string        // its component name (StopComponent, status)
	SnapshotBlock uint64        // the snapshot's block number (the last block it holds)
	SnapshotBytes int64         // the snapshot's size on disk
	SnapshotTime  time.Duration // from the request until the snapshot was complete
	JoinTime      time.Duration // starting the new peer and `peer channel joinbysnapshot`
	ReadyTime     time.Duration // from then until it runs the chaincode (gossip, install, approval)
}

// ErrNotConsortium means an operation needs a consortium network.
var ErrNotConsortium = errors.New("not a consortium network")

// JoinMember admits Joiner to the consortium network in cfg.StateDir and
// joins its peer from a ledger snapshot, the way a consortium takes in a
// member without replaying its whole chain:
//
//  1. cryptogen extend makes the new organisation's keys;
//  2. a channel configuration update adds it as a member (its MSP, its
//     policies, its anchor peer), signed by a majority of the members'
//     administrators (the channel's MAJORITY Admins: 3 of 4);
//  3. `peer snapshot submitrequest` on the regulator's peer snapshots the
//     ledger at its last block (which holds the update);
//  4. the new peer starts and `peer channel joinbysnapshot` joins it from
//     that snapshot; it installs the chaincode package and its
//     organisation approves the committed definition, so it endorses and
//     answers queries; then it pulls the blocks after the snapshot from
//     the orderers.
//
// The chaincode server is restarted to trust the new member's TLS CA. A
// network that has the joiner already returns at once. The joiner's peer
// is then one of the network's components: Up restarts it, Down stops it.
func JoinMember(ctx context.Context, cfg Config) (JoinResult, error) {
	cfg, err := cfg.normalize()
	if err != nil {
		return JoinResult{}, err
	}
	var res JoinResult
	err = withLock(ctx, cfg.StateDir, func() error {
		var err error
		res, err = joinMember(ctx, cfg)
		return err
	})
	return res, err
}

func joinMember(ctx context.Context, cfg Config) (JoinResult, error) {
	u, err := loadRun(cfg)
	if err != nil {
		return JoinResult{}, err
	}
	if u.topo != TopologyConsortium {
		return JoinResult{}, fmt.Errorf("%w: %s holds a %s network", ErrNotConsortium, u.l.root, u.topo)
	}
	if u.bins, err = findBins(cfg.FabricBin); err != nil {
		return JoinResult{}, err
	}
	jo := Joiner()
	node := u.joinerNode()
	res := JoinResult{Component: joinerComponent, Peer: PeerEndpoint{Endpoint: fmt.Sprintf("127.0.0.1:%d", node.Port),
		ServerName: node.ID, TLSCACert: u.l.tlsCA(jo.Domain), MSPID: jo.MSPID}}
	if slices.Contains(u.st.NewMembers, jo.Name) {
		u.logf("%s: already a member", jo.MSPID)
		return res, nil
	}

	// 1. Keys.
	if _, err := os.Stat(u.l.orgDir(jo.Domain)); errors.Is(err, os.ErrNotExist) {
		u.logf("crypto: generating the keys of %s (cryptogen extend)", jo.MSPID)
		conf := filepath.Join(u.l.configDir(), "joiner-crypto-config.yaml")
		yaml := fmt.Sprintf("PeerOrgs:\n  - Name: %s\n    Domain: %s\n    EnableNodeOUs: true\n    Specs:\n"+
			"      - Hostname: peer0\n        SANS: [localhost, 127.0.0.1]\n    Users:\n      Count: 1\n", jo.Name, jo.Domain)
		if err := writeFileAtomic(conf, []byte(yaml), 0o644); err != nil {
			return res, err
		}
		if _, err := run(ctx, u.l.root, baseEnv(), u.bins.cryptogen, "extend", "--input", u.l.cryptoDir(), "--config", conf); err != nil {
			return res, err
		}
	}

	// 2. Membership: a configuration update signed by 3 of the 4 admins.
	gw := u.gatewayPeer()
	h0, err := u.heightOf(ctx, gw)
	if err != nil {
		return res, err
	}
	added, err := u.admitJoiner(ctx, node)
	if err != nil {
		return res, fmt.Errorf("admit %s: %w", jo.MSPID, err)
	}
	if added {
		if err := u.waitHeight(ctx, gw, h0+1); err != nil {
			return res, err
		}
	}

	// 3. The snapshot, at the regulator's peer's last block.
	t0 := time.Now()
	snap, err := u.snapshot(ctx, gw)
	if err != nil {
		return res, fmt.Errorf("snapshot: %w", err)
	}
	res.SnapshotTime = time.Since(t0)
	res.SnapshotBlock, _ = strconv.ParseUint(filepath.Base(snap), 10, 64)
	if res.SnapshotBytes, err = dirSize(snap); err != nil {
		return res, err
	}
	u.logf("snapshot: block %d, %d bytes, in %s (%s)", res.SnapshotBlock, res.SnapshotBytes,
		res.SnapshotTime.Round(time.Millisecond), snap)

	// 4. The new peer, from the snapshot.
	u.st.NewMembers = append(u.st.NewMembers, jo.Name)
	if err := saveState(u.l.root, u.st); err != nil {
		return res, err
	}
	if err := u.renderTopology(); err != nil {
		return res, err
	}
	if err := u.writeChaincodeClientCAs(); err != nil {
		return res, err
	}
	t1 := time.Now()
	if err := u.start(ctx, node.Name, []string{u.bins.peer, "node", "start"}, u.peerEnv(node),
		[]namedPort{{node.Name, node.Port}, {node.Name + " chaincode", node.ChaincodePort},
			{node.Name + " operations", node.OperationsPort}}); err != nil {
		return res, err
	}
	if _, err := u.peerCLIOn(ctx, node, "channel", "joinbysnapshot", "--snapshotpath", snap); err != nil {
		return res, u.startErr(node.Name, err)
	}
	res.JoinTime = time.Since(t1)
	if err := u.setJoined(node.Name); err != nil {
		return res, err
	}
	t2 := time.Now()
	// The chaincode server trusts the new member's TLS CA once restarted.
	if p, ok, err := readPidFile(u.l.pidFile(compChaincode)); err == nil && ok {
		if err := p.stop(ctx, stopGrace); err != nil {
			return res, err
		}
		_ = os.Remove(u.l.pidFile(compChaincode)) // up below starts it again; a stale file is ignored
	}
	if err := u.approveAsJoiner(ctx, node); err != nil {
		return res, u.startErr(node.Name, err)
	}
	res.ReadyTime = time.Since(t2)
	u.logf("%s: joined from the snapshot in %s, runs the chaincode %s later", node.Name,
		res.JoinTime.Round(time.Millisecond), res.ReadyTime.Round(time.Millisecond))
	return res, nil
}

// joinerNode is the joiner's peer.
func (u *upRun) joinerNode() peerNode {
	jo := Joiner()
	base := u.st.PortBase + consortiumJoinerPort
	return peerNode{
		Name: joinerComponent, ID: "peer0." + jo.Domain, MSPID: jo.MSPID, Domain: jo.Domain,
		Dir:  filepath.Join(u.l.orgDir(jo.Domain), "peers", "peer0."+jo.Domain),
		Port: base, ChaincodePort: base + 1, OperationsPort: base + 2,
		StateDir: u.l.path("peers", "wholesaler"), ConfigDir: u.l.path("config", "peers", "wholesaler"),
		BuilderDir: u.l.path("peers", "wholesaler", "builder"),
		ClientAuth: true, ClientRootCAs: u.memberTLSCAs(),
	}
}

// memberTLSCAs are the TLS CAs of every member organisation, the joiner's
// once it has joined.
func (u *upRun) memberTLSCAs() []string {
	var roots []string
	for _, o := range u.memberOrgs() {
		roots = append(roots, u.l.tlsCA(o.Domain))
	}
	return roots
}

// memberOrgs are the consortium's member organisations: Orgs, then the
// joiner once admitted.
func (u *upRun) memberOrgs() []Org {
	orgs := Orgs()
	if u.topo == TopologyConsortium && slices.Contains(u.st.NewMembers, Joiner().Name) {
		orgs = append(orgs, Joiner())
	}
	return orgs
}

// admitJoiner adds the joiner to the channel configuration unless it is a
// member already; it reports whether it changed the configuration.
func (u *upRun) admitJoiner(ctx context.Context, node peerNode) (bool, error) {
	gw := u.gatewayPeer()
	cfgBlock := u.l.path("channel", "config.block")
	fetch := append([]string{"channel", "fetch", "config", cfgBlock, "-c", Channel}, u.ordererArgs(gw)...)
	if _, err := u.peerCLIOn(ctx, gw, fetch...); err != nil {
		return false, err
	}
	b, err := os.ReadFile(cfgBlock)
	if err != nil {
		return false, err
	}
	config, err := configFromBlock(b)
	if err != nil {
		return false, err
	}
	jo := Joiner()
	app := config.GetChannelGroup().GetGroups()["Application"]
	if app == nil {
		return false, errors.New("the channel configuration has no Application group")
	}
	if _, ok := app.Groups[jo.MSPID]; ok {
		return false, nil
	}
	group, err := u.joinerGroup(app, node)
	if err != nil {
		return false, err
	}
	env, err := addOrgUpdate(config, jo.MSPID, group)
	if err != nil {
		return false, err
	}
	file := u.l.path("channel", "add-"+jo.MSPID+".tx")
	if err := writeFileAtomic(file, env, 0o644); err != nil {
		return false, err
	}
	// Two admins sign, the third signs by sending it: 3 of 4, a majority.
	ps := u.peers()
	for _, p := range ps[:2] {
		if _, err := u.peerCLIOn(ctx, p, "channel", "signconfigtx", "-f", file); err != nil {
			return false, fmt.Errorf("sign as %s: %w", p.MSPID, err)
		}
	}
	update := append([]string{"channel", "update", "-f", file, "-c", Channel}, u.ordererArgs(gw)...)
	if _, err := u.peerCLIOn(ctx, gw, update...); err != nil {
		return false, err
	}
	u.logf("channel: %s admitted (configuration update signed by %s, %s and %s)", jo.MSPID, ps[0].MSPID, ps[1].MSPID, gw.MSPID)
	return true, nil
}

// configFromBlock reads the channel configuration from a config block.
func configFromBlock(b []byte) (*common.Config, error) {
	var blk common.Block
	if err := proto.Unmarshal(b, &blk); err != nil {
		return nil, fmt.Errorf("config block: %w", err)
	}
	if len(blk.GetData().GetData()) == 0 {
		return nil, errors.New("config block: no data")
	}
	var env common.Envelope
	if err := proto.Unmarshal(blk.Data.Data[0], &env); err != nil {
		return nil, fmt.Errorf("config block: %w", err)
	}
	var pl common.Payload
	if err := proto.Unmarshal(env.Payload, &pl); err != nil {
		return nil, fmt.Errorf("config block: %w", err)
	}
	var ce common.ConfigEnvelope
	if err := proto.Unmarshal(pl.Data, &ce); err != nil {
		return nil, fmt.Errorf("config block: %w", err)
	}
	if ce.Config == nil {
		return nil, errors.New("config block: no configuration")
	}
	return ce.Config, nil
}

// joinerGroup makes the joiner's configuration group from a founding
// member's (same policies and values, the joiner's MSP ID, certificates
// and anchor peer).
func (u *upRun) joinerGroup(app *common.ConfigGroup, node peerNode) (*common.ConfigGroup, error) {
	tmplOrg := Orgs()[1] // the distributor: the same kind of member
	src, ok := app.Groups[tmplOrg.MSPID]
	if !ok {
		return nil, fmt.Errorf("the channel has no %s to model the new member on", tmplOrg.MSPID)
	}
	g := proto.Clone(src).(*common.ConfigGroup)
	jo := Joiner()
	// Every element is new: version 0.
	g.Version = 0
	for _, v := range g.Values {
		v.Version = 0
	}
	for _, p := range g.Policies {
		p.Version = 0
	}

	mv, ok := g.Values["MSP"]
	if !ok {
		return nil, errors.New("the model member has no MSP value")
	}
	var mc msp.MSPConfig
	if err := proto.Unmarshal(mv.Value, &mc); err != nil {
		return nil, err
	}
	var fc msp.FabricMSPConfig
	if err := proto.Unmarshal(mc.Config, &fc); err != nil {
		return nil, err
	}
	caFile, _ := u.l.orgCA(jo.Domain)
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	tlsCA, err := os.ReadFile(u.l.tlsCA(jo.Domain))
	if err != nil {
		return nil, err
	}
	fc.Name, fc.RootCerts, fc.TlsRootCerts, fc.Admins = jo.MSPID, [][]byte{ca}, [][]byte{tlsCA}, nil
	fc.IntermediateCerts, fc.TlsIntermediateCerts, fc.RevocationList = nil, nil, nil
	if ous := fc.GetFabricNodeOus(); ous != nil {
		for _, id := range []*msp.FabricOUIdentifier{ous.ClientOuIdentifier, ous.PeerOuIdentifier, ous.AdminOuIdentifier, ous.OrdererOuIdentifier} {
			if id != nil {
				id.Certificate = ca
			}
		}
	}
	if mc.Config, err = proto.Marshal(&fc); err != nil {
		return nil, err
	}
	if mv.Value, err = proto.Marshal(&mc); err != nil {
		return nil, err
	}

	if av, ok := g.Values["AnchorPeers"]; ok {
		if av.Value, err = proto.Marshal(&peer.AnchorPeers{AnchorPeers: []*peer.AnchorPeer{{Host: "127.0.0.1", Port: int32(node.Port)}}}); err != nil {
			return nil, err
		}
	}
	for name, p := range g.Policies {
		if p.GetPolicy().GetType() != int32(common.Policy_SIGNATURE) {
			continue
		}
		var env common.SignaturePolicyEnvelope
		if err := proto.Unmarshal(p.Policy.Value, &env); err != nil {
			return nil, fmt.Errorf("policy %s: %w", name, err)
		}
		for _, id := range env.Identities {
			if id.PrincipalClassification != msp.MSPPrincipal_ROLE {
				return nil, fmt.Errorf("policy %s: a principal that is not a role", name)
			}
			var role msp.MSPRole
			if err := proto.Unmarshal(id.Principal, &role); err != nil {
				return nil, fmt.Errorf("policy %s: %w", name, err)
			}
			role.MspIdentifier = jo.MSPID
			if id.Principal, err = proto.Marshal(&role); err != nil {
				return nil, err
			}
		}
		if p.Policy.Value, err = proto.Marshal(&env); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// addOrgUpdate makes the unsigned CONFIG_UPDATE envelope that adds group
// as the application organisation name: the Application group's version
// goes up by one, every other element is named at its current version (as
// `configtxlator compute_update` writes it).
func addOrgUpdate(config *common.Config, name string, group *common.ConfigGroup) ([]byte, error) {
	ch := config.ChannelGroup
	app := ch.Groups["Application"]
	same := func() *common.ConfigGroup {
		g := &common.ConfigGroup{Version: app.Version, Groups: map[string]*common.ConfigGroup{},
			Values: map[string]*common.ConfigValue{}, Policies: map[string]*common.ConfigPolicy{}}
		for k, v := range app.Groups {
			g.Groups[k] = &common.ConfigGroup{Version: v.Version}
		}
		for k, v := range app.Values {
			g.Values[k] = &common.ConfigValue{Version: v.Version}
		}
		for k, v := range app.Policies {
			g.Policies[k] = &common.ConfigPolicy{Version: v.Version}
		}
		return g
	}
	read, write := same(), same()
	write.Version++
	write.ModPolicy = app.ModPolicy
	write.Groups[name] = group
	cu := &common.ConfigUpdate{
		ChannelId: Channel,
		ReadSet:   &common.ConfigGroup{Version: ch.Version, Groups: map[string]*common.ConfigGroup{"Application": read}},
		WriteSet:  &common.ConfigGroup{Version: ch.Version, Groups: map[string]*common.ConfigGroup{"Application": write}},
	}
	cub, err := proto.Marshal(cu)
	if err != nil {
		return nil, err
	}
	data, err := proto.Marshal(&common.ConfigUpdateEnvelope{ConfigUpdate: cub})
	if err != nil {
		return nil, err
	}
	chb, err := proto.Marshal(&common.ChannelHeader{Type: int32(common.HeaderType_CONFIG_UPDATE), ChannelId: Channel})
	if err != nil {
		return nil, err
	}
	pl, err := proto.Marshal(&common.Payload{Header: &common.Header{ChannelHeader: chb}, Data: data})
	if err != nil {
		return nil, err
	}
	return proto.Marshal(&common.Envelope{Payload: pl})
}

// waitHeight waits until peer p's ledger holds at least h blocks.
func (u *upRun) waitHeight(ctx context.Context, p peerNode, h uint64) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		got, err := u.heightOf(ctx, p)
		if err == nil && got >= h {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: height %d, waited for %d: %w", p.Name, got, h, errors.Join(err, ctx.Err()))
		case <-tick.C:
		}
	}
}

// snapshot asks peer p for a snapshot of the channel at its last block and
// returns the completed snapshot's directory once it is written.
func (u *upRun) snapshot(ctx context.Context, p peerNode) (string, error) {
	done := filepath.Join(p.StateDir, "snapshots", "completed", Channel)
	before := map[string]bool{}
	if es, err := os.ReadDir(done); err == nil {
		for _, e := range es {
			before[e.Name()] = true
		}
	}
	if _, err := u.peerCLIOn(ctx, p, "snapshot", "submitrequest", "-c", Channel, "-b", "0",
		"--peerAddress", fmt.Sprintf("127.0.0.1:%d", p.Port), "--tlsRootCertFile", u.l.tlsCA(p.Domain)); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		// The peer writes into a temporary directory and renames it into
		// completed/ when the snapshot is whole.
		if es, err := os.ReadDir(done); err == nil {
			for _, e := range es {
				if e.IsDir() && !before[e.Name()] {
					return filepath.Join(done, e.Name()), nil
				}
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no snapshot in %s after %s", done, readyTimeout)
		case <-tick.C:
		}
	}
}

// approveAsJoiner installs the chaincode package on the joiner's peer and
// approves the committed definition as its organisation, so the peer runs
// the chaincode; the chaincode server, restarted by the Up this ends with,
// trusts its TLS certificate.
func (u *upRun) approveAsJoiner(ctx context.Context, node peerNode) error {
	if _, err := up(ctx, u.cfg); err != nil {
		return err
	}
	if err := u.install(ctx, node, u.st.PackageID); err != nil {
		return err
	}
	seq := strconv.Itoa(u.st.Sequence)
	approve := append([]string{"lifecycle", "chaincode", "approveformyorg"}, u.ordererArgs(node)...)
	approve = append(approve, "--channelID", Channel, "--name", Chaincode, "--version", seq, "--sequence", seq,
		"--package-id", u.st.PackageID, "--waitForEventTimeout", "60s")
	if _, err := u.peerCLIOn(ctx, node, approve...); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	_, err := u.peerCLIOn(ctx, node, "chaincode", "query", "--channelID", Channel, "--name", Chaincode,
		"--ctor", `{"Args":["org.hyperledger.fabric:GetMetadata"]}`)
	return err
}

// dirSize is the size of the files under dir.
func dirSize(dir string) (int64, error) {
	var n int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		n += fi.Size()
		return nil
	})
	return n, err
}

// PeerHeight is the block height of the channel on a peer of the network
// in stateDir (by component name, e.g. "peer-wholesaler"), from its
// metrics.
func PeerHeight(ctx context.Context, stateDir, component string) (uint64, error) {
	cfg, err := Config{StateDir: stateDir}.normalize()
	if err != nil {
		return 0, err
	}
	u, err := loadRun(cfg)
	if err != nil {
		return 0, err
	}
	p, ok := u.peerNamed(component)
	if !ok {
		return 0, fmt.Errorf("the network in %s has no peer %q", u.l.root, component)
	}
	return u.heightOf(ctx, p)
}

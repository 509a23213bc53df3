package network

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConsortiumLayout: every node of the consortium, the joiner's too,
// has ports of its own within the network's block of portSpan ports, and
// the components are the three orderers, a peer per member and the
// chaincode.
func TestConsortiumLayout(t *testing.T) {
	tests := []struct {
		name       string
		newMembers []string
		peers      int
	}{
		{"founding members", nil, 4},
		{"with a joiner", []string{Joiner().Name}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const base = 29000
			u := &upRun{l: layout{t.TempDir()}, topo: TopologyConsortium,
				st: state{PortBase: base, Topology: TopologyConsortium, NewMembers: tt.newMembers}}
			u.ports = portsOf(u.topo, base)
			seen := map[int]string{}
			use := func(who string, ports ...int) {
				for _, p := range ports {
					if p < base || p >= base+portSpan {
						t.Errorf("%s: port %d outside %d..%d", who, p, base, base+portSpan-1)
					}
					if other, ok := seen[p]; ok {
						t.Errorf("port %d used by %s and %s", p, other, who)
					}
					seen[p] = who
				}
			}
			for _, o := range u.orderers() {
				use(o.Name, o.Port, o.AdminPort, o.ClusterPort, o.OperationsPort)
			}
			for _, p := range u.peers() {
				use(p.Name, p.Port, p.ChaincodePort, p.OperationsPort)
			}
			use(compChaincode, u.ports.Chaincode)
			if got := len(u.peers()); got != tt.peers {
				t.Errorf("%d peers, want %d", got, tt.peers)
			}
			if got, want := len(u.componentNames()), 3+tt.peers+1; got != want {
				t.Errorf("components %v, want %d", u.componentNames(), want)
			}
			if gw := u.gatewayPeer(); gw.Role != "regulator" {
				t.Errorf("gateway peer %s, want the regulator's", gw.Name)
			}
		})
	}
}

// TestConsortiumConfig renders the consortium's configuration: the
// majority policies, three consenters, mutual TLS on each node.
func TestConsortiumConfig(t *testing.T) {
	u := &upRun{l: layout{t.TempDir()}, topo: TopologyConsortium, st: state{PortBase: 29000, Topology: TopologyConsortium}}
	u.ports = portsOf(u.topo, 29000)
	if err := u.renderTopology(); err != nil {
		t.Fatal(err)
	}
	read := func(rel ...string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(append([]string{u.l.root}, rel...)...))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	checks := []struct {
		file []string
		want []string
	}{
		{[]string{"config", "configtx.yaml"}, []string{`Rule: "MAJORITY Endorsement"`, `Rule: "MAJORITY Admins"`,
			`Rule: "OR('PharmacyMSP.peer')"`, "Port: 29010", "Port: 29018"}},
		{[]string{"config", "crypto-config.yaml"}, []string{"Hostname: orderer2", "Domain: regulator.medtrace.test"}},
		{[]string{"config", "peers", "pharmacy", "core.yaml"}, []string{"clientAuthRequired: true", "localMspId: PharmacyMSP",
			"listenAddress: 127.0.0.1:29018"}},
		{[]string{"config", "orderers", "orderer1", "orderer.yaml"}, []string{"ClientAuthRequired: true", "ListenPort: 29004"}},
		{[]string{"peers", "pharmacy", "builder", "bin", "release"}, []string{"peer0.pharmacy.medtrace.test/tls/server.key"}},
	}
	for _, c := range checks {
		t.Run(strings.Join(c.file, "/"), func(t *testing.T) {
			got := read(c.file...)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("no %q", w)
				}
			}
		})
	}
	if strings.Contains(read("config", "configtx.yaml"), "PeerOrgMSP") {
		t.Error("the consortium's configtx.yaml names the single network's peer organisation")
	}
}

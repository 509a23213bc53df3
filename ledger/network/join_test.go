package network

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// TestAddOrgUpdate builds the update that admits the joiner from a real
// consortium genesis block (testdata): only the Application group's
// version goes up, every founding member stays named at its version, and
// the new member is written whole.
func TestAddOrgUpdate(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "consortium-genesis.block"))
	if err != nil {
		t.Fatal(err)
	}
	config, err := configFromBlock(b)
	if err != nil {
		t.Fatal(err)
	}
	app := config.ChannelGroup.Groups["Application"]
	if len(app.GetGroups()) != len(Orgs()) {
		t.Fatalf("the genesis block has %d members, want %d", len(app.GetGroups()), len(Orgs()))
	}
	group := &common.ConfigGroup{ModPolicy: "Admins"}
	env, err := addOrgUpdate(config, Joiner().MSPID, group)
	if err != nil {
		t.Fatal(err)
	}
	var e common.Envelope
	var pl common.Payload
	var cue common.ConfigUpdateEnvelope
	var cu common.ConfigUpdate
	if err := errors.Join(proto.Unmarshal(env, &e), proto.Unmarshal(e.Payload, &pl),
		proto.Unmarshal(pl.Data, &cue), proto.Unmarshal(cue.ConfigUpdate, &cu)); err != nil {
		t.Fatal(err)
	}
	read, write := cu.ReadSet.Groups["Application"], cu.WriteSet.Groups["Application"]
	if read.Version != app.Version || write.Version != app.Version+1 {
		t.Errorf("application versions: read %d, write %d; the channel's is %d", read.Version, write.Version, app.Version)
	}
	if write.ModPolicy != app.ModPolicy {
		t.Errorf("mod policy %q, want %q", write.ModPolicy, app.ModPolicy)
	}
	for _, o := range Orgs() {
		if g, ok := write.Groups[o.MSPID]; !ok || g.Version != app.Groups[o.MSPID].Version || len(g.Values) > 0 {
			t.Errorf("%s in the write set: %v, want named at its version only", o.MSPID, g)
		}
	}
	if !proto.Equal(write.Groups[Joiner().MSPID], group) {
		t.Error("the new member is not written whole")
	}
	if len(write.Policies) != len(app.Policies) || len(write.Values) != len(app.Values) {
		t.Error("the write set drops the application's policies or values")
	}
}

// FuzzConfigFromBlock: any bytes give a configuration or an error, never
// a panic.
func FuzzConfigFromBlock(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "consortium-genesis.block")); err == nil {
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{0x12, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := configFromBlock(b)
		if err == nil && c == nil {
			t.Fatal("no error and no configuration")
		}
	})
}

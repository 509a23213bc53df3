package cli

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/ledger/network/networktest"
)

// TestChainThroughTheCLI runs the whole supply chain through the CLI on the
// real network, each site with its own data folder (its own store and
// queue) and its own identity: the manufacturer commissions and ships; the
// distributor receives, packs packs into a case and the case and a pack
// into a pallet, and ships the pallet; the pharmacy receives it, verifies
// a pack, dispenses, undoes, dispenses again; the inspector downloads the
// snapshot and checks the pallet's packs, and the pallet with its
// contents, offline. After every sync the
// ledger's state is read back through the client (verify --json).
func TestChainThroughTheCLI(t *testing.T) {
	n, p, _ := networktest.ClientsForTest(t) // configured from the profile
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	runID := strings.ToUpper(hex.EncodeToString(b))
	prefix := p.CompanyPrefixes["manufacturer"][0]
	gtin := gs1.AppendCheckDigit("0" + prefix + fmt.Sprintf("%0*d", 12-len(prefix), 781))
	ssccOf := func(ref int) string { // extension 3, the run, ref, check digit
		width := 16 - len(prefix)
		run := (int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])) % pow10(width-1)
		return gs1.AppendCheckDigit("3" + prefix + fmt.Sprintf("%0*d", width, run*10+ref))
	}
	pack := func(i int) string { return fmt.Sprintf("(01)%s(21)K%s%d(10)KB1(17)301231", gtin, runID, i) }
	serial := func(i int) string { return fmt.Sprintf("K%s%d", runID, i) }
	caseSSCC, palletSSCC := ssccOf(1), ssccOf(2)
	gln := func(role string) string { return p.GLNs[role] }
	site := func(role string) map[string]string {
		return map[string]string{envData: filepath.Join(t.TempDir(), role), envProfile: n.ProfilePath, envRole: role}
	}
	man, dist, phar, insp := site("manufacturer"), site("distributor"), site("pharmacy"), site("regulator")
	type step struct {
		name string
		env  map[string]string
		args []string
		exit int
		want string // in standard output
	}
	add := func(env map[string]string, role, kind, code string, extra ...string) step {
		args := append([]string{"queue", "add", "--event", kind, "--code", code, "--location", gln(role)}, extra...)
		return step{kind + " " + code, env, args, ExitOK, "safely on disk"}
	}
	syncAs := func(env map[string]string, role string, n int) step {
		return step{"sync as " + role, env, []string{"sync", "--once", "--role", role}, ExitOK, fmt.Sprintf("sent %d events", n)}
	}
	verify := func(name, code string, exit int, want string) step {
		return step{name, insp, []string{"verify", "--json", "--role", "regulator", code}, exit, want}
	}
	steps := []step{
		add(man, "manufacturer", "commission", pack(1)),
		add(man, "manufacturer", "commission", pack(2)),
		add(man, "manufacturer", "commission", pack(3)),
		add(man, "manufacturer", "ship", pack(1), "--counterparty", gln("distributor")),
		add(man, "manufacturer", "ship", pack(2), "--counterparty", gln("distributor")),
		add(man, "manufacturer", "ship", pack(3), "--counterparty", gln("distributor")),
		syncAs(man, "manufacturer", 6),
		verify("shipped to the distributor", pack(1), ExitInvalid, `"status": "in-transit"`),

		add(dist, "distributor", "receive", pack(1), "--counterparty", gln("manufacturer")),
		add(dist, "distributor", "receive", pack(2), "--counterparty", gln("manufacturer")),
		add(dist, "distributor", "receive", pack(3), "--counterparty", gln("manufacturer")),
		add(dist, "distributor", "pack", "(00)"+caseSSCC, "--child", pack(1),
			"--child", "https://id.gs1.org/01/"+gtin+"/21/"+serial(2)),
		add(dist, "distributor", "pack", "(00)"+palletSSCC, "--child", "(00)"+caseSSCC, "--child", gtin+"/"+serial(3)),
		add(dist, "distributor", "ship", "(00)"+palletSSCC, "--counterparty", gln("pharmacy")),
		syncAs(dist, "distributor", 6),
		verify("the pallet holds the case and a pack, in transit", "(00)"+palletSSCC, ExitInvalid, `"packCount": 3`),

		add(phar, "pharmacy", "receive", "(00)"+palletSSCC, "--counterparty", gln("distributor")),
		syncAs(phar, "pharmacy", 1),
		verify("the pallet is at the pharmacy", "(00)"+palletSSCC, ExitOK, `"activeCount": 3`),
		{"the pharmacist verifies a pack", phar, []string{"verify", "--role", "pharmacy", pack(1)}, ExitOK, "OK to hand out"},
		add(phar, "pharmacy", "dispense", pack(1)),
		syncAs(phar, "pharmacy", 1),
		verify("dispensed", pack(1), ExitInvalid, `"status": "dispensed"`),
		add(phar, "pharmacy", "undo-dispense", pack(1)),
		syncAs(phar, "pharmacy", 1),
		verify("undone", pack(1), ExitOK, `"status": "active"`),
		{"dispensed again", phar, []string{"queue", "add", "--event", "dispense", "--code", pack(1), "--location", gln("pharmacy"), "--note", "again"}, ExitOK, "safely on disk"},
		syncAs(phar, "pharmacy", 1),
		verify("dispensed again, on the ledger", pack(1), ExitInvalid, `"status": "dispensed"`),

		{"the inspector downloads the snapshot", insp, []string{"snapshot", "--role", "regulator"}, ExitOK, "local copy:"},
		{"offline: a pack of the case", insp, []string{"verify", "--offline", pack(2)}, ExitOK, "answered from the local copy"},
		{"offline: the pallet's loose pack", insp, []string{"verify", "--offline", pack(3)}, ExitOK, "answered from the local copy"},
		{"offline: the dispensed pack", insp, []string{"verify", "--offline", pack(1)}, ExitInvalid, "already-dispensed"},
		// Dispensing took pack 1 out of its case: the pallet holds the case
		// with pack 2, and pack 3.
		{"offline: the pallet with its contents", insp, []string{"verify", "--offline", "(00)" + palletSSCC}, ExitOK,
			fmt.Sprintf("SSCC %s is active with 2 packs (2 active)", palletSSCC)},
		{"offline: the case, as JSON", insp, []string{"verify", "--offline", "--json", "(00)" + caseSSCC}, ExitOK, `"offline": true`},
	}
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) {
			exit, out, errs := run(t, s.env, s.args...)
			if exit != s.exit || !strings.Contains(out, s.want) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", exit, out, errs, s.exit, s.want)
			}
		}) {
			t.FailNow() // each step builds on the one before
		}
	}
	t.Run("offline contents are the ledger's", func(t *testing.T) {
		for _, sscc := range []string{palletSSCC, caseSSCC} {
			var on, off unitJSON
			for _, tc := range []struct {
				args []string
				into *unitJSON
			}{
				{[]string{"verify", "--json", "--role", "regulator", "(00)" + sscc}, &on},
				{[]string{"verify", "--json", "--offline", "(00)" + sscc}, &off},
			} {
				exit, out, errs := run(t, insp, tc.args...)
				if exit != ExitOK {
					t.Fatalf("%v: exit %d, stderr %q", tc.args, exit, errs)
				}
				if err := json.Unmarshal([]byte(out), tc.into); err != nil {
					t.Fatalf("%v: %v", tc.args, err)
				}
			}
			if on.Offline || !off.Offline || off.Block == 0 || !reflect.DeepEqual(on.Contents, off.Contents) {
				t.Errorf("SSCC %s:\n online  %+v\n offline %+v (block %d)", sscc, on.Contents, off.Contents, off.Block)
			}
		}
	})
	t.Run("nothing was rejected", func(t *testing.T) {
		for role, env := range map[string]map[string]string{"manufacturer": man, "distributor": dist, "pharmacy": phar} {
			_, out, _ := run(t, env, "queue", "list", "--json")
			var items []queueItem
			if err := json.Unmarshal([]byte(out), &items); err != nil {
				t.Fatalf("%s: %v", role, err)
			}
			for _, it := range items {
				if it.State != "recorded" {
					t.Errorf("%s: %s %s is %s: %s", role, it.Event.Kind, it.Event.ID, it.State, it.Message)
				}
			}
		}
	})
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

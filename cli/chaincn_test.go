package cli

import (
	"crypto/rand"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/trace"
)

// TestChinaCodeThroughTheCLI takes China's 20-digit drug codes through the
// supply chain on the real network, through the CLI, each site with its
// own store and identity, exactly like GS1 packs: the manufacturer (owner
// of China product identifier 8123456) commissions with batch and expiry
// and ships; the distributor receives, packs two codes into a case and
// ships it; the pharmacy receives a loose code and the case, verifies,
// dispenses, undoes, dispenses again and dispenses from the case; a code
// with other check digits is unknown, and the verdict says the ledger is
// the authority; the inspector's local copy answers offline for China
// codes too. A pack carrying a GS1 code and a China code is commissioned
// once with both (--link), moved under either name, dispensed under its
// China name and found dispensed under both, online and offline.
func TestChinaCodeThroughTheCLI(t *testing.T) {
	n, p, _ := networktest.ClientsForTest(t)
	if !slices.Contains(p.CompanyPrefixes["manufacturer"], trace.CNProduct(ledger.DemoCNProduct)) {
		t.Fatalf("the network's manufacturer does not own China product %s: prefixes %v", ledger.DemoCNProduct, p.CompanyPrefixes["manufacturer"])
	}
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	run32 := int(b[0])<<24 | int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	// code i of this run: the product, 9 serial digits from the run and i,
	// 4 check digits (whatever the issuer printed: the ledger keeps them).
	code := func(i int) string {
		return ledger.DemoCNProduct + fmt.Sprintf("%08d%d", run32%100000000, i) + fmt.Sprintf("%04d", 7000+i)
	}
	prefix := p.CompanyPrefixes["manufacturer"][0]
	// A pack that carries a GS1 code and China code 4: one pack, two names.
	gtin := gs1.AppendCheckDigit("0" + prefix + fmt.Sprintf("%0*d", 12-len(prefix), 782))
	both := fmt.Sprintf("(01)%s(21)LK%d(10)LB1(17)301231", gtin, run32)
	width := 16 - len(prefix)
	caseSSCC := gs1.AppendCheckDigit("3" + prefix + fmt.Sprintf("%0*d", width, (run32%pow10(width-1))*10+5))
	gln := func(role string) string { return p.GLNs[role] }
	site := func(role string) map[string]string {
		return map[string]string{envData: filepath.Join(t.TempDir(), role), envProfile: n.ProfilePath, envRole: role}
	}
	man, dist, phar, insp := site("manufacturer"), site("distributor"), site("pharmacy"), site("regulator")
	expiry := time.Now().AddDate(3, 0, 0).Format(time.DateOnly)
	type step struct {
		name string
		env  map[string]string
		args []string
		exit int
		want []string // in standard output
	}
	add := func(env map[string]string, role, kind, c string, extra ...string) step {
		args := append([]string{"queue", "add", "--event", kind, "--code", c, "--location", gln(role)}, extra...)
		return step{kind + " " + c, env, args, ExitOK, []string{"safely on disk"}}
	}
	syncAs := func(env map[string]string, role string, n int) step {
		return step{"sync as " + role, env, []string{"sync", "--once", "--role", role}, ExitOK, []string{fmt.Sprintf("sent %d events", n)}}
	}
	verify := func(name, c string, exit int, want ...string) step {
		return step{name, insp, []string{"verify", "--json", "--role", "regulator", c}, exit, append(want, `"drugCode": "`+c+`"`)}
	}
	steps := []step{
		{"a China commission names its batch", man, []string{"queue", "add", "--event", "commission", "--code", code(1), "--location", gln("manufacturer")}, ExitUsage, nil},
		add(man, "manufacturer", "commission", code(1), "--batch", "CNK1", "--expiry", expiry),
		add(man, "manufacturer", "commission", code(2), "--batch", "CNK1", "--expiry", expiry),
		add(man, "manufacturer", "commission", code(3), "--batch", "CNK1", "--expiry", expiry),
		add(man, "manufacturer", "ship", code(1), "--counterparty", gln("distributor")),
		add(man, "manufacturer", "ship", code(2), "--counterparty", gln("distributor")),
		add(man, "manufacturer", "ship", code(3), "--counterparty", gln("distributor")),
		add(man, "manufacturer", "commission", both, "--link", code(4)),
		add(man, "manufacturer", "ship", both, "--counterparty", gln("distributor")),
		syncAs(man, "manufacturer", 8),
		verify("the linked pack's China name is shipped too", code(4), ExitInvalid, `"status": "in-transit"`, `"batch": "LB1"`),
		verify("shipped to the distributor", code(1), ExitInvalid, `"status": "in-transit"`, `"batch": "CNK1"`),

		add(dist, "distributor", "receive", code(1), "--counterparty", gln("manufacturer")),
		add(dist, "distributor", "receive", code(2), "--counterparty", gln("manufacturer")),
		add(dist, "distributor", "receive", code(3), "--counterparty", gln("manufacturer")),
		add(dist, "distributor", "pack", "(00)"+caseSSCC, "--child", code(2), "--child", "]C0"+code(3)),
		add(dist, "distributor", "ship", code(1), "--counterparty", gln("pharmacy")),
		add(dist, "distributor", "ship", "(00)"+caseSSCC, "--counterparty", gln("pharmacy")),
		add(dist, "distributor", "receive", code(4), "--counterparty", gln("manufacturer")),
		add(dist, "distributor", "ship", code(4), "--counterparty", gln("pharmacy")),
		syncAs(dist, "distributor", 8),
		{"the case holds two China codes, in transit", insp, []string{"verify", "--role", "regulator", "(00)" + caseSSCC}, ExitInvalid,
			[]string{"with 2 packs (0 active)", "drug code " + code(2) + ": in-transit", "drug code " + code(3) + ": in-transit"}},

		add(phar, "pharmacy", "receive", code(1), "--counterparty", gln("distributor")),
		add(phar, "pharmacy", "receive", "(00)"+caseSSCC, "--counterparty", gln("distributor")),
		add(phar, "pharmacy", "receive", both, "--counterparty", gln("distributor")),
		syncAs(phar, "pharmacy", 3),
		add(phar, "pharmacy", "dispense", code(4)),
		syncAs(phar, "pharmacy", 1),
		{"the linked pack dispensed under its China name is dispensed under its GS1 name", insp, []string{"verify", "--role", "regulator", both}, ExitInvalid,
			[]string{"DO NOT HAND OUT: GTIN " + gtin, "is dispensed", "already-dispensed"}},
		{"the pharmacist verifies a China code", phar, []string{"verify", "--role", "pharmacy", code(1)}, ExitOK,
			[]string{"OK to hand out: drug code " + code(1) + " is active", "the ledger knows this code"}},
		add(phar, "pharmacy", "dispense", code(1)),
		syncAs(phar, "pharmacy", 1),
		verify("dispensed", code(1), ExitInvalid, `"status": "dispensed"`),
		add(phar, "pharmacy", "undo-dispense", code(1)),
		syncAs(phar, "pharmacy", 1),
		verify("undone", code(1), ExitOK, `"status": "active"`),
		{"dispensed again", phar, []string{"queue", "add", "--event", "dispense", "--code", code(1), "--location", gln("pharmacy"), "--note", "again"}, ExitOK, []string{"safely on disk"}},
		add(phar, "pharmacy", "dispense", code(2)),
		syncAs(phar, "pharmacy", 2),
		verify("dispensed again, on the ledger", code(1), ExitInvalid, `"status": "dispensed"`, `"lastKind": "dispense"`),
		verify("dispensed from the case", code(2), ExitInvalid, `"status": "dispensed"`),
		verify("other check digits: unknown", code(1)[:16]+"9999", ExitInvalid, `"status": "unknown"`, "algorithm is not public", `"drugCodeNote"`),

		{"the inspector downloads the snapshot", insp, []string{"snapshot", "--role", "regulator"}, ExitOK, []string{"local copy:"}},
		{"offline: the dispensed China code", insp, []string{"verify", "--offline", code(1)}, ExitInvalid, []string{"already-dispensed", "answered from the local copy"}},
		{"offline: the China code left in the case", insp, []string{"verify", "--offline", code(3)}, ExitOK, []string{"OK to hand out: drug code " + code(3), "answered from the local copy"}},
		{"offline: the linked pack under its GS1 name", insp, []string{"verify", "--offline", both}, ExitInvalid, []string{"already-dispensed", "answered from the local copy"}},
		{"offline: the linked pack under its China name", insp, []string{"verify", "--offline", code(4)}, ExitInvalid, []string{"already-dispensed", "answered from the local copy"}},
		{"offline: an unknown China code", insp, []string{"verify", "--offline", "--json", code(1)[:16] + "9999"}, ExitInvalid, []string{`"status": "unknown"`, `"offline": true`, "only the ledger can vouch"}},
	}
	for _, s := range steps {
		if !t.Run(s.name, func(t *testing.T) {
			exit, out, errs := run(t, s.env, s.args...)
			ok := exit == s.exit
			for _, w := range s.want {
				ok = ok && strings.Contains(out, w)
			}
			if !ok {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", exit, out, errs, s.exit, s.want)
			}
		}) {
			t.FailNow() // each step builds on the one before
		}
	}
}

package cli

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/ledger/network/networktest"

	"github.com/medtrace/medtrace/internal/gs1"
)

// TestStoreCommandsOnTheNetwork runs queue add, sync, snapshot and verify
// (online and offline) against the real network.
func TestStoreCommandsOnTheNetwork(t *testing.T) {
	n, p, _ := networktest.ClientsForTest(t) // configured from the profile
	b := make([]byte, 4)
	rand.Read(b)
	runID := strings.ToUpper(hex.EncodeToString(b))
	prefix := p.CompanyPrefixes["manufacturer"][0]
	gtin := gs1.AppendCheckDigit("0" + prefix + fmt.Sprintf("%0*d", 12-len(prefix), 779))
	code := fmt.Sprintf("(01)%s(21)C%s(10)CB1(17)301231", gtin, runID)
	env := map[string]string{envData: filepath.Join(t.TempDir(), "data"), envProfile: n.ProfilePath}
	steps := []struct {
		name   string
		args   []string
		exit   int
		stdout string
	}{
		{"queue", []string{"queue", "add", "--role", "manufacturer", "--event", "commission", "--code", code, "--location", p.GLNs["manufacturer"]}, ExitOK, "safely on disk"},
		{"verify before the sync", []string{"verify", "--json", code}, ExitInvalid, `"status": "unknown"`},
		{"sync", []string{"sync", "--once", "--role", "manufacturer"}, ExitOK, "sent 1 events"},
		{"recorded", []string{"queue", "list", "--state", "recorded"}, ExitOK, "1 recorded"},
		{"verify online", []string{"verify", "--role", "pharmacy", code}, ExitOK, "answered by the ledger"},
		{"snapshot", []string{"snapshot", "--role", "regulator"}, ExitOK, "local copy:"},
		{"verify offline", []string{"verify", "--offline", code}, ExitOK, "answered from the local copy as of"},
		{"verify, ledger unreachable", []string{"verify", "--ledger", filepath.Join(t.TempDir(), "none.json"), code}, ExitOK, "the ledger did not answer"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			exit, out, errs := run(t, env, s.args...)
			if exit != s.exit || !strings.Contains(out, s.stdout) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d and %q", exit, out, errs, s.exit, s.stdout)
			}
		})
	}
	t.Run("offline json has its as-of", func(t *testing.T) {
		_, out, _ := run(t, env, "verify", "--offline", "--json", code)
		var v verifyJSON
		if err := json.Unmarshal([]byte(out), &v); err != nil || !v.Offline || v.Block == 0 || v.AsOf.IsZero() || v.Batch != "CB1" {
			t.Fatalf("%q: %v", out, err)
		}
	})
}

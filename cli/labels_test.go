package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/ledger"
)

// TestLabelsDemoDefault checks that labels printed without codes or --gtin
// are packs the demo ledger knows: the seeded packs its pharmacy holds.
func TestLabelsDemoDefault(t *testing.T) {
	packs, err := ledger.DemoPharmacyPacks("4012345")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		want    int
		demo    int    // how many demo packs the sheet must carry
		decoded string // the decoded sheet must contain this
	}{
		{name: "default is the demo pharmacy's packs", args: []string{"--count", "3"}, want: ExitOK, demo: 3},
		{name: "all of them", args: []string{"--count", "28"}, want: ExitOK, demo: 28},
		{name: "more than the pharmacy holds", args: []string{"--count", "29"}, want: ExitUsage},
		{name: "gtin gives random serials", args: []string{"--count", "2", "--gtin", "09506000134352", "--seed", "5"}, want: ExitOK,
			decoded: "0109506000134352"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			png := filepath.Join(dir, string(rune('a'+i))+".png")
			target := png
			if tc.demo > 20 { // more than a PNG's one page holds: a PDF
				target = filepath.Join(dir, string(rune('a'+i))+".pdf")
			}
			code, _, errOut := runCmd(t, append([]string{"labels", "--out", target, "--dpi", "150"}, tc.args...)...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d (%s)", code, tc.want, errOut)
			}
			if tc.want != ExitOK || target != png {
				return
			}
			code, dec, errOut := runCmd(t, "decode", "--budget", "0", "--json", "--all", png)
			if code != ExitOK {
				t.Fatalf("decode: exit %d (%s)", code, errOut)
			}
			if tc.decoded != "" && !strings.Contains(dec, tc.decoded) {
				t.Errorf("decoded sheet lacks %s: %s", tc.decoded, dec)
			}
			for j, p := range packs {
				has := strings.Contains(dec, "21"+p.Serial)
				if has != (j < tc.demo) {
					t.Errorf("demo pack %d (%s) on the sheet: %v, want %v", j, p.Serial, has, j < tc.demo)
				}
				if j < tc.demo && !strings.Contains(dec, "01"+p.GTIN+"17280630"+"10"+p.Batch) {
					t.Errorf("pack %s: GTIN, expiry or batch missing in %s", p.Serial, dec)
				}
			}
		})
	}
}

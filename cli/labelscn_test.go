package cli

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/ledger"
)

// TestLabelsCN: China drug codes print as plain Data Matrix symbols that
// decode back to the 20 digits, which parse as China codes: the demo
// pharmacy's China-coded packs (--cn) or codes given.
func TestLabelsCN(t *testing.T) {
	demo := ledger.DemoPharmacyCNPacks()
	const given = "81234561234567890123"
	dir := t.TempDir()
	tests := []struct {
		name  string
		args  []string
		want  int
		codes []string // must decode from the sheet
		not   []string // must not
	}{
		{"the demo pharmacy's China-coded packs", []string{"--cn", "--count", "3"}, ExitOK, []string{demo[0].Code, demo[1].Code, demo[2].Code}, []string{demo[3].Code}},
		{"a China code given", []string{given}, ExitOK, []string{given}, nil},
		{"a GS1 code and a China code", []string{"(01)09506000134352(21)X1", given}, ExitOK, []string{given, "0109506000134352"}, nil},
		{"20 digits not starting with 8", []string{"71234561234567890123"}, ExitInvalid, nil, nil},
		{"more China packs than the pharmacy holds", []string{"--cn", "--count", "23"}, ExitUsage, nil, nil},
		{"--cn with --gtin", []string{"--cn", "--gtin", "09506000134352"}, ExitUsage, nil, nil},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			png := filepath.Join(dir, string(rune('a'+i))+".png")
			code, _, errOut := runCmd(t, append([]string{"labels", "--out", png, "--dpi", "150"}, tc.args...)...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d (%s)", code, tc.want, errOut)
			}
			if tc.want != ExitOK {
				return
			}
			code, dec, errOut := runCmd(t, "decode", "--budget", "0", "--json", "--all", png)
			if code != ExitOK {
				t.Fatalf("decode: exit %d (%s)", code, errOut)
			}
			for _, c := range tc.codes {
				if !strings.Contains(dec, c) {
					t.Errorf("the sheet lacks %s: %s", c, dec)
				}
			}
			for _, c := range tc.not {
				if strings.Contains(dec, c) {
					t.Errorf("the sheet has %s", c)
				}
			}
			for _, c := range tc.codes {
				if !strings.HasPrefix(c, "8") {
					continue
				}
				// As a scanner hands it over: plain Data Matrix (]d1), then parsed.
				if !strings.Contains(dec, `"symbology":"]d1","text":"`+c+`"`) {
					t.Errorf("%s is not a plain Data Matrix of the 20 digits: %s", c, dec)
				}
				if code, out, _ := runCmd(t, "parse", "--json", "]d1"+c); code != ExitOK || !strings.Contains(out, `"scheme":"cn-drugcode"`) {
					t.Errorf("parse %s: exit %d, %s", c, code, out)
				}
			}
		})
	}
}

package cli

import (
	"fmt"

	"github.com/medtrace/medtrace/internal/packcode"
)

// packOfCode names the pack a parsed code is on, as events and the ledger
// name it (packcode.Result.LedgerPack): its GTIN and serial, or for China's
// 20-digit drug traceability code the ledger's name for it, cn then being
// the 20 digits. A code that names no pack gives what it has (a recall's
// GTIN without a serial).
func packOfCode(res packcode.Result) (gtin, serial, cn string) {
	g, s, ok := res.LedgerPack()
	if !ok {
		return res.GTIN, res.Serial, ""
	}
	if res.CN != nil {
		cn = res.CN.Code
	}
	return g, s, cn
}

// cnAuthority is what a verdict on a China drug code says about its check
// digits: the ledger is the authority on them.
func cnAuthority(known bool) string {
	if known {
		return "China drug code: its check digits follow an algorithm that is not public; the ledger knows this code as its manufacturer commissioned it, digit for digit"
	}
	return "China drug code: its check digits follow an algorithm that is not public, so only the ledger can vouch for a code, and it does not know this one"
}

// mergeField fills want into have (what the code itself carries): a flag
// may supply what the code lacks, never contradict what it carries.
func mergeField(name, have, want string) (string, error) {
	switch {
	case want == "":
		return have, nil
	case have == "" || have == want:
		return want, nil
	}
	return "", fmt.Errorf("%s %s contradicts the code, which carries %s (what is printed on the pack counts)", name, want, have)
}

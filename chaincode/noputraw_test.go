//go:build !benchchaincode

package main

import (
	"strings"
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// TestNoPutRaw: the production chaincode has no benchmark function (it is
// built only with the benchchaincode tag).
func TestNoPutRaw(t *testing.T) {
	l := newLedger(t)
	if st, msg, _ := l.invoke("RegulatorMSP", "InitLedger", "RegulatorMSP"); st != shim.OK {
		t.Fatalf("%d %s", st, msg)
	}
	st, msg, stub := l.invoke("RegulatorMSP", "PutRaw", "3", "10")
	if st == shim.OK || len(stub.writes) != 0 || !strings.Contains(msg, "PutRaw") {
		t.Fatalf("PutRaw: %d %q, %d writes", st, msg, len(stub.writes))
	}
	t.Logf("refused: %s", msg)
}

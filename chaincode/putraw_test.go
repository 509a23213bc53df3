//go:build benchchaincode

package main

import (
	"testing"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// TestPutRaw: the benchmark chaincode's PutRaw, a regulator's only.
func TestPutRaw(t *testing.T) {
	l := newLedger(t)
	if st, msg, _ := l.invoke("RegulatorMSP", "InitLedger", "RegulatorMSP"); st != shim.OK {
		t.Fatalf("%d %s", st, msg)
	}
	if st, msg, stub := l.invoke("RegulatorMSP", "PutRaw", "3", "10"); st != shim.OK || len(stub.writes) != 3 {
		t.Fatalf("%d %s, %d writes", st, msg, len(stub.writes))
	}
	for _, args := range [][]string{{"ManufacturerMSP", "1", "10"}, {"RegulatorMSP", "three", "10"}} {
		if st, msg, _ := l.invoke(args[0], "PutRaw", args[1:]...); st == shim.OK {
			t.Fatalf("PutRaw %v accepted: %s", args, msg)
		}
	}
}

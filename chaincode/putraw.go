//go:build benchchaincode

package main

import (
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/medtrace/medtrace/chaincode/record"
)

// PutRaw writes n plain keys of size bytes: the benchmark baseline.
// Regulators only. Only the benchmark chaincode has it (build tag
// benchchaincode); the production chaincode does not.
func (c *Contract) PutRaw(ctx contractapi.TransactionContextInterface, n, size int) error {
	tx, err := c.txOf(ctx)
	if err != nil {
		return err
	}
	return record.PutRaw(ctx.GetStub(), tx, n, size)
}

//go:build tools

// Package fabrictools pins the Hyperledger Fabric 2.5.9 commands that the local
// ledger network runs; `make fabric` builds them into bin/fabric.
package fabrictools

import (
	_ "github.com/hyperledger/fabric/cmd/configtxgen"
	_ "github.com/hyperledger/fabric/cmd/cryptogen"
	_ "github.com/hyperledger/fabric/cmd/orderer"
	_ "github.com/hyperledger/fabric/cmd/osnadmin"
	_ "github.com/hyperledger/fabric/cmd/peer"
)

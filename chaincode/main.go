// Command chaincode is MedTrace's traceability chaincode, run as a
// chaincode-as-a-service server with mutual TLS.
package main

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// regulatorMSP is the MSP that InitLedger makes the ledger's first
// regulator: fixed when the chaincode is built, so that nobody becomes
// regulator by calling InitLedger first. The local network's is
// RegulatorMSP; a consortium builds its chaincode with
// -ldflags "-X main.regulatorMSP=TheirRegulatorMSP".
var regulatorMSP = "RegulatorMSP"

func main() {
	if err := run(); err != nil {
		log.Fatalf("medtrace chaincode: %v", err)
	}
}

func run() error {
	cc, err := newChaincode(time.Now, regulatorMSP)
	if err != nil {
		return err
	}
	tlsProps, err := tlsFromEnv()
	if err != nil {
		return err
	}
	srv := &shim.ChaincodeServer{
		CCID:     os.Getenv("CHAINCODE_ID"),
		Address:  os.Getenv("CHAINCODE_SERVER_ADDRESS"),
		CC:       cc,
		TLSProps: tlsProps,
	}
	if srv.CCID == "" || srv.Address == "" {
		return fmt.Errorf("CHAINCODE_ID and CHAINCODE_SERVER_ADDRESS must be set")
	}
	return srv.Start()
}

// newChaincode is the contract behind the contract API's dispatch; now is
// the endorsing peer's clock (time.Now: the chaincode runs beside its peer),
// regulator the MSP InitLedger makes the first regulator.
func newChaincode(now func() time.Time, regulator string) (*contractapi.ContractChaincode, error) {
	c := &Contract{now: now, regulator: regulator}
	c.Name = "medtrace"
	cc, err := contractapi.NewChaincode(c)
	if err != nil {
		return nil, fmt.Errorf("build chaincode: %w", err)
	}
	cc.Info.Title, cc.Info.Version = "MedTrace traceability", "1.0.0"
	cc.DefaultContract = c.Name
	cc.TransactionSerializer = &stringSerializer{}
	return cc, nil
}

func tlsFromEnv() (shim.TLSProperties, error) {
	read := func(env string) ([]byte, error) {
		p := os.Getenv(env)
		if p == "" {
			return nil, fmt.Errorf("%s must be set (TLS is required)", env)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", env, err)
		}
		return b, nil
	}
	cert, err := read("CHAINCODE_TLS_CERT_FILE")
	if err != nil {
		return shim.TLSProperties{}, err
	}
	key, err := read("CHAINCODE_TLS_KEY_FILE")
	if err != nil {
		return shim.TLSProperties{}, err
	}
	ca, err := read("CHAINCODE_TLS_CLIENT_CA_FILE")
	if err != nil {
		return shim.TLSProperties{}, err
	}
	return shim.TLSProperties{Key: key, Cert: cert, ClientCACerts: ca}, nil
}

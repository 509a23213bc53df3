package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/medtrace/medtrace/chaincode/record"
)

// Contract is the thin Fabric adapter over package record: it turns the
// transaction context into a record.State and a record.Tx and JSON in and out.
type Contract struct {
	contractapi.Contract
	// now is the endorsing peer's clock (the chaincode process runs beside
	// its peer): time.Now, or a fixed clock in tests.
	now func() time.Time
	// regulator is the MSP that InitLedger makes the first regulator, fixed
	// when the chaincode is built (see regulatorMSP in main.go).
	regulator string
}

// txOf describes the transaction, with the endorser's clock beside its
// timestamp (RecordEvents checks one against the other).
func (c *Contract) txOf(ctx contractapi.TransactionContextInterface) (record.Tx, error) {
	stub := ctx.GetStub()
	ts, err := stub.GetTxTimestamp()
	if err != nil {
		return record.Tx{}, fmt.Errorf("read transaction timestamp: %w", err)
	}
	msp, err := ctx.GetClientIdentity().GetMSPID()
	if err != nil {
		return record.Tx{}, fmt.Errorf("read submitter MSP: %w", err)
	}
	now := time.Now
	if c.now != nil {
		now = c.now
	}
	cert, err := certOf(ctx.GetClientIdentity())
	if err != nil {
		return record.Tx{}, err
	}
	return record.Tx{ID: stub.GetTxID(), Time: ts.AsTime(), MSP: msp, Clock: now(), Cert: cert}, nil
}

// attributes is the part of the client identity certOf reads (cid.ClientIdentity has it).
type attributes interface {
	GetAttributeValue(name string) (value string, found bool, err error)
}

// certOf reads the user's role, site and administrator flag from the
// attributes its organisation's CA wrote in its certificate.
func certOf(id attributes) (record.Cert, error) {
	var c record.Cert
	val := func(name string) (string, error) {
		v, _, err := id.GetAttributeValue(name)
		if err != nil {
			return "", fmt.Errorf("read certificate attribute %s: %w", name, err)
		}
		return v, nil
	}
	role, err := val(record.AttrRole)
	if err != nil {
		return c, err
	}
	gln, err := val(record.AttrGLN)
	if err != nil {
		return c, err
	}
	admin, err := val(record.AttrAdmin)
	if err != nil {
		return c, err
	}
	return record.Cert{Role: record.Role(role), GLN: gln, Admin: admin == "true"}, nil
}

func encode(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode result: %w", err)
	}
	return string(b), nil
}

// InitLedger bootstraps the ledger with regulatorMSP, which must be the
// regulator fixed when this chaincode was built, as the first regulator;
// only that MSP's administrator may call it. Accepted once.
func (c *Contract) InitLedger(ctx contractapi.TransactionContextInterface, regulatorMSP string) error {
	tx, err := c.txOf(ctx)
	if err != nil {
		return err
	}
	return record.InitLedger(ctx.GetStub(), tx, c.regulator, regulatorMSP)
}

// SetOrgRole gives an MSP a role (manufacturer, distributor, pharmacy,
// regulator), or removes it with an empty role. A regulator's
// administrator only (as are the other Set functions).
func (c *Contract) SetOrgRole(ctx contractapi.TransactionContextInterface, msp, role string) error {
	tx, err := c.txOf(ctx)
	if err != nil {
		return err
	}
	return record.SetOrgRole(ctx.GetStub(), tx, msp, record.Role(role))
}

// SetCompanyPrefixes sets the GS1 company prefixes (a JSON array) an MSP
// owns. Regulators only.
func (c *Contract) SetCompanyPrefixes(ctx contractapi.TransactionContextInterface, msp, prefixesJSON string) error {
	tx, err := c.txOf(ctx)
	if err != nil {
		return err
	}
	var prefixes []string
	if err := json.Unmarshal([]byte(prefixesJSON), &prefixes); err != nil {
		return fmt.Errorf("%w: prefixes must be a JSON array of strings: %w", record.ErrBadRequest, err)
	}
	return record.SetCompanyPrefixes(ctx.GetStub(), tx, msp, prefixes)
}

// SetLocations sets the GLNs (a JSON array) where an MSP's events may
// happen. Regulators only.
func (c *Contract) SetLocations(ctx contractapi.TransactionContextInterface, msp, glnsJSON string) error {
	tx, err := c.txOf(ctx)
	if err != nil {
		return err
	}
	var glns []string
	if err := json.Unmarshal([]byte(glnsJSON), &glns); err != nil {
		return fmt.Errorf("%w: GLNs must be a JSON array of strings: %w", record.ErrBadRequest, err)
	}
	return record.SetLocations(ctx.GetStub(), tx, msp, glns)
}

// SetTimeLimits sets how long before its transaction an event may be dated
// (eventLag, a Go duration such as "72h") and how far a transaction's
// timestamp may be from an endorsing peer's clock (skew, such as "5m");
// "" or "0" restores a default. Regulators only.
func (c *Contract) SetTimeLimits(ctx contractapi.TransactionContextInterface, eventLag, skew string) error {
	tx, err := c.txOf(ctx)
	if err != nil {
		return err
	}
	var d [2]time.Duration
	for i, v := range []string{eventLag, skew} {
		if v == "" {
			continue
		}
		if d[i], err = time.ParseDuration(v); err != nil {
			return fmt.Errorf("%w: %q is not a duration such as 72h or 5m: %w", record.ErrBadRequest, v, err)
		}
	}
	return record.SetTimeLimits(ctx.GetStub(), tx, d[0], d[1])
}

// GetConfig returns the organisation-to-role map as JSON.
func (c *Contract) GetConfig(ctx contractapi.TransactionContextInterface) (string, error) {
	cfg, err := record.LoadConfig(ctx.GetStub())
	if err != nil {
		return "", err
	}
	return encode(cfg)
}

// RecordEvents records a JSON array of events and returns a JSON
// BatchResult; it sets one chaincode event listing what it recorded.
func (c *Contract) RecordEvents(ctx contractapi.TransactionContextInterface, eventsJSON string) (string, error) {
	tx, err := c.txOf(ctx)
	if err != nil {
		return "", err
	}
	res, em, err := record.Record(ctx.GetStub(), tx, []byte(eventsJSON))
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(&em)
	if err != nil {
		return "", fmt.Errorf("encode chaincode event: %w", err)
	}
	if err := ctx.GetStub().SetEvent(record.EventName, payload); err != nil {
		return "", fmt.Errorf("set chaincode event: %w", err)
	}
	// Results come in the order of the events and leave out what the client
	// has already (it fills them in): the event's ID, and the TxID when it is
	// this transaction's. Every byte here is in the block for good.
	for i := range res.Results {
		res.Results[i].EventID = ""
		if res.Results[i].TxID == res.TxID {
			res.Results[i].TxID = ""
		}
	}
	return encode(&res)
}

// Verify returns a JSON Verification of a pack, given the batch and expiry
// as scanned (either may be empty).
func (c *Contract) Verify(ctx contractapi.TransactionContextInterface, gtin, serial, batch, expiry string) (string, error) {
	tx, err := c.txOf(ctx)
	if err != nil {
		return "", err
	}
	v, err := record.Verify(ctx.GetStub(), tx, gtin, serial, batch, expiry)
	if err != nil {
		return "", err
	}
	return encode(&v)
}

// History returns a pack's events as a JSON array of HistoryEntry.
func (c *Contract) History(ctx contractapi.TransactionContextInterface, gtin, serial string) (string, error) {
	tx, err := c.txOf(ctx)
	if err != nil {
		return "", err
	}
	h, err := record.History(ctx.GetStub(), tx, gtin, serial)
	if err != nil {
		return "", err
	}
	return encode(h)
}

// Contents returns what an SSCC holds, recursively, as JSON.
func (c *Contract) Contents(ctx contractapi.TransactionContextInterface, sscc string) (string, error) {
	tx, err := c.txOf(ctx)
	if err != nil {
		return "", err
	}
	v, err := record.UnitContents(ctx.GetStub(), tx, sscc)
	if err != nil {
		return "", err
	}
	return encode(&v)
}

// stubPager pages through the world state with the Fabric stub.
type stubPager struct {
	stub shim.ChaincodeStubInterface
}

// ScanPage reads one page of [start, end) after bookmark.
func (p stubPager) ScanPage(start, end string, pageSize int, bookmark string) ([]record.KV, string, error) {
	it, meta, err := p.stub.GetStateByRangeWithPagination(start, end, int32(pageSize), bookmark)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = it.Close() }() // a read: the peer ends the query with the transaction anyway
	var out []record.KV
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, "", err
		}
		out = append(out, record.KV{Key: kv.GetKey(), Value: kv.GetValue()})
	}
	return out, meta.GetBookmark(), nil
}

// Export returns one page of the full state (packs, then recalled batches)
// as JSON, for offline copies. Start with an empty bookmark.
func (c *Contract) Export(ctx contractapi.TransactionContextInterface, bookmark string, pageSize int) (string, error) {
	tx, err := c.txOf(ctx)
	if err != nil {
		return "", err
	}
	pg, err := record.Export(ctx.GetStub(), stubPager{ctx.GetStub()}, tx, bookmark, pageSize)
	if err != nil {
		return "", err
	}
	return encode(&pg)
}

// ReportAlert keeps an alert a member's station reports (an event it
// queued came back refused), one per refused event ID, and returns the
// alert kept as JSON (record.ReportAlert).
func (c *Contract) ReportAlert(ctx contractapi.TransactionContextInterface, reportJSON string) (string, error) {
	tx, err := c.txOf(ctx)
	if err != nil {
		return "", err
	}
	a, err := record.ReportAlert(ctx.GetStub(), tx, []byte(reportJSON))
	if err != nil {
		return "", err
	}
	return encode(&a)
}

// Alerts returns one page of the alerts stations reported, for the
// regulator, as JSON. Start with an empty bookmark.
func (c *Contract) Alerts(ctx contractapi.TransactionContextInterface, bookmark string, pageSize int) (string, error) {
	tx, err := c.txOf(ctx)
	if err != nil {
		return "", err
	}
	p, err := record.Alerts(ctx.GetStub(), stubPager{ctx.GetStub()}, tx, bookmark, pageSize)
	if err != nil {
		return "", err
	}
	return encode(&p)
}

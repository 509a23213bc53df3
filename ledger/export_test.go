package ledger

import "github.com/hyperledger/fabric-gateway/pkg/client"

// QSCCForTest is the client's qscc contract, for tests of the channel's
// ACLs on the qscc functions the client does not call.
func (c *Client) QSCCForTest() *client.Contract { return c.qscc }

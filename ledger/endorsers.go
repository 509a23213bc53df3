package ledger

import (
	"errors"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// classifyEndorse is classify for a failed endorsement, told apart by
// where the endorsements failed. Fabric 2.5's gateway always asks a peer
// of its own organisation first and answers Aborted, with a detail per
// endorser that failed, both when that first endorsement fails (the
// chaincode refused the whole request, or could not run: ErrRejected, as
// classOf says) and when it succeeded but too few of the other
// organisations' peers answered for the endorsement policy (on a
// consortium's MAJORITY policy: members down or unreachable). When the
// profile names the gateway peer's organisation (Config.PeerMSPID) and no
// failing endorser is of it, it is the second case, an infrastructure
// failure: ErrUnavailable. Only the details' organisations are read, never
// a message.
func (c *Client) classifyEndorse(txID string, err error) error {
	e := classify(txID, err)
	var te *TxError
	var endorse *client.EndorseError
	if c.cfg.PeerMSPID == "" || !errors.As(e, &te) || te.Class != ErrRejected ||
		!errors.As(err, &endorse) || status.Code(err) != codes.Aborted {
		return e
	}
	if othersFailed(endorse.Details(), c.cfg.PeerMSPID) {
		te.Class = ErrUnavailable
	}
	return e
}

// othersFailed reports whether every failed endorser (at least one) is of
// another organisation than own.
func othersFailed(details []*gateway.ErrorDetail, own string) bool {
	if len(details) == 0 {
		return false
	}
	for _, d := range details {
		if d.GetMspId() == own {
			return false
		}
	}
	return true
}

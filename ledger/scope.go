package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/orderer"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/medtrace/medtrace/trace"
)

// ErrPermissionDenied means the channel's access control refuses this
// identity a read. Raw blocks (block events, qscc's block and transaction
// reads, the gateway's chaincode events) hold every pack's write set, so
// the channel gives them to the regulator's members only; the others read
// through the chaincode's scoped queries (Verify, History, Contents,
// Export). It is not an outage: asking again does not help.
var ErrPermissionDenied = errors.New("the ledger refuses this identity the read")

// BlockAccess asks the peer's deliver service for block 0 alone, to learn
// whether this identity may read raw blocks. It returns nil when it may,
// an error wrapping ErrPermissionDenied when the channel refuses it
// (the deliver service's FORBIDDEN status, the event/Block ACL), and
// ErrUnavailable when the peer cannot be asked.
func (c *Client) BlockAccess(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, evaluateTimeout)
	defer cancel()
	env, err := c.seekEnvelope(0, 0)
	if err != nil {
		return fmt.Errorf("block access: %w", err)
	}
	stream, err := peer.NewDeliverClient(c.conn).Deliver(ctx)
	if err != nil {
		return fmt.Errorf("block access: %w: %w", ErrUnavailable, err)
	}
	defer func() { _ = stream.CloseSend() }() // the answer is in; ctx's cancel ends the stream
	if err := stream.Send(env); err != nil {
		return fmt.Errorf("block access: %w: %w", ErrUnavailable, err)
	}
	resp, err := stream.Recv()
	if err != nil {
		return fmt.Errorf("block access: %w: %w", ErrUnavailable, err)
	}
	switch resp.GetType().(type) {
	case *peer.DeliverResponse_Block:
		return nil
	}
	switch st := resp.GetStatus(); st {
	case common.Status_FORBIDDEN:
		return fmt.Errorf("block access: %w: %s may not read blocks", ErrPermissionDenied, c.cfg.MSPID)
	case common.Status_BAD_REQUEST:
		return fmt.Errorf("block access: %w: the peer answered %s", ErrRejected, st)
	default:
		return fmt.Errorf("block access: %w: the peer answered %s", ErrUnavailable, st)
	}
}

// seekEnvelope is a signed deliver request for blocks start to stop. The
// gateway client builds it (channel and signature headers, creator); its
// stop is moved from "never" to stop, and it is signed again with the
// client's SHA-256 digest, as the gateway client signs.
func (c *Client) seekEnvelope(start, stop uint64) (*common.Envelope, error) {
	req, err := c.network.NewBlockEventsRequest(client.WithStartBlock(start))
	if err != nil {
		return nil, fmt.Errorf("deliver request: %w", err)
	}
	raw, err := req.Bytes()
	if err != nil {
		return nil, fmt.Errorf("deliver request: %w", err)
	}
	env, payload, seek := &common.Envelope{}, &common.Payload{}, &orderer.SeekInfo{}
	if err := proto.Unmarshal(raw, env); err != nil {
		return nil, fmt.Errorf("deliver request: %w", err)
	}
	if err := proto.Unmarshal(env.GetPayload(), payload); err != nil {
		return nil, fmt.Errorf("deliver request: %w", err)
	}
	if err := proto.Unmarshal(payload.GetData(), seek); err != nil {
		return nil, fmt.Errorf("deliver request: %w", err)
	}
	seek.Stop = &orderer.SeekPosition{Type: &orderer.SeekPosition_Specified{Specified: &orderer.SeekSpecified{Number: stop}}}
	if payload.Data, err = proto.Marshal(seek); err != nil {
		return nil, fmt.Errorf("deliver request: %w", err)
	}
	if env.Payload, err = proto.Marshal(payload); err != nil {
		return nil, fmt.Errorf("deliver request: %w", err)
	}
	digest := sha256.Sum256(env.GetPayload())
	if env.Signature, err = c.sign(digest[:]); err != nil {
		return nil, fmt.Errorf("sign deliver request: %w", err)
	}
	return env, nil
}

// qsccBlock reads one block with a qscc function (GetBlockByNumber,
// GetBlockByTxID). qscc answers every refusal alike (a chaincode error),
// so a refusal is told apart by asking the deliver service (BlockAccess,
// the same policy), never by its message: the error wraps
// ErrPermissionDenied when this identity may not read blocks,
// ErrUnavailable when the peer cannot be asked, errNoBlock otherwise.
func (c *Client) qsccBlock(ctx context.Context, fn string, arg string) (*common.Block, error) {
	raw, err := c.qscc.EvaluateWithContext(ctx, fn, client.WithArguments(c.cfg.Channel, arg))
	if err != nil {
		if transient(status.Code(err)) || ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w: %w", fn, ErrUnavailable, err)
		}
		if aerr := c.BlockAccess(ctx); aerr != nil {
			return nil, fmt.Errorf("%s: %w", fn, aerr)
		}
		return nil, fmt.Errorf("%s: %w: %w", fn, errNoBlock, err)
	}
	b := &common.Block{}
	if err := proto.Unmarshal(raw, b); err != nil {
		return nil, fmt.Errorf("%s: decode block: %w", fn, err)
	}
	return b, nil
}

// errNoBlock is qscc's refusal of a reader that may read blocks: no block
// has that number or transaction.
var errNoBlock = errors.New("no such block")

// Block reads block number n with qscc, with the MedTrace transactions in
// it. Errors wrap ErrPermissionDenied for identities that may not read
// blocks, ErrUnavailable when the peer cannot be asked and ErrRejected for
// a block the channel does not have.
func (c *Client) Block(ctx context.Context, n uint64) (trace.BlockEvents, error) {
	b, err := c.qsccBlock(ctx, "GetBlockByNumber", fmt.Sprint(n))
	if errors.Is(err, errNoBlock) {
		return trace.BlockEvents{}, fmt.Errorf("block %d: %w: %w", n, ErrRejected, err)
	}
	if err != nil {
		return trace.BlockEvents{}, fmt.Errorf("block %d: %w", n, err)
	}
	return c.blockEvents(b)
}

// ChaincodeEvents calls fn with each MedTrace transaction's chaincode event
// from fromBlock on, through the gateway's chaincode events service, until
// ctx ends, fn fails (its error is returned) or the stream fails. Errors
// wrap ErrPermissionDenied for identities the channel refuses them
// (gateway/ChaincodeEvents), ErrUnavailable when the peer cannot be asked.
// Unlike Events, the transactions carry no state changes.
func (c *Client) ChaincodeEvents(ctx context.Context, fromBlock uint64, fn func(trace.TxEvents) error) error {
	req, err := c.network.NewChaincodeEventsRequest(c.cfg.Chaincode, client.WithStartBlock(fromBlock))
	if err != nil {
		return fmt.Errorf("chaincode events: %w", err)
	}
	raw, err := req.Bytes()
	if err != nil {
		return fmt.Errorf("chaincode events: %w", err)
	}
	signed := &gateway.SignedChaincodeEventsRequest{}
	if err := proto.Unmarshal(raw, signed); err != nil {
		return fmt.Errorf("chaincode events: %w", err)
	}
	if signed.Signature, err = c.sign(req.Digest()); err != nil {
		return fmt.Errorf("sign chaincode events request: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // ends the stream when fn stops early
	stream, err := gateway.NewGatewayClient(c.conn).ChaincodeEvents(ctx, signed)
	if err != nil {
		return fmt.Errorf("chaincode events: %w: %w", ErrUnavailable, err)
	}
	for {
		resp, err := stream.Recv()
		if err != nil {
			switch code := status.Code(err); {
			case code == codes.PermissionDenied:
				return fmt.Errorf("chaincode events: %w: %w", ErrPermissionDenied, err)
			case transient(code) || ctx.Err() != nil:
				return fmt.Errorf("chaincode events: %w: %w", ErrUnavailable, err)
			default:
				return fmt.Errorf("chaincode events: %w: %w", ErrRejected, err)
			}
		}
		for _, ev := range resp.GetEvents() {
			if ev.GetEventName() != chaincodeEventName {
				continue
			}
			var te trace.TxEvents
			if err := json.Unmarshal(ev.GetPayload(), &te); err != nil {
				return fmt.Errorf("chaincode events: block %d tx %s: %w", resp.GetBlockNumber(), ev.GetTxId(), err)
			}
			te.TxID = ev.GetTxId()
			if err := fn(te); err != nil {
				return err
			}
		}
	}
}

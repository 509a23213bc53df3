package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/medtrace/medtrace/trace"
)

// Outcome learns what became of a transaction this client sent with
// events, for crash recovery. An identity that may read blocks gets
// CommitStatus's answer. The others may not (ErrPermissionDenied) and get
// the chaincode's: RecordEvents is evaluated again with the same events,
// read-only, and event IDs being the ledger's idempotency keys, every event
// the ledger holds comes back as a duplicate naming the transaction that
// recorded it (replayOutcome); the block of a transaction that committed
// comes from the gateway's commit status, which every reader may ask.
//
// Errors wrap ErrTxNotFound when resending the events is safe and needed,
// ErrUnavailable when the ledger cannot be asked, ErrCommitUnknown when the
// chaincode would not answer (look again later), ErrRejected when the
// transaction was invalidated for good.
func (c *Client) Outcome(ctx context.Context, txID string, events []trace.Event) (trace.BatchResult, error) {
	res, err := c.CommitStatus(ctx, txID)
	if !errors.Is(err, ErrPermissionDenied) || len(events) == 0 {
		return res, err
	}
	payload, err := trace.EncodeBatch(events)
	if err != nil {
		return trace.BatchResult{}, fmt.Errorf("encode events: %w", err)
	}
	raw, err := c.contract.EvaluateWithContext(ctx, "RecordEvents", client.WithBytesArguments(payload))
	if err != nil {
		class := ErrCommitUnknown
		if transient(status.Code(err)) || ctx.Err() != nil {
			class = ErrUnavailable
		}
		return trace.BatchResult{}, &TxError{TxID: txID, Class: class, Err: fmt.Errorf("replay RecordEvents: %w", err)}
	}
	var replay trace.BatchResult
	if err := json.Unmarshal(raw, &replay); err != nil {
		return trace.BatchResult{}, &TxError{TxID: txID, Class: ErrCommitUnknown, Err: fmt.Errorf("replay RecordEvents: decode result: %w", err)}
	}
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = events[i].ID
	}
	replay.TxID = "" // results judged by the replay itself keep an empty TxID
	if err := replay.Complete(ids); err != nil {
		return trace.BatchResult{}, &TxError{TxID: txID, Class: ErrCommitUnknown, Err: fmt.Errorf("replay RecordEvents: %w", err)}
	}
	res, err = replayOutcome(txID, replay)
	if err != nil {
		return trace.BatchResult{}, err
	}
	// It committed: the gateway's commit status (open to every reader)
	// answers at once with its block and validation code.
	block, code, err := c.commitStatus(ctx, txID)
	if err != nil {
		return trace.BatchResult{}, err
	}
	if code != peer.TxValidationCode_VALID {
		return trace.BatchResult{}, &TxError{TxID: txID, Code: code.String(), Class: ErrCommitUnknown,
			Err: errors.New("the chaincode holds its events but the peer invalidated it")}
	}
	res.Block = block
	return res, nil
}

// commitStatus asks the gateway's commit status service (gateway/CommitStatus,
// open to every reader) for a transaction's block and validation code. It
// waits for a transaction not yet committed, so ask only about one known to
// be (at most evaluateTimeout).
func (c *Client) commitStatus(ctx context.Context, txID string) (uint64, peer.TxValidationCode, error) {
	ctx, cancel := context.WithTimeout(ctx, evaluateTimeout)
	defer cancel()
	creator, err := proto.Marshal(&msp.SerializedIdentity{Mspid: c.id.MspID(), IdBytes: c.id.Credentials()})
	if err != nil {
		return 0, 0, fmt.Errorf("commit status: %w", err)
	}
	req, err := proto.Marshal(&gateway.CommitStatusRequest{TransactionId: txID, ChannelId: c.cfg.Channel, Identity: creator})
	if err != nil {
		return 0, 0, fmt.Errorf("commit status: %w", err)
	}
	digest := sha256.Sum256(req)
	sig, err := c.sign(digest[:])
	if err != nil {
		return 0, 0, fmt.Errorf("sign commit status request: %w", err)
	}
	resp, err := gateway.NewGatewayClient(c.conn).CommitStatus(ctx, &gateway.SignedCommitStatusRequest{Request: req, Signature: sig})
	if err != nil {
		class := ErrCommitUnknown
		if transient(status.Code(err)) || ctx.Err() != nil {
			class = ErrUnavailable
		}
		return 0, 0, &TxError{TxID: txID, Class: class, Err: fmt.Errorf("commit status: %w", err)}
	}
	return resp.GetBlockNumber(), resp.GetResult(), nil
}

// replayOutcome turns the results of replaying a transaction's events
// (read-only) into the transaction's outcome:
//
//   - no result names txID: nothing of it is on the ledger (never ordered,
//     invalidated, or it recorded nothing): ErrTxNotFound, resend;
//   - an event the replay would accept afresh: the transaction committed
//     without it (it was rejected then, and rejections of one pack's events
//     are not kept); resending records it now: ErrTxNotFound, resend (the
//     others come back as duplicates, so nothing is recorded twice);
//   - otherwise it committed: events it recorded (duplicates naming txID)
//     are accepted by txID, duplicates of other transactions stay
//     duplicates, and events judged again (rejected) are txID's rejections.
func replayOutcome(txID string, replay trace.BatchResult) (trace.BatchResult, error) {
	committed := false
	for _, r := range replay.Results {
		if r.TxID == txID {
			committed = true
		}
	}
	if !committed {
		return trace.BatchResult{}, &TxError{TxID: txID, Class: ErrTxNotFound, Err: errors.New("none of its events is on the ledger by it")}
	}
	out := trace.BatchResult{TxID: txID, Results: make([]trace.Result, len(replay.Results))}
	for i, r := range replay.Results {
		switch {
		case r.TxID == txID && r.Status == trace.StatusDuplicate:
			r.Status = trace.StatusAccepted
		case r.TxID == "" && r.Status == trace.StatusAccepted:
			return trace.BatchResult{}, &TxError{TxID: txID, Class: ErrTxNotFound,
				Err: fmt.Errorf("event %s is not on the ledger: the transaction committed without it", r.EventID)}
		case r.TxID == "":
			r.TxID = txID
		}
		out.Results[i] = r
	}
	return out, nil
}

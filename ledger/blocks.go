package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"

	"github.com/medtrace/medtrace/trace"
)

// chaincodeEventName is the name of the chaincode event RecordEvents sets.
const chaincodeEventName = "medtrace"

// blockTx is one endorser transaction of a block, decoded.
type blockTx struct {
	txID     string
	valid    peer.TxValidationCode
	response []byte // the chaincode's return value
	proposal []byte // the ChaincodeProposalPayload: the call and its arguments
	rwset    []byte // the TxReadWriteSet: what it read and wrote
	event    *peer.ChaincodeEvent
	time     *common.ChannelHeader
}

// decodeBlock extracts the endorser transactions of a block with their
// validation codes, chaincode responses and chaincode events.
func decodeBlock(b *common.Block) ([]blockTx, error) {
	var flags []byte
	if md := b.GetMetadata().GetMetadata(); len(md) > int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) {
		flags = md[common.BlockMetadataIndex_TRANSACTIONS_FILTER]
	}
	var out []blockTx
	for i, data := range b.GetData().GetData() {
		valid := peer.TxValidationCode_NOT_VALIDATED
		if i < len(flags) {
			valid = peer.TxValidationCode(flags[i])
		}
		env := &common.Envelope{}
		err := proto.Unmarshal(data, env)
		var tx *blockTx
		if err == nil {
			tx, err = decodeEnvelope(env)
		}
		if err != nil {
			if valid != peer.TxValidationCode_VALID {
				continue // the peer rejected it as malformed: nothing to read
			}
			return nil, fmt.Errorf("block %d tx %d: %w", b.GetHeader().GetNumber(), i, err)
		}
		if tx == nil {
			continue // not an endorser transaction (configuration)
		}
		tx.valid = valid
		out = append(out, *tx)
	}
	return out, nil
}

// decodeEnvelope decodes an endorser transaction; nil for other types.
func decodeEnvelope(env *common.Envelope) (*blockTx, error) {
	payload := &common.Payload{}
	if err := proto.Unmarshal(env.GetPayload(), payload); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	ch := &common.ChannelHeader{}
	if err := proto.Unmarshal(payload.GetHeader().GetChannelHeader(), ch); err != nil {
		return nil, fmt.Errorf("channel header: %w", err)
	}
	if common.HeaderType(ch.GetType()) != common.HeaderType_ENDORSER_TRANSACTION {
		return nil, nil
	}
	tx := &peer.Transaction{}
	if err := proto.Unmarshal(payload.GetData(), tx); err != nil {
		return nil, fmt.Errorf("transaction: %w", err)
	}
	out := &blockTx{txID: ch.GetTxId(), time: ch}
	for _, action := range tx.GetActions() {
		cpl := &peer.ChaincodeActionPayload{}
		if err := proto.Unmarshal(action.GetPayload(), cpl); err != nil {
			return nil, fmt.Errorf("chaincode action payload: %w", err)
		}
		prp := &peer.ProposalResponsePayload{}
		if err := proto.Unmarshal(cpl.GetAction().GetProposalResponsePayload(), prp); err != nil {
			return nil, fmt.Errorf("proposal response payload: %w", err)
		}
		ca := &peer.ChaincodeAction{}
		if err := proto.Unmarshal(prp.GetExtension(), ca); err != nil {
			return nil, fmt.Errorf("chaincode action: %w", err)
		}
		out.response = ca.GetResponse().GetPayload()
		out.proposal = cpl.GetChaincodeProposalPayload()
		out.rwset = ca.GetResults()
		if len(ca.GetEvents()) > 0 {
			ev := &peer.ChaincodeEvent{}
			if err := proto.Unmarshal(ca.GetEvents(), ev); err != nil {
				return nil, fmt.Errorf("chaincode event: %w", err)
			}
			out.event = ev
		}
	}
	return out, nil
}

// eventIDs reads the IDs of the events a RecordEvents transaction was sent,
// in order, from its arguments in the block.
func (tx *blockTx) eventIDs() ([]string, error) {
	cpp := &peer.ChaincodeProposalPayload{}
	if err := proto.Unmarshal(tx.proposal, cpp); err != nil {
		return nil, fmt.Errorf("proposal payload: %w", err)
	}
	spec := &peer.ChaincodeInvocationSpec{}
	if err := proto.Unmarshal(cpp.GetInput(), spec); err != nil {
		return nil, fmt.Errorf("invocation: %w", err)
	}
	args := spec.GetChaincodeSpec().GetInput().GetArgs()
	if len(args) != 2 {
		return nil, fmt.Errorf("not a RecordEvents call: %d arguments", len(args))
	}
	var events []json.RawMessage
	if err := json.Unmarshal(args[1], &events); err != nil {
		return nil, fmt.Errorf("events sent: %w", err)
	}
	ids := make([]string, len(events))
	for i, raw := range events {
		var e trace.Event
		if err := json.Unmarshal(raw, &e); err != nil {
			var idOnly struct {
				ID string `json:"id"`
			}
			_ = json.Unmarshal(raw, &idOnly) // not an event the chaincode could read: its ID as sent, if any
			ids[i] = idOnly.ID
			continue
		}
		ids[i] = trace.SentID(e)
	}
	return ids, nil
}

// blockEvents turns a block into the MedTrace transactions it holds.
func (c *Client) blockEvents(b *common.Block) (trace.BlockEvents, error) {
	txs, err := decodeBlock(b)
	if err != nil {
		return trace.BlockEvents{}, err
	}
	out := trace.BlockEvents{Block: b.GetHeader().GetNumber()}
	for _, tx := range txs {
		if out.Time.IsZero() && tx.time.GetTimestamp() != nil {
			out.Time = tx.time.GetTimestamp().AsTime()
		}
		if tx.valid != peer.TxValidationCode_VALID || tx.event == nil ||
			tx.event.GetChaincodeId() != c.cfg.Chaincode || tx.event.GetEventName() != chaincodeEventName {
			continue
		}
		var te trace.TxEvents
		if err := json.Unmarshal(tx.event.GetPayload(), &te); err != nil {
			return trace.BlockEvents{}, fmt.Errorf("block %d tx %s: chaincode event: %w", out.Block, tx.txID, err)
		}
		te.TxID = tx.txID
		if te.Packs, te.Units, err = recordChanges(tx.rwset, c.cfg.Chaincode); err != nil {
			return trace.BlockEvents{}, fmt.Errorf("block %d tx %s: %w", out.Block, tx.txID, err)
		}
		out.Txs = append(out.Txs, te)
	}
	return out, nil
}

// Events delivers every block from fromBlock on, with the MedTrace
// transactions in it, until ctx ends or the stream fails; then the channel
// closes. Store Block+1 after handling a BlockEvents and pass it as
// fromBlock to resume after a restart without gaps or repeats. Only
// identities the channel lets read blocks may follow them: for the others
// it returns an error wrapping ErrPermissionDenied.
func (c *Client) Events(ctx context.Context, fromBlock uint64) (<-chan trace.BlockEvents, error) {
	if err := c.BlockAccess(ctx); err != nil {
		return nil, err // ErrPermissionDenied: this identity reads through Export instead
	}
	ctx, cancel := context.WithCancel(ctx)
	blocks, err := c.network.BlockEvents(ctx, client.WithStartBlock(fromBlock))
	if err != nil {
		cancel()
		return nil, fmt.Errorf("block events: %w: %w", ErrUnavailable, err)
	}
	out := make(chan trace.BlockEvents)
	go func() { // owned by ctx: ends when it ends or the stream closes
		defer close(out)
		defer cancel()
		for b := range blocks {
			be, err := c.blockEvents(b)
			if err != nil {
				return // a block we cannot read: stop rather than skip it
			}
			select {
			case out <- be:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

// Height is the number of blocks on the channel.
func (c *Client) Height(ctx context.Context) (uint64, error) {
	b, err := c.qscc.EvaluateWithContext(ctx, "GetChainInfo", client.WithArguments(c.cfg.Channel))
	if err != nil {
		return 0, fmt.Errorf("chain info: %w: %w", ErrUnavailable, err)
	}
	info := &common.BlockchainInfo{}
	if err := proto.Unmarshal(b, info); err != nil {
		return 0, fmt.Errorf("chain info: %w", err)
	}
	return info.GetHeight(), nil
}

// Changes returns the net changes of blocks sinceBlock to the current last
// block: the latest state of each pack and logistic unit changed and every
// recall, for offline copies. Call again with ToBlock+1.
func (c *Client) Changes(ctx context.Context, sinceBlock uint64) (trace.Changes, error) {
	h, err := c.Height(ctx)
	if err != nil {
		return trace.Changes{}, err
	}
	out := trace.Changes{FromBlock: sinceBlock, Packs: []trace.PackChange{}, Recalls: []trace.Recall{}}
	if sinceBlock >= h {
		out.ToBlock = h - 1
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	events, err := c.Events(ctx, sinceBlock)
	if err != nil {
		return trace.Changes{}, err
	}
	index, unitIndex := map[string]int{}, map[string]int{}
	for be := range events {
		for _, tx := range be.Txs {
			for _, p := range tx.Packs {
				k := trace.PackKey(p.GTIN, p.Serial)
				if i, ok := index[k]; ok {
					out.Packs[i] = p
					continue
				}
				index[k] = len(out.Packs)
				out.Packs = append(out.Packs, p)
			}
			for _, u := range tx.Units {
				if i, ok := unitIndex[u.SSCC]; ok {
					out.Units[i] = u
					continue
				}
				unitIndex[u.SSCC] = len(out.Units)
				out.Units = append(out.Units, u)
			}
			out.Recalls = append(out.Recalls, tx.Recalls...)
		}
		if !be.Time.IsZero() {
			out.Time = be.Time
		}
		out.ToBlock = be.Block
		if be.Block >= h-1 {
			return out, nil
		}
	}
	if err := ctx.Err(); err != nil {
		return trace.Changes{}, fmt.Errorf("changes: %w: %w", ErrUnavailable, err)
	}
	return trace.Changes{}, fmt.Errorf("changes: %w: the block stream ended at block %d of %d", ErrUnavailable, out.ToBlock, h-1)
}

// CommitStatus looks a transaction up by ID, for crash recovery: its block
// and per-event results when it committed. Errors wrap ErrTxNotFound when
// the ledger holds no valid transaction with that ID (never ordered, or
// invalidated by a read conflict: resubmitting is safe), ErrRejected when it
// was invalidated for good, ErrUnavailable when the ledger cannot be asked,
// ErrPermissionDenied when this identity may not read blocks (use Outcome).
func (c *Client) CommitStatus(ctx context.Context, txID string) (trace.BatchResult, error) {
	b, err := c.qsccBlock(ctx, "GetBlockByTxID", txID)
	if err != nil {
		class := ErrTxNotFound // with a reader's identity, qscc refuses only an unknown ID
		switch {
		case errors.Is(err, ErrUnavailable):
			class = ErrUnavailable
		case errors.Is(err, ErrPermissionDenied):
			class = ErrPermissionDenied
		case !errors.Is(err, errNoBlock):
			class = ErrRejected // a block that does not decode
		}
		return trace.BatchResult{}, &TxError{TxID: txID, Class: class, Err: err}
	}
	txs, err := decodeBlock(b)
	if err != nil {
		return trace.BatchResult{}, err
	}
	for _, tx := range txs {
		if tx.txID != txID {
			continue
		}
		switch tx.valid {
		case peer.TxValidationCode_VALID:
		case peer.TxValidationCode_MVCC_READ_CONFLICT, peer.TxValidationCode_PHANTOM_READ_CONFLICT:
			return trace.BatchResult{}, &TxError{TxID: txID, Code: tx.valid.String(), Class: ErrTxNotFound, Err: errors.New("invalidated by a read conflict")}
		default:
			return trace.BatchResult{}, &TxError{TxID: txID, Code: tx.valid.String(), Class: ErrRejected, Err: errors.New("the peer invalidated the transaction")}
		}
		var res trace.BatchResult
		if err := json.Unmarshal(tx.response, &res); err != nil {
			return trace.BatchResult{}, fmt.Errorf("transaction %s: decode result: %w", txID, err)
		}
		ids, err := tx.eventIDs()
		if err != nil {
			return trace.BatchResult{}, fmt.Errorf("transaction %s: %w", txID, err)
		}
		res.TxID, res.Block = txID, b.GetHeader().GetNumber()
		if err := res.Complete(ids); err != nil {
			return trace.BatchResult{}, fmt.Errorf("transaction %s: %w", txID, err)
		}
		return res, nil
	}
	return trace.BatchResult{}, &TxError{TxID: txID, Class: ErrTxNotFound, Err: errors.New("not in the block qscc returned")}
}

// Page is one page of the ledger's full state, for offline snapshots.
// Units is empty from chaincodes that export none.
type Page struct {
	Packs    []trace.PackChange `json:"packs"`
	Units    []trace.UnitChange `json:"units,omitempty"`
	Recalls  []trace.Recall     `json:"recalls"`
	Bookmark string             `json:"bookmark"` // empty on the last page
}

// ExportPage reads one page of the full state; start with bookmark "".
func (c *Client) ExportPage(ctx context.Context, bookmark string, size int) (Page, error) {
	var p Page
	err := c.evaluate(ctx, &p, "Export", bookmark, fmt.Sprint(size))
	return p, err
}

// Snapshot reads the full state page by page, calling page for each. It
// returns the block to follow Events from afterwards: the height before the
// first page, so no change made while paging is missed (replaying one is
// harmless: states are upserts).
func (c *Client) Snapshot(ctx context.Context, size int, page func(Page) error) (uint64, error) {
	h, err := c.Height(ctx)
	if err != nil {
		return 0, err
	}
	bookmark := ""
	for {
		p, err := c.ExportPage(ctx, bookmark, size)
		if err != nil {
			return 0, err
		}
		if err := page(p); err != nil {
			return 0, err
		}
		if bookmark = p.Bookmark; bookmark == "" {
			return h, nil
		}
	}
}

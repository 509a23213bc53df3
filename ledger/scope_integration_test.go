package ledger_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/trace"
)

// errStop ends a chaincode events stream once an event came.
var errStop = errors.New("stop: an event came")

// TestBlockReadScopeOnTheNetwork runs the channel's ACLs on raw blocks on
// the real network: only the regulator's members may follow blocks, read
// them with qscc or follow chaincode events; the others are refused with
// ledger.ErrPermissionDenied (never an outage), and still learn what became
// of a transaction they sent (Outcome).
func TestBlockReadScopeOnTheNetwork(t *testing.T) {
	e := setup(t)
	gtin := e.gtin(112)
	s := e.stock(t, gtin, "S1", "2030-01-31", 1)
	e.bring(t, gtin, "phar", s[0])
	dispensed := e.ok(t, "pharmacy", e.on(trace.KindDispense, "pharmacy", gtin, s[0]))

	reads := []struct {
		name string
		read func(ctx context.Context, c *ledger.Client) error
	}{
		{"block access", func(ctx context.Context, c *ledger.Client) error { return c.BlockAccess(ctx) }},
		{"block events", func(ctx context.Context, c *ledger.Client) error {
			ch, err := c.Events(ctx, dispensed.Block)
			if err != nil {
				return err
			}
			if be, ok := <-ch; !ok || be.Block != dispensed.Block {
				return errors.New("the stream closed before the block")
			}
			return nil
		}},
		{"qscc block by number", func(ctx context.Context, c *ledger.Client) error {
			be, err := c.Block(ctx, dispensed.Block)
			if err == nil && be.Block != dispensed.Block {
				return errors.New("another block came")
			}
			return err
		}},
		{"qscc block by transaction", func(ctx context.Context, c *ledger.Client) error {
			_, err := c.CommitStatus(ctx, dispensed.TxID)
			return err
		}},
		{"chaincode events", func(ctx context.Context, c *ledger.Client) error {
			err := c.ChaincodeEvents(ctx, dispensed.Block, func(trace.TxEvents) error { return errStop })
			if errors.Is(err, errStop) {
				return nil
			}
			return err
		}},
	}
	for _, role := range []string{"manufacturer", "distributor", "pharmacy", "regulator"} {
		for _, r := range reads {
			t.Run(role+"/"+r.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				err := r.read(ctx, e.c[role])
				if role == "regulator" {
					if err != nil {
						t.Fatalf("the regulator was refused: %v", err)
					}
					return
				}
				if !errors.Is(err, ledger.ErrPermissionDenied) || errors.Is(err, ledger.ErrUnavailable) {
					t.Fatalf("err = %v, want ErrPermissionDenied (and no outage)", err)
				}
			})
		}
	}

	// qscc's other block and transaction reads, asked as they are: a
	// block by its hash (the dispense block's previous hash) and the
	// transaction by its ID.
	t.Run("qscc by hash and by transaction ID", func(t *testing.T) {
		ctx := ctxT(t)
		raw, err := e.c["regulator"].QSCCForTest().EvaluateWithContext(ctx, "GetBlockByNumber",
			client.WithArguments(e.p.Channel, fmt.Sprint(dispensed.Block)))
		if err != nil {
			t.Fatalf("the regulator reads block %d: %v", dispensed.Block, err)
		}
		b := &common.Block{}
		if err := proto.Unmarshal(raw, b); err != nil {
			t.Fatal(err)
		}
		calls := map[string]func(c *ledger.Client) ([]byte, error){
			"GetBlockByHash": func(c *ledger.Client) ([]byte, error) {
				return c.QSCCForTest().EvaluateWithContext(ctx, "GetBlockByHash",
					client.WithBytesArguments([]byte(e.p.Channel), b.GetHeader().GetPreviousHash()))
			},
			"GetTransactionByID": func(c *ledger.Client) ([]byte, error) {
				return c.QSCCForTest().EvaluateWithContext(ctx, "GetTransactionByID", client.WithArguments(e.p.Channel, dispensed.TxID))
			},
		}
		for name, call := range calls {
			for _, role := range []string{"manufacturer", "distributor", "pharmacy", "regulator"} {
				t.Run(role+"/"+name, func(t *testing.T) {
					b, err := call(e.c[role])
					switch {
					case role == "regulator" && (err != nil || len(b) == 0):
						t.Fatalf("the regulator was refused: %v", err)
					case role != "regulator" && err == nil:
						t.Fatalf("%s read %d bytes", role, len(b))
					}
				})
			}
		}
	})

	t.Run("crash recovery without blocks", func(t *testing.T) {
		ph := e.c["pharmacy"]
		ctx := ctxT(t)
		fresh := e.stock(t, gtin, "S1", "2030-01-31", 2)
		e.bring(t, gtin, "phar", fresh...)
		sent := []trace.Event{e.on(trace.KindDispense, "pharmacy", gtin, fresh[0]), e.on(trace.KindDispense, "pharmacy", gtin, fresh[1])}
		p, err := ph.Prepare(ctx, sent)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("prepared, not sent: resend", func(t *testing.T) {
			if _, err := ph.Outcome(ctx, p.TxID(), sent); !errors.Is(err, ledger.ErrTxNotFound) {
				t.Fatalf("err = %v, want ErrTxNotFound", err)
			}
		})
		res, err := p.Submit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("sent and committed: its results and block", func(t *testing.T) {
			got, err := ph.Outcome(ctx, p.TxID(), sent)
			if err != nil {
				t.Fatal(err)
			}
			if got.TxID != res.TxID || got.Block != res.Block || len(got.Results) != 2 {
				t.Fatalf("outcome %+v, submit %+v", got, res)
			}
			for i := range sent {
				if got.Results[i] != res.Results[i] || got.Results[i].Status != trace.StatusAccepted {
					t.Fatalf("result %d: outcome %+v, submit %+v", i, got.Results[i], res.Results[i])
				}
			}
		})
		t.Run("the same events under another transaction ID: resend (duplicates)", func(t *testing.T) {
			if _, err := ph.Outcome(ctx, "0f"+res.TxID[2:], sent); !errors.Is(err, ledger.ErrTxNotFound) {
				t.Fatalf("err = %v, want ErrTxNotFound", err)
			}
		})
		t.Run("a rejected event beside a recorded one", func(t *testing.T) {
			again := e.on(trace.KindDispense, "pharmacy", gtin, fresh[0]) // already dispensed
			other := e.stock(t, gtin, "S1", "2030-01-31", 1)
			e.bring(t, gtin, "phar", other...)
			mixed := []trace.Event{again, e.on(trace.KindDispense, "pharmacy", gtin, other[0])}
			p, err := ph.Prepare(ctx, mixed)
			if err != nil {
				t.Fatal(err)
			}
			res, err := p.Submit(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ph.Outcome(ctx, p.TxID(), mixed)
			if err != nil {
				t.Fatal(err)
			}
			if got.Block != res.Block || got.Results[0].Status != trace.StatusRejected || got.Results[0].Reason != res.Results[0].Reason ||
				got.Results[0].TxID != res.TxID || got.Results[1] != res.Results[1] {
				t.Fatalf("outcome %+v, submit %+v", got, res)
			}
		})
		t.Run("the regulator reads the block", func(t *testing.T) {
			got, err := e.c["regulator"].Outcome(ctx, res.TxID, nil)
			if err != nil || got.Block != res.Block || got.Results[0] != res.Results[0] {
				t.Fatalf("outcome %+v %v, submit %+v", got, err, res)
			}
		})
	})
}

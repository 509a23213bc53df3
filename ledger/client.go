package ledger

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/medtrace/medtrace/trace"
)

// Config says how to reach the ledger and as whom.
type Config struct {
	Endpoint      string // host:port of a peer's gateway
	ServerName    string // the name in the peer's TLS certificate
	TLSCACertFile string // PEM of the CA that issued the peer's TLS certificate
	MSPID         string
	CertFile      string // PEM X.509 certificate of the identity
	KeyFile       string // PEM private key; must not be readable by group or others
	// TLSCertFile and TLSKeyFile are the TLS client pair presented to a
	// peer that requires mutual TLS (both or neither; the key must not be
	// readable by group or others).
	TLSCertFile, TLSKeyFile string
	// PeerMSPID is the gateway peer's organisation, when known: it tells a
	// consortium's unreachable members from a refused request (endorsers.go).
	PeerMSPID string
	Channel   string
	Chaincode string
}

// KeyPermissionError is returned when a private key file is readable by
// users other than its owner.
type KeyPermissionError struct {
	Path string
	Mode os.FileMode
}

// Error says which key and what to do.
func (e *KeyPermissionError) Error() string {
	return fmt.Sprintf("private key %s is readable by other users (mode %04o): run chmod 600 on it", e.Path, e.Mode.Perm())
}

// Client is a connection to the ledger as one identity.
type Client struct {
	conn     *grpc.ClientConn
	gw       *client.Gateway
	network  *client.Network
	contract *client.Contract
	qscc     *client.Contract
	sign     identity.Sign // signs the requests sent past the gateway client (scope.go)
	id       identity.Identity
	cfg      Config
}

// Timeouts applied when the caller's context has no earlier deadline.
const (
	evaluateTimeout = 10 * time.Second
	endorseTimeout  = 30 * time.Second
	submitTimeout   = 15 * time.Second
	commitTimeout   = 2 * time.Minute
)

// Dial connects to the ledger. It reads the TLS CA, the certificate and the
// private key (refusing a key that others can read) and opens a gRPC
// connection; nothing is sent until the first call.
func Dial(ctx context.Context, cfg Config) (*Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for name, v := range map[string]string{"endpoint": cfg.Endpoint, "TLS CA certificate": cfg.TLSCACertFile,
		"MSP ID": cfg.MSPID, "certificate": cfg.CertFile, "private key": cfg.KeyFile, "channel": cfg.Channel, "chaincode": cfg.Chaincode} {
		if v == "" {
			return nil, fmt.Errorf("ledger config: the %s is missing", name)
		}
	}
	caPEM, err := os.ReadFile(cfg.TLSCACertFile)
	if err != nil {
		return nil, fmt.Errorf("read TLS CA certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("TLS CA certificate %s holds no PEM certificate", cfg.TLSCACertFile)
	}
	certPEM, err := os.ReadFile(cfg.CertFile)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	cert, err := identity.CertificateFromPEM(certPEM)
	if err != nil {
		return nil, fmt.Errorf("certificate %s: %w", cfg.CertFile, err)
	}
	id, err := identity.NewX509Identity(cfg.MSPID, cert)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	keyPEM, err := readPrivateKey(cfg.KeyFile)
	if err != nil {
		return nil, err
	}
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", cfg.KeyFile, err)
	}
	sign, err := identity.NewPrivateKeySign(key)
	if err != nil {
		return nil, fmt.Errorf("private key %s: %w", cfg.KeyFile, err)
	}
	tc := &tls.Config{RootCAs: pool, ServerName: cfg.ServerName, MinVersion: tls.VersionTLS12}
	if cfg.TLSCertFile != "" || cfg.TLSKeyFile != "" {
		pair, err := tlsClientPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, err
		}
		tc.Certificates = []tls.Certificate{pair}
	}
	creds := credentials.NewTLS(tc)
	conn, err := grpc.NewClient(cfg.Endpoint, grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(100<<20), grpc.MaxCallSendMsgSize(100<<20)))
	if err != nil {
		return nil, fmt.Errorf("ledger connection to %s: %w", cfg.Endpoint, err)
	}
	gw, err := client.Connect(id, client.WithSign(sign), client.WithClientConnection(conn),
		client.WithEvaluateTimeout(evaluateTimeout), client.WithEndorseTimeout(endorseTimeout),
		client.WithSubmitTimeout(submitTimeout), client.WithCommitStatusTimeout(commitTimeout))
	if err != nil {
		_ = conn.Close() // the gateway failed: that error is the one to report
		return nil, fmt.Errorf("ledger gateway: %w", err)
	}
	network := gw.GetNetwork(cfg.Channel)
	return &Client{conn: conn, gw: gw, network: network, contract: network.GetContract(cfg.Chaincode),
		qscc: network.GetContract("qscc"), sign: sign, id: id, cfg: cfg}, nil
}

// tlsClientPair reads the TLS client certificate and key for mutual TLS,
// refusing a key that group or others can read.
func tlsClientPair(certFile, keyFile string) (tls.Certificate, error) {
	if certFile == "" || keyFile == "" {
		return tls.Certificate{}, errors.New("ledger config: the TLS client certificate and key go together")
	}
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("read TLS client certificate: %w", err)
	}
	keyPEM, err := readPrivateKey(keyFile)
	if err != nil {
		return tls.Certificate{}, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("TLS client pair %s, %s: %w", certFile, keyFile, err)
	}
	return pair, nil
}

// readPrivateKey reads a key file, refusing one that group or others can read.
func readPrivateKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	defer func() { _ = f.Close() }() // read only
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, &KeyPermissionError{Path: path, Mode: fi.Mode()}
	}
	b := make([]byte, fi.Size())
	if _, err := f.ReadAt(b, 0); err != nil && fi.Size() > 0 {
		return nil, fmt.Errorf("read private key: %w", err)
	}
	return b, nil
}

// MSPID is the client's organisation.
func (c *Client) MSPID() string { return c.cfg.MSPID }

// Close closes the gateway and its connection.
func (c *Client) Close() error {
	return errors.Join(c.gw.Close(), c.conn.Close())
}

// Pending is a signed batch transaction not yet sent: its ID can be stored
// before Submit so that a crash mid-flight is resolved by CommitStatus.
type Pending struct {
	c        *Client
	proposal *client.Proposal
	ids      []string // the events' IDs, in order
}

// Prepare builds and signs the RecordEvents transaction for events without
// sending anything.
func (c *Client) Prepare(ctx context.Context, events []trace.Event) (*Pending, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, errors.New("ledger: an empty batch")
	}
	payload, err := trace.EncodeBatch(events)
	if err != nil {
		return nil, fmt.Errorf("encode events: %w", err)
	}
	p, err := c.contract.NewProposal("RecordEvents", client.WithBytesArguments(payload))
	if err != nil {
		return nil, fmt.Errorf("build proposal: %w", err)
	}
	ids := make([]string, len(events))
	for i := range events {
		ids[i] = events[i].ID
	}
	return &Pending{c: c, proposal: p, ids: ids}, nil
}

// TxID is the transaction's ID.
func (p *Pending) TxID() string { return p.proposal.TransactionID() }

// Submit endorses and sends the transaction and waits for its commit. It
// returns the per-event results and the block: a rejected event's Result
// is the chaincode's own verdict on it. Errors wrap ErrUnavailable (nothing
// committed: retry later), ErrRejected (the request as a whole did not go
// through; see classOf: not a verdict on the events) or ErrCommitUnknown
// (sent, outcome unknown: look the TxID up with CommitStatus); they are
// *TxError carrying the TxID.
func (p *Pending) Submit(ctx context.Context) (trace.BatchResult, error) {
	txID := p.TxID()
	tx, err := p.proposal.EndorseWithContext(ctx)
	if err != nil {
		return trace.BatchResult{}, p.c.classifyEndorse(txID, err)
	}
	var res trace.BatchResult
	if err := json.Unmarshal(tx.Result(), &res); err != nil {
		return trace.BatchResult{}, &TxError{TxID: txID, Class: ErrRejected, Err: fmt.Errorf("decode chaincode result: %w", err)}
	}
	res.TxID = txID
	if err := res.Complete(p.ids); err != nil { // not sent: nothing to look up later
		return trace.BatchResult{}, &TxError{TxID: txID, Class: ErrRejected, Err: fmt.Errorf("chaincode result: %w", err)}
	}
	commit, err := tx.SubmitWithContext(ctx)
	if err != nil {
		return trace.BatchResult{}, classify(txID, err)
	}
	st, err := commit.StatusWithContext(ctx)
	if err != nil {
		return trace.BatchResult{}, &TxError{TxID: txID, Class: ErrCommitUnknown, Err: err}
	}
	if !st.Successful {
		return trace.BatchResult{}, invalidated(txID, st.Code)
	}
	res.Block = st.BlockNumber
	return res, nil
}

// Submit records a batch of events and waits for its commit (Prepare and
// Pending.Submit in one step).
func (c *Client) Submit(ctx context.Context, events []trace.Event) (trace.BatchResult, error) {
	p, err := c.Prepare(ctx, events)
	if err != nil {
		return trace.BatchResult{}, err
	}
	return p.Submit(ctx)
}

// invalidated classifies a transaction the peer marked invalid: read
// conflicts are transient (retry), anything else (an endorsement policy
// failure, say) is ErrRejected: the request as a whole did not commit.
// Neither is a verdict on its events.
func invalidated(txID string, code peer.TxValidationCode) error {
	e := &TxError{TxID: txID, Code: code.String(), Class: ErrRejected, Err: errors.New("the peer invalidated the transaction")}
	switch code {
	case peer.TxValidationCode_MVCC_READ_CONFLICT, peer.TxValidationCode_PHANTOM_READ_CONFLICT:
		e.Class, e.Err = ErrUnavailable, ErrReadConflict
	}
	return e
}

// transient reports whether a gRPC code means "the ledger could not be
// reached or did not answer in time".
func transient(c codes.Code) bool {
	switch c {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Canceled, codes.ResourceExhausted:
		return true
	}
	return false
}

// stage is where in a transaction's life a gateway call failed.
type stage int

const (
	stageEndorse stage = iota // proposal not yet sent to the orderer
	stageSubmit               // sending the endorsed transaction to the orderer
	stageStatus               // waiting for the commit status
	stageOther
)

// classOf maps a failure stage and gRPC code to an error class, from the
// code alone (never the message):
//
//   - waiting for the commit status: ErrCommitUnknown, whatever the code;
//   - sending to the orderer: Unavailable (no orderer reached) and Aborted
//     (the orderer answered with a failure status, e.g. SERVICE_UNAVAILABLE
//     while it elects a leader) are ErrUnavailable, nothing was ordered;
//     any other transient code, Unknown and Internal leave the outcome
//     unknown (ErrCommitUnknown); the rest is ErrRejected;
//   - endorsing: FailedPrecondition is ErrUnavailable: Fabric 2.5's
//     gateway answers it (for a request without transient data, as ours
//     are) only when discovery finds no set of peers that satisfies the
//     endorsement policy, e.g. when too few of a consortium's
//     organisations are reachable for a MAJORITY policy;
//   - endorsing and anything else: a transient code is ErrUnavailable; the
//     rest is ErrRejected. Aborted is among the rest: the gateway answers
//     it both when the chaincode refuses a whole request and when the
//     chaincode could not be launched or died mid-call, and only the
//     message tells them apart.
//
// ErrRejected is therefore "the request as a whole did not go through",
// never a verdict on the events in it: only a per-event Result is that.
// The sync engine keeps events pending on any of these classes.
func classOf(s stage, c codes.Code) error {
	switch s {
	case stageStatus:
		return ErrCommitUnknown
	case stageSubmit:
		switch c {
		case codes.Unavailable, codes.Aborted:
			return ErrUnavailable
		case codes.DeadlineExceeded, codes.Canceled, codes.ResourceExhausted, codes.Unknown, codes.Internal:
			return ErrCommitUnknown // sent, but no clear answer: it may be ordered
		}
		return ErrRejected
	case stageEndorse:
		if c == codes.FailedPrecondition {
			return ErrUnavailable
		}
	}
	if transient(c) {
		return ErrUnavailable
	}
	return ErrRejected
}

// classify maps a gateway error to the error classes by its type
// (client.EndorseError, SubmitError, CommitStatusError, CommitError) and
// its gRPC status code. A context that ended counts as DeadlineExceeded.
func classify(txID string, err error) error {
	var endorse *client.EndorseError
	var submit *client.SubmitError
	var commitStatus *client.CommitStatusError
	var commitErr *client.CommitError
	code := status.Code(err)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		code = codes.DeadlineExceeded
	}
	switch {
	case errors.As(err, &commitErr):
		return invalidated(txID, commitErr.Code)
	case errors.As(err, &commitStatus):
		return &TxError{TxID: txID, Class: classOf(stageStatus, code), Err: err}
	case errors.As(err, &submit):
		return &TxError{TxID: txID, Class: classOf(stageSubmit, code), Err: err}
	case errors.As(err, &endorse):
		return &TxError{TxID: txID, Class: classOf(stageEndorse, code), Err: err}
	}
	return &TxError{TxID: txID, Class: classOf(stageOther, code), Err: err}
}

// evaluate runs a query transaction and decodes its JSON answer into out.
func (c *Client) evaluate(ctx context.Context, out any, fn string, args ...string) error {
	b, err := c.contract.EvaluateWithContext(ctx, fn, client.WithArguments(args...))
	if err != nil {
		if transient(status.Code(err)) || ctx.Err() != nil {
			return fmt.Errorf("%s: %w: %w", fn, ErrUnavailable, err)
		}
		return fmt.Errorf("%s: %w: %w", fn, ErrRejected, err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s: decode answer: %w", fn, err)
	}
	return nil
}

// Verify asks whether a pack may be handed out, giving the batch and expiry
// (YYYY-MM-DD) as scanned; either may be empty.
func (c *Client) Verify(ctx context.Context, gtin, serial, batch, expiry string) (trace.Verification, error) {
	var v trace.Verification
	err := c.evaluate(ctx, &v, "Verify", gtin, serial, batch, expiry)
	return v, err
}

// History returns a pack's recorded events, oldest first, each with its
// transaction and its EPCIS 2.0 JSON.
func (c *Client) History(ctx context.Context, gtin, serial string) ([]trace.HistoryEntry, error) {
	var h []trace.HistoryEntry
	err := c.evaluate(ctx, &h, "History", gtin, serial)
	return h, err
}

// Contents returns what an SSCC holds, recursively.
func (c *Client) Contents(ctx context.Context, sscc string) (trace.Contents, error) {
	var v trace.Contents
	err := c.evaluate(ctx, &v, "Contents", sscc)
	return v, err
}

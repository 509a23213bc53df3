package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
)

// OrgConfig is one organisation's entry in the ledger's configuration.
type OrgConfig struct {
	Role     string   `json:"role"`
	Prefixes []string `json:"prefixes,omitempty"`
	GLNs     []string `json:"glns,omitempty"`
}

// LedgerConfig is the organisation-to-role map kept on the ledger.
type LedgerConfig struct {
	Orgs map[string]OrgConfig `json:"orgs"`
	// EventLagSeconds and ClockSkewSeconds are the time limits set with
	// SetTimeLimits; 0 means the ledger's defaults (72 h, 5 min).
	EventLagSeconds  int64 `json:"eventLagSeconds,omitempty"`
	ClockSkewSeconds int64 `json:"clockSkewSeconds,omitempty"`
}

// submitAdmin submits a configuration transaction and waits for its
// commit. Configuration changes all write one key, so one that loses a
// read conflict to a concurrent change is sent again (they are idempotent).
//
// On a consortium the gateway's own peer may have committed the previous
// change while another member's peer, endorsing this one, has not yet: it
// answers from the older state and the endorsement fails at the other
// members only (ErrUnavailable, see classifyEndorse). Such a change is sent
// again after a short wait, a few times at most.
func (c *Client) submitAdmin(ctx context.Context, fn string, args ...string) error {
	const attempts = 6
	for attempt := 1; ; attempt++ {
		err := c.submitAdminOnce(ctx, fn, args...)
		var te *TxError
		if attempt >= attempts || !errors.As(err, &te) {
			return err
		}
		switch {
		case te.Code == peer.TxValidationCode_MVCC_READ_CONFLICT.String():
			continue
		case errors.Is(te.Class, ErrUnavailable):
			t := time.NewTimer(time.Duration(attempt) * 250 * time.Millisecond)
			select {
			case <-ctx.Done():
				t.Stop()
				return err
			case <-t.C:
			}
			continue
		}
		return err
	}
}

func (c *Client) submitAdminOnce(ctx context.Context, fn string, args ...string) error {
	p, err := c.contract.NewProposal(fn, client.WithArguments(args...))
	if err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	txID := p.TransactionID()
	tx, err := p.EndorseWithContext(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", fn, c.classifyEndorse(txID, err))
	}
	commit, err := tx.SubmitWithContext(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", fn, classify(txID, err))
	}
	st, err := commit.StatusWithContext(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", fn, &TxError{TxID: txID, Class: ErrCommitUnknown, Err: err})
	}
	if !st.Successful {
		return fmt.Errorf("%s: %w", fn, invalidated(txID, st.Code))
	}
	return nil
}

// InitLedger bootstraps the ledger with the client's own MSP as the first
// regulator: only the regulator fixed when the chaincode was built, and
// only its administrator. It is accepted once (and again, as a no-op).
func (c *Client) InitLedger(ctx context.Context) error {
	return c.submitAdmin(ctx, "InitLedger", c.cfg.MSPID)
}

// SetOrgRole gives an MSP a role ("" removes it). A regulator's
// administrator only (as are the other Set functions).
func (c *Client) SetOrgRole(ctx context.Context, msp, role string) error {
	return c.submitAdmin(ctx, "SetOrgRole", msp, role)
}

// SetCompanyPrefixes sets the GS1 company prefixes an MSP owns. Regulators only.
func (c *Client) SetCompanyPrefixes(ctx context.Context, msp string, prefixes []string) error {
	b, err := json.Marshal(append([]string{}, prefixes...))
	if err != nil {
		return err
	}
	return c.submitAdmin(ctx, "SetCompanyPrefixes", msp, string(b))
}

// SetLocations sets the GLNs where an MSP's events may happen (none lifts
// the restriction). Regulators only.
func (c *Client) SetLocations(ctx context.Context, msp string, glns []string) error {
	b, err := json.Marshal(append([]string{}, glns...))
	if err != nil {
		return err
	}
	return c.submitAdmin(ctx, "SetLocations", msp, string(b))
}

// SetTimeLimits sets how far an event's own time may lag its transaction
// (offline work; the ledger's default is 72 h) and how far a transaction's
// timestamp may be from an endorsing peer's clock (default 5 min); zero
// restores a default. A regulator's administrator only.
func (c *Client) SetTimeLimits(ctx context.Context, eventLag, skew time.Duration) error {
	arg := func(d time.Duration) string {
		if d <= 0 {
			return ""
		}
		return d.String()
	}
	return c.submitAdmin(ctx, "SetTimeLimits", arg(eventLag), arg(skew))
}

// LedgerConfig reads the organisation-to-role map.
func (c *Client) LedgerConfig(ctx context.Context) (LedgerConfig, error) {
	var cfg LedgerConfig
	err := c.evaluate(ctx, &cfg, "GetConfig")
	return cfg, err
}

// PutRaw writes n plain keys of size bytes in one transaction: the
// benchmark baseline of a bare key-value put. Regulators only.
func (c *Client) PutRaw(ctx context.Context, n, size int) error {
	return c.submitAdmin(ctx, "PutRaw", fmt.Sprint(n), fmt.Sprint(size))
}

// Configure makes the ledger's configuration match the profile, as the
// profile's regulator (its administrator, when anything is to change): bootstrap, then each role's MSP, company prefixes
// and GLN. It changes only what differs, so running it again is cheap.
func Configure(ctx context.Context, p *Profile, regulator *Client) error {
	cfg, err := regulator.LedgerConfig(ctx)
	if err != nil && !errors.Is(err, ErrRejected) {
		return err
	}
	if err != nil || cfg.Orgs[regulator.MSPID()].Role != "regulator" {
		if err := regulator.InitLedger(ctx); err != nil {
			return fmt.Errorf("bootstrap the ledger: %w", err)
		}
		cfg = LedgerConfig{Orgs: map[string]OrgConfig{regulator.MSPID(): {Role: "regulator"}}}
	}
	for _, role := range p.Roles() {
		msp := p.Identities[role].MSPID
		have := cfg.Orgs[msp]
		if have.Role != role {
			if err := regulator.SetOrgRole(ctx, msp, role); err != nil {
				return err
			}
		}
		if want := p.CompanyPrefixes[role]; len(want) > 0 && !slices.Equal(sorted(want), have.Prefixes) {
			if err := regulator.SetCompanyPrefixes(ctx, msp, want); err != nil {
				return err
			}
		}
		if gln := p.GLNs[role]; gln != "" && !slices.Contains(have.GLNs, gln) {
			if err := regulator.SetLocations(ctx, msp, append(slices.Clone(have.GLNs), gln)); err != nil {
				return err
			}
		}
	}
	return nil
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// ConfigureProfile connects as the regulator's administrator of the
// connection profile at path and runs Configure: what `medtrace ledger up` does once the
// chaincode is committed, so a fresh network accepts submissions at once.
// It is idempotent (a configured ledger costs one read).
func ConfigureProfile(ctx context.Context, path string) error {
	p, err := LoadProfile(path)
	if err != nil {
		return err
	}
	reg, err := p.DialAdmin(ctx, "regulator")
	if err != nil {
		return fmt.Errorf("configure the ledger: %w", err)
	}
	// The configuration is committed (or has failed) before the close:
	// closing the connection loses nothing.
	defer func() { _ = reg.Close() }()
	if err := Configure(ctx, p, reg); err != nil {
		return fmt.Errorf("configure the ledger: %w", err)
	}
	return nil
}

// Package networktest gives integration tests a running local ledger
// network and clients for it. It imports testing, so only tests import it:
// the shipped binary does not link the test framework.
package networktest

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network"
)

// ForTest returns a running network for an integration test; it never
// skips (see network.Lease for which network). The lease is given back when
// tb ends.
func ForTest(tb testing.TB) *network.Network {
	tb.Helper()
	return leased(tb, "ForTest", network.Lease)
}

// ConsortiumForTest returns the running consortium test network
// (network.LeaseConsortium) for an integration test; it never skips. The
// lease is given back when tb ends.
func ConsortiumForTest(tb testing.TB) *network.Network {
	tb.Helper()
	return leased(tb, "ConsortiumForTest", network.LeaseConsortium)
}

// leased takes a lease with lease and gives it back when tb ends.
func leased(tb testing.TB, name string, lease func(context.Context, io.Writer) (*network.Network, func(context.Context) error, error)) *network.Network {
	tb.Helper()
	n, giveBack, err := lease(tb.Context(), Log{tb})
	if err != nil {
		tb.Fatalf("networktest.%s: %v", name, err)
	}
	tb.Cleanup(func() {
		// tb.Context is done by now; the stop still needs a context.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.Context()), time.Minute)
		defer cancel()
		if err := giveBack(ctx); err != nil {
			tb.Errorf("networktest.%s: stopping the network: %v", name, err)
		}
	})
	return n
}

// ClientsForTest is ForTest plus what every integration test does next: it
// loads the network's connection profile, dials a client per role (closed
// when tb ends) and configures the ledger from the profile (roles, company
// prefixes, GLNs; a no-op when already done).
func ClientsForTest(tb testing.TB) (*network.Network, *ledger.Profile, map[string]*ledger.Client) {
	tb.Helper()
	n := ForTest(tb)
	ctx, cancel := context.WithTimeout(tb.Context(), 2*time.Minute)
	defer cancel()
	p, err := ledger.LoadProfile(n.ProfilePath)
	if err != nil {
		tb.Fatalf("networktest.ClientsForTest: %v", err)
	}
	clients, err := p.DialAll(ctx)
	if err != nil {
		tb.Fatalf("networktest.ClientsForTest: %v", err)
	}
	tb.Cleanup(func() {
		for role, c := range clients {
			if err := c.Close(); err != nil {
				tb.Errorf("networktest.ClientsForTest: close the %s client: %v", role, err)
			}
		}
	})
	// The regulator's administrator configures; a profile written before
	// users had certificates of their own names none, and its regulator
	// still reads the configuration (Configure changes nothing then).
	configurer := clients["regulator"]
	if _, ok := p.Admins["regulator"]; ok {
		configurer = AdminForTest(tb, p)
	}
	if err := ledger.Configure(ctx, p, configurer); err != nil {
		tb.Fatalf("networktest.ClientsForTest: configure the ledger: %v", err)
	}
	return n, p, clients
}

// AdminForTest dials the profile's regulator administrator, the only user
// who may change the ledger's configuration (closed when tb ends).
func AdminForTest(tb testing.TB, p *ledger.Profile) *ledger.Client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), time.Minute)
	defer cancel()
	c, err := p.DialAdmin(ctx, "regulator")
	if err != nil {
		tb.Fatalf("networktest.AdminForTest: %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() }) // a test client: nothing to report when it ends
	return c
}

// UserForTest dials a further user of an organisation of n, issued by
// that organisation's CA (network.IssueUser); closed when tb ends.
func UserForTest(tb testing.TB, n *network.Network, p *ledger.Profile, spec network.UserSpec) *ledger.Client {
	tb.Helper()
	id, err := network.IssueUser(stateDir(n), spec)
	if err != nil {
		tb.Fatalf("networktest.UserForTest: %v", err)
	}
	return dialAs(tb, p, spec.Org, id)
}

// CryptogenUserForTest dials the organisation's cryptogen user (User1): a
// certificate without MedTrace's attributes. Closed when tb ends.
func CryptogenUserForTest(tb testing.TB, n *network.Network, p *ledger.Profile, role string) *ledger.Client {
	tb.Helper()
	id, err := network.CryptogenUser(stateDir(n), role)
	if err != nil {
		tb.Fatalf("networktest.CryptogenUserForTest: %v", err)
	}
	return dialAs(tb, p, role, id)
}

func stateDir(n *network.Network) string {
	if n.StateDir != "" {
		return n.StateDir
	}
	return filepath.Dir(n.ProfilePath)
}

func dialAs(tb testing.TB, p *ledger.Profile, role string, id network.Identity) *ledger.Client {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), time.Minute)
	defer cancel()
	cfg, err := p.Config(role)
	if err != nil {
		tb.Fatalf("networktest: %v", err)
	}
	cfg.MSPID, cfg.CertFile, cfg.KeyFile = id.MSPID, id.Cert, id.Key
	c, err := ledger.Dial(ctx, cfg)
	if err != nil {
		tb.Fatalf("networktest: %v", err)
	}
	tb.Cleanup(func() { _ = c.Close() }) // a test client: nothing to report when it ends
	return c
}

// Log sends progress lines to the test log.
type Log struct{ TB testing.TB }

// Write logs p, one line.
func (w Log) Write(p []byte) (int, error) {
	w.TB.Helper()
	w.TB.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

package ledger_test

import (
	"context"
	"errors"
	"testing"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network"
	"github.com/medtrace/medtrace/ledger/network/networktest"
	"github.com/medtrace/medtrace/trace"
)

// TestIdentityOnTheNetwork runs the identity rules on the real network:
// every forgery of who or where beside its honest path, and who reads what.
func TestIdentityOnTheNetwork(t *testing.T) {
	e := setup(t)
	e.secondSites(t)
	t.Run("forgeries", func(t *testing.T) { testForgeries(t, e) })
	t.Run("read scope", func(t *testing.T) { testReadScope(t, e) })
	t.Run("time limits", func(t *testing.T) { testTimeLimits(t, e) })
}

// testForgeries is the table of forged identities and places: actor (the
// user, by organisation, certificate and site) × action × state of the
// pack, with the refusal it must get ("denied": the whole request refused,
// ledger.ErrRejected), each beside the honest path ("ok").
func testForgeries(t *testing.T, e *env) {
	ctx := ctxT(t)
	gtin := e.gtin(110)
	// Users the organisations' CAs issued beside the profile's.
	users := map[string]*ledger.Client{
		"manufacturer":                e.c["manufacturer"],
		"distributor":                 e.c["distributor"],
		"pharmacy":                    e.c["pharmacy"],
		"pharmacy@second site":        e.second["pharmacy"],
		"inspector":                   e.c["regulator"],
		"regulator admin":             e.admin,
		"manufacturer, no attributes": networktest.CryptogenUserForTest(t, e.n, e.p, "manufacturer"),
		"regulator, no attributes":    networktest.CryptogenUserForTest(t, e.n, e.p, "regulator"),
		"pharmacy as manufacturer": networktest.UserForTest(t, e.n, e.p, network.UserSpec{Org: "pharmacy",
			Name: "pharmacy-as-manufacturer", Role: "manufacturer", GLN: e.glns["pharmacy"]}),
		"manufacturer at the distributor's site": networktest.UserForTest(t, e.n, e.p, network.UserSpec{Org: "manufacturer",
			Name: "manufacturer-at-distributor", GLN: e.glns["distributor"]}),
		"manufacturer without a site": networktest.UserForTest(t, e.n, e.p, network.UserSpec{Org: "manufacturer",
			Name: "manufacturer-anywhere"}),
	}
	// Packs in the states the rows need.
	atMan := e.stock(t, gtin, "F1", "2030-01-31", 3)
	atPhar := e.stock(t, gtin, "F1", "2030-01-31", 4)
	e.bring(t, gtin, "phar", atPhar...)
	toDist := e.stock(t, gtin, "F1", "2030-01-31", 2)
	e.bring(t, gtin, "man>dist", toDist...)

	commission := func(at string) trace.Event {
		ev := e.commission(gtin, e.serial(), "F2", "2030-01-31")
		ev.Location = at
		return ev
	}
	at := func(kind trace.Kind, serial, place string) trace.Event {
		ev := e.on(kind, "pharmacy", gtin, serial)
		ev.Location = place
		return ev
	}
	rows := []struct {
		actor, action, state string
		ev                   func() trace.Event
		want                 string
	}{
		{"manufacturer", "commission at its site", "new", func() trace.Event { return commission(e.glns["manufacturer"]) }, "ok"},
		{"manufacturer", "commission at the distributor's GLN", "new", func() trace.Event { return commission(e.glns["distributor"]) }, "not-authorized"},
		{"manufacturer", "commission at its second site", "new", func() trace.Event { return commission(secondGLN("manufacturer")) }, "not-authorized"},
		{"manufacturer without a site", "commission at its second site", "new", func() trace.Event { return commission(secondGLN("manufacturer")) }, "ok"},
		{"manufacturer without a site", "commission at the pharmacy's GLN", "new", func() trace.Event { return commission(e.glns["pharmacy"]) }, "not-authorized"},
		{"manufacturer, no attributes", "commission at its site", "new", func() trace.Event { return commission(e.glns["manufacturer"]) }, "denied"},
		{"pharmacy as manufacturer", "commission at the pharmacy", "new", func() trace.Event { return commission(e.glns["pharmacy"]) }, "denied"},
		{"manufacturer at the distributor's site", "commission at the distributor", "new", func() trace.Event { return commission(e.glns["distributor"]) }, "denied"},
		{"pharmacy", "dispense at its site", "at the pharmacy", func() trace.Event { return at(trace.KindDispense, atPhar[0], e.glns["pharmacy"]) }, "ok"},
		{"pharmacy@second site", "dispense at the first site", "at the pharmacy", func() trace.Event { return at(trace.KindDispense, atPhar[1], e.glns["pharmacy"]) }, "not-authorized"},
		{"pharmacy@second site", "dispense at its site", "at the pharmacy's first site", func() trace.Event { return at(trace.KindDispense, atPhar[2], secondGLN("pharmacy")) }, "other-site"},
		{"pharmacy", "dispense naming the manufacturer's GLN", "at the manufacturer", func() trace.Event { return at(trace.KindDispense, atMan[0], e.glns["manufacturer"]) }, "not-authorized"},
		{"pharmacy", "dispense at its site", "at the manufacturer", func() trace.Event { return at(trace.KindDispense, atMan[1], e.glns["pharmacy"]) }, "not-holder"},
		{"distributor", "receive at its site", "shipped to the distributor", func() trace.Event { return at(trace.KindReceive, toDist[0], e.glns["distributor"]) }, "ok"},
		{"pharmacy", "receive naming the distributor's GLN", "shipped to the distributor", func() trace.Event { return at(trace.KindReceive, toDist[1], e.glns["distributor"]) }, "not-authorized"},
		{"pharmacy", "receive at its site", "shipped to the distributor", func() trace.Event { return at(trace.KindReceive, toDist[1], e.glns["pharmacy"]) }, "not-consignee"},
		{"inspector", "inspect at its site", "at the pharmacy", func() trace.Event {
			ev := at(trace.KindInspect, atPhar[3], e.glns["regulator"])
			yes := true
			ev.Conformant = &yes
			return ev
		}, "ok"},
		{"regulator, no attributes", "sample at its site", "at the manufacturer", func() trace.Event { return at(trace.KindSample, atMan[2], e.glns["regulator"]) }, "denied"},
	}
	for _, r := range rows {
		t.Run(r.actor+"/"+r.action+"/"+r.state, func(t *testing.T) {
			res, err := users[r.actor].Submit(ctx, []trace.Event{r.ev()})
			got := "ok"
			switch {
			case errors.Is(err, ledger.ErrRejected):
				got = "denied"
			case err != nil:
				t.Fatal(err)
			case res.Results[0].Status != trace.StatusAccepted:
				got = res.Results[0].Reason
				if res.Results[0].Message == "" {
					t.Fatal("a refusal without a sentence")
				}
			}
			if got != r.want {
				t.Fatalf("got %s (%+v %v), want %s", got, res, err, r.want)
			}
		})
	}
	// The configuration: only the regulator's administrator changes it.
	msp := e.p.Identities["distributor"].MSPID
	glns := []string{e.glns["distributor"], secondGLN("distributor")}
	for _, r := range []struct {
		actor string
		want  string
	}{
		{"inspector", "denied"}, {"regulator, no attributes", "denied"}, {"manufacturer", "denied"},
		{"pharmacy as manufacturer", "denied"}, {"regulator admin", "ok"},
	} {
		t.Run(r.actor+"/set the distributor's locations", func(t *testing.T) {
			err := users[r.actor].SetLocations(ctx, msp, glns)
			got := "ok"
			if errors.Is(err, ledger.ErrRejected) {
				got = "denied"
			} else if err != nil {
				t.Fatal(err)
			}
			if got != r.want {
				t.Fatalf("got %s (%v), want %s", got, err, r.want)
			}
		})
	}
}

// testReadScope is who reads what on the real network: verify is every
// member's; a pack's history and an SSCC's contents are the regulator's,
// the brand owner's (packs) and those who hold, held or are to receive
// them; a snapshot holds the reader's scope.
func testReadScope(t *testing.T, e *env) {
	ctx := ctxT(t)
	gtin := e.gtin(111)
	s := e.stock(t, gtin, "R1", "2030-01-31", 4)
	atMan, inTransit, atDist, atPhar := s[0], s[1], s[2], s[3]
	e.bring(t, gtin, "man>dist", inTransit)
	e.bring(t, gtin, "dist", atDist)
	e.bring(t, gtin, "phar", atPhar)
	// A case the distributor packs of a pack it holds.
	sscc := e.sscc()
	caseStock := e.stock(t, gtin, "R1", "2030-01-31", 1)
	e.bring(t, gtin, "dist", caseStock...)
	pack := e.on(trace.KindPack, "distributor", "", "")
	pack.SSCC, pack.Children = sscc, []string{trace.PackKey(gtin, caseStock[0])}
	e.ok(t, "distributor", pack)

	history := func(serial string) func(c *ledger.Client) error {
		return func(c *ledger.Client) error { _, err := c.History(ctx, gtin, serial); return err }
	}
	rows := []struct {
		reader, what string
		read         func(c *ledger.Client) error
		ok           bool
	}{
		{"regulator", "history at the manufacturer", history(atMan), true},
		{"regulator", "history at the pharmacy", history(atPhar), true},
		{"regulator", "contents of the case", func(c *ledger.Client) error { _, err := c.Contents(ctx, sscc); return err }, true},
		{"manufacturer", "history at the pharmacy (its product)", history(atPhar), true},
		{"manufacturer", "contents of the distributor's case", func(c *ledger.Client) error { _, err := c.Contents(ctx, sscc); return err }, false},
		{"distributor", "history at the manufacturer", history(atMan), false},
		{"distributor", "history in transit to it", history(inTransit), true},
		{"distributor", "history at the distributor", history(atDist), true},
		{"distributor", "history at the pharmacy (held before)", history(atPhar), true},
		{"distributor", "contents of its case", func(c *ledger.Client) error { _, err := c.Contents(ctx, sscc); return err }, true},
		{"pharmacy", "history at the manufacturer", history(atMan), false},
		{"pharmacy", "history in transit to the distributor", history(inTransit), false},
		{"pharmacy", "history at the distributor", history(atDist), false},
		{"pharmacy", "history at the pharmacy", history(atPhar), true},
		{"pharmacy", "contents of the distributor's case", func(c *ledger.Client) error { _, err := c.Contents(ctx, sscc); return err }, false},
		{"pharmacy", "verify at the manufacturer", func(c *ledger.Client) error { _, err := c.Verify(ctx, gtin, atMan, "", ""); return err }, true},
		{"distributor", "verify at the pharmacy", func(c *ledger.Client) error { _, err := c.Verify(ctx, gtin, atPhar, "", ""); return err }, true},
	}
	for _, r := range rows {
		t.Run(r.reader+"/"+r.what, func(t *testing.T) {
			err := r.read(e.c[r.reader])
			if r.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !r.ok && !errors.Is(err, ledger.ErrRejected) {
				t.Fatalf("err = %v, want the read refused (ErrRejected)", err)
			}
		})
	}
	// Snapshots: each reader's pages hold its scope of this run's packs.
	want := map[string][]string{
		"regulator":    {atMan, inTransit, atDist, atPhar},
		"manufacturer": {atMan, inTransit, atDist, atPhar},
		"distributor":  {inTransit, atDist, atPhar},
		"pharmacy":     {atPhar},
	}
	for reader, serials := range want {
		t.Run(reader+"/snapshot", func(t *testing.T) {
			got := map[string]bool{}
			_, err := e.c[reader].Snapshot(context.WithoutCancel(ctx), 2000, func(p ledger.Page) error {
				for _, x := range p.Packs {
					if x.GTIN == gtin {
						got[x.Serial] = true
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range []string{atMan, inTransit, atDist, atPhar} {
				if mine := contains(serials, s); got[s] != mine {
					t.Errorf("pack %s in %s's snapshot: %v, want %v", s, reader, got[s], mine)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// Role is what an organisation may do on the ledger.
type Role string

// The roles. An MSP without a role may not read or write.
const (
	RoleManufacturer Role = "manufacturer"
	RoleDistributor  Role = "distributor"
	RolePharmacy     Role = "pharmacy"
	RoleRegulator    Role = "regulator"
)

// Kinds lists the event kinds role may record. Everything else is refused
// with reason not-authorized. Manufacturers commission, recall and withdraw
// recalls only of GTINs under their own company prefixes (checked apart),
// and ship what they hold; the regulator withdraws any batch's recall;
// custody (trace.CustodyRefusal) limits every role to what it holds.
func Kinds(role Role) []Kind {
	switch role {
	case RoleManufacturer:
		return []Kind{KindCommission, KindRecall, KindWithdrawRecall, KindShip, KindDestroy, KindStolen, KindSample}
	case RoleDistributor:
		return []Kind{KindPack, KindUnpack, KindShip, KindReceive, KindDestroy, KindStolen, KindExport}
	case RolePharmacy:
		return []Kind{KindReceive, KindDispense, KindUndoDispense, KindDestroy, KindStolen}
	case RoleRegulator:
		return []Kind{KindInspect, KindSample, KindWithdrawRecall}
	}
	return nil
}

// Allowed reports whether role may record events of kind k.
func Allowed(role Role, k Kind) bool { return slices.Contains(Kinds(role), k) }

// Org is one organisation's entry in the ledger's configuration.
type Org struct {
	Role     Role     `json:"role"`
	Prefixes []string `json:"prefixes,omitempty"` // GS1 company prefixes it owns, and China product identifiers ("CN8123456", china.go)
	GLNs     []string `json:"glns,omitempty"`     // its locations; when set, its events must happen there
}

// Config is the ledger's organisation-to-role map and its time limits, kept
// under one key that only regulator transactions write.
type Config struct {
	Orgs map[string]*Org `json:"orgs"`
	// EventLagSeconds is how long before its transaction an event may be
	// dated (offline work synced later); ClockSkewSeconds how far a
	// transaction's timestamp may be from the endorsing peer's clock, and
	// an event's time after its transaction's. 0 means the trace core's
	// defaults (72 h, 5 min).
	EventLagSeconds  int64 `json:"eventLagSeconds,omitempty"`
	ClockSkewSeconds int64 `json:"clockSkewSeconds,omitempty"`

	at map[string]string // GLN -> the one MSP that has it (see mspAt)
}

// MaxEventLag is how long before its transaction an event may be dated.
func (c *Config) MaxEventLag() time.Duration {
	if c.EventLagSeconds > 0 {
		return time.Duration(c.EventLagSeconds) * time.Second
	}
	return trace.DefaultMaxEventLag
}

// ClockSkew is how far a transaction's timestamp may be from the endorsing
// peer's clock.
func (c *Config) ClockSkew() time.Duration {
	if c.ClockSkewSeconds > 0 {
		return time.Duration(c.ClockSkewSeconds) * time.Second
	}
	return trace.DefaultClockSkew
}

// mspAt is the MSP whose locations include gln, or "" when none (or, in a
// configuration from before locations were kept apart, more than one) has it.
func (c *Config) mspAt(gln string) string {
	if c.at == nil {
		c.at = map[string]string{}
		for msp, o := range c.Orgs {
			for _, g := range o.GLNs {
				if prev, ok := c.at[g]; ok && prev != msp {
					c.at[g] = ""
				} else {
					c.at[g] = msp
				}
			}
		}
	}
	return c.at[gln]
}

const configKey = "cfg"

// Errors of whole requests.
var (
	// ErrNotInitialised means no regulator has bootstrapped the ledger yet.
	ErrNotInitialised = errors.New("ledger not initialised: a regulator must call InitLedger first")
	// ErrAccessDenied means the submitter's organisation may not do this.
	ErrAccessDenied = errors.New("access denied")
	// ErrBadRequest means the request itself is malformed.
	ErrBadRequest = errors.New("bad request")
	// ErrClockSkew means the transaction's timestamp is too far from the
	// endorsing peer's clock: the submitter's clock is wrong (or the
	// timestamp forged). Nothing of the transaction is recorded.
	ErrClockSkew = errors.New("transaction time too far from the endorsing peer's clock")
)

// CheckClock refuses a transaction whose timestamp (tx.Time) is further
// from the endorsing peer's clock (tx.Clock: the chaincode runs beside its
// peer) than the ledger's clock skew. Every endorser checks it, so a
// back-dated or post-dated transaction gets no endorsement.
func (c *Config) CheckClock(tx Tx) error {
	if tx.Clock.IsZero() {
		return fmt.Errorf("%w: the endorser's clock is not known", ErrClockSkew)
	}
	d := tx.Time.Sub(tx.Clock)
	if d < 0 {
		d = -d
	}
	if d > c.ClockSkew() {
		return fmt.Errorf("%w: the transaction is dated %s, the peer's clock says %s (more than %s apart): set the submitting computer's clock right and send it again",
			ErrClockSkew, tx.Time.UTC().Format(time.RFC3339), tx.Clock.UTC().Format(time.RFC3339), c.ClockSkew())
	}
	return nil
}

// LoadConfig reads the configuration; ErrNotInitialised when absent.
func LoadConfig(st State) (*Config, error) {
	b, err := st.GetState(configKey)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	if b == nil {
		return nil, ErrNotInitialised
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("decode config: %w", err)
	}
	if c.Orgs == nil {
		c.Orgs = map[string]*Org{}
	}
	return &c, nil
}

func saveConfig(st State, c *Config) error {
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	return st.PutState(configKey, b)
}

// InitLedger bootstraps the configuration with fixed, the regulator MSP
// fixed when the chaincode was built for its network (see the chaincode's
// main: nobody chooses it by calling first), as the first regulator. It is
// accepted once, when no configuration exists, only when regulatorMSP is
// fixed and only from an administrator of fixed (Cert.Admin); again, as a
// no-op, from the same. The network runs it right after the chaincode is
// committed.
func InitLedger(st State, tx Tx, fixed, regulatorMSP string) error {
	if regulatorMSP == "" {
		return fmt.Errorf("%w: regulator MSP is missing", ErrBadRequest)
	}
	if fixed == "" || regulatorMSP != fixed {
		return fmt.Errorf("%w: this chaincode's first regulator is fixed at deployment as %q, not %s", ErrAccessDenied, fixed, regulatorMSP)
	}
	if tx.MSP != fixed || !tx.Cert.Admin {
		return fmt.Errorf("%w: only an administrator of %s (attribute %s=true) may bootstrap the ledger, not a user of %s", ErrAccessDenied, fixed, AttrAdmin, tx.MSP)
	}
	b, err := st.GetState(configKey)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	if b != nil {
		c, err := LoadConfig(st)
		if err != nil {
			return err
		}
		if o := c.Orgs[fixed]; o != nil && o.Role == RoleRegulator {
			return nil // already bootstrapped the same way: idempotent
		}
		return fmt.Errorf("%w: the ledger is already initialised", ErrAccessDenied)
	}
	return saveConfig(st, &Config{Orgs: map[string]*Org{fixed: {Role: RoleRegulator}}})
}

// regulatorConfig loads the configuration and checks the submitter is a
// regulator's administrator.
func regulatorConfig(st State, tx Tx) (*Config, error) {
	c, err := LoadConfig(st)
	if err != nil {
		return nil, err
	}
	if err := c.admin(tx); err != nil {
		return nil, err
	}
	return c, nil
}

// SetOrgRole gives msp a role, or removes it when role is empty. A
// regulator only; the last regulator cannot be removed.
func SetOrgRole(st State, tx Tx, msp string, role Role) error {
	c, err := regulatorConfig(st, tx)
	if err != nil {
		return err
	}
	if msp == "" {
		return fmt.Errorf("%w: MSP ID is missing", ErrBadRequest)
	}
	if Kinds(role) == nil && role != "" {
		return fmt.Errorf("%w: unknown role %q (want manufacturer, distributor, pharmacy or regulator)", ErrBadRequest, role)
	}
	if o := c.Orgs[msp]; o != nil && o.Role == RoleRegulator && role != RoleRegulator {
		n := 0
		for _, x := range c.Orgs {
			if x.Role == RoleRegulator {
				n++
			}
		}
		if n == 1 {
			return fmt.Errorf("%w: %s is the last regulator", ErrBadRequest, msp)
		}
	}
	if role == "" {
		delete(c.Orgs, msp)
	} else if o := c.Orgs[msp]; o != nil {
		o.Role = role
	} else {
		c.Orgs[msp] = &Org{Role: role}
	}
	return saveConfig(st, c)
}

// SetCompanyPrefixes sets the GS1 company prefixes msp owns. A regulator
// only; prefixes are 4 to 12 digits and may not overlap another
// organisation's.
func SetCompanyPrefixes(st State, tx Tx, msp string, prefixes []string) error {
	c, err := regulatorConfig(st, tx)
	if err != nil {
		return err
	}
	o := c.Orgs[msp]
	if o == nil {
		return fmt.Errorf("%w: %s has no role yet", ErrBadRequest, msp)
	}
	for _, p := range prefixes {
		if strings.HasPrefix(p, trace.CNProductPrefix) { // a China product identifier (china.go)
			if err := checkCNProductFree(c, msp, p); err != nil {
				return err
			}
			continue
		}
		if !trace.AllDigits(p) || len(p) < 4 || len(p) > 12 {
			return fmt.Errorf("%w: company prefix %q must be 4 to 12 digits", ErrBadRequest, p)
		}
		for other, x := range c.Orgs {
			if other == msp {
				continue
			}
			for _, q := range x.Prefixes {
				if strings.HasPrefix(p, q) || strings.HasPrefix(q, p) {
					return fmt.Errorf("%w: company prefix %s overlaps %s of %s", ErrBadRequest, p, q, other)
				}
			}
		}
	}
	o.Prefixes = slices.Clone(prefixes)
	slices.Sort(o.Prefixes)
	o.Prefixes = slices.Compact(o.Prefixes)
	return saveConfig(st, c)
}

// SetLocations sets the GLNs where msp's events may happen. A regulator
// only; an empty list lifts the restriction.
func SetLocations(st State, tx Tx, msp string, glns []string) error {
	c, err := regulatorConfig(st, tx)
	if err != nil {
		return err
	}
	o := c.Orgs[msp]
	if o == nil {
		return fmt.Errorf("%w: %s has no role yet", ErrBadRequest, msp)
	}
	for _, g := range glns {
		if err := checkGLN(g); err != nil {
			return fmt.Errorf("%w: %w", ErrBadRequest, err)
		}
		// A GLN is one organisation's: a ship to it names its consignee.
		for other, x := range c.Orgs {
			if other != msp && slices.Contains(x.GLNs, g) {
				return fmt.Errorf("%w: GLN %s is already a location of %s", ErrBadRequest, g, other)
			}
		}
	}
	o.GLNs = slices.Clone(glns)
	slices.Sort(o.GLNs)
	o.GLNs = slices.Compact(o.GLNs)
	return saveConfig(st, c)
}

// Bounds of the ledger's time limits.
const (
	minEventLag = time.Hour
	maxEventLag = 30 * 24 * time.Hour
	minSkew     = 10 * time.Second
	maxSkew     = time.Hour
)

// SetTimeLimits sets how long before its transaction an event may be dated
// (1 h to 30 days) and the clock skew (10 s to 1 h) the endorsing peers
// allow; 0 restores a default. A regulator only.
func SetTimeLimits(st State, tx Tx, eventLag, skew time.Duration) error {
	c, err := regulatorConfig(st, tx)
	if err != nil {
		return err
	}
	if eventLag != 0 && (eventLag < minEventLag || eventLag > maxEventLag) {
		return fmt.Errorf("%w: the event lag must be %s to %s, not %s", ErrBadRequest, minEventLag, maxEventLag, eventLag)
	}
	if skew != 0 && (skew < minSkew || skew > maxSkew) {
		return fmt.Errorf("%w: the clock skew must be %s to %s, not %s", ErrBadRequest, minSkew, maxSkew, skew)
	}
	c.EventLagSeconds, c.ClockSkewSeconds = int64(eventLag/time.Second), int64(skew/time.Second)
	return saveConfig(st, c)
}

// ownsGTIN reports whether the organisation's prefixes cover gtin.
func (o *Org) ownsGTIN(gtin string) bool {
	if trace.IsCNProduct(gtin) {
		return o.ownsCNProduct(gtin) // china.go
	}
	for _, p := range o.Prefixes {
		if strings.HasPrefix(gtin[1:], p) {
			return true
		}
	}
	return false
}

// member returns the submitter's organisation, or ErrAccessDenied when it
// has no role.
func (c *Config) member(msp string) (*Org, error) {
	o := c.Orgs[msp]
	if o == nil {
		return nil, fmt.Errorf("%w: %s has no role on this ledger", ErrAccessDenied, msp)
	}
	return o, nil
}

package record

import (
	"fmt"
	"slices"
)

// Certificate attributes MedTrace reads from a submitter's certificate.
// Fabric CA writes attributes into the extension with OID 1.2.3.4.5.6.7.8.1
// as JSON ({"attrs":{"medtrace.role":"pharmacy",...}}); the organisation's
// CA decides them when it issues the certificate, the client cannot.
const (
	// AttrRole names the role the user acts in: manufacturer, distributor,
	// pharmacy or regulator. It must be its organisation's role.
	AttrRole = "medtrace.role"
	// AttrGLN names the user's site: the one location its events may
	// happen at. It must be one of its organisation's locations.
	AttrGLN = "medtrace.gln"
	// AttrAdmin, "true", makes a regulator's user an administrator: the
	// only users who may change the ledger's configuration.
	AttrAdmin = "medtrace.admin"
)

// Cert is what the submitter's certificate says of its user, from the
// attributes its organisation's CA wrote in it (zero when it names none).
type Cert struct {
	Role  Role   // AttrRole
	GLN   string // AttrGLN
	Admin bool   // AttrAdmin is "true"
}

// reader returns the submitter's organisation for a read: a member, and
// when its certificate names a role, the organisation's.
func (c *Config) reader(tx Tx) (*Org, error) {
	o, err := c.member(tx.MSP)
	if err != nil {
		return nil, err
	}
	if tx.Cert.Role != "" && tx.Cert.Role != o.Role {
		return nil, fmt.Errorf("%w: the certificate is for a %s, but %s is a %s on this ledger", ErrAccessDenied, tx.Cert.Role, tx.MSP, o.Role)
	}
	return o, nil
}

// writer returns the submitter's organisation for recording events: a
// member whose certificate names its organisation's role and, when it names
// a site, one of the organisation's locations. A certificate without a role
// (an organisation's node or admin certificate, or one from before users
// had their own) records nothing.
func (c *Config) writer(tx Tx) (*Org, error) {
	o, err := c.reader(tx)
	if err != nil {
		return nil, err
	}
	if tx.Cert.Role == "" {
		return nil, fmt.Errorf("%w: the certificate names no role (attribute %s): ask %s's certificate authority for a user certificate", ErrAccessDenied, AttrRole, tx.MSP)
	}
	if tx.Cert.GLN != "" && !slices.Contains(o.GLNs, tx.Cert.GLN) {
		return nil, fmt.Errorf("%w: the certificate's site %s is not a location of %s on this ledger", ErrAccessDenied, tx.Cert.GLN, tx.MSP)
	}
	return o, nil
}

// admin checks that the submitter may change the configuration: an
// administrator (AttrAdmin) of a regulator organisation. A regulator's
// other users (the inspectors' app) may not.
func (c *Config) admin(tx Tx) error {
	o, err := c.reader(tx)
	if err != nil || o.Role != RoleRegulator {
		return fmt.Errorf("%w: only a regulator's administrator may change the configuration, not %s", ErrAccessDenied, tx.MSP)
	}
	if !tx.Cert.Admin {
		return fmt.Errorf("%w: only a regulator's administrator may change the configuration: the certificate is not an administrator's (attribute %s=true)", ErrAccessDenied, AttrAdmin)
	}
	return nil
}

// siteRefusal refuses an event whose location is not where the submitter
// may record: its certificate's site when it names one, else one of its
// organisation's locations (an organisation with none configured may not
// name a location at all: nobody claims a GLN the regulator did not give).
func (r *recorder) siteRefusal(ev *Event) *rejection {
	switch {
	case ev.Location == "":
		return nil
	case r.tx.Cert.GLN != "":
		if ev.Location != r.tx.Cert.GLN {
			return reject(ReasonNotAuthorized, "this user's certificate is for site %s: it may not record an event at %s", r.tx.Cert.GLN, ev.Location)
		}
	case !slices.Contains(r.org.GLNs, ev.Location):
		return reject(ReasonNotAuthorized, "location %s is not one of %s's locations", ev.Location, r.tx.MSP)
	}
	return nil
}

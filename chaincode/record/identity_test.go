package record

import (
	"errors"
	"testing"
)

// TestCertificates: the chaincode authorises from the submitter's
// certificate (role, site, administrator) and its MSP, never from what the
// event says.
func TestCertificates(t *testing.T) {
	records := []struct {
		name    string
		msp     string
		cert    Cert
		setup   func(w *world)
		event   func(w *world) Event
		wantErr error  // the whole request refused
		reason  string // else the event's refusal ("" accepted)
	}{
		{name: "a user at its site", msp: mspMan, cert: Cert{Role: RoleManufacturer, GLN: glnMan},
			event: func(w *world) Event { return w.commission(gtinA, "S1", "L1", "2028-12-31") }},
		{name: "a user at another site of its organisation", msp: mspMan, cert: Cert{Role: RoleManufacturer, GLN: glnManB},
			event: func(w *world) Event { return w.commission(gtinA, "S1", "L1", "2028-12-31") }, reason: ReasonNotAuthorized},
		{name: "a user without a site, at one of its organisation's", msp: mspMan, cert: Cert{Role: RoleManufacturer},
			event: func(w *world) Event {
				e := w.commission(gtinA, "S1", "L1", "2028-12-31")
				e.Location = glnManB
				return e
			}},
		{name: "a user without a site, at another organisation's", msp: mspMan, cert: Cert{Role: RoleManufacturer},
			event: func(w *world) Event {
				e := w.commission(gtinA, "S1", "L1", "2028-12-31")
				e.Location = glnDist
				return e
			}, reason: ReasonNotAuthorized},
		{name: "an organisation without locations names one", msp: mspPhar2, cert: Cert{Role: RolePharmacy},
			setup: func(w *world) {
				must(w.t, w.admin(mspReg, func(st State, tx Tx) error { return SetLocations(st, tx, mspPhar2, nil) }))
			},
			event: func(w *world) Event { return w.on(KindDispense, glnPhar2, gtinA, "S9") }, reason: ReasonNotAuthorized},
		{name: "a site that is not its organisation's", msp: mspMan, cert: Cert{Role: RoleManufacturer, GLN: glnDist},
			event: func(w *world) Event { return w.commission(gtinA, "S1", "L1", "2028-12-31") }, wantErr: ErrAccessDenied},
		{name: "no role in the certificate", msp: mspMan, cert: Cert{GLN: glnMan},
			event: func(w *world) Event { return w.commission(gtinA, "S1", "L1", "2028-12-31") }, wantErr: ErrAccessDenied},
		{name: "another role than its organisation's", msp: mspPhar, cert: Cert{Role: RoleManufacturer},
			event: func(w *world) Event { return w.commission(gtinA, "S1", "L1", "2028-12-31") }, wantErr: ErrAccessDenied},
		{name: "a regulator's administrator samples from its own site", msp: mspReg, cert: Cert{Role: RoleRegulator, Admin: true, GLN: glnReg},
			setup: func(w *world) { w.stock("S1") },
			event: func(w *world) Event { return w.on(KindSample, glnReg, gtinA, "S1") }},
	}
	for _, tt := range records {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.setup != nil {
				tt.setup(w)
			}
			w.certs = map[string]Cert{tt.msp: tt.cert}
			res, _, err := w.submit(tt.msp, tt.event(w))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if r := res.Results[0]; r.Reason != tt.reason {
				t.Fatalf("%s %s: %s, want reason %q", r.Status, r.Reason, r.Message, tt.reason)
			}
		})
	}
	admins := []struct {
		name string
		msp  string
		cert Cert
		want error
	}{
		{"the regulator's administrator", mspReg, Cert{Role: RoleRegulator, Admin: true}, nil},
		{"an administrator without a role attribute", mspReg, Cert{Admin: true}, nil},
		{"the regulator's inspector", mspReg, Cert{Role: RoleRegulator, GLN: glnReg}, ErrAccessDenied},
		{"a regulator certificate without attributes", mspReg, Cert{}, ErrAccessDenied},
		{"a manufacturer's administrator", mspMan, Cert{Role: RoleManufacturer, Admin: true}, ErrAccessDenied},
		{"an administrator naming the wrong role", mspReg, Cert{Role: RolePharmacy, Admin: true}, ErrAccessDenied},
	}
	changes := map[string]func(State, Tx) error{
		"SetOrgRole":         func(st State, tx Tx) error { return SetOrgRole(st, tx, "Regulator2MSP", RoleRegulator) },
		"SetCompanyPrefixes": func(st State, tx Tx) error { return SetCompanyPrefixes(st, tx, mspMan, []string{"4012345", "4012346"}) },
		"SetLocations":       func(st State, tx Tx) error { return SetLocations(st, tx, mspDist, []string{glnDist}) },
		"SetTimeLimits":      func(st State, tx Tx) error { return SetTimeLimits(st, tx, 0, 0) },
	}
	for _, tt := range admins {
		for fn, f := range changes {
			t.Run(fn+" by "+tt.name, func(t *testing.T) {
				w := newWorld(t)
				w.certs = map[string]Cert{tt.msp: tt.cert}
				if err := w.admin(tt.msp, f); !errors.Is(err, tt.want) {
					t.Fatalf("err = %v, want %v", err, tt.want)
				}
			})
		}
	}
	t.Run("a certificate of another role reads nothing", func(t *testing.T) {
		w := newWorld(t)
		w.stock("S1")
		w.certs = map[string]Cert{mspPhar: {Role: RoleRegulator}}
		st, tx := w.tx(mspPhar)
		if _, err := Verify(st, tx, gtinA, "S1", "", ""); !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("err = %v", err)
		}
	})
}

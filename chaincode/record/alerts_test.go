package record

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/medtrace/medtrace/trace"
)

// report is a pharmacy's alert of a refused double dispense of S<n>.
func report(n int, site string) trace.AlertReport {
	return trace.AlertReport{Kind: trace.AlertDoubleDispense, Code: ReasonAlreadyDispensed, EventID: fmt.Sprintf("00000000-0000-7000-8000-%012d", 900+n),
		EventKind: KindDispense, Time: t0, GTIN: gtinA, Serial: fmt.Sprintf("S%d", n), Site: site}
}

// reportAs submits r as msp and commits it when it is kept.
func (w *world) reportAs(msp string, r any) (LedgerAlert, error) {
	b, err := json.Marshal(r)
	must(w.t, err)
	st, tx := w.tx(msp)
	a, err := ReportAlert(st, tx, b)
	if err == nil {
		st.commit()
	}
	return a, err
}

func TestReportAlert(t *testing.T) {
	w := newWorld(t)
	first, err := w.reportAs(mspPhar, report(1, glnPhar))
	must(t, err)
	if first.MSP != mspPhar || first.TxID == "" || !first.TxTime.Equal(w.now) {
		t.Fatalf("kept %+v", first)
	}
	tests := []struct {
		name   string
		msp    string
		cert   *Cert // the certificate the submitter uses (nil: its usual one)
		report any
		want   error // nil: kept
	}{
		{"the same refused event again", mspPhar, nil, report(1, glnPhar), nil},
		{"a site not the organisation's", mspPhar, nil, report(2, glnDist), ErrAccessDenied},
		{"a site not the certificate's", mspPhar, &Cert{Role: RolePharmacy, GLN: glnPhar}, report(2, glnPhar2), ErrAccessDenied},
		{"the certificate's site", mspPhar, &Cert{Role: RolePharmacy, GLN: glnPhar}, report(3, glnPhar), nil},
		{"no role in the certificate", mspPhar, &Cert{}, report(4, glnPhar), ErrAccessDenied},
		{"an unknown kind", mspPhar, nil, func() trace.AlertReport { r := report(5, glnPhar); r.Kind = "teleport"; return r }(), ErrBadRequest},
		{"a sentence for a code", mspPhar, nil, func() trace.AlertReport { r := report(5, glnPhar); r.Code = "Already dispensed"; return r }(), ErrBadRequest},
		{"a pack and an SSCC", mspPhar, nil, func() trace.AlertReport { r := report(5, glnPhar); r.SSCC = "340123450000000017"; return r }(), ErrBadRequest},
		{"an unknown field", mspPhar, nil, map[string]any{"kind": "other", "message": "x"}, ErrBadRequest},
		{"a distributor's unannounced delivery", mspDist, nil, func() trace.AlertReport {
			r := report(6, glnDist)
			r.Kind, r.Code, r.EventKind = trace.AlertUnannounced, trace.ReasonNotShipped, KindReceive
			return r
		}(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w.t = t
			if tc.cert != nil {
				if w.certs == nil {
					w.certs = map[string]Cert{}
				}
				w.certs[tc.msp] = *tc.cert
				defer delete(w.certs, tc.msp)
			}
			a, err := w.reportAs(tc.msp, tc.report)
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.name == "the same refused event again" && a.TxID != first.TxID {
				t.Fatalf("kept again in %s, first in %s", a.TxID, first.TxID)
			}
		})
	}
	w.t = t
	t.Run("only the regulator lists them", func(t *testing.T) {
		st, tx := w.tx(mspPhar)
		if _, err := Alerts(st, st, tx, "", 10); !errors.Is(err, ErrAccessDenied) {
			t.Fatalf("a pharmacy lists alerts: %v", err)
		}
	})
	t.Run("pages", func(t *testing.T) {
		st, tx := w.tx(mspReg)
		var got []string
		bm := ""
		for pages := 0; pages == 0 || bm != ""; pages++ {
			if pages > 5 {
				t.Fatal("the pages do not end")
			}
			p, err := Alerts(st, st, tx, bm, 2)
			must(t, err)
			for _, a := range p.Alerts {
				got = append(got, a.Serial+"@"+a.MSP)
			}
			bm = p.Bookmark
		}
		want := fmt.Sprint([]string{"S1@" + mspPhar, "S3@" + mspPhar, "S6@" + mspDist})
		if fmt.Sprint(got) != want {
			t.Fatalf("alerts %v, want %v", got, want)
		}
	})
	t.Run("bad page", func(t *testing.T) {
		st, tx := w.tx(mspReg)
		for _, c := range []struct {
			bm   string
			size int
		}{{"", 0}, {"", MaxAlertPage + 1}, {"p:x", 10}} {
			if _, err := Alerts(st, st, tx, c.bm, c.size); !errors.Is(err, ErrBadRequest) {
				t.Errorf("bookmark %q size %d: %v", c.bm, c.size, err)
			}
		}
	})
}

// FuzzReportAlert: no report makes ReportAlert panic, and what it keeps
// is well formed.
func FuzzReportAlert(f *testing.F) {
	b, _ := json.Marshal(report(1, glnPhar))
	f.Add(b)
	f.Add([]byte(`{"kind":"other"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		w := newWorld(t)
		st, tx := w.tx(mspPhar)
		a, err := ReportAlert(st, tx, raw)
		if err == nil {
			if cerr := a.Check(); cerr != nil {
				t.Fatalf("kept a report that is not well formed: %v", cerr)
			}
		}
	})
}

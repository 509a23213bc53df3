package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// TestAlertReports: a refused event's alert and its report are kept
// together, once per event; a report stays pending until marked reported
// or refused, and survives reopening the store.
func TestAlertReports(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{})
	must(t, err)
	t0 := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	rep := func(id string) *trace.AlertReport {
		return &trace.AlertReport{Kind: trace.AlertDoubleDispense, Code: trace.ReasonAlreadyDispensed, EventID: id,
			EventKind: trace.KindDispense, Time: t0, GTIN: "09506000134352", Serial: "S1", Site: "4012345000009"}
	}
	alert := func(id string) Alert {
		return Alert{Time: t0, Kind: trace.AlertDoubleDispense, Code: trace.ReasonAlreadyDispensed, Source: "refusal", EventID: id}
	}
	const a, b, c = "0190a0b0-0000-7000-8000-000000000001", "0190a0b0-0000-7000-8000-000000000002", "0190a0b0-0000-7000-8000-000000000003"
	tests := []struct {
		name      string
		id        string
		report    *trace.AlertReport
		wantAdded bool
		wantErr   bool
	}{
		{"first", a, rep(a), true, false},
		{"the same event again", a, rep(a), false, false},
		{"another", b, rep(b), true, false},
		{"an alert not reported", c, nil, true, false},
		{"a malformed report keeps nothing", "0190a0b0-0000-7000-8000-000000000004", func() *trace.AlertReport {
			r := rep("0190a0b0-0000-7000-8000-000000000004")
			r.Site = "1"
			return r
		}(), false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			added, err := s.RecordAlertReported(ctx, alert(tc.id), tc.report)
			if (err != nil) != tc.wantErr || added != tc.wantAdded {
				t.Fatalf("added %v err %v, want %v, error %v", added, err, tc.wantAdded, tc.wantErr)
			}
		})
	}
	pending, err := s.PendingAlertReports(ctx, 10)
	must(t, err)
	if len(pending) != 2 || pending[0].Report.EventID != a || pending[1].Report.EventID != b {
		t.Fatalf("pending %+v", pending)
	}
	must(t, s.MarkAlertReport(ctx, a, ReportPending, "", "ledger unavailable"))
	must(t, s.MarkAlertReport(ctx, a, ReportReported, "tx1", ""))
	must(t, s.MarkAlertReport(ctx, b, ReportRefused, "", "site not the certificate's"))
	if err := s.MarkAlertReport(ctx, b, ReportReported, "tx2", ""); !errors.Is(err, ErrNoAlertReport) {
		t.Fatalf("marking a refused report again: %v", err)
	}
	mustClose(t, s)
	s, err = Open(ctx, dir, Options{})
	must(t, err)
	defer mustClose(t, s)
	if p, err := s.PendingAlertReports(ctx, 10); err != nil || len(p) != 0 {
		t.Fatalf("pending after marking: %+v %v", p, err)
	}
	all, err := s.AlertReports(ctx, 10)
	must(t, err)
	if len(all) != 2 || all[0].State != ReportReported || all[0].TxID != "tx1" || all[0].Attempts != 2 || all[1].State != ReportRefused {
		t.Fatalf("kept %+v", all)
	}
}

package trace

import (
	"slices"
	"testing"
	"time"
)

func TestExpired(t *testing.T) {
	tests := []struct {
		name   string
		expiry string
		at     time.Time
		want   bool
	}{
		{"the day before", "2026-12-05", time.Date(2026, 12, 4, 23, 0, 0, 0, time.UTC), false},
		{"last minute of the day in UTC", "2026-12-05", time.Date(2026, 12, 5, 23, 59, 59, 0, time.UTC), false},
		{"the next day in UTC", "2026-12-05", time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), true},
		{"local evening, already the next day in UTC", "2026-12-05", time.Date(2026, 12, 5, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)), true},
		{"local morning of the next day, still the day in UTC", "2026-12-05", time.Date(2026, 12, 6, 7, 0, 0, 0, time.FixedZone("CST", 8*3600)), false},
		{"no expiry", "", time.Date(2040, 1, 1, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Expired(tt.expiry, tt.at); got != tt.want {
				t.Fatalf("Expired(%s, %s) = %v, want %v", tt.expiry, tt.at, got, tt.want)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	active := PackFacts{GTIN: "04012345000016", Serial: "S1", Batch: "L1", Expiry: "2028-12-31", Status: PackActive}
	with := func(f func(*PackFacts)) *PackFacts { p := active; f(&p); return &p }
	recall := &Recall{GTIN: active.GTIN, Batch: "L1", Time: now.Add(-time.Hour), Reason: "sterility"}
	tests := []struct {
		name   string
		p      *PackFacts
		recall *Recall
		scan   Scan
		status PackStatus
		codes  []string
	}{
		{"active: hand it out", &active, nil, Scan{Batch: "L1", Expiry: "2028-12-31"}, PackActive, nil},
		{"never commissioned", nil, nil, Scan{GTIN: "04012345000016", Serial: "X"}, PackUnknown, []string{ReasonUnknownPack}},
		{"dispensed", with(func(p *PackFacts) { p.Status, p.DispensedAt = PackDispensed, "4054321000016" }), nil, Scan{}, PackDispensed, []string{ReasonAlreadyDispensed}},
		{"unknown, batch as scanned recalled", nil, recall, Scan{GTIN: "04012345000016", Serial: "X", Batch: "L1"}, PackUnknown, []string{ReasonUnknownPack, ReasonRecalledBatch}},
		{"recalled", &active, recall, Scan{}, PackRecalled, []string{ReasonRecalledBatch}},
		{"a recall does not hide a dispense", with(func(p *PackFacts) { p.Status = PackDispensed }), recall, Scan{}, PackDispensed, []string{ReasonAlreadyDispensed, ReasonRecalledBatch}},
		{"in transit and recalled", with(func(p *PackFacts) { p.Status = PackInTransit }), recall, Scan{}, PackRecalled, []string{ReasonInTransit, ReasonRecalledBatch}},
		{"expired", with(func(p *PackFacts) { p.Expiry = "2027-02-28" }), nil, Scan{}, PackExpired, []string{ReasonExpired}},
		{"stolen and expired", with(func(p *PackFacts) { p.Status, p.Expiry = PackStolen, "2027-02-28" }), nil, Scan{}, PackStolen, []string{ReasonStolen, ReasonExpired}},
		{"not conformant", with(func(p *PackFacts) { p.Nonconformant = "e1" }), nil, Scan{}, PackActive, []string{ReasonNonconformant}},
		{"scanned batch differs", &active, nil, Scan{Batch: "L2"}, PackActive, []string{ReasonBatchMismatch}},
		{"scanned expiry differs", &active, nil, Scan{Expiry: "2029-01-31"}, PackActive, []string{ReasonExpiryMismatch}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, alerts := Judge(tt.p, tt.recall, tt.scan, now)
			var codes []string
			for _, a := range alerts {
				codes = append(codes, a.Code)
				if a.Message == "" {
					t.Errorf("alert %s without a sentence", a.Code)
				}
			}
			if status != tt.status || !slices.Equal(codes, tt.codes) {
				t.Fatalf("Judge = %s %v, want %s %v", status, codes, tt.status, tt.codes)
			}
		})
	}
}

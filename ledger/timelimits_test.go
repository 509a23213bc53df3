package ledger_test

import (
	"errors"
	"testing"
	"time"

	"github.com/medtrace/medtrace/ledger"
)

// testTimeLimits: the regulator's administrator sets the ledger's time
// limits through the client and reads them back; the inspector's
// certificate (regulator, not an administrator) is refused; zero restores
// the defaults.
func testTimeLimits(t *testing.T, e *env) {
	ctx := ctxT(t)
	for _, tc := range []struct {
		name          string
		c             *ledger.Client
		lag, skew     time.Duration
		refused       bool
		wantLag, want int64
	}{
		{"administrator sets 48h and 2m", e.admin, 48 * time.Hour, 2 * time.Minute, false, 48 * 3600, 120},
		{"inspector may not", e.c["regulator"], time.Hour, time.Minute, true, 48 * 3600, 120},
		{"pharmacy may not", e.c["pharmacy"], time.Hour, time.Minute, true, 48 * 3600, 120},
		{"administrator restores the defaults", e.admin, 0, 0, false, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.c.SetTimeLimits(ctx, tc.lag, tc.skew)
			if tc.refused != (err != nil) {
				t.Fatalf("SetTimeLimits = %v, want refused %v", err, tc.refused)
			}
			if tc.refused && !errors.Is(err, ledger.ErrRejected) {
				t.Fatalf("refusal %v is not ledger.ErrRejected", err)
			}
			cfg, err := e.admin.LedgerConfig(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.EventLagSeconds != tc.wantLag || cfg.ClockSkewSeconds != tc.want {
				t.Fatalf("limits %d s / %d s, want %d / %d", cfg.EventLagSeconds, cfg.ClockSkewSeconds, tc.wantLag, tc.want)
			}
		})
	}
}

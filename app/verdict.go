package app

import (
	"errors"
	"time"

	"github.com/medtrace/medtrace/trace"
)

// Level is how a verdict is shown: green, red or amber.
type Level int

// The verdict levels.
const (
	LevelIdle       Level = iota // nothing scanned yet
	LevelOK                      // green: hand it out
	LevelBad                     // red: do not hand it out
	LevelUnverified              // amber: the code is fine but could not be checked
)

// String returns a stable name for the level.
func (l Level) String() string {
	switch l {
	case LevelOK:
		return "ok"
	case LevelBad:
		return "bad"
	case LevelUnverified:
		return "unverified"
	}
	return "idle"
}

// Reasons a verdict gives. They are stable (the status file and tests use
// them) and each has a translation key "reason.<reason>".
const (
	ReasonReady          = "ready"
	ReasonActive         = "authentic-active"
	ReasonNotPackCode    = "not-a-pack-code"
	ReasonDamaged        = "damaged-code"
	ReasonUnknown        = trace.ReasonUnknownPack
	ReasonDispensed      = trace.ReasonAlreadyDispensed
	ReasonRecalled       = trace.ReasonRecalledBatch
	ReasonExpired        = trace.ReasonExpired
	ReasonBatchMismatch  = trace.ReasonBatchMismatch
	ReasonExpiryMismatch = trace.ReasonExpiryMismatch
	ReasonDestroyed      = trace.ReasonDestroyed
	ReasonStolen         = trace.ReasonStolen
	ReasonInTransit      = trace.ReasonInTransit
	ReasonSample         = trace.ReasonSample
	ReasonExported       = trace.ReasonExported
	ReasonAlert          = "alert"
	ReasonNotVerified    = "not-verified"
	ReasonNotConnected   = "not-connected"
	ReasonNotOnLedger    = "not-on-ledger"
)

// Verdict is the answer shown after a scan.
type Verdict struct {
	Level   Level
	Reason  string
	Code    Code
	Ver     *trace.Verification // nil when the ledger was not asked
	Offline bool
	AsOf    time.Time
	Block   uint64
	Place   string        // where it was dispensed (already-dispensed)
	When    time.Time     // when it was dispensed (already-dispensed)
	Detail  string        // the parser's or ledger's own words, shown small
	Err     error         // why it could not be verified
	Unit    *UnitContents // a case or pallet's contents (SSCC verdicts)
}

// alertOrder maps ledger alert codes to verdict reasons, most serious first.
func alertOrder() []struct{ code, reason string } {
	return []struct{ code, reason string }{
		{trace.ReasonStolen, ReasonStolen},
		{trace.ReasonDestroyed, ReasonDestroyed},
		{trace.ReasonAlreadyDispensed, ReasonDispensed},
		{trace.ReasonRecalledBatch, ReasonRecalled},
		{trace.ReasonExpired, ReasonExpired},
		{trace.ReasonBatchMismatch, ReasonBatchMismatch},
		{trace.ReasonExpiryMismatch, ReasonExpiryMismatch},
		{trace.ReasonUnknownPack, ReasonUnknown},
	}
}

// statusReason maps a pack state other than active to a verdict reason.
func statusReason(s trace.PackStatus) string {
	switch s {
	case trace.PackUnknown:
		return ReasonUnknown
	case trace.PackDispensed:
		return ReasonDispensed
	case trace.PackRecalled:
		return ReasonRecalled
	case trace.PackExpired:
		return ReasonExpired
	case trace.PackDestroyed:
		return ReasonDestroyed
	case trace.PackStolen:
		return ReasonStolen
	case trace.PackInTransit:
		return ReasonInTransit
	case trace.PackSample:
		return ReasonSample
	case trace.PackExported:
		return ReasonExported
	}
	return ""
}

// codeVerdict judges a code before the ledger is asked. ok is false when
// the code alone settles the verdict.
func codeVerdict(c Code, now time.Time) (Verdict, bool) {
	v := Verdict{Code: c, Level: LevelBad}
	switch {
	case c.NotACode, !c.Valid && (c.Scheme == "" || c.Scheme == "unknown") && c.GTIN == "" && c.SSCC == "":
		v.Reason = ReasonNotPackCode
	case !c.Valid:
		v.Reason = ReasonDamaged
	case !c.IsPack() && !c.IsLogistic() && (c.Scheme == "cn-drugcode" || c.Scheme == "ifa"):
		// A national code without GTIN and serial: read, but not on this ledger.
		v.Level, v.Reason = LevelUnverified, ReasonNotOnLedger
	case c.IsLogistic():
		return v, true // its contents are asked for
	case !c.IsPack():
		v.Reason = ReasonNotPackCode
	case !c.Expiry.IsZero() && expired(c.Expiry, now):
		v.Reason = ReasonExpired
	default:
		return v, true
	}
	if len(c.Problems) > 0 {
		v.Detail = problemText(c.Problems[0])
	}
	return v, false
}

// expired applies the trace core's one expiry rule (trace.Expired) to a
// date read from a code.
func expired(expiry, now time.Time) bool {
	return trace.Expired(expiry.Format(time.DateOnly), now)
}

// decide turns a code and the ledger's answer into a verdict.
func decide(c Code, ver trace.Verification, err error, now time.Time) Verdict {
	if v, ok := codeVerdict(c, now); !ok {
		return v
	}
	if err != nil {
		v := Verdict{Code: c, Level: LevelUnverified, Reason: ReasonNotVerified, Err: err}
		if errors.Is(err, errNotConnected) {
			v.Reason = ReasonNotConnected
		}
		return v
	}
	v := Verdict{Code: c, Ver: &ver, Offline: ver.Offline, AsOf: ver.AsOf, Block: ver.Block, Level: LevelBad}
	for _, a := range alertOrder() {
		for _, al := range ver.Alerts {
			if al.Code == a.code {
				v.Reason = a.reason
				v.Detail = alertText(al.Code, al.Message)
			}
		}
		if v.Reason != "" {
			break
		}
	}
	if v.Reason == "" {
		v.Reason = statusReason(ver.Status)
	}
	if v.Reason == "" && len(ver.Alerts) > 0 {
		v.Reason = ReasonAlert
		v.Detail = alertText(ver.Alerts[0].Code, ver.Alerts[0].Message)
	}
	if v.Reason == ReasonDispensed {
		v.Place, v.When = ver.LastPlace, ver.LastTime
	}
	if v.Reason == "" {
		if ver.Status == trace.PackActive {
			v.Level, v.Reason = LevelOK, ReasonActive
		} else {
			v.Reason = ReasonAlert
			v.Detail = tr("verdict.status", map[string]any{"Status": string(ver.Status)})
		}
	}
	return v
}

// errNotConnected is returned by the screens' stand-ins when main wired no
// implementation for a part.
var errNotConnected = errors.New("not connected")

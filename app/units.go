package app

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/medtrace/medtrace/trace"
)

// Verdict reasons for a case or pallet (an SSCC) and its contents.
const (
	ReasonUnitOK      = "unit-ok"               // known, and every pack inside active
	ReasonUnitProblem = "unit-problem"          // known, but a pack inside (or the unit) is not active
	ReasonUnitUnknown = trace.ReasonUnknownSSCC // never packed on the ledger
	ReasonUnitEmpty   = "unit-empty"            // known, holding no packs
	// ReasonUnitNotInCopy: offline, the local copy does not know the unit
	// (it may be newer than the copy): not judged, never "unknown".
	ReasonUnitNotInCopy = "unit-not-in-copy"
	unitDetailLines     = 12 // children listed under the band; the rest are counted
)

// unitVerdict turns the contents of an SSCC (or why they could not be read)
// into a verdict.
func unitVerdict(c Code, uc UnitContents, err error) Verdict {
	v := Verdict{Code: c, Level: LevelBad}
	if err != nil {
		v.Level, v.Reason, v.Err = LevelUnverified, ReasonNotVerified, err
		if errors.Is(err, errNotConnected) {
			v.Reason = ReasonNotConnected
		}
		return v
	}
	u := uc
	v.Unit, v.Offline, v.AsOf, v.Block = &u, uc.Offline, uc.AsOf, uc.Block
	t := uc.Tally()
	switch {
	case uc.Offline && (uc.Status == trace.PackUnknown || uc.Status == ""):
		v.Level, v.Reason = LevelUnverified, ReasonUnitNotInCopy
	case uc.Status == trace.PackUnknown || uc.Status == "":
		v.Reason = ReasonUnitUnknown
	case t.Packs == 0:
		v.Level, v.Reason = LevelUnverified, ReasonUnitEmpty
	case !uc.Sound():
		v.Reason = ReasonUnitProblem
	default:
		v.Level, v.Reason = LevelOK, ReasonUnitOK
	}
	return v
}

// unitLines are the lines under the band: each pack that is not active
// first, then the others, at most unitDetailLines, and how many more.
func unitLines(f formatter, c trace.Contents) []string {
	type line struct {
		bad  bool
		text string
	}
	var ls []line
	var walk func(c trace.Contents, in string)
	walk = func(c trace.Contents, in string) {
		for _, p := range c.Packs {
			t := tr("unit.pack", map[string]any{"GTIN": p.GTIN, "Serial": p.Serial, "Status": statusText(p.Status), "Batch": orDash(p.Batch)})
			if in != "" {
				t = tr("unit.in", map[string]any{"Text": t, "SSCC": in})
			}
			ls = append(ls, line{bad: p.Status != trace.PackActive, text: t})
		}
		for _, u := range c.Units {
			ls = append(ls, line{bad: u.Status != trace.PackActive, text: tr("unit.case", map[string]any{"SSCC": u.SSCC, "Status": statusText(u.Status)})})
			walk(u, u.SSCC)
		}
	}
	walk(c, "")
	sort.SliceStable(ls, func(i, j int) bool { return ls[i].bad && !ls[j].bad })
	var out []string
	for i, l := range ls {
		if i == unitDetailLines {
			n := len(ls) - i
			out = append(out, trN("unit.more", n, map[string]any{"N": f.number(int64(n))}))
			break
		}
		out = append(out, l.text)
	}
	return out
}

// statusText words a pack or unit status.
func statusText(s trace.PackStatus) string {
	if hasTranslation("status." + string(s)) {
		return tr("status." + string(s))
	}
	return string(s)
}

// packStatuses lists the statuses worded as "status.<status>".
func packStatuses() []trace.PackStatus {
	return []trace.PackStatus{trace.PackUnknown, trace.PackActive, trace.PackInTransit, trace.PackDispensed, trace.PackDestroyed,
		trace.PackStolen, trace.PackRecalled, trace.PackExpired, trace.PackSample, trace.PackExported}
}

// lookupUnit reads an SSCC's contents (the ledger first unless offlineOnly)
// and judges them. It runs on a task's goroutine.
func (u *ui) lookupUnit(ctx context.Context, c Code, offlineOnly bool) Verdict {
	if u.cfg.Units == nil {
		return unitVerdict(c, UnitContents{}, errNotConnected)
	}
	uc, err := u.cfg.Units.UnitContents(ctx, c.SSCC, offlineOnly)
	return unitVerdict(c, uc, err)
}

// receipt compares what arrives in a receiving session with what was
// shipped to this site: the contents of each case or pallet received, as
// the ledger has them. A case opened in the session (unpacked) must show
// each pack it holds; one received sealed counts as arrived whole.
type receipt struct {
	expected map[string]string // item key -> the SSCC it came in ("" for a loose pack shipped here)
	order    []string          // expected keys in the order learnt
}

func newReceipt() *receipt {
	return &receipt{expected: map[string]string{}}
}

// shippedHere adds a loose pack the ledger says is in transit to this
// site (its consignee) to what is expected.
func (r *receipt) shippedHere(key string) {
	if _, ok := r.expected[key]; !ok {
		r.expected[key] = ""
		r.order = append(r.order, key)
	}
}

// learn adds the contents of a received unit to what is expected.
func (r *receipt) learn(c trace.Contents) {
	var walk func(c trace.Contents)
	walk = func(c trace.Contents) {
		for _, p := range c.Packs {
			k := "pack:" + p.GTIN + "/" + p.Serial
			if _, ok := r.expected[k]; !ok {
				r.expected[k] = c.SSCC
				r.order = append(r.order, k)
			}
		}
		for _, u := range c.Units {
			k := "sscc:" + u.SSCC
			if _, ok := r.expected[k]; !ok {
				r.expected[k] = c.SSCC
				r.order = append(r.order, k)
			}
			walk(u)
		}
	}
	walk(c)
}

// receiptTally is the comparison's outcome.
type receiptTally struct {
	Expected, Arrived int
	Missing           []string // expected item keys not seen (only inside opened units)
	Unexpected        []string // scanned item keys no received unit holds
}

// compare judges the session: items is every item key scanned (received
// loose or as the parent of a re-pack), sealed the SSCCs received and not
// opened, opened the SSCCs unpacked in the session.
func (r *receipt) compare(items []string, sealed, opened map[string]bool) receiptTally {
	t := receiptTally{Expected: len(r.order)}
	seen := map[string]bool{}
	for _, k := range items {
		seen[k] = true
	}
	// What is inside a sealed unit arrived with it, at any depth.
	inSealed := func(k string) bool {
		for p := r.expected[k]; p != ""; p = r.expected["sscc:"+p] {
			if sealed[p] && !opened[p] {
				return true
			}
		}
		return false
	}
	for _, k := range r.order {
		if seen[k] || inSealed(k) {
			t.Arrived++
		} else {
			t.Missing = append(t.Missing, k)
		}
	}
	for _, k := range items {
		if _, ok := r.expected[k]; !ok && !(strings.HasPrefix(k, "sscc:") && sealed[strings.TrimPrefix(k, "sscc:")]) &&
			!(strings.HasPrefix(k, "sscc:") && opened[strings.TrimPrefix(k, "sscc:")]) {
			t.Unexpected = append(t.Unexpected, k)
		}
	}
	return t
}

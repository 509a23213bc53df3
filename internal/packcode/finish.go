package packcode

import (
	"fmt"
	"sort"
	"time"

	"github.com/medtrace/medtrace/internal/gs1"
)

// nationalCountries names the country of each national healthcare
// reimbursement number AI.
func nationalCountry(ai string) string {
	switch ai {
	case "710":
		return "Germany"
	case "711":
		return "France"
	case "712":
		return "Spain"
	case "713":
		return "Brazil"
	case "714":
		return "Portugal"
	case "715":
		return "United States"
	case "716":
		return "Italy"
	}
	return ""
}

func (p *parser) problem(q Problem) { p.res.Problems = append(p.res.Problems, q) }

func (p *parser) note(s string) { p.res.Notes = append(p.res.Notes, s) }

func (p *parser) check(name string, st CheckStatus, detail string) {
	p.res.Checks = append(p.res.Checks, Check{Name: name, Status: st, Detail: detail})
}

func (p *parser) notPackCode(pos int, msg string) {
	p.problem(Problem{Pos: pos, Code: CodeNotPackCode, Message: msg})
}

func (p *parser) setForm(f Form) {
	if p.res.Form == "" {
		p.res.Form = f
	}
}

// firstScheme keeps the scheme already found, if any.
func firstScheme(have, found Scheme) Scheme {
	if have != "" {
		return have
	}
	return found
}

// finish runs the GS1 association rules, fills the typed fields, renders
// the code and decides validity.
func (p *parser) finish() Result {
	r := &p.res
	if len(p.elems) > 0 {
		r.Problems = append(r.Problems, fromGS1(gs1.Validate(p.elems, p.opt.GS1), 0)...)
		p.fillGS1()
	}
	if r.Scheme == "" || r.HasCode(CodeNotPackCode) && len(p.elems) == 0 && r.PPN == nil && r.CN == nil {
		r.Scheme = SchemeUnknown
	}
	if r.Form == "" {
		r.Form = FormPlain
	}
	if r.Expiry != nil {
		if r.Expiry.DayUnspecified {
			p.note(fmt.Sprintf("The expiry date %s has day 00: only the month is given, and the pack expires at the end of it, %s.", r.Expiry.Raw, r.Expiry))
		}
		y, m, d := p.today.Date()
		if r.Expiry.T.Before(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
			r.Expired = true
			p.note(fmt.Sprintf("This pack expired on %s.", r.Expiry))
		}
	}
	if r.Serial != "" && r.Scheme != SchemeUnknown {
		p.check("serial issued and not yet dispensed", CheckNotPossible,
			"Whether this serial number was issued by the maker and is still active can only be checked online with the national medicines verification system.")
	}
	sort.SliceStable(r.Problems, func(i, j int) bool {
		a, b := r.Problems[i].Pos, r.Problems[j].Pos
		if a < 0 || b < 0 {
			return a >= 0 && b < 0
		}
		return a < b
	})
	// A list cut by gs1 arrives closed by its own more-problems warning:
	// fold it into one count so the closing warning says the true number.
	omitted := 0
	kept := r.Problems[:0]
	for _, q := range r.Problems {
		if q.Code == CodeMoreProblems {
			omitted += q.Omitted
			continue
		}
		kept = append(kept, q)
	}
	r.Problems = kept
	r.Valid = r.Scheme != SchemeUnknown && !hasErrors(r.Problems)
	if n := len(r.Problems); n > MaxProblems {
		if !hasErrors(r.Problems[:MaxProblems]) {
			// Keep at least one error so Err() still tells its class.
			for _, q := range r.Problems[MaxProblems:] {
				if !q.Warning {
					r.Problems[MaxProblems-1] = q
					break
				}
			}
		}
		omitted += n - MaxProblems
		r.Problems = r.Problems[:MaxProblems:MaxProblems]
	}
	if omitted > 0 {
		r.Problems = append(r.Problems, Problem{Pos: -1, Code: CodeMoreProblems, Warning: true, Omitted: omitted,
			Message: fmt.Sprintf("%d more problems are not listed; this does not look like a pack code.", omitted)})
	}
	return *r
}

// fillGS1 copies GS1 elements into the typed fields and renders them.
func (p *parser) fillGS1() {
	r := &p.res
	for _, e := range p.elems {
		title := ""
		if ent, ok := gs1.Lookup(e.AI); ok {
			title = ent.Title
		}
		r.Elements = append(r.Elements, Element{AI: e.AI, Title: title, Value: e.Value, Pos: e.Pos})
		setOnce := func(dst *string) {
			if *dst == "" {
				*dst = e.Value
			}
		}
		switch ai := e.AI; {
		case ai == "01":
			setOnce(&r.GTIN)
		case ai == "21":
			setOnce(&r.Serial)
		case ai == "10":
			setOnce(&r.Batch)
		case ai == "00":
			setOnce(&r.SSCC)
		case ai == "17":
			if r.Expiry == nil {
				t, zeroDay, err := gs1.ResolveDate(e.Value, p.today)
				switch {
				case err == nil:
					r.Expiry = &Date{Raw: e.Value, T: t, DayUnspecified: zeroDay}
				case !p.hasProblemFor(CodeBadDate, "17"):
					p.problem(Problem{AI: "17", Pos: e.Pos, Len: 2 + len(e.Value), Code: CodeBadDate,
						Message: fmt.Sprintf("AI (17) expiry: %q is not a real date.", e.Value)})
				}
			}
		case len(ai) == 3 && ai >= "410" && ai <= "417":
			r.GLNs = append(r.GLNs, GLN{AI: ai, Title: title, Value: e.Value})
		case len(ai) == 3 && ai >= "710" && ai <= "717":
			r.National = append(r.National, NationalNumber{AI: ai, Name: title, Country: nationalCountry(ai), Value: e.Value})
			if ai == "710" && r.PZN == "" {
				p.pzn(e.Value, "710", e.Pos+3)
			}
		}
	}
	if len(r.GTIN) == 14 && allDigits(r.GTIN) {
		switch {
		case r.GTIN[0] >= '1' && r.GTIN[0] <= '8':
			p.note(fmt.Sprintf("The GTIN starts with indicator digit %c: it identifies a case or other grouping of packs, not a single pack.", r.GTIN[0]))
		case r.GTIN[0] == '9':
			p.note("The GTIN starts with 9: it identifies a variable-measure item.")
		case r.GTIN[1] == '2' || r.GTIN[:3] == "002":
			p.note("The GTIN is a restricted circulation number (prefix 2): it is only meaningful inside one company or country.")
		}
	}
	// A German NTIN embeds the PZN: GTIN 04150 + PZN8 + check digit.
	if len(r.GTIN) == 14 && r.GTIN[:5] == "04150" && r.PZN == "" && allDigits(r.GTIN) {
		pos := -1
		for _, e := range r.Elements {
			if e.AI == "01" && e.Pos >= 0 {
				pos = e.Pos + 2 + 5
				break
			}
		}
		p.note("The GTIN is a German NTIN, which embeds the PZN " + r.GTIN[5:13] + ".")
		p.pzn(r.GTIN[5:13], "01", pos)
	}
	p.gs1Checks()
	r.HRI = gs1.HRI(p.elems)
	r.ElementString = gs1.ElementString(p.elems)
	if !hasErrors(r.Problems) {
		if uri, err := gs1.DigitalLinkURI("", p.elems); err == nil {
			r.DigitalLink = uri
		}
	}
}

// gs1Checks lists which GS1 checks were done and how they ended.
func (p *parser) gs1Checks() {
	r := &p.res
	// Index the error problems once: by code, and by code and AI.
	failedCode := map[Code]bool{}
	failedAI := map[string]bool{}
	for _, q := range r.Problems {
		if !q.Warning {
			failedCode[q.Code] = true
			failedAI[string(q.Code)+"\x00"+q.AI] = true
		}
	}
	failed := func(code Code, ai string) bool {
		if ai == "" {
			return failedCode[code]
		}
		return failedAI[string(code)+"\x00"+ai]
	}
	damaged := false
	for _, q := range r.Problems {
		if !q.Warning && q.Code.Class() == ErrDamaged {
			damaged = true
		}
	}
	if damaged {
		p.check("GS1 syntax", CheckFailed, "An AI is unknown, a value has the wrong length or a character GS1 does not allow.")
	} else {
		p.check("GS1 syntax", CheckPassed, "Every AI is known and every value has an allowed length and characters.")
	}
	seen := map[string]bool{}
	for _, e := range r.Elements {
		if seen[e.AI] {
			continue // one check per AI, even when it repeats
		}
		seen[e.AI] = true
		ent, ok := gs1.Lookup(e.AI)
		if !ok {
			continue
		}
		for _, c := range ent.Components {
			for _, l := range c.Linters {
				var name, good, bad string
				var code Code
				switch l {
				case "csum":
					name, code = fmt.Sprintf("check digit of (%s) %s", e.AI, ent.Title), CodeCheckDigit
					good, bad = "The check digit is right.", "The check digit is wrong (see the problems)."
				case "yymmd0", "yymmdd":
					name, code = fmt.Sprintf("date in (%s) %s", e.AI, ent.Title), CodeBadDate
					good, bad = "The date exists.", "The date does not exist (see the problems)."
				default:
					continue
				}
				if failed(code, e.AI) {
					p.check(name, CheckFailed, bad)
				} else {
					p.check(name, CheckPassed, good)
				}
			}
		}
	}
	assoc := failed("missing-required", "") || failed("exclusive-ais", "") || failed("repeated-ai-different-value", "")
	if assoc {
		p.check("GS1 association rules", CheckFailed, "A required companion AI is missing, two AIs that exclude each other appear together, or an AI repeats with different values.")
	} else {
		p.check("GS1 association rules", CheckPassed, "Required companion AIs are present; no conflicting or contradictory AIs.")
	}
}

func (p *parser) hasProblemFor(c Code, ai string) bool {
	for _, q := range p.res.Problems {
		if q.Code == c && q.AI == ai {
			return true
		}
	}
	return false
}

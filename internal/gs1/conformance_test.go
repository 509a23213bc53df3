package gs1

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// sharedVectors is GS1's conformance data beside the project root. It is not
// part of the project; tests that use it skip when it is absent.
const sharedVectors = "../../../shared/gs1/vectors"

// deliberateDifferences lists vector rows (by their source column) whose
// expected result this package does not reproduce, each with its reason.
// It is empty: every row passes.
var deliberateDifferences = map[string]string{}

// vectorRow is one TSV row, fields decoded, keyed by header name.
type vectorRow map[string]string

func decodeVectorField(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && s[i+1] == 'x' {
			if v, err := strconv.ParseUint(s[i+2:i+4], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func readVectors(t *testing.T, name string) []vectorRow {
	t.Helper()
	path := filepath.Join(sharedVectors, name)
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			t.Skipf("GS1 conformance vectors not available (%s absent); skipping", path)
		}
		t.Fatalf("open %s: %v", path, err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var header []string
	var rows []vectorRow
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if header == nil {
			header = fields
			continue
		}
		if len(fields) != len(header) {
			t.Fatalf("%s: row %q has %d fields, header has %d", name, sc.Text(), len(fields), len(header))
		}
		r := vectorRow{}
		for i, h := range header {
			r[h] = decodeVectorField(fields[i])
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no rows", name)
	}
	return rows
}

// vectorOptions turns the options column into Options; hriTitles reports
// includeDataTitlesInHRI.
func vectorOptions(t *testing.T, s string) (opt Options, hriTitles bool) {
	t.Helper()
	if s == "" {
		return opt, false
	}
	for _, o := range strings.Split(s, ";") {
		switch o {
		case "permitUnknownAIs=true":
			opt.PermitUnknownAIs = true
		case "permitZeroSuppressedGTINinDLuris=true":
			opt.PermitZeroSuppressedGTINinDLuris = true
		case "permitConvenienceAlphas=true":
			opt.PermitConvenienceAlphas = true
		case "includeDataTitlesInHRI=true":
			hriTitles = true
		case "vUNKNOWN_AI_NOT_DL_ATTR=disabled":
			opt.PermitUnknownAIsAsDLAttributes = true
		case "vREQUISITE_AIS=disabled":
			opt.SkipRequisite = true
		default:
			t.Fatalf("unhandled vector option %q", o)
		}
	}
	return opt, hriTitles
}

// conformance runs check on every row and fails rows that do not pass
// unless they are deliberate differences; it logs the pass count.
func conformance(t *testing.T, file string, check func(t *testing.T, r vectorRow) string) {
	rows := readVectors(t, file)
	pass, skipped := 0, 0
	for i, r := range rows {
		src := r["source"]
		if msg := check(t, r); msg != "" {
			if reason, ok := deliberateDifferences[src]; ok {
				skipped++
				t.Logf("%s row %d (%s): deliberate difference (%s): %s", file, i+2, src, reason, msg)
				continue
			}
			t.Errorf("%s row %d (%s): %s", file, i+2, src, msg)
			continue
		}
		pass++
	}
	t.Logf("%s: %d/%d rows pass (%d deliberate differences)", file, pass, len(rows), skipped)
}

type parsedParts struct {
	elems    [][]Element
	problems []Problem
}

func (p parsedParts) all() []Element {
	var out []Element
	for _, e := range p.elems {
		out = append(out, e...)
	}
	return out
}

func (p parsedParts) hasErrors() bool { return HasErrors(p.problems) }

// parseParts parses each "|"-separated part (linear|composite) with parse.
func parseParts(in string, parse func(string) ([]Element, []Problem)) parsedParts {
	var pp parsedParts
	for _, part := range strings.Split(in, "|") {
		el, pr := parse(part)
		pp.elems = append(pp.elems, el)
		pp.problems = append(pp.problems, pr...)
	}
	return pp
}

func expectValid(r vectorRow, valid bool) string {
	want := r["expect"] == "valid"
	if valid != want {
		if want {
			return "expected valid, got invalid"
		}
		return "expected invalid, got valid"
	}
	return ""
}

func hriOf(elems []Element, titles bool) string {
	if titles {
		return strings.Join(HRIWithTitles(elems), "|")
	}
	return strings.Join(HRI(elems), "|")
}

func TestConformanceElementStrings(t *testing.T) {
	conformance(t, "element-strings.tsv", func(t *testing.T, r vectorRow) string {
		opt, titles := vectorOptions(t, r["options"])
		missingFNC1 := false
		pp := parseParts(r["input"], func(s string) ([]Element, []Problem) {
			// The engine's element strings carry FNC1 in first position;
			// ParseElementString takes the data after it.
			if !strings.HasPrefix(s, "\x1d") {
				missingFNC1 = true
				return nil, nil
			}
			return ParseElementString(s[1:], opt)
		})
		valid := !missingFNC1 && !pp.hasErrors()
		if valid && r["scope"] == "full" {
			valid = len(Validate(pp.all(), opt)) == 0
		}
		if msg := expectValid(r, valid); msg != "" {
			return msg + problemsText(pp.problems)
		}
		if !valid {
			return ""
		}
		if want := r["bracketed"]; want != "" && want != "(none)" {
			var parts []string
			for _, el := range pp.elems {
				parts = append(parts, Bracketed(el))
			}
			if got := strings.Join(parts, "|"); got != want {
				return "bracketed " + strconv.Quote(got) + ", want " + strconv.Quote(want)
			}
		}
		if want := r["hri"]; want != "" {
			if got := hriOf(pp.all(), titles); got != want {
				return "HRI " + strconv.Quote(got) + ", want " + strconv.Quote(want)
			}
		}
		return ""
	})
}

func problemsText(ps []Problem) string {
	if len(ps) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" [")
	for i, p := range ps {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(string(p.Code) + ": " + p.Message)
	}
	b.WriteString("]")
	return b.String()
}

// componentMarkup renders GS1's error markup "(AI)before|bad|after" where
// after runs to the end of the component holding the bad part.
func componentMarkup(el Element, vpos, vlen int) string {
	e, ok := Lookup(el.AI)
	end := len(el.Value)
	if ok {
		p := 0
		for _, c := range e.Components {
			n := len(el.Value) - p
			if n > c.Max {
				n = c.Max
			}
			if vpos >= p && vpos < p+n {
				end = p + n
				break
			}
			p += n
		}
	}
	if vpos+vlen > end {
		end = vpos + vlen
	}
	return "(" + el.AI + ")" + el.Value[:vpos] + "|" + el.Value[vpos:vpos+vlen] + "|" + el.Value[vpos+vlen:end]
}

func TestConformanceBracketed(t *testing.T) {
	conformance(t, "bracketed.tsv", func(t *testing.T, r vectorRow) string {
		opt, titles := vectorOptions(t, r["options"])
		pp := parseParts(r["input"], func(s string) ([]Element, []Problem) { return ParseBracketed(s, opt) })
		valid := !pp.hasErrors()
		if valid && r["scope"] == "full" {
			valid = len(Validate(pp.all(), opt)) == 0
		}
		if msg := expectValid(r, valid); msg != "" {
			return msg + problemsText(pp.problems)
		}
		if want := r["linter_error"]; want != "" {
			if len(pp.problems) == 0 || pp.problems[0].Linter != want {
				return "linter error, want " + want + problemsText(pp.problems)
			}
		}
		if want := r["error_markup"]; want != "" {
			if len(pp.problems) == 0 || pp.problems[0].AI == "" {
				return "no positioned problem for markup " + want
			}
			p := pp.problems[0]
			var el Element
			for _, e := range pp.all() {
				if e.AI == p.AI {
					el = e
					break
				}
			}
			vpos := p.Pos - (el.Pos + len(el.AI) + 1)
			if vpos < 0 || vpos+p.Len > len(el.Value) {
				return "problem position outside its value" + problemsText(pp.problems)
			}
			if got := componentMarkup(el, vpos, p.Len); got != want {
				return "markup " + strconv.Quote(got) + ", want " + strconv.Quote(want)
			}
		}
		if !valid {
			return ""
		}
		if want := r["element_string"]; want != "" {
			var parts []string
			for _, el := range pp.elems {
				parts = append(parts, "\x1d"+ElementString(el))
			}
			if got := strings.Join(parts, "|"); got != want {
				return "element string " + strconv.Quote(got) + ", want " + strconv.Quote(want)
			}
		}
		if want := r["hri"]; want != "" {
			if got := hriOf(pp.all(), titles); got != want {
				return "HRI " + strconv.Quote(got) + ", want " + strconv.Quote(want)
			}
		}
		return ""
	})
}

func TestConformanceAssociations(t *testing.T) {
	conformance(t, "associations.tsv", func(t *testing.T, r vectorRow) string {
		opt, _ := vectorOptions(t, r["options"])
		elems, probs := ParseBracketed(r["input"], opt)
		if HasErrors(probs) {
			return "input does not parse" + problemsText(probs)
		}
		opt.SkipRepeats, opt.SkipExclusive, opt.SkipRequisite, opt.SkipDigSigSerialisedKey = true, true, true, true
		var code Code
		switch r["rule"] {
		case "repeats":
			opt.SkipRepeats, code = false, CodeRepeatedAI
		case "exclusive":
			opt.SkipExclusive, code = false, CodeExclusiveAIs
		case "requisite":
			opt.SkipRequisite, code = false, CodeMissingRequired
		case "digsig-serialised-key":
			opt.SkipDigSigSerialisedKey, code = false, CodeDigSigUnserialisedKey
		default:
			t.Fatalf("unknown rule %q", r["rule"])
		}
		got := Validate(elems, opt)
		for _, p := range got {
			if p.Code != code {
				return "unexpected problem code " + string(p.Code)
			}
		}
		failed := len(got) > 0
		if want := r["expect"] == "fail"; failed != want {
			return "rule " + r["rule"] + ": got fail=" + strconv.FormatBool(failed) + problemsText(got)
		}
		return ""
	})
}

func TestConformanceDigitalLink(t *testing.T) {
	conformance(t, "digital-link.tsv", func(t *testing.T, r vectorRow) string {
		opt, titles := vectorOptions(t, r["options"])
		elems, probs := ParseDigitalLink(r["input"], opt)
		valid := !HasErrors(probs)
		if valid && r["scope"] == "full" {
			valid = len(Validate(elems, opt)) == 0
		}
		if msg := expectValid(r, valid); msg != "" {
			return msg + problemsText(probs)
		}
		if !valid {
			return ""
		}
		if want := r["element_string"]; want != "" {
			if got := "\x1d" + ElementString(elems); got != want {
				return "element string " + strconv.Quote(got) + ", want " + strconv.Quote(want)
			}
		}
		if want := r["bracketed"]; want != "" && want != "(none)" {
			if got := Bracketed(elems); got != want {
				return "bracketed " + strconv.Quote(got) + ", want " + strconv.Quote(want)
			}
		}
		if want := r["hri"]; want != "" {
			if got := hriOf(elems, titles); got != want {
				return "HRI " + strconv.Quote(got) + ", want " + strconv.Quote(want)
			}
		}
		return ""
	})
}

func TestConformanceDigitalLinkGenerate(t *testing.T) {
	conformance(t, "digital-link-generate.tsv", func(t *testing.T, r vectorRow) string {
		opt, _ := vectorOptions(t, r["options"])
		elems, probs := ParseBracketed(r["input"], opt)
		var uri string
		var err error
		if !HasErrors(probs) {
			uri, err = DigitalLinkURIOpt(r["stem"], elems, opt)
		}
		valid := !HasErrors(probs) && err == nil
		if msg := expectValid(r, valid); msg != "" {
			if err != nil {
				msg += " (" + err.Error() + ")"
			}
			return msg + problemsText(probs)
		}
		if valid && uri != r["uri"] {
			return "URI " + strconv.Quote(uri) + ", want " + strconv.Quote(r["uri"])
		}
		return ""
	})
}

func TestConformanceURIEscape(t *testing.T) {
	conformance(t, "digital-link-uri-escape.tsv", func(t *testing.T, r vectorRow) string {
		var path, query string
		switch r["function"] {
		case "unescape":
			path, query = UnescapeURIComponent(r["input"], false), UnescapeURIComponent(r["input"], true)
		case "escape":
			path, query = EscapeURIComponent(r["input"], false), EscapeURIComponent(r["input"], true)
		default:
			t.Fatalf("unknown function %q", r["function"])
		}
		if path != r["expect_path"] || query != r["expect_query"] {
			return "got " + strconv.Quote(path) + " / " + strconv.Quote(query) + ", want " +
				strconv.Quote(r["expect_path"]) + " / " + strconv.Quote(r["expect_query"])
		}
		return ""
	})
}

func TestConformanceLinters(t *testing.T) {
	conformance(t, "linters.tsv", func(t *testing.T, r vectorRow) string {
		res, ok := Lint(r["linter"], r["input"])
		if !ok {
			return "linter " + r["linter"] + " not implemented"
		}
		if r["expect"] == "pass" {
			if !res.OK {
				return "expected pass, got " + res.Linter
			}
			return ""
		}
		if res.OK {
			return "expected " + r["error"] + ", got pass"
		}
		if res.Linter != r["error"] {
			return "got " + res.Linter + ", want " + r["error"]
		}
		pos, _ := strconv.Atoi(r["err_pos"])
		n, _ := strconv.Atoi(r["err_len"])
		if res.Pos != pos || res.Len != n {
			return "position " + strconv.Itoa(res.Pos) + "+" + strconv.Itoa(res.Len) + ", want " + r["err_pos"] + "+" + r["err_len"]
		}
		return ""
	})
}

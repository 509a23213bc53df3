package gs1

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fixture is one row of a testdata TSV file.
type fixture struct {
	line   int
	fields []string
}

func readFixtures(t *testing.T, name string, cols int) []fixture {
	t.Helper()
	rows := readFixtureRows(name)
	for _, r := range rows {
		if len(r.fields) != cols {
			t.Fatalf("%s:%d: %d fields, want %d", name, r.line, len(r.fields), cols)
		}
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no cases", name)
	}
	return rows
}

// readFixtureRows reads testdata/name; a missing file yields no rows.
func readFixtureRows(name string) []fixture {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		return nil
	}
	var out []fixture
	for i, line := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		for k := range f {
			f[k] = decodeVectorField(f[k])
		}
		out = append(out, fixture{line: i + 1, fields: f})
	}
	return out
}

func fixtureOptions(t *testing.T, s string) Options {
	t.Helper()
	var opt Options
	for _, o := range strings.Fields(strings.ReplaceAll(s, ";", " ")) {
		switch o {
		case "permitUnknownAIs":
			opt.PermitUnknownAIs = true
		case "permitZeroSuppressedGTINinDLuris":
			opt.PermitZeroSuppressedGTINinDLuris = true
		case "permitConvenienceAlphas":
			opt.PermitConvenienceAlphas = true
		case "vREQUISITE_AIS=disabled":
			opt.SkipRequisite = true
		default:
			t.Fatalf("unknown fixture option %q", o)
		}
	}
	return opt
}

func problemList(ps []Problem) string {
	if len(ps) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		s := string(p.Code) + "@" + strconv.Itoa(p.Pos) + "+" + strconv.Itoa(p.Len)
		if p.Warning {
			s += "!w"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// TestParse runs testdata/parse.tsv: every parser rule without ../shared.
func TestParse(t *testing.T) {
	for _, fx := range readFixtures(t, "parse.tsv", 7) {
		f := fx.fields
		t.Run(f[0], func(t *testing.T) {
			opt := fixtureOptions(t, f[3])
			var elems []Element
			var probs []Problem
			switch f[1] {
			case "es":
				elems, probs = ParseElementString(f[2], opt)
			case "br":
				elems, probs = ParseBracketed(f[2], opt)
			case "dl":
				elems, probs = ParseDigitalLink(f[2], opt)
			default:
				t.Fatalf("unknown form %q", f[1])
			}
			if got := Bracketed(elems); got != f[4] {
				t.Errorf("elements %q, want %q", got, f[4])
			}
			if got := problemList(probs); got != f[5] {
				t.Errorf("problems %s, want %s\n%s", got, f[5], problemsText(probs))
			}
			if f[6] != "" && (len(probs) == 0 || probs[0].Message != f[6]) {
				t.Errorf("first message %q, want %q", firstMessage(probs), f[6])
			}
			for _, p := range probs {
				if p.Pos < 0 || p.Pos+p.Len > len(f[2]) {
					t.Errorf("problem %s outside the input", problemList([]Problem{p}))
				}
				if p.Message == "" || !strings.HasSuffix(p.Message, ".") {
					t.Errorf("problem %s has no sentence: %q", p.Code, p.Message)
				}
			}
			for _, el := range elems {
				if el.Pos < 0 || el.Pos >= len(f[2]) || !opt.PermitConvenienceAlphas && !strings.HasPrefix(f[2][el.Pos:], el.AI) {
					t.Errorf("element (%s) position %d does not point at its AI", el.AI, el.Pos)
				}
			}
		})
	}
}

func firstMessage(ps []Problem) string {
	if len(ps) == 0 {
		return ""
	}
	return ps[0].Message
}

// TestValidate runs testdata/validate.tsv: the association rules.
func TestValidate(t *testing.T) {
	for _, fx := range readFixtures(t, "validate.tsv", 5) {
		f := fx.fields
		t.Run(f[0], func(t *testing.T) {
			opt := fixtureOptions(t, f[2])
			elems, probs := ParseBracketed(f[1], opt)
			if HasErrors(probs) {
				t.Fatalf("input does not parse: %s", problemsText(probs))
			}
			got := Validate(elems, opt)
			codes := make([]string, 0, len(got))
			for _, p := range got {
				codes = append(codes, string(p.Code))
			}
			want := f[3]
			if want == "-" {
				want = ""
			}
			if strings.Join(codes, " ") != want {
				t.Errorf("codes %q, want %q%s", strings.Join(codes, " "), want, problemsText(got))
			}
			if f[4] != "" && firstMessage(got) != f[4] {
				t.Errorf("first message %q, want %q", firstMessage(got), f[4])
			}
		})
	}
}

// TestRender runs testdata/render.tsv: HRI, element string and Digital Link
// renderings, and that each parses back to the same elements.
func TestRender(t *testing.T) {
	for _, fx := range readFixtures(t, "render.tsv", 5) {
		f := fx.fields
		t.Run(f[0], func(t *testing.T) {
			elems, probs := ParseBracketed(f[1], Options{})
			if HasErrors(probs) {
				t.Fatalf("input does not parse: %s", problemsText(probs))
			}
			if got := strings.Join(HRI(elems), "|"); got != f[2] {
				t.Errorf("HRI %q, want %q", got, f[2])
			}
			es := ElementString(elems)
			if es != f[3] {
				t.Errorf("element string %q, want %q", es, f[3])
			}
			back, probs := ParseElementString(es, Options{})
			if HasErrors(probs) || !sameElements(back, elems) {
				t.Errorf("element string does not parse back: %v %s", back, problemsText(probs))
			}
			if br := Bracketed(elems); br != f[1] {
				t.Errorf("bracketed %q, want the input %q", br, f[1])
			}
			uri, err := DigitalLinkURI("", elems)
			if f[4] == "!" {
				if err == nil {
					t.Errorf("DigitalLinkURI = %q, want an error", uri)
				}
				return
			}
			if err != nil || uri != f[4] {
				t.Fatalf("DigitalLinkURI = %q, %v; want %q", uri, err, f[4])
			}
			dl, probs := ParseDigitalLink(uri, Options{})
			if HasErrors(probs) || !sameElementSet(dl, elems) {
				t.Errorf("URI does not parse back: %v %s", dl, problemsText(probs))
			}
		})
	}
}

func sameElements(a, b []Element) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].AI != b[i].AI || a[i].Value != b[i].Value {
			return false
		}
	}
	return true
}

// sameElementSet compares ignoring order and exact repeats.
func sameElementSet(a, b []Element) bool {
	set := func(es []Element) map[string]bool {
		m := map[string]bool{}
		for _, e := range es {
			m[e.AI+"\x00"+e.Value] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for k := range sa {
		if !sb[k] {
			return false
		}
	}
	return true
}

// TestLinters runs testdata/linters.tsv: each linter's own cases.
func TestLinters(t *testing.T) {
	seen := map[string]bool{}
	for _, fx := range readFixtures(t, "linters.tsv", 6) {
		f := fx.fields
		seen[f[1]] = true
		t.Run(f[0], func(t *testing.T) {
			res, ok := Lint(f[1], f[2])
			if !ok {
				t.Fatalf("linter %q not implemented", f[1])
			}
			if f[3] == "pass" {
				if !res.OK {
					t.Errorf("got %s at %d+%d, want pass", res.Linter, res.Pos, res.Len)
				}
				return
			}
			if res.OK || res.Linter != f[3] || strconv.Itoa(res.Pos) != f[4] || strconv.Itoa(res.Len) != f[5] {
				t.Errorf("got ok=%v %s at %d+%d, want %s at %s+%s", res.OK, res.Linter, res.Pos, res.Len, f[3], f[4], f[5])
			}
			if !res.OK && res.Code == "" {
				t.Errorf("no Code for %s", res.Linter)
			}
		})
	}
	for _, name := range LinterNames() {
		if !seen[name] {
			t.Errorf("linter %q has no case in testdata/linters.tsv", name)
		}
	}
}

// TestEveryDictionaryLinterImplemented checks that the generated table
// names no linter this package lacks.
func TestEveryDictionaryLinterImplemented(t *testing.T) {
	for _, e := range Entries() {
		for _, c := range e.Components {
			for _, l := range c.Linters {
				if _, ok := linterByName(l); !ok {
					t.Errorf("AI (%s) uses linter %q, which is not implemented", e.AI, l)
				}
			}
		}
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name, ai string
		ok       bool
		check    func(e Entry) bool
	}{
		{"gtin", "01", true, func(e Entry) bool {
			return e.Title == "GTIN" && e.Fixed && e.DLAttr && e.DLPKey && len(e.DLQualifiers) == 2 &&
				strings.Join(e.DLQualifiers[0], ",") == "22,10,21" && e.MinLen() == 14 && e.MaxLen() == 14
		}},
		{"batch", "10", true, func(e Entry) bool { return !e.Fixed && e.MinLen() == 1 && e.MaxLen() == 20 && len(e.Req) == 1 }},
		{"range-start", "3100", true, func(e Entry) bool { return e.Title == "NET WEIGHT (kg)" && e.Ex[0] == "310n" }},
		{"range-end", "3105", true, func(e Entry) bool { return e.Title == "NET WEIGHT (kg)" }},
		{"range-gap", "3106", false, nil},
		{"optional-component", "8008", true, func(e Entry) bool { return e.MinLen() == 8 && e.MaxLen() == 12 }},
		{"internal-range", "95", true, func(e Entry) bool { return e.MaxLen() == 90 }},
		{"unknown", "23", false, nil},
		{"not-an-ai", "0A", false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := Lookup(tc.ai)
			if ok != tc.ok {
				t.Fatalf("Lookup(%q) ok=%v, want %v", tc.ai, ok, tc.ok)
			}
			if ok && !tc.check(e) {
				t.Errorf("Lookup(%q) = %+v", tc.ai, e)
			}
		})
	}
}

func TestCheckDigitOK(t *testing.T) {
	tests := []struct {
		name, in string
		want     bool
	}{
		{"gtin14", "09506000134352", true},
		{"gtin14-bad", "09506000134353", false},
		{"gtin13", "9521234543213", true},
		{"gtin8", "02345673", true},
		{"sscc", "106141411234567897", true},
		{"letters", "0950600013435A", false},
		{"too-short", "7", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckDigitOK(tc.in); got != tc.want {
				t.Errorf("CheckDigitOK(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestResolveDate(t *testing.T) {
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, in string
		want     string
		zeroDay  bool
		err      bool
	}{
		{"plain", "251231", "2025-12-31", false, false},
		{"day-00-is-last-day", "251100", "2025-11-30", true, false},
		{"day-00-february-leap", "280200", "2028-02-29", true, false},
		{"day-00-february", "270200", "2027-02-28", true, false},
		{"window-50-ahead", "760101", "2076-01-01", false, false},
		{"window-51-ahead-is-past", "770101", "1977-01-01", false, false},
		{"bad-month", "251301", "", false, true},
		{"bad-day", "250230", "", false, true},
		{"not-digits", "25AB01", "", false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, zero, err := ResolveDate(tc.in, now)
			if tc.err {
				if !errors.Is(err, ErrBadDate) {
					t.Fatalf("err = %v, want ErrBadDate", err)
				}
				return
			}
			if err != nil || d.Format("2006-01-02") != tc.want || zero != tc.zeroDay {
				t.Errorf("ResolveDate(%q) = %s, %v, %v; want %s, %v", tc.in, d.Format("2006-01-02"), zero, err, tc.want, tc.zeroDay)
			}
		})
	}
}

// TestInputCap checks that every parser rejects input over MaxInputLen
// with one problem and no elements.
func TestInputCap(t *testing.T) {
	long := strings.Repeat("9", MaxInputLen+1)
	parsers := map[string]func(string, Options) ([]Element, []Problem){
		"element-string": ParseElementString,
		"bracketed":      ParseBracketed,
		"digital-link":   ParseDigitalLink,
	}
	for name, parse := range parsers {
		t.Run(name, func(t *testing.T) {
			el, pr := parse(long, Options{})
			if len(el) != 0 || len(pr) != 1 || pr[0].Code != CodeInputTooLong {
				t.Errorf("got %d elements, problems %s", len(el), problemList(pr))
			}
			el, pr = parse(long[:MaxInputLen], Options{})
			for _, p := range pr {
				if p.Code == CodeInputTooLong {
					t.Errorf("input of exactly MaxInputLen rejected")
				}
			}
			_ = el
		})
	}
}

func TestDigitalLinkURIErrors(t *testing.T) {
	tests := []struct {
		name  string
		elems []Element
		check func(error) bool
	}{
		{"no-key", []Element{{AI: "10", Value: "A"}}, func(err error) bool { return errors.Is(err, ErrNoPrimaryKey) }},
		{"not-attribute", []Element{{AI: "01", Value: "09506000134352"}, {AI: "8200", Value: "http://x"}},
			func(err error) bool { return errors.Is(err, ErrNotDLAttribute) }},
		{"bad-value", []Element{{AI: "01", Value: "09506000134353"}}, func(err error) bool {
			var pe *ProblemsError
			return errors.As(err, &pe) && len(pe.Problems) == 1 && pe.Problems[0].Code == CodeCheckDigit
		}},
		{"unknown-ai", []Element{{AI: "01", Value: "09506000134352"}, {AI: "89", Value: "X"}}, func(err error) bool {
			var pe *ProblemsError
			return errors.As(err, &pe) && pe.Problems[0].Code == CodeUnknownAI
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			uri, err := DigitalLinkURI("https://example.com/", tc.elems)
			if err == nil || !tc.check(err) {
				t.Errorf("DigitalLinkURI = %q, %v", uri, err)
			}
		})
	}
}

func TestDigitalLinkURIStem(t *testing.T) {
	elems := []Element{{AI: "01", Value: "09506000134352"}}
	tests := []struct{ name, stem, want string }{
		{"default", "", "https://id.gs1.org/01/09506000134352"},
		{"custom", "https://brand.example/dl", "https://brand.example/dl/01/09506000134352"},
		{"trailing-slash", "https://brand.example/", "https://brand.example/01/09506000134352"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DigitalLinkURI(tc.stem, elems)
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestHRIWithTitles(t *testing.T) {
	got := strings.Join(HRIWithTitles([]Element{{AI: "01", Value: "09506000134352"}, {AI: "89", Value: "X"}}), "|")
	if want := "GTIN (01) 09506000134352|UNKNOWN (89) X"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestLinterMessages checks that every linter failure in the fixtures gets
// a sentence naming the AI.
func TestLinterMessages(t *testing.T) {
	for _, fx := range readFixtures(t, "linters.tsv", 6) {
		f := fx.fields
		if f[3] == "pass" {
			continue
		}
		t.Run(f[0], func(t *testing.T) {
			fn, _ := linterByName(f[1])
			e := fn(f[2])
			msg := linterMessage("8110", f[2], 0, e)
			if !strings.HasPrefix(msg, "AI (8110)") || !strings.HasSuffix(msg, ".") || strings.Contains(msg, "GS1_LINTER") {
				t.Errorf("message %q", msg)
			}
		})
	}
}

// TestUnknownAIs checks which unknown AIs PermitUnknownAIs accepts: only
// those whose length agrees with their two-digit prefix and that are not a
// prefix of a known AI (nor have one as prefix), with a fixed length where
// GS1 predefines one for the prefix.
func TestUnknownAIs(t *testing.T) {
	tests := []struct {
		name, ai string
		ok       bool
		fixed    int // predefined value length, 0 = variable
	}{
		{"unused-prefix", "89", true, 0},
		{"known-prefix-of-it", "011", false, 0},
		{"prefix-of-known", "800", false, 0},
		{"prefix-of-known-2", "80", false, 0},
		{"wrong-length-for-prefix", "399", false, 0},
		{"right-length-for-prefix", "3999", true, 0},
		{"wrong-length-23", "2367", false, 0},
		{"right-length-23", "236", true, 0},
		{"wrong-length-41", "4199", false, 0},
		{"predefined-length-41", "419", true, 13},
		{"predefined-length-31", "3199", true, 6},
		{"not-digits", "8A", false, 0},
		{"too-long", "12345", false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if e := resolveAI(tc.ai, Options{}); e != nil && e.Unknown {
				t.Fatalf("unknown AI %s accepted without PermitUnknownAIs", tc.ai)
			}
			e := resolveAI(tc.ai, Options{PermitUnknownAIs: true})
			if (e != nil) != tc.ok {
				t.Fatalf("accepted=%v, want %v", e != nil, tc.ok)
			}
			if e == nil {
				return
			}
			if !e.Unknown {
				t.Fatalf("AI %s resolved to a dictionary entry", tc.ai)
			}
			got := 0
			if e.Fixed {
				got = e.MaxLen()
			}
			if got != tc.fixed {
				t.Errorf("predefined length %d, want %d", got, tc.fixed)
			}
		})
	}
}

func TestProblemsErrorAndCharset(t *testing.T) {
	err := error(&ProblemsError{Problems: []Problem{{Message: "A."}, {Message: "B."}}})
	if got := err.Error(); got != "gs1: A. B." {
		t.Errorf("Error() = %q", got)
	}
	tests := map[Charset]string{Numeric: "N (numeric)", CSet82: "X (CSET 82)", CSet39: "Y (CSET 39)", CSet64: "Z (CSET 64)", 0: "unknown"}
	for c, want := range tests {
		if got := c.String(); got != want {
			t.Errorf("Charset(%d) = %q, want %q", c, got, want)
		}
	}
}

func TestAIName(t *testing.T) {
	tests := map[string]string{"01": "GTIN", "17": "expiry", "10": "batch", "21": "serial", "710": "German PZN", "4330": "MAX TEMP F.", "89": ""}
	for ai, want := range tests {
		if got := AIName(ai); got != want {
			t.Errorf("AIName(%q) = %q, want %q", ai, got, want)
		}
	}
}

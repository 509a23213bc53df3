package packcode

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testToday is the date every table test runs on.
var testToday = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

// unescapeHex decodes the \xHH escapes of the test files.
func unescapeHex(t testing.TB, s string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) && s[i+1] == 'x' {
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				t.Fatalf("bad escape in %q: %v", s, err)
			}
			b.WriteByte(byte(v))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// readTSV reads a tab-separated test file: comment lines start with "#",
// the first other line is the header.
func readTSV(t testing.TB, path string) (header []string, rows [][]string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		fields := strings.Split(line, "\t")
		if header == nil {
			header = fields
			continue
		}
		if len(fields) < len(header) {
			fields = append(fields, make([]string, len(header)-len(fields))...)
		}
		rows = append(rows, fields)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return header, rows
}

func problemCodes(r Result) string {
	var cs []string
	seen := map[string]bool{}
	for _, p := range r.Problems {
		c := string(p.Code)
		if p.Warning {
			c = "~" + c
		}
		if !seen[c] {
			seen[c] = true
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return "-"
	}
	sort.Strings(cs)
	return strings.Join(cs, ",")
}

func describe(r Result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "scheme=%s form=%s valid=%v sym=%q data=%q\n", r.Scheme, r.Form, r.Valid, r.Symbology.ID, r.Data)
	for _, e := range r.Elements {
		fmt.Fprintf(&b, "  (%s) %q @%d\n", e.AI, e.Value, e.Pos)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(&b, "  problem %s ai=%q pos=%d warn=%v: %s\n", p.Code, p.AI, p.Pos, p.Warning, p.Message)
	}
	for _, c := range r.Checks {
		fmt.Fprintf(&b, "  check %q %s\n", c.Name, c.Status)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  note %s\n", n)
	}
	return b.String()
}

func TestParseTable(t *testing.T) {
	_, rows := readTSV(t, "testdata/parse.tsv")
	if len(rows) < 50 {
		t.Fatalf("only %d rows in testdata/parse.tsv", len(rows))
	}
	for _, row := range rows {
		name, input, opts, valid, scheme, form, gtin, serial, batch, expiry, codes, extra :=
			row[0], unescapeHex(t, row[1]), row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10], row[11]
		t.Run(name, func(t *testing.T) {
			opt := Options{Today: testToday}
			if v, ok := strings.CutPrefix(opts, "sub="); ok {
				opt.GSSubstitute = unescapeHex(t, v)[0]
			}
			r := Parse([]byte(input), opt)
			defer func() {
				if t.Failed() {
					t.Log(describe(r))
				}
			}()
			if got := strconv.FormatBool(r.Valid); got != valid {
				t.Errorf("valid = %s, want %s", got, valid)
			}
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", what, got, want)
				}
			}
			check("scheme", string(r.Scheme), scheme)
			check("form", string(r.Form), form)
			check("gtin", r.GTIN, gtin)
			check("serial", r.Serial, serial)
			check("batch", r.Batch, batch)
			gotExp := ""
			if r.Expiry != nil {
				gotExp = r.Expiry.String()
			}
			check("expiry", gotExp, expiry)
			check("problem codes", problemCodes(r), codes)
			if (r.Err() == nil) != r.Valid {
				t.Errorf("Err() = %v with Valid = %v", r.Err(), r.Valid)
			}
			for _, a := range strings.Fields(extra) {
				k, v, _ := strings.Cut(a, "=")
				v = strings.ReplaceAll(unescapeHex(t, v), "_", " ")
				switch {
				case k == "sym":
					check("symbology", r.Symbology.ID, v)
				case k == "pzn":
					check("pzn", r.PZN, v)
				case k == "sscc":
					check("sscc", r.SSCC, v)
				case k == "data":
					check("data", r.Data, v)
				case k == "gln":
					var gs []string
					for _, g := range r.GLNs {
						gs = append(gs, g.AI+":"+g.Value)
					}
					check("glns", strings.Join(gs, " "), v)
				case k == "nat":
					var ns []string
					for _, n := range r.National {
						ns = append(ns, n.AI+":"+n.Value)
						if n.Name == "" {
							t.Errorf("national number %s has no name", n.AI)
						}
					}
					check("national", strings.Join(ns, " "), v)
				case k == "cn":
					if r.CN == nil {
						t.Errorf("no CN code")
						break
					}
					check("cn", r.CN.Product+"/"+r.CN.Serial+"/"+r.CN.Check, v)
				case k == "ppn":
					if r.PPN == nil {
						t.Errorf("no PPN")
						break
					}
					check("ppn", r.PPN.AgencyCode+"/"+r.PPN.ProductNumber+"/"+r.PPN.CheckDigits, v)
				case k == "pos":
					c, n, _ := strings.Cut(v, "@")
					var ps []string
					for _, q := range r.Problems {
						if string(q.Code) == c {
							ps = append(ps, strconv.Itoa(q.Pos))
						}
					}
					check("positions of "+c, strings.Join(ps, ","), n)
				case k == "expired" || k == "notexpired":
					if r.Expired != (k == "expired") {
						t.Errorf("Expired = %v", r.Expired)
					}
				case k == "dayunspec":
					if r.Expiry == nil || !r.Expiry.DayUnspecified {
						t.Errorf("expiry day 00 not reported")
					}
				case k == "class":
					if len(r.Problems) == 0 {
						t.Errorf("no problem to classify")
						break
					}
					check("class of first error", ClassName(firstError(r).Code), v)
				case k == "ais":
					var as []string
					for _, e := range r.Elements {
						as = append(as, e.AI)
					}
					check("ais", strings.Join(as, ","), strings.ReplaceAll(v, " ", "_"))
				case k == "dis":
					var ds []string
					for _, d := range r.DataIdentifiers {
						ds = append(ds, d.DI)
					}
					check("data identifiers", strings.Join(ds, ","), v)
				case k == "hri":
					check("hri", strings.Join(r.HRI, "|"), v)
				case k == "es":
					check("element string", r.ElementString, v)
				case k == "dl":
					check("digital link", r.DigitalLink, strings.ReplaceAll(v, " ", "_"))
				case k == "check":
					n, st, _ := strings.Cut(v, ":")
					found := false
					for _, c := range r.Checks {
						if c.Name == n {
							found = true
							check("check "+n, string(c.Status), st)
						}
					}
					if !found {
						t.Errorf("no check %q", n)
					}
				case strings.HasPrefix(a, "note~"):
					want := strings.ReplaceAll(strings.TrimPrefix(a, "note~"), "_", " ")
					found := false
					for _, n := range r.Notes {
						if strings.Contains(n, want) {
							found = true
						}
					}
					if !found {
						t.Errorf("no note containing %q in %q", want, r.Notes)
					}
				default:
					t.Fatalf("unknown assertion %q", a)
				}
			}
			for _, p := range r.Problems {
				if p.Message == "" || p.Code == "" {
					t.Errorf("problem without code or message: %+v", p)
				}
				if p.Pos > len(input) {
					t.Errorf("problem %s at %d, beyond the input (%d bytes)", p.Code, p.Pos, len(input))
				}
			}
		})
	}
}

func firstError(r Result) Problem {
	for _, p := range r.Problems {
		if !p.Warning {
			return p
		}
	}
	return r.Problems[0]
}

func TestParseTooLong(t *testing.T) {
	for _, n := range []int{MaxInputLen + 1, 1 << 20} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			r := Parse([]byte(strings.Repeat("0", n)), Options{Today: testToday})
			if r.Valid || r.Scheme != SchemeUnknown || !r.HasCode(CodeInputTooLong) {
				t.Fatalf("got %s", describe(r))
			}
			if !errors.Is(r.Err(), ErrNotPackCode) {
				t.Errorf("Err() = %v, want ErrNotPackCode", r.Err())
			}
		})
	}
	t.Run("at-limit", func(t *testing.T) {
		r := Parse([]byte(strings.Repeat("x", MaxInputLen)), Options{Today: testToday})
		if r.HasCode(CodeInputTooLong) {
			t.Fatalf("input of exactly MaxInputLen rejected as too long")
		}
	})
}

func TestProblemsCapped(t *testing.T) {
	r := Parse([]byte(strings.Repeat("\x1d", MaxInputLen)), Options{Today: testToday})
	if len(r.Problems) != MaxProblems+1 {
		t.Fatalf("%d problems, want %d", len(r.Problems), MaxProblems+1)
	}
	last := r.Problems[MaxProblems]
	if last.Code != CodeMoreProblems || !last.Warning || r.Valid {
		t.Errorf("last problem %+v, valid %v", last, r.Valid)
	}
	if !strings.Contains(last.Message, "more problems") {
		t.Errorf("summary message %q", last.Message)
	}
	// Every GS after the first one is a problem; the listed ones and the
	// omitted count must add up to all of them, not stop at gs1's own cap.
	if got, want := MaxProblems+last.Omitted, MaxInputLen-1; got != want {
		t.Errorf("listed+omitted = %d, want %d (message %q)", got, want, last.Message)
	}
}

func TestErrClasses(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  error
		not   []error
	}{
		{"not-a-code", "hello", ErrNotPackCode, []error{ErrCheckDigit, ErrDamaged, ErrInvalid}},
		{"check-digit", "]d20109506000134353", ErrCheckDigit, []error{ErrNotPackCode, ErrDamaged}},
		{"damaged", "]d2010950600013", ErrDamaged, []error{ErrNotPackCode, ErrCheckDigit}},
		{"rule", "]d210ABC", ErrInvalid, []error{ErrNotPackCode, ErrCheckDigit, ErrDamaged}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Parse([]byte(tc.input), Options{Today: testToday}).Err()
			if !errors.Is(err, tc.want) {
				t.Errorf("Err() = %v, want %v", err, tc.want)
			}
			for _, n := range tc.not {
				if errors.Is(err, n) {
					t.Errorf("Err() = %v is also %v", err, n)
				}
			}
		})
	}
	if err := Parse([]byte("]d20109506000134352"), Options{Today: testToday}).Err(); err != nil {
		t.Errorf("valid code: Err() = %v", err)
	}
}

func TestPPNCheckDigits(t *testing.T) {
	tests := []struct{ body, want string }{
		{"1103752864", "14"}, // IFA's published example PPN 110375286414
		{"1112345678", "42"},
		{"11", "51"}, // 49*2 + 49*3 = 245; 245 mod 97 = 51
		{"1A", "02"}, // 49*2 + 65*3 = 293; 293 mod 97 = 2: two digits with a leading zero
	}
	for _, tc := range tests {
		t.Run(tc.body, func(t *testing.T) {
			got, ok := PPNCheckDigits(tc.body)
			if !ok || got != tc.want {
				t.Errorf("PPNCheckDigits(%q) = %q, %v; want %q", tc.body, got, ok, tc.want)
			}
		})
	}
	for _, bad := range []string{"", "11a", "11-3"} {
		t.Run("bad-"+bad, func(t *testing.T) {
			if _, ok := PPNCheckDigits(bad); ok {
				t.Errorf("PPNCheckDigits(%q) accepted", bad)
			}
		})
	}
}

func TestPZNCheckDigit(t *testing.T) {
	tests := []struct {
		pzn  string
		want bool
	}{
		{"03752864", true},
		{"12345678", true},
		{"12345670", false},
		{"03752865", false},
		{"0375286", false},  // PZN7: 0*2+3*3+7*4+5*5+2*6+8*7 = 130, 130 mod 11 = 9
		{"0375289", true},   // the same PZN7 with check digit 9
		{"1000000", false},  // too short for PZN8, PZN7 sum 2 -> 2
		{"12345", false},    // wrong length
		{"1234567A", false}, // not digits
		{"00000100", false}, // 1*6 = 6, not 0
	}
	for _, tc := range tests {
		t.Run(tc.pzn, func(t *testing.T) {
			if got := PZNCheckDigitOK(tc.pzn); got != tc.want {
				t.Errorf("PZNCheckDigitOK(%q) = %v, want %v", tc.pzn, got, tc.want)
			}
		})
	}
}

func TestValidGSSubstitute(t *testing.T) {
	tests := []struct {
		c  byte
		ok bool
	}{
		{0, true}, {'~', true}, {'^', true}, {'|', true}, {'#', true}, {0x1c, true}, {gs, true},
		{'A', false}, {'z', false}, {'5', false}, {' ', false}, {rs, false}, {eot, false}, {'\n', false}, {0xe8, false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("0x%02x", tc.c), func(t *testing.T) {
			if err := ValidGSSubstitute(tc.c); (err == nil) != tc.ok {
				t.Errorf("ValidGSSubstitute(%q) = %v, want ok=%v", tc.c, err, tc.ok)
			}
		})
	}
}

func TestParseDoesNotKeepInput(t *testing.T) {
	in := []byte("]d20109506000134352")
	r := Parse(in, Options{Today: testToday})
	copy(in, "XXXXXXXXXXXXXXXXXXX")
	if r.GTIN != "09506000134352" {
		t.Fatalf("result changed with the input buffer: %q", r.GTIN)
	}
}

func TestExpandUPCE(t *testing.T) {
	tests := []struct{ upce, upcA string }{
		{"01234505", "012000003455"}, // last digit 0-2: maker d1 d2 d6 0 0, item 0 0 d3 d4 d5
		{"01234515", "012100003455"},
		{"11234525", "112200003455"},
		{"01234535", "012300000455"}, // 3: maker d1 d2 d3 0 0, item 0 0 0 d4 d5
		{"01234545", "012340000055"}, // 4: maker d1 d2 d3 d4 0, item 0 0 0 0 d5
		{"01234575", "012345000075"}, // 5-9: maker d1-d5, item 0 0 0 0 d6
		{"00123457", "001234000057"},
	}
	for _, tc := range tests {
		t.Run(tc.upce, func(t *testing.T) {
			got, ok := expandUPCE(tc.upce)
			if !ok || got != tc.upcA {
				t.Fatalf("expandUPCE(%q) = %q, %v; want %q", tc.upce, got, ok, tc.upcA)
			}
			if !upcECompressible(got) {
				t.Errorf("upcECompressible(%q) = false for an expanded UPC-E", got)
			}
		})
	}
	for _, bad := range []string{"21234505", "0123450", "0123450A"} {
		t.Run("bad-"+bad, func(t *testing.T) {
			if got, ok := expandUPCE(bad); ok {
				t.Errorf("expandUPCE(%q) = %q, want refusal", bad, got)
			}
		})
	}
}

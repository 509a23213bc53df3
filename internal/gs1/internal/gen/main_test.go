package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestParseDictionary(t *testing.T) {
	f, err := os.Open("testdata/mini.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	entries, err := parseDictionary(f)
	if err != nil {
		t.Fatal(err)
	}
	var ais []string
	for _, e := range entries {
		ais = append(ais, e.ai)
	}
	if got := strings.Join(ais, " "); got != "01 10 3100 3101 3102 7007 8110 91 92" {
		t.Fatalf("AIs %q", got)
	}
	tests := []struct {
		name  string
		i     int
		check func(e entry) bool
	}{
		{"flags-and-keys", 0, func(e entry) bool {
			return e.flags == "*?" && e.title == "GTIN" && e.dlpkey && len(e.dlquals) == 2 &&
				strings.Join(e.dlquals[0], ",") == "22,10,21" && strings.Join(e.ex, ",") == "255,37" &&
				len(e.components) == 1 && e.components[0].min == 14 && e.components[0].max == 14 &&
				strings.Join(e.components[0].linters, ",") == "csum,gcppos2"
		}},
		{"variable-length", 1, func(e entry) bool {
			c := e.components[0]
			return c.charset == 'X' && c.min == 1 && c.max == 20 && len(e.req) == 1 && len(e.req[0]) == 2
		}},
		{"range-copies-attributes", 4, func(e entry) bool { return e.ai == "3102" && e.title == "NET WEIGHT (kg)" && e.ex[0] == "310n" }},
		{"optional-component", 5, func(e entry) bool {
			return len(e.components) == 2 && e.components[1].optional && e.req[0][0][0] == "01" && e.req[0][0][1] == "21"
		}},
		{"no-title", 6, func(e entry) bool { return e.title == "" && e.components[0].linters[0] == "couponcode" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.check(entries[tc.i]) {
				t.Errorf("entry %+v", entries[tc.i])
			}
		})
	}
}

func TestParseDictionaryErrors(t *testing.T) {
	tests := []struct{ name, line string }{
		{"bad-ai", "1A  * N2  # X"},
		{"bad-range", "3105-3100  N6  # X"},
		{"bad-type", "01  Q14  # X"},
		{"bad-length", "01  N..0  # X"},
		{"variable-not-last", "01  N..5 N2  # X"},
		{"mandatory-after-optional", "01  N2 [N2] N2  # X"},
		{"unknown-attribute", "01  N2 foo=bar  # X"},
		{"component-after-attribute", "01  N2 req=01 N2  # X"},
		{"duplicate", "01  N2  # X\n01  N2  # Y"},
		{"out-of-order", "10  N2  # X\n01  N2  # Y"},
		{"empty", "# nothing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := parseDictionary(strings.NewReader(tc.line + "\n")); err == nil {
				t.Errorf("no error for %q", tc.line)
			}
		})
	}
}

// TestGeneratedTableIsFresh checks that the committed aitable_gen.go is what
// the generator makes from the GS1 dictionary beside the project (skipped
// when that is absent).
func TestGeneratedTableIsFresh(t *testing.T) {
	const dict = "../../../../../shared/gs1/gs1-syntax-dictionary.txt"
	f, err := os.Open(dict)
	if err != nil {
		t.Skipf("GS1 dictionary not available (%v); skipping", err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	entries, err := parseDictionary(f)
	if err != nil {
		t.Fatal(err)
	}
	want, err := render("gs1", entries)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../aitable_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("aitable_gen.go is stale: run go generate in internal/gs1")
	}
	if n := strings.Count(string(got), "{AI: "); n != len(entries) || n < 500 {
		t.Errorf("generated %d entries for %d dictionary AIs", n, len(entries))
	}
}

func TestDLSequences(t *testing.T) {
	tests := []struct {
		name  string
		ai    string
		quals [][]string
		want  string
	}{
		{"key alone", "00", nil, "00"},
		{"one alternative", "414", [][]string{{"254"}, {"7040"}}, "414|414 254|414 7040"},
		{"subsets sorted by joined AIs", "01", [][]string{{"22", "10", "21"}, {"235"}},
			"01|01 10|01 10 21|01 21|01 22|01 22 10|01 22 10 21|01 22 21|01 235"},
		{"shared subsets once", "8003", [][]string{{"21", "10"}, {"21"}}, "8003|8003 10|8003 21|8003 21 10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, s := range dlSequences(tc.ai, tc.quals) {
				got = append(got, strings.Join(s, " "))
			}
			if g := strings.Join(got, "|"); g != tc.want {
				t.Errorf("got %s\nwant %s", g, tc.want)
			}
		})
	}
}

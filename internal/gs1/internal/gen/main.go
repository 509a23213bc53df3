// Command gen reads the GS1 Barcode Syntax Dictionary and writes the Go AI
// table used by package gs1 (aitable_gen.go). It is run by go generate in
// internal/gs1; the generated file is committed so that the package builds
// without the dictionary.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
)

func main() {
	dict := flag.String("dict", "../../../shared/gs1/gs1-syntax-dictionary.txt", "path of the GS1 Barcode Syntax Dictionary")
	out := flag.String("out", "aitable_gen.go", "output Go file")
	pkg := flag.String("pkg", "gs1", "package name of the output file")
	flag.Parse()
	if err := run(*dict, *out, *pkg); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dictPath, outPath, pkg string) error {
	f, err := os.Open(dictPath)
	if err != nil {
		return fmt.Errorf("open dictionary: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	entries, err := parseDictionary(f)
	if err != nil {
		return fmt.Errorf("parse %s: %w", dictPath, err)
	}
	src, err := render(pkg, entries)
	if err != nil {
		return err
	}
	if err := os.WriteFile(outPath, src, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", outPath, err)
	}
	return nil
}

type component struct {
	charset  byte // 'N', 'X', 'Y', 'Z'
	min, max int
	optional bool
	linters  []string
}

type entry struct {
	ai         string
	flags      string
	title      string
	components []component
	req        [][][]string
	ex         []string
	dlpkey     bool
	dlquals    [][]string
	attrs      string
}

const flagChars = "*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~"

// parseDictionary parses the dictionary's entry lines; comments and blank
// lines are skipped. AI ranges ("3100-3105") are expanded to one entry per AI.
func parseDictionary(r io.Reader) ([]entry, error) {
	var out []entry
	sc := bufio.NewScanner(r)
	line := 0
	seen := map[string]bool{}
	for sc.Scan() {
		line++
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		title := ""
		if i := strings.IndexByte(text, '#'); i >= 0 {
			title = strings.TrimSpace(text[i+1:])
			text = text[:i]
		}
		fields := strings.Fields(text)
		if len(fields) < 2 {
			return nil, fmt.Errorf("line %d: too few fields", line)
		}
		ais, err := expandRange(fields[0])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		fields = fields[1:]
		flags := ""
		if strings.Trim(fields[0], flagChars) == "" {
			flags = fields[0]
			fields = fields[1:]
		}
		var e entry
		e.flags = flags
		e.title = title
		var attrs []string
		for _, fld := range fields {
			if strings.Contains(fld, "=") || fld == "dlpkey" {
				attrs = append(attrs, fld)
				continue
			}
			if len(attrs) > 0 {
				return nil, fmt.Errorf("line %d: component %q after attributes", line, fld)
			}
			c, err := parseComponent(fld)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", line, err)
			}
			if n := len(e.components); n > 0 {
				prev := e.components[n-1]
				if prev.min != prev.max && !prev.optional {
					return nil, fmt.Errorf("line %d: only the final component may have variable length", line)
				}
				if prev.optional && !c.optional {
					return nil, fmt.Errorf("line %d: mandatory component after optional one", line)
				}
			}
			e.components = append(e.components, c)
		}
		if len(e.components) == 0 {
			return nil, fmt.Errorf("line %d: no components", line)
		}
		e.attrs = strings.Join(attrs, " ")
		for _, a := range attrs {
			key, val, _ := strings.Cut(a, "=")
			switch key {
			case "req":
				var alts [][]string
				for _, alt := range strings.Split(val, ",") {
					alts = append(alts, strings.Split(alt, "+"))
				}
				e.req = append(e.req, alts)
			case "ex":
				e.ex = append(e.ex, strings.Split(val, ",")...)
			case "dlpkey":
				e.dlpkey = true
				if val != "" {
					for _, alt := range strings.Split(val, "|") {
						e.dlquals = append(e.dlquals, strings.Split(alt, ","))
					}
				}
			default:
				return nil, fmt.Errorf("line %d: unknown attribute %q", line, key)
			}
		}
		for _, ai := range ais {
			if seen[ai] {
				return nil, fmt.Errorf("line %d: AI %s defined twice", line, ai)
			}
			seen[ai] = true
			ee := e
			ee.ai = ai
			out = append(out, ee)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("no entries")
	}
	for i := 1; i < len(out); i++ {
		if out[i-1].ai >= out[i].ai {
			return nil, fmt.Errorf("entries not in lexical order: %s before %s", out[i-1].ai, out[i].ai)
		}
	}
	return out, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func expandRange(s string) ([]string, error) {
	lo, hi, isRange := strings.Cut(s, "-")
	if !isDigits(lo) || len(lo) < 2 || len(lo) > 4 {
		return nil, fmt.Errorf("bad AI %q", s)
	}
	if !isRange {
		return []string{lo}, nil
	}
	if !isDigits(hi) || len(hi) != len(lo) || hi < lo {
		return nil, fmt.Errorf("bad AI range %q", s)
	}
	a, _ := strconv.Atoi(lo)
	b, _ := strconv.Atoi(hi)
	var out []string
	for n := a; n <= b; n++ {
		out = append(out, fmt.Sprintf("%0*d", len(lo), n))
	}
	return out, nil
}

func parseComponent(s string) (component, error) {
	var c component
	spec, linters, _ := strings.Cut(s, ",")
	if strings.HasPrefix(spec, "[") {
		if !strings.HasSuffix(spec, "]") {
			return c, fmt.Errorf("bad optional component %q", s)
		}
		c.optional = true
		spec = spec[1 : len(spec)-1]
	}
	if len(spec) < 2 || !strings.ContainsRune("NXYZ", rune(spec[0])) {
		return c, fmt.Errorf("bad component type %q", s)
	}
	c.charset = spec[0]
	l := spec[1:]
	if strings.HasPrefix(l, "..") {
		n, err := strconv.Atoi(l[2:])
		if err != nil || n < 1 {
			return c, fmt.Errorf("bad component length %q", s)
		}
		c.min, c.max = 1, n
	} else {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 {
			return c, fmt.Errorf("bad component length %q", s)
		}
		c.min, c.max = n, n
	}
	if linters != "" {
		c.linters = strings.Split(linters, ",")
		for _, ln := range c.linters {
			if ln == "" {
				return c, fmt.Errorf("empty linter name in %q", s)
			}
		}
	}
	return c, nil
}

// dlSequences lists every valid Digital Link path AI sequence starting with
// the primary key ai: the key alone and, for each qualifier alternative,
// every ordered subset, deduplicated and sorted as GS1's engine sorts them
// (by the space-joined AIs). Package gs1 picks the path for a URI from this
// list, so it is computed here once rather than on every call.
func dlSequences(ai string, quals [][]string) [][]string {
	type seq struct {
		sortKey string
		ais     []string
	}
	all := []seq{{ai, []string{ai}}}
	for _, alt := range quals {
		n := len(alt)
		for mask := 1; mask < 1<<n; mask++ {
			ais := []string{ai}
			for i := 0; i < n; i++ {
				if mask&(1<<i) != 0 {
					ais = append(ais, alt[i])
				}
			}
			all = append(all, seq{strings.Join(ais, " "), ais})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].sortKey < all[j].sortKey })
	out := make([][]string, 0, len(all))
	for i, sq := range all {
		if i > 0 && sq.sortKey == all[i-1].sortKey {
			continue
		}
		out = append(out, sq.ais)
	}
	return out
}

func render(pkg string, entries []entry) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by internal/gs1/internal/gen from the GS1 Barcode Syntax Dictionary; DO NOT EDIT.\n\n")
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	fmt.Fprintf(&b, "// aiTable holds one entry per AI, sorted by AI. It is read-only.\n")
	fmt.Fprintf(&b, "var aiTable = [...]Entry{\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "\t{AI: %q, Title: %q, Flags: %q", e.ai, e.title, e.flags)
		if strings.Contains(e.flags, "*") {
			fmt.Fprintf(&b, ", Fixed: true")
		}
		if strings.Contains(e.flags, "?") {
			fmt.Fprintf(&b, ", DLAttr: true")
		}
		fmt.Fprintf(&b, ", Components: []Component{")
		for i, c := range e.components {
			if i > 0 {
				b.WriteString(", ")
			}
			cs := map[byte]string{'N': "Numeric", 'X': "CSet82", 'Y': "CSet39", 'Z': "CSet64"}[c.charset]
			fmt.Fprintf(&b, "{Charset: %s, Min: %d, Max: %d", cs, c.min, c.max)
			if c.optional {
				b.WriteString(", Optional: true")
			}
			if len(c.linters) > 0 {
				fmt.Fprintf(&b, ", Linters: %#v", c.linters)
			}
			b.WriteString("}")
		}
		b.WriteString("}")
		if len(e.req) > 0 {
			fmt.Fprintf(&b, ", Req: %#v", e.req)
		}
		if len(e.ex) > 0 {
			fmt.Fprintf(&b, ", Ex: %#v", e.ex)
		}
		if e.dlpkey {
			b.WriteString(", DLPKey: true")
		}
		if len(e.dlquals) > 0 {
			fmt.Fprintf(&b, ", DLQualifiers: %#v", e.dlquals)
		}
		if e.dlpkey {
			fmt.Fprintf(&b, ", dlSeqs: %#v", dlSequences(e.ai, e.dlquals))
		}
		if e.attrs != "" {
			fmt.Fprintf(&b, ", Attrs: %q", e.attrs)
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n\n")
	b.WriteString("// aiIndex returns the index of an AI in aiTable, or -1.\n")
	b.WriteString("func aiIndex(ai string) int {\n\tswitch ai {\n")
	for i, e := range entries {
		fmt.Fprintf(&b, "\tcase %q:\n\t\treturn %d\n", e.ai, i)
	}
	b.WriteString("\t}\n\treturn -1\n}\n\n")
	b.WriteString("// aiLenByPrefix returns the length shared by every AI starting with the\n")
	b.WriteString("// two digits p, or 0 if no AI starts with them.\n")
	b.WriteString("func aiLenByPrefix(p string) int {\n\tswitch p {\n")
	byLen := map[int][]string{}
	seenPrefix := map[string]int{}
	var order []int
	for _, e := range entries {
		pfx := e.ai[:2]
		if n, ok := seenPrefix[pfx]; ok {
			if n != len(e.ai) {
				return nil, fmt.Errorf("AIs starting %s have different lengths", pfx)
			}
			continue
		}
		seenPrefix[pfx] = len(e.ai)
		if _, ok := byLen[len(e.ai)]; !ok {
			order = append(order, len(e.ai))
		}
		byLen[len(e.ai)] = append(byLen[len(e.ai)], fmt.Sprintf("%q", pfx))
	}
	for _, n := range order {
		fmt.Fprintf(&b, "\tcase %s:\n\t\treturn %d\n", strings.Join(byLen[n], ", "), n)
	}
	b.WriteString("\t}\n\treturn 0\n}\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format generated source: %w", err)
	}
	return src, nil
}

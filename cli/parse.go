package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/medtrace/medtrace/internal/packcode"
)

// errBadEscape is returned by unescape for a malformed \x escape.
var errBadEscape = errors.New("bad escape")

const parseUsage = `Usage: medtrace parse [--json] [--gs-substitute C] CODE|-

Reads one pack code and says what it is: GS1 element strings (with or
without a symbology identifier such as ]d2), the bracketed form
(01)...(21)..., GS1 Digital Link URIs, China's 20-digit drug code,
ISO/IEC 15434 envelopes (format 05 GS1, format 06 IFA PPN), EAN/UPC,
ITF-14 and Code 39 PZN.

CODE may contain \xHH escapes (\x1d is GS, \x1e RS, \x04 EOT) and \\ for
a backslash; any other backslash is kept as is (so "\(" reaches the
bracketed parser). With "-" the codes are read from standard input, one
per line, as raw bytes (no escapes); CR before LF and empty lines are
ignored.

Exit status: 0 every code is valid, 1 a code is invalid (or no code on
standard input), 2 usage error, 3 standard input could not be read.

Options:
`

// runParse implements "medtrace parse".
func runParse(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("parse", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	jsonOut := fs.Bool("json", false, "print one JSON object per code")
	sub := fs.String("gs-substitute", "", "the character your scanner sends instead of GS (e.g. ~ ^ |); escapes allowed")
	fs.Usage = func() {
		fmt.Fprint(sio.Stderr, parseUsage)
		fs.PrintDefaults()
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return ExitOK
			}
			return ExitUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
		if pos[len(pos)-1] == "--" {
			pos = append(pos[:len(pos)-1], args...)
			break
		}
	}
	if len(pos) != 1 {
		fmt.Fprintf(sio.Stderr, "medtrace parse: want exactly one CODE or -, got %d arguments (see 'medtrace parse -h')\n", len(pos))
		return ExitUsage
	}
	opt := packcode.Options{}
	if *sub != "" {
		b, err := unescape(*sub)
		if err != nil || len(b) != 1 {
			fmt.Fprintf(sio.Stderr, "medtrace parse: --gs-substitute must be one character, got %q\n", *sub)
			return ExitUsage
		}
		if err := packcode.ValidGSSubstitute(b[0]); err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace parse: --gs-substitute: %v\n", err)
			return ExitUsage
		}
		opt.GSSubstitute = b[0]
	}
	out := bufio.NewWriter(sio.Stdout)
	code := parseCodes(ctx, sio, out, pos[0], opt, *jsonOut)
	if err := out.Flush(); err != nil && code != ExitIO {
		return printStoreErr(sio, "parse", fmt.Errorf("write the answer: %w", err))
	}
	return code
}

// parseCodes reports the code arg, or every line of standard input for
// "-", to out and returns the exit code.
func parseCodes(ctx context.Context, sio IO, out io.Writer, arg string, opt packcode.Options, jsonOut bool) int {
	if arg != "-" {
		raw, err := unescape(arg)
		if err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace parse: %v\n", err)
			return ExitUsage
		}
		return report(out, packcode.Parse(raw, opt), jsonOut)
	}
	code, n := ExitOK, 0
	err := eachLine(ctx, sio.Stdin, packcode.MaxInputLen, func(line []byte) error {
		if n > 0 && !jsonOut {
			fmt.Fprintln(out)
		}
		n++
		if report(out, packcode.Parse(line, opt), jsonOut) != ExitOK {
			code = ExitInvalid
		}
		return nil
	})
	if err != nil {
		return printStoreErr(sio, "parse", fmt.Errorf("reading standard input: %w", err))
	}
	if n == 0 {
		fmt.Fprintln(sio.Stderr, "medtrace parse: no code on standard input")
		return ExitInvalid
	}
	return code
}

// eachLine calls fn with every non-empty line of r, without its CR LF. A
// line longer than limit is passed on cut to limit+1 bytes (so the parser
// reports it as too long) and the rest of it is skipped, keeping memory
// bounded.
func eachLine(ctx context.Context, r io.Reader, limit int, fn func([]byte) error) error {
	br := bufio.NewReaderSize(r, 64*1024)
	var line []byte
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk, err := br.ReadSlice('\n')
		if len(line) <= limit {
			keep := min(len(chunk), limit+1-len(line))
			line = append(line, chunk[:keep]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		trimmed := line
		for len(trimmed) > 0 && (trimmed[len(trimmed)-1] == '\n' || trimmed[len(trimmed)-1] == '\r') {
			trimmed = trimmed[:len(trimmed)-1]
		}
		if len(trimmed) > 0 {
			if ferr := fn(trimmed); ferr != nil {
				return ferr
			}
		}
		line = line[:0]
		if err != nil {
			return nil
		}
	}
}

// unescape decodes \xHH and \\ in a command-line code. Any other backslash
// is kept.
func unescape(s string) ([]byte, error) {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b = append(b, s[i])
			continue
		}
		switch s[i+1] {
		case '\\':
			b = append(b, '\\')
			i++
		case 'x':
			if i+4 > len(s) {
				return nil, fmt.Errorf("%w at byte %d: \\x needs two hex digits", errBadEscape, i)
			}
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("%w at byte %d: %q is not \\x and two hex digits", errBadEscape, i, s[i:i+4])
			}
			b = append(b, byte(v))
			i += 3
		default:
			b = append(b, '\\')
		}
	}
	return b, nil
}

// parseJSON is the JSON form of a parse result.
type parseJSON struct {
	Valid         bool           `json:"valid"`
	Scheme        string         `json:"scheme"`
	Form          string         `json:"form"`
	Symbology     *symbologyJSON `json:"symbology"`
	GTIN          string         `json:"gtin"`
	Serial        string         `json:"serial"`
	Batch         string         `json:"batch"`
	Expiry        *string        `json:"expiry"`
	ExpiryRaw     string         `json:"expiry_raw,omitempty"`
	ExpiryDay00   bool           `json:"expiry_day_unspecified,omitempty"`
	Expired       bool           `json:"expired"`
	SSCC          string         `json:"sscc"`
	GLNs          []aiValueJSON  `json:"glns"`
	National      []nationalJSON `json:"national_numbers"`
	PZN           string         `json:"pzn,omitempty"`
	AIs           []aiValueJSON  `json:"ais"`
	DIs           []aiValueJSON  `json:"data_identifiers,omitempty"`
	CN            *cnJSON        `json:"cn_drugcode,omitempty"`
	PPN           *ppnJSON       `json:"ppn,omitempty"`
	HRI           []string       `json:"hri"`
	ElementString string         `json:"element_string"`
	DigitalLink   string         `json:"digital_link"`
	Errors        []problemJSON  `json:"errors"`
	Warnings      []problemJSON  `json:"warnings"`
	Checks        []checkJSON    `json:"checks"`
	Notes         []string       `json:"notes"`
}

type cnJSON struct {
	Code    string `json:"code"`
	Product string `json:"product"`
	Serial  string `json:"serial"`
	Check   string `json:"check"`
}

type ppnJSON struct {
	Value         string `json:"value"`
	AgencyCode    string `json:"agency_code"`
	ProductNumber string `json:"product_number"`
	CheckDigits   string `json:"check_digits"`
}

type symbologyJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	GS1  bool   `json:"gs1"`
}

type aiValueJSON struct {
	AI    string `json:"ai"`
	Title string `json:"title,omitempty"`
	Value string `json:"value"`
}

type nationalJSON struct {
	AI      string `json:"ai"`
	Name    string `json:"name"`
	Country string `json:"country,omitempty"`
	Value   string `json:"value"`
}

type problemJSON struct {
	AI      string `json:"ai"`
	Code    string `json:"code"`
	Class   string `json:"class"`
	Pos     int    `json:"pos"`
	Message string `json:"message"`
}

type checkJSON struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	Detail string `json:"detail"`
}

func toJSON(r packcode.Result) parseJSON {
	j := parseJSON{
		Valid: r.Valid, Scheme: string(r.Scheme), Form: string(r.Form),
		Expired: r.Expired, GTIN: r.GTIN, Serial: r.Serial, Batch: r.Batch, SSCC: r.SSCC, PZN: r.PZN,
		GLNs: []aiValueJSON{}, National: []nationalJSON{}, AIs: []aiValueJSON{},
		HRI: r.HRI, ElementString: r.ElementString, DigitalLink: r.DigitalLink,
		Errors: []problemJSON{}, Warnings: []problemJSON{}, Checks: []checkJSON{}, Notes: r.Notes,
	}
	if j.HRI == nil {
		j.HRI = []string{}
	}
	if j.Notes == nil {
		j.Notes = []string{}
	}
	if c := r.CN; c != nil {
		j.CN = &cnJSON{Code: c.Code, Product: c.Product, Serial: c.Serial, Check: c.Check}
	}
	if p := r.PPN; p != nil {
		j.PPN = &ppnJSON{Value: p.Value, AgencyCode: p.AgencyCode, ProductNumber: p.ProductNumber, CheckDigits: p.CheckDigits}
	}
	if r.Symbology.ID != "" {
		j.Symbology = &symbologyJSON{ID: r.Symbology.ID, Name: r.Symbology.Name, GS1: r.Symbology.GS1}
	}
	if r.Expiry != nil {
		s := r.Expiry.String()
		j.Expiry, j.ExpiryRaw, j.ExpiryDay00 = &s, r.Expiry.Raw, r.Expiry.DayUnspecified
	}
	for _, g := range r.GLNs {
		j.GLNs = append(j.GLNs, aiValueJSON{AI: g.AI, Title: g.Title, Value: g.Value})
	}
	for _, n := range r.National {
		j.National = append(j.National, nationalJSON{AI: n.AI, Name: n.Name, Country: n.Country, Value: n.Value})
	}
	for _, e := range r.Elements {
		j.AIs = append(j.AIs, aiValueJSON{AI: e.AI, Title: e.Title, Value: e.Value})
	}
	for _, d := range r.DataIdentifiers {
		j.DIs = append(j.DIs, aiValueJSON{AI: d.DI, Title: d.Title, Value: d.Value})
	}
	for _, p := range r.Problems {
		pj := problemJSON{AI: p.AI, Code: string(p.Code), Class: packcode.ClassName(p.Code), Pos: p.Pos, Message: p.Message}
		if p.Warning {
			j.Warnings = append(j.Warnings, pj)
		} else {
			j.Errors = append(j.Errors, pj)
		}
	}
	for _, c := range r.Checks {
		j.Checks = append(j.Checks, checkJSON{Name: c.Name, Status: string(c.Status), Detail: c.Detail})
	}
	return j
}

// report prints one result and returns its exit code.
func report(w io.Writer, r packcode.Result, asJSON bool) int {
	if asJSON {
		b, err := json.Marshal(toJSON(r))
		if err != nil { // cannot happen: every field is a plain value
			fmt.Fprintf(w, "{\"valid\":false,\"errors\":[{\"code\":\"internal\",\"message\":%q}]}\n", err.Error())
			return ExitInvalid
		}
		fmt.Fprintf(w, "%s\n", b)
	} else {
		printHuman(w, r)
	}
	if r.Valid {
		return ExitOK
	}
	return ExitInvalid
}

// printable shows control characters as <GS>, <RS>, <EOT> or \xHH.
func printable(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0x1d:
			b.WriteString("<GS>")
		case c == 0x1e:
			b.WriteString("<RS>")
		case c == 0x04:
			b.WriteString("<EOT>")
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\x%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func printHuman(w io.Writer, r packcode.Result) {
	line := func(label, v string) {
		if v != "" {
			fmt.Fprintf(w, "%-15s %s\n", label+":", v)
		}
	}
	verdict := "no"
	if r.Valid {
		verdict = "yes"
	}
	line("Valid", verdict)
	scheme := string(r.Scheme)
	if r.Symbology.ID != "" {
		scheme += fmt.Sprintf(" (%s, %s)", r.Symbology.Name, r.Symbology.ID)
	}
	line("Scheme", scheme)
	line("Form", string(r.Form))
	line("Data", printable(r.Data))
	line("GTIN", r.GTIN)
	line("Serial", printable(r.Serial))
	line("Batch", printable(r.Batch))
	if r.Expiry != nil {
		e := fmt.Sprintf("%s (printed %s)", r.Expiry, r.Expiry.Raw)
		if r.Expiry.DayUnspecified {
			e += ", day 00: end of the month"
		}
		if r.Expired {
			e += ", EXPIRED"
		}
		line("Expiry", e)
	}
	line("SSCC", r.SSCC)
	for _, g := range r.GLNs {
		line("GLN", fmt.Sprintf("(%s) %s: %s", g.AI, g.Title, g.Value))
	}
	for _, n := range r.National {
		v := fmt.Sprintf("(%s) %s", n.AI, n.Name)
		if n.Country != "" {
			v += ", " + n.Country
		}
		line("National no.", v+": "+printable(n.Value))
	}
	line("PZN", r.PZN)
	if r.PPN != nil {
		line("PPN", fmt.Sprintf("%s (agency %s, product %s, check %s)", r.PPN.Value, r.PPN.AgencyCode, r.PPN.ProductNumber, r.PPN.CheckDigits))
	}
	if r.CN != nil {
		line("CN drug code", fmt.Sprintf("%s (product %s, serial %s, check %s)", r.CN.Code, r.CN.Product, r.CN.Serial, r.CN.Check))
	}
	if len(r.Elements) > 0 {
		fmt.Fprintln(w, "AIs:")
		for _, e := range r.Elements {
			fmt.Fprintf(w, "  (%s) %-24s %s\n", e.AI, e.Title, printable(e.Value))
		}
	}
	if len(r.DataIdentifiers) > 0 {
		fmt.Fprintln(w, "Data identifiers:")
		for _, d := range r.DataIdentifiers {
			fmt.Fprintf(w, "  %-4s %-20s %s\n", d.DI, d.Title, printable(d.Value))
		}
	}
	line("HRI", printable(strings.Join(r.HRI, "  ")))
	line("Element string", printable(r.ElementString))
	line("Digital Link", r.DigitalLink)
	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "Problems:")
		for _, p := range r.Problems {
			kind := "error"
			if p.Warning {
				kind = "warning"
			}
			where := ""
			if p.Pos >= 0 {
				where = fmt.Sprintf(" at byte %d", p.Pos)
			}
			fmt.Fprintf(w, "  %s %s%s: %s\n", kind, p.Code, where, p.Message)
		}
	}
	if len(r.Checks) > 0 {
		fmt.Fprintln(w, "Checks:")
		for _, c := range r.Checks {
			fmt.Fprintf(w, "  [%s] %s: %s\n", c.Status, c.Name, c.Detail)
		}
	}
	for _, n := range r.Notes {
		line("Note", n)
	}
}

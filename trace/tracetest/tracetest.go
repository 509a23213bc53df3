// Package tracetest holds what the tests of the trace core, the chaincode
// and the ledger adapter share: the tables in the core's testdata (one state
// machine table run on both sides), the JSON key-path check of the wire
// fixtures, and the EPCIS 2.0 schema. Only tests import it.
package tracetest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Table reads a tab-separated table (lines starting with # are comments),
// failing tb unless every row has columns fields and there are at least
// minRows rows.
func Table(tb testing.TB, path string, columns, minRows int) [][]string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	var out [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		c := strings.Split(line, "\t")
		if len(c) != columns {
			tb.Fatalf("%s: %q has %d columns, want %d", path, line, len(c), columns)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) < minRows {
		tb.Fatalf("%s has %d rows, want at least %d", path, len(out), minRows)
	}
	return out
}

// JSONPaths lists every key path of a JSON document ("results[].status"),
// sorted; the value under a key named "epcis" is opaque.
func JSONPaths(tb testing.TB, b []byte) []string {
	tb.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatal(err)
	}
	var out []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				out = append(out, prefix+k)
				if prefix+k != "epcis" {
					walk(prefix+k+".", e)
				}
			}
		case []any:
			for _, e := range x {
				walk(prefix[:len(prefix)-1]+"[].", e)
			}
		}
	}
	walk("", v)
	slices.Sort(out)
	return slices.Compact(out)
}

// Fill sets every field of v (a pointer) to a non-zero value, recursively;
// a struct type nested in itself (Contents) is left zero the second time.
func Fill(v reflect.Value, stack ...reflect.Type) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		Fill(v.Elem(), stack...)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(time.Time{}) {
			v.Set(reflect.ValueOf(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)))
			return
		}
		if slices.Contains(stack, v.Type()) {
			return
		}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				Fill(v.Field(i), append(stack, v.Type())...)
			}
		}
	case reflect.Slice:
		if v.Type() == reflect.TypeOf(json.RawMessage{}) {
			v.SetBytes([]byte(`{"type":"ObjectEvent"}`))
			return
		}
		s := reflect.MakeSlice(v.Type(), 1, 1)
		Fill(s.Index(0), stack...)
		v.Set(s)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Uint32, reflect.Int32:
		v.Set(reflect.ValueOf(1).Convert(v.Type()))
	}
}

// lookaheadRegexp supports the one construct of the EPCIS schema Go's
// regexp lacks: a leading negative lookahead "^(?!(X))".
type lookaheadRegexp struct {
	src string
	re  *regexp.Regexp
	neg bool
}

func (r *lookaheadRegexp) MatchString(s string) bool { return r.re.MatchString(s) != r.neg }
func (r *lookaheadRegexp) String() string            { return r.src }

func compileLookahead(s string) (jsonschema.Regexp, error) {
	if inner, ok := strings.CutPrefix(s, "^(?!"); ok && strings.HasSuffix(inner, ")") {
		re, err := regexp.Compile("^" + strings.TrimSuffix(inner, ")"))
		return &lookaheadRegexp{s, re, true}, err
	}
	re, err := regexp.Compile(s)
	return &lookaheadRegexp{s, re, false}, err
}

// EPCISSchema compiles the EPCIS 2.0 JSON schema from dir (the shared
// EPCIS data beside the project root, not part of it); nil when dir has no
// schema, so a test can skip or leave the check out, as it says.
func EPCISSchema(tb testing.TB, dir string) *jsonschema.Schema {
	tb.Helper()
	path := filepath.Join(dir, "EPCIS-JSON-Schema.json")
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		tb.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	c.UseRegexpEngine(compileLookahead)
	const url = "https://gs1.github.io/EPCIS/EPCIS-JSON-Schema.json"
	if err := c.AddResource(url, doc); err != nil {
		tb.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		tb.Fatal(err)
	}
	return sch
}

// ValidateEPCIS checks a JSON document against the EPCIS schema.
func ValidateEPCIS(tb testing.TB, sch *jsonschema.Schema, b []byte) error {
	tb.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	return sch.Validate(inst)
}

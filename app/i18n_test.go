package app

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// keyPrefixes are the namespaces of translation keys; string literals that
// start with one of them in the package's code must be translated.
func keyPrefixes() []string {
	return []string{"alert.", "app.", "camera.", "chooser.", "dialog.", "error.", "history.", "insp.", "kind.", "location.", "man.", "notconnected.", "pharm.",
		"problem.", "queue.", "reason.", "report.", "role.", "scan.", "settings.", "tab.", "verdict.", "wh.",
		"clone.", "reg.", "unit.", "status.", "cause."}
}

// usedKeys returns every complete translation key written as a string
// literal in the package's non-test code.
func usedKeys(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keyRE := regexp.MustCompile(`^[a-z]+(\.[a-z-]+)+$`)
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !keyRE.MatchString(s) || strings.HasSuffix(s, ".") {
				return true
			}
			for _, p := range keyPrefixes() {
				if strings.HasPrefix(s, p) {
					seen[s] = true
				}
			}
			return true
		})
	}
	for _, k := range dynamicKeys() {
		seen[k] = true
	}
	// The ledger's reason codes and the parsers' problem codes are
	// translated by code (alertText, problemText): every one must be.
	for _, c := range constStrings(t, filepath.Join("..", "trace", "reasons.go"), "") {
		seen["alert."+c] = true
	}
	for _, f := range []string{filepath.Join("..", "internal", "packcode", "problem.go"), filepath.Join("..", "internal", "gs1", "problems.go")} {
		for _, c := range constStrings(t, f, "Code") {
			seen["problem."+c] = true
		}
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// constStrings returns the values of the string constants declared in
// file (only those of type typ when typ is not ""). It fails the test when
// there are none: the file moved or the scan is broken.
func constStrings(t *testing.T, file, typ string) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			vs := sp.(*ast.ValueSpec)
			if typ != "" {
				id, ok := vs.Type.(*ast.Ident)
				if !ok || id.Name != typ {
					continue
				}
			}
			for _, v := range vs.Values {
				if lit, ok := v.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, err := strconv.Unquote(lit.Value)
					if err == nil {
						out = append(out, s)
					}
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("no string constants in %s", file)
	}
	return out
}

// pluralKeys returns the keys the code translates with trN (in plural
// forms): the literal first arguments of trN calls, and the plural keys the
// code builds at run time.
func pluralKeys(t *testing.T) map[string]bool {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "trN" {
				return true
			}
			if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				keys[s] = true
			}
			return true
		})
	}
	for _, k := range dynamicKeys() {
		if strings.HasPrefix(k, "man.loss.confirm.") || strings.HasPrefix(k, "man.loss.done.") {
			keys[k] = true
		}
	}
	if len(keys) < 10 {
		t.Fatalf("found only %d plural keys: the scan is broken", len(keys))
	}
	return keys
}

// loadTranslations reads a translation file: each key's text, a plural
// key's "other" form standing for it, and each plural key's forms.
func loadTranslations(t *testing.T, name string) (texts map[string]string, plurals map[string]map[string]string) {
	t.Helper()
	data, err := translations.ReadFile("translations/" + name)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]json.RawMessage{}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	texts, plurals = map[string]string{}, map[string]map[string]string{}
	for k, v := range raw {
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			texts[k] = s
			continue
		}
		forms := map[string]string{}
		if err := json.Unmarshal(v, &forms); err != nil {
			t.Fatalf("%s: %q is neither a text nor plural forms: %v", name, k, err)
		}
		plurals[k] = forms
		texts[k] = forms["other"]
	}
	return texts, plurals
}

func TestTranslationsComplete(t *testing.T) {
	used := usedKeys(t)
	if len(used) < 200 {
		t.Fatalf("found only %d keys in the code: the scan is broken", len(used))
	}
	en, _ := loadTranslations(t, "en.json")
	placeholder := regexp.MustCompile(`\{\{\.[A-Za-z]+\}\}`)
	for _, tc := range []struct {
		name string
		file string
	}{{"english", "en.json"}, {"simplified chinese", "zh_Hans.json"}} {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := loadTranslations(t, tc.file)
			for _, k := range used {
				v, ok := m[k]
				if !ok {
					t.Errorf("%s: missing key %q", tc.file, k)
					continue
				}
				if strings.TrimSpace(v) == "" {
					t.Errorf("%s: empty translation for %q", tc.file, k)
				}
				want := placeholder.FindAllString(en[k], -1)
				got := placeholder.FindAllString(v, -1)
				sort.Strings(want)
				sort.Strings(got)
				if strings.Join(want, " ") != strings.Join(got, " ") {
					t.Errorf("%s: %q has placeholders %v, English has %v", tc.file, k, got, want)
				}
			}
			usedSet := map[string]bool{}
			for _, k := range used {
				usedSet[k] = true
			}
			for k := range m {
				if !usedSet[k] {
					t.Errorf("%s: key %q is not used by the code", tc.file, k)
				}
			}
		})
	}
}

func TestChineseIsTranslated(t *testing.T) {
	en, _ := loadTranslations(t, "en.json")
	zh, _ := loadTranslations(t, "zh_Hans.json")
	// Keys whose text is the same in both languages on purpose (codes,
	// acronyms, or nothing but placeholders).
	same := map[string]bool{"settings.mspid": true, "queue.reason": false}
	for k, v := range zh {
		if v == en[k] && !same[k] {
			t.Errorf("zh_Hans.json: %q is the English text %q", k, v)
		}
	}
}

// TestPluralForms checks that every key translated with trN has plural
// forms in both languages ("one" and "other" in English, "other" in
// Chinese, which has no singular form), with the same placeholders, and
// that no key with plural forms is translated with tr, which would always
// pick "other".
func TestPluralForms(t *testing.T) {
	want := pluralKeys(t)
	required := map[string][]string{"en.json": {"one", "other"}, "zh_Hans.json": {"other"}}
	placeholder := regexp.MustCompile(`\{\{\.[A-Za-z]+\}\}`)
	for file, forms := range required {
		t.Run(file, func(t *testing.T) {
			_, plurals := loadTranslations(t, file)
			for k := range want {
				p, ok := plurals[k]
				if !ok {
					t.Errorf("%s: %q is translated with trN but has no plural forms", file, k)
					continue
				}
				for _, f := range forms {
					if strings.TrimSpace(p[f]) == "" {
						t.Errorf("%s: %q has no %q form", file, k, f)
					}
				}
				ph := placeholder.FindAllString(p["other"], -1)
				sort.Strings(ph)
				for f, text := range p {
					got := placeholder.FindAllString(text, -1)
					sort.Strings(got)
					if strings.Join(got, " ") != strings.Join(ph, " ") {
						t.Errorf("%s: %q form %q has placeholders %v, form other has %v", file, k, f, got, ph)
					}
				}
			}
			for k := range plurals {
				if !want[k] && !pluralByOthers[k] {
					t.Errorf("%s: %q has plural forms but the code translates it with tr (always \"other\")", file, k)
				}
			}
		})
	}
}

// pluralByOthers are plural keys translated with trN outside a literal
// first argument (none left: every call site names its key).
var pluralByOthers = map[string]bool{}

// TestSameKeys checks that both languages translate exactly the same keys.
func TestSameKeys(t *testing.T) {
	en, _ := loadTranslations(t, "en.json")
	zh, _ := loadTranslations(t, "zh_Hans.json")
	for k := range en {
		if _, ok := zh[k]; !ok {
			t.Errorf("zh_Hans.json lacks %q", k)
		}
	}
	for k := range zh {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
	}
}

// TestNoLiteralText checks that no text a user sees is written into the
// code as a literal: every literal argument with a letter in it, passed to
// a widget, canvas text, dialog or form, must be a translation key.
func TestNoLiteralText(t *testing.T) {
	visible := map[string]bool{"NewLabel": true, "NewLabelWithStyle": true, "NewButton": true, "NewButtonWithIcon": true,
		"SetText": true, "SetPlaceHolder": true, "NewCheck": true, "NewText": true, "NewFormItem": true, "NewTabItem": true,
		"NewInformation": true, "NewConfirm": true, "NewCustom": true, "NewCustomWithoutButtons": true, "showInfo": true,
		"showConfirm": true, "showErrorDialog": true, "showError": true, "SetTitle": true, "say": true, "feedback": true, "note": true}
	letter := regexp.MustCompile(`\pL`)
	keyRE := regexp.MustCompile(`^[a-z]+(\.[a-z-]+)+$`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var fn string
			switch x := call.Fun.(type) {
			case *ast.Ident:
				fn = x.Name
			case *ast.SelectorExpr:
				fn = x.Sel.Name
			}
			if !visible[fn] {
				return true
			}
			checked++
			for _, a := range call.Args {
				lit, ok := a.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					continue
				}
				s, _ := strconv.Unquote(lit.Value)
				if letter.MatchString(s) && !keyRE.MatchString(s) && s != "MedTrace" {
					t.Errorf("%s: %s(%q): visible text must come from the translations", fset.Position(lit.Pos()), fn, s)
				}
			}
			return true
		})
	}
	if checked < 100 {
		t.Fatalf("checked only %d calls: the scan is broken", checked)
	}
}

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
	return []string{"app.", "camera.", "chooser.", "dialog.", "error.", "history.", "insp.", "kind.", "location.", "notconnected.", "pharm.",
		"queue.", "reason.", "report.", "role.", "scan.", "settings.", "tab.", "verdict.", "wh."}
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
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func loadTranslations(t *testing.T, name string) map[string]string {
	t.Helper()
	data, err := translations.ReadFile("translations/" + name)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestTranslationsComplete(t *testing.T) {
	used := usedKeys(t)
	if len(used) < 200 {
		t.Fatalf("found only %d keys in the code: the scan is broken", len(used))
	}
	en := loadTranslations(t, "en.json")
	placeholder := regexp.MustCompile(`\{\{\.[A-Za-z]+\}\}`)
	for _, tc := range []struct {
		name string
		file string
	}{{"english", "en.json"}, {"simplified chinese", "zh_Hans.json"}} {
		t.Run(tc.name, func(t *testing.T) {
			m := loadTranslations(t, tc.file)
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
	en := loadTranslations(t, "en.json")
	zh := loadTranslations(t, "zh_Hans.json")
	// Keys whose text is the same in both languages on purpose (codes,
	// acronyms, or nothing but placeholders).
	same := map[string]bool{"settings.mspid": true, "queue.reason": false}
	for k, v := range zh {
		if v == en[k] && !same[k] {
			t.Errorf("zh_Hans.json: %q is the English text %q", k, v)
		}
	}
}

package localeenv_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	_ "fyne.io/fyne/v2/lang" // its init looks up the locale

	"github.com/medtrace/medtrace/internal/localeenv"
)

func TestFix(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
		ok   bool
	}{
		{"C.UTF-8", map[string]string{"LANG": "C.UTF-8"}, "en", true},
		{"POSIX with codeset", map[string]string{"LANG": "POSIX.utf8"}, "en", true},
		{"C with modifier", map[string]string{"LANG": "C@euro"}, "en", true},
		{"LC_ALL wins", map[string]string{"LC_ALL": "C.UTF-8", "LANG": "zh_CN.UTF-8"}, "en", true},
		{"LC_ALL real locale", map[string]string{"LC_ALL": "zh_CN.UTF-8", "LANG": "C.UTF-8"}, "", false},
		{"bare C", map[string]string{"LANG": "C"}, "", false},
		{"bare POSIX", map[string]string{"LC_ALL": "POSIX"}, "", false},
		{"LANGUAGE set", map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "zh_CN"}, "", false},
		{"a language", map[string]string{"LANG": "en_GB.UTF-8"}, "", false},
		{"nothing", map[string]string{}, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := localeenv.Fix(func(k string) string { return tc.env[k] })
			if got != tc.want || ok != tc.ok {
				t.Fatalf("got %q %v, want %q %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestNoFyneLocaleNoise runs this test binary, which links Fyne's lang
// package, under each locale and checks that its init printed nothing.
func TestNoFyneLocaleNoise(t *testing.T) {
	if os.Getenv("LOCALEENV_CHILD") == "1" {
		return // the child: the package inits already ran
	}
	for _, loc := range []string{"C.UTF-8", "C", "POSIX.UTF-8", "en_US.UTF-8"} {
		t.Run(loc, func(t *testing.T) {
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run", "^TestNoFyneLocaleNoise$")
			cmd.Env = []string{"LOCALEENV_CHILD=1", "LANG=" + loc, "HOME=" + t.TempDir()}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			if strings.Contains(string(out), "Fyne error") || strings.Contains(string(out), "locale") {
				t.Fatalf("output under LANG=%s:\n%s", loc, out)
			}
		})
	}
}

package app

import (
	"errors"
	"image"
	"image/color"
	"slices"
	"testing"
	"testing/fstest"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// TestAppFontsDrawTranslations checks the start-up script check: with the
// app's fonts every character of every shipped translation can be drawn in
// every checked style (so no translated text depends on the system's
// fonts), and the check names the file, style and characters when a font
// lacks some.
func TestAppFontsDrawTranslations(t *testing.T) {
	useAppFonts()
	app := themeFonts(newTheme(ThemeSystem))
	latinOnly := func(s fyne.TextStyle) []fyne.Resource { return app(s)[:2] }
	custom := fstest.MapFS{
		"tr/en.json": {Data: []byte(`{"a": "Scan\nthe pack — 4,711 · ok"}`)},
		"tr/ko.json": {Data: []byte(`{"a": "약 😀 药", "b": "약"}`)},
	}
	tests := []struct {
		name     string
		fonts    func(fyne.TextStyle) []fyne.Resource
		files    fstest.MapFS // nil: the shipped translations
		only     string
		wantMiss map[string]string // file -> missing characters, in each style
		wantErr  bool              // an error that is not a *ScriptError
	}{
		{name: "shipped translations, app fonts", fonts: app},
		{name: "shipped Chinese, app fonts", fonts: app, only: "zh_Hans.json"},
		{name: "shipped Chinese without the embedded font", fonts: latinOnly, only: "zh_Hans.json",
			wantMiss: map[string]string{"zh_Hans.json": ""}},
		{name: "shipped English without the embedded font", fonts: latinOnly, only: "en.json"},
		{name: "characters no app font has", fonts: app, files: custom,
			wantMiss: map[string]string{"ko.json": "약😀"}},
		{name: "only the file asked for", fonts: app, files: custom, only: "en.json"},
		{name: "malformed translation", fonts: app, files: fstest.MapFS{"tr/x.json": {Data: []byte(`{"a": 1}`)}}, wantErr: true},
		{name: "no translations", fonts: app, files: fstest.MapFS{"tr/readme.txt": {}}, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.files == nil {
				err = checkScripts(tc.fonts, translations, "translations", tc.only)
			} else {
				err = checkScripts(tc.fonts, tc.files, "tr", tc.only)
			}
			if tc.wantErr {
				var se *ScriptError
				if err == nil || errors.As(err, &se) {
					t.Fatalf("err = %v, want a read or parse error", err)
				}
				return
			}
			got := map[string][]*ScriptError{}
			for _, e := range unjoin(err) {
				var se *ScriptError
				if !errors.As(e, &se) {
					t.Fatalf("unexpected error: %v", e)
				}
				got[se.File] = append(got[se.File], se)
			}
			if len(got) != len(tc.wantMiss) {
				t.Fatalf("errors for %d files (%v), want %d", len(got), err, len(tc.wantMiss))
			}
			for file, want := range tc.wantMiss {
				errs := got[file]
				if len(errs) != len(checkStyles) {
					t.Fatalf("%s: %d errors, want one per style (%d): %v", file, len(errs), len(checkStyles), err)
				}
				for _, se := range errs {
					if want != "" && string(se.Missing) != want {
						t.Errorf("%s %s: missing %q, want %q", file, se.Style, string(se.Missing), want)
					}
					if want == "" && !slices.Contains(se.Missing, '药') {
						t.Errorf("%s %s: missing %q, want it to include 药", file, se.Style, string(se.Missing))
					}
					if slices.ContainsFunc(se.Missing, func(r rune) bool { return r < 0x80 }) {
						t.Errorf("%s %s: ASCII reported missing: %q", file, se.Style, string(se.Missing))
					}
				}
			}
		})
	}
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// TestAppFontRendersChinese checks that Fyne parses and draws the embedded
// font: two different characters give two different, inked images (a
// missing glyph draws the same box for both), one em wide each, in regular
// and bold.
func TestAppFontRendersChinese(t *testing.T) {
	useAppFonts()
	for _, tc := range []struct {
		name  string
		style fyne.TextStyle
	}{
		{"regular", fyne.TextStyle{}},
		{"bold", fyne.TextStyle{Bold: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			test.NewTempApp(t)
			if w := fyne.MeasureText("药药药药", 20, tc.style).Width; w != 80 {
				t.Errorf("4 characters at 20 pt measure %v wide, want 80 (Droid Sans Fallback's full-width advance)", w)
			}
			a, b := renderText(t, "药", tc.style), renderText(t, "品", tc.style)
			if ink(a) < 20 || ink(b) < 20 {
				t.Fatalf("ink: %d and %d pixels, want characters drawn", ink(a), ink(b))
			}
			if same(a, b) {
				t.Error("药 and 品 render the same image (a missing-glyph box)")
			}
		})
	}
}

func renderText(t *testing.T, s string, style fyne.TextStyle) image.Image {
	t.Helper()
	txt := canvas.NewText(s, color.Black)
	txt.TextSize = 20
	txt.TextStyle = style
	w := test.NewTempWindow(t, txt)
	w.SetPadded(false)
	w.Resize(fyne.NewSize(40, 40))
	return w.Canvas().Capture()
}

func ink(img image.Image) int {
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r+g+bl < 3*0x8000 {
				n++
			}
		}
	}
	return n
}

func same(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

// TestUseAppFontsKeepsLatin checks that Latin text keeps Fyne's Noto Sans
// (the embedded font has no Latin letters, and comes after it).
func TestUseAppFontsKeepsLatin(t *testing.T) {
	useAppFonts()
	if len(theme.DefaultTextFont().Content()) == len(theme.DefaultEmojiFont().Content()) {
		t.Fatal("the text font and the emoji slot hold fonts of the same size")
	}
	cmaps, err := parseFonts([]fyne.Resource{theme.DefaultEmojiFont()})
	if err != nil {
		t.Fatal(err)
	}
	if m := missingRunes(cmaps, "Aa09药"); string(m) != "Aa09" {
		t.Errorf("the embedded font lacks %q, want exactly the Latin letters and digits", string(m))
	}
}

// BenchmarkCheckScripts measures the start-up check of the app's fonts
// against every shipped translation (two styles, two files).
func BenchmarkCheckScripts(b *testing.B) {
	useAppFonts()
	fonts := themeFonts(newTheme(ThemeSystem))
	b.ReportAllocs()
	for b.Loop() {
		if err := checkScripts(fonts, translations, "translations", ""); err != nil {
			b.Fatal(err)
		}
	}
}

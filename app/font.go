package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"path"
	"slices"
	"strings"
	"sync"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"golang.org/x/image/font/sfnt"

	"github.com/medtrace/medtrace/assets"
)

// installFonts is done once per process, before the first text is measured.
var installFonts sync.Once

// installAndCheckFonts installs the app's fonts (useAppFonts) and, the
// first time, checks that they draw every character of every translation
// with th: the problems are logged as warnings (the text would show
// boxes where the system has no font for them). The check takes a few
// milliseconds and reads only the fonts' character maps.
func installAndCheckFonts(th fyne.Theme) {
	useAppFonts()
	checkFonts.Do(func() {
		if err := checkScripts(themeFonts(th), translations, "translations", ""); err != nil {
			slog.Warn("the app's fonts cannot draw some translated text; it shows as boxes unless a system font has the characters", "err", err)
		}
	})
}

var checkFonts sync.Once

// useAppFonts makes every text style draw Chinese with the embedded font
// (assets.CJKFont, a 1 MB subset of Droid Sans Fallback), whatever fonts
// the system has. Fyne 2.7 draws a character with the first of these fonts
// that has it: the theme's font for the style (Noto Sans, no CJK), Fyne's
// default font for the style, Fyne's bundled emoji font, then the system's
// fonts. The embedded font takes the emoji font's place (Fyne's colour
// emoji font, 4.2 MB, which Fyne parses once per text style: about 4.7 MB
// of heap each, though no MedTrace text has an emoji). So Latin text keeps
// Noto Sans and its metrics, Chinese is drawn with the same glyphs on every
// machine (the golden tests' widths too), and the subset costs about 4.5 MB
// of heap per text style where the emoji font cost 4.7. A character none of
// them has (an emoji typed into a note) is still looked up in the system's
// fonts, and only then. See docs/gui.md, Fonts.
func useAppFonts() {
	installFonts.Do(func() {
		if r, ok := theme.DefaultEmojiFont().(*fyne.StaticResource); ok {
			r.StaticName, r.StaticContent = assets.CJKFontName, assets.CJKFont
		}
	})
}

// ScriptError says that a translation has characters that none of the
// fonts of a text style can draw (they would show as boxes, or depend on
// the system's fonts).
type ScriptError struct {
	File    string // the translation file, e.g. "zh_Hans.json"
	Style   string // "regular" or "bold"
	Missing []rune // the characters, in order, each once
}

func (e *ScriptError) Error() string {
	return fmt.Sprintf("the app's %s fonts cannot draw %d characters of the %s translation: %q",
		e.Style, len(e.Missing), e.File, string(e.Missing))
}

// checkStyles are the text styles translated text is shown in.
var checkStyles = []struct {
	name  string
	style fyne.TextStyle
}{
	{"regular", fyne.TextStyle{}},
	{"bold", fyne.TextStyle{Bold: true}},
}

// styleFonts is what Fyne draws a style with before it asks the system:
// th's font for the style, Fyne's default font for it, and the emoji
// font's place (where useAppFonts puts the Chinese font).
func styleFonts(th fyne.Theme, s fyne.TextStyle) []fyne.Resource {
	def := theme.DefaultTextFont()
	if s.Bold {
		def = theme.DefaultTextBoldFont()
	}
	fonts := []fyne.Resource{th.Font(s), def}
	if e := theme.DefaultEmojiFont(); e != nil {
		fonts = append(fonts, e)
	}
	return fonts
}

// themeFonts returns the fonts Fyne draws each style with under th.
func themeFonts(th fyne.Theme) func(fyne.TextStyle) []fyne.Resource {
	return func(s fyne.TextStyle) []fyne.Resource { return styleFonts(th, s) }
}

// checkLanguageFonts checks the fonts of th against the translation of
// language ("en" or "zh"); the error says which characters are missing.
func checkLanguageFonts(th fyne.Theme, language string) error {
	file := "en.json"
	if language == LangChinese {
		file = "zh_Hans.json"
	}
	return checkScripts(themeFonts(th), translations, "translations", file)
}

// checkScripts reports, for every translation file in dir of files (or
// only the one named only, when not empty), each text style whose fonts
// lack a character of the file: one *ScriptError each, joined. Control
// characters (newlines) are not drawn and are skipped. It reads only the
// fonts' character maps.
func checkScripts(fontsFor func(fyne.TextStyle) []fyne.Resource, files fs.FS, dir, only string) error {
	texts, err := translationTexts(files, dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, st := range checkStyles {
		cmaps, err := parseFonts(fontsFor(st.style))
		if err != nil {
			return err
		}
		for _, t := range texts {
			if only != "" && t.file != only {
				continue
			}
			if missing := missingRunes(cmaps, t.text); len(missing) > 0 {
				errs = append(errs, &ScriptError{File: t.file, Style: st.name, Missing: missing})
			}
		}
	}
	return errors.Join(errs...)
}

// translationText is all the values of one translation file, concatenated.
type translationText struct{ file, text string }

func translationTexts(files fs.FS, dir string) ([]translationText, error) {
	names, err := fs.Glob(files, path.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("list translations: %w", err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no translations in %s", dir)
	}
	var texts []translationText
	for _, n := range names {
		data, err := fs.ReadFile(files, n)
		if err != nil {
			return nil, fmt.Errorf("read translation: %w", err)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("translation %s: %w", path.Base(n), err)
		}
		var b strings.Builder
		for _, k := range slices.Sorted(maps.Keys(m)) {
			var s string
			if err := json.Unmarshal(m[k], &s); err == nil {
				b.WriteString(s)
				continue
			}
			var forms map[string]string // plural forms (trN)
			if err := json.Unmarshal(m[k], &forms); err != nil {
				return nil, fmt.Errorf("translation %s: %q: %w", path.Base(n), k, err)
			}
			for _, f := range slices.Sorted(maps.Keys(forms)) {
				b.WriteString(forms[f])
			}
		}
		texts = append(texts, translationText{file: path.Base(n), text: b.String()})
	}
	return texts, nil
}

func parseFonts(rs []fyne.Resource) ([]*sfnt.Font, error) {
	fonts := make([]*sfnt.Font, 0, len(rs))
	for _, r := range rs {
		f, err := sfnt.Parse(r.Content())
		if err != nil {
			return nil, fmt.Errorf("font %s: %w", r.Name(), err)
		}
		fonts = append(fonts, f)
	}
	return fonts, nil
}

// missingRunes returns the characters of text that no font in fonts has,
// in order of first appearance, each once.
func missingRunes(fonts []*sfnt.Font, text string) []rune {
	var buf sfnt.Buffer
	var missing []rune
	seen := map[rune]bool{}
	for _, r := range text {
		if seen[r] || unicode.IsControl(r) {
			continue
		}
		seen[r] = true
		if !slices.ContainsFunc(fonts, func(f *sfnt.Font) bool {
			g, err := f.GlyphIndex(&buf, r)
			return err == nil && g != 0
		}) {
			missing = append(missing, r)
		}
	}
	return missing
}

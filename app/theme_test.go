package app

import (
	"bytes"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/medtrace/medtrace/assets"
)

// TestThemeInstallsAppFont checks that the app's theme puts the embedded
// Chinese font where Fyne's 4.2 MB colour emoji font was (Fyne parses that
// font once per text style; docs/gui.md, Fonts), and that text still
// measures with the theme's own font.
func TestThemeInstallsAppFont(t *testing.T) {
	newTheme(ThemeSystem)
	emoji := theme.DefaultEmojiFont()
	if emoji == nil {
		t.Fatal("no emoji font resource")
	}
	if got, want := len(emoji.Content()), len(assets.CJKFont); got != want || !bytes.Equal(emoji.Content(), assets.CJKFont) {
		t.Errorf("emoji font is %d bytes, want the embedded Chinese font's %d", got, want)
	}
	if emoji.Name() != assets.CJKFontName {
		t.Errorf("emoji font named %q, want %q", emoji.Name(), assets.CJKFontName)
	}
	for _, tc := range []struct {
		name  string
		style fyne.TextStyle
	}{
		{"regular", fyne.TextStyle{}},
		{"bold", fyne.TextStyle{Bold: true}},
		{"monospace", fyne.TextStyle{Monospace: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if s := fyne.MeasureText("MedTrace 0109501101530003", 16, tc.style); s.Width < 100 || s.Height < 10 {
				t.Errorf("text measures %v", s)
			}
		})
	}
}

package app

import (
	"bytes"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// TestThemeDropsBundledEmojiFont checks that the app's theme puts Fyne's
// small symbol font where the 4.2 MB emoji font was (Fyne parses that font
// once per text style; docs/gui.md, Performance), and that text still
// measures with the theme's own font.
func TestThemeDropsBundledEmojiFont(t *testing.T) {
	newTheme(ThemeSystem)
	emoji := theme.DefaultEmojiFont()
	sym := theme.DefaultSymbolFont()
	if emoji == nil {
		t.Fatal("no emoji font resource")
	}
	if got, want := len(emoji.Content()), len(sym.Content()); got != want || !bytes.Equal(emoji.Content(), sym.Content()) {
		t.Errorf("emoji font is %d bytes, want the symbol font's %d", got, want)
	}
	if emoji.Name() != sym.Name() {
		t.Errorf("emoji font named %q, want %q", emoji.Name(), sym.Name())
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

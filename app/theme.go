package app

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// medTheme is Fyne's default theme with larger type and touch-sized
// controls, and an optional fixed light or dark variant.
type medTheme struct {
	base    fyne.Theme
	variant string // ThemeSystem, ThemeLight or ThemeDark
}

func newTheme(variant string) fyne.Theme {
	t := &medTheme{base: theme.DefaultTheme(), variant: variant}
	installAndCheckFonts(t)
	return t
}

// colorOnVerdict is white: icons on the coloured verdict bands.
const colorOnVerdict fyne.ThemeColorName = "medtrace-on-verdict"

// Color implements fyne.Theme.
func (t *medTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	if n == colorOnVerdict {
		return color.White
	}
	switch t.variant {
	case ThemeLight:
		v = theme.VariantLight
	case ThemeDark:
		v = theme.VariantDark
	}
	return t.base.Color(n, v)
}

// Font implements fyne.Theme: Fyne's Noto Sans for every style; Chinese
// is drawn with the embedded font that useAppFonts installs (font.go).
func (t *medTheme) Font(s fyne.TextStyle) fyne.Resource { return t.base.Font(s) }

// Icon implements fyne.Theme.
func (t *medTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return t.base.Icon(n) }

// Size implements fyne.Theme: 16 pt body text and roomier padding so that
// buttons and fields are at least about 44 px high for fingers.
func (t *medTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 16
	case theme.SizeNameInnerPadding:
		return 12
	case theme.SizeNamePadding:
		return 5
	case theme.SizeNameHeadingText:
		return 26
	case theme.SizeNameSubHeadingText:
		return 20
	case theme.SizeNameInlineIcon:
		return 24
	}
	return t.base.Size(n)
}

// Verdict colours, chosen for contrast with white text in either variant:
// green, red, amber, slate (idle) and blue (an action done).
func levelColour(l Level) color.Color {
	switch l {
	case LevelOK:
		return color.NRGBA{R: 0x1b, G: 0x7f, B: 0x3b, A: 0xff}
	case LevelBad:
		return color.NRGBA{R: 0xb3, G: 0x1b, B: 0x1b, A: 0xff}
	case LevelUnverified:
		return color.NRGBA{R: 0xa8, G: 0x5f, B: 0x00, A: 0xff}
	}
	return color.NRGBA{R: 0x4a, G: 0x55, B: 0x63, A: 0xff}
}

func infoColour() color.Color { return color.NRGBA{R: 0x1f, G: 0x5f, B: 0xa8, A: 0xff} }

// levelIcon is the verdict's icon, white, so colour is never the only cue.
func levelIcon(l Level) fyne.Resource {
	switch l {
	case LevelOK:
		return theme.NewColoredResource(theme.ConfirmIcon(), colorOnVerdict)
	case LevelBad:
		return theme.NewColoredResource(theme.CancelIcon(), colorOnVerdict)
	case LevelUnverified:
		return theme.NewColoredResource(theme.WarningIcon(), colorOnVerdict)
	}
	return theme.NewColoredResource(theme.SearchIcon(), colorOnVerdict)
}

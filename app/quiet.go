package app

import "fyne.io/fyne/v2"

// quietApp is the Fyne app with animations turned off. A focused Entry
// fades its cursor in and out with an animation that redraws the window
// at frame rate for as long as it has focus, and a scan field always has
// focus: with it the idle app used about a quarter of a core under a
// software renderer. With animations off the cursor is steady and an idle
// window is not redrawn at all. Everything else is the app's own.
type quietApp struct {
	fyne.App
}

// Settings returns the app's settings with animations off.
func (a quietApp) Settings() fyne.Settings { return quietSettings{a.App.Settings()} }

type quietSettings struct {
	fyne.Settings
}

// ShowAnimations is always false.
func (quietSettings) ShowAnimations() bool { return false }

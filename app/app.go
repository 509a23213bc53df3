// Package app is MedTrace's desktop user interface, built with Fyne.
package app

import (
	"context"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Config carries what the UI needs from the wiring in main.
type Config struct{}

// Run opens the main window and blocks until it is closed or ctx ends.
func Run(ctx context.Context, cfg Config) {
	a := fyneapp.NewWithID("org.medtrace.app")
	w := a.NewWindow("MedTrace")
	entry := widget.NewEntry()
	entry.SetPlaceHolder("Scan or type a pack code")
	result := widget.NewLabel("")
	w.SetContent(container.NewVBox(entry, result))
	w.Resize(fyne.NewSize(800, 500))
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	w.ShowAndRun()
}

package app

import (
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

func showErrorDialog(w fyne.Window, title string, err error) {
	d := dialog.NewInformation(title, errorText(err), w)
	d.Show()
}

func showInfo(w fyne.Window, title, msg string) {
	dialog.NewInformation(title, msg, w).Show()
}

func showConfirm(w fyne.Window, title, msg string, yes func()) {
	dialog.NewConfirm(title, msg, func(ok bool) {
		if ok {
			yes()
		}
	}, w).Show()
}

// showOpenFile asks for a file with one of exts and passes its path on.
func showOpenFile(w fyne.Window, exts []string, then func(path string)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			showErrorDialog(w, "", err)
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close() // opened read-only by the dialog; only the path is used
		then(path)
	}, w)
	if len(exts) > 0 {
		d.SetFilter(storage.NewExtensionFileFilter(exts))
	}
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

// showSaveFile asks where to save a file named name and passes the path on.
func showSaveFile(w fyne.Window, name string, then func(path string)) {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil {
			showErrorDialog(w, "", err)
			return
		}
		if wc == nil {
			return
		}
		path := wc.URI().Path()
		_ = wc.Close() // the export writes the file itself, atomically
		if filepath.Ext(path) == "" {
			path += filepath.Ext(name)
		}
		then(path)
	}, w)
	d.SetFileName(name)
	d.Resize(fyne.NewSize(800, 560))
	d.Show()
}

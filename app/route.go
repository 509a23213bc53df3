package app

import "github.com/medtrace/medtrace/scanner/intake"

// Read is one code from any reader: a desk's scan field (a keyboard-wedge
// scanner), a serial scanner, the camera or an image file.
type Read = intake.Read

// desk is what every desk does with a read.
type desk interface {
	scan(raw []byte, source string)
}

// route hands a read to the desk shown: the one way every reader reaches
// a desk. It runs on Fyne's goroutine.
func (u *ui) route(r Read) {
	var d desk
	switch {
	case u.pharm != nil:
		d = u.pharm
	case u.ware != nil:
		d = u.ware
	case u.insp != nil:
		d = u.insp
	case u.manu != nil:
		d = u.manu
	default:
		return // the role chooser: nothing to read into yet
	}
	d.scan(r.Raw, r.Source)
}

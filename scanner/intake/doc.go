// Package intake is how codes reach a workstation from every kind of
// reader: an image file, a serial scanner, a live camera, and the
// keyboard-wedge calibration. Each read arrives the same way, as the bytes
// of one code led by its AIM symbology identifier (so the parser tells GS1
// from plain data) and the name of its source.
package intake

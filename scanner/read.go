// Package scanner defines the one kind of read that every code source in
// MedTrace yields: image files, cameras, keyboard-wedge scanners and serial
// scanners. The sources live in subpackages (dmdecode, camera, wedge,
// serialport, labels); this package holds the shared types and the bounded
// image loader (LoadImage, DecodeImage) every image path goes through.
package scanner

import (
	"errors"
	"fmt"
	"image"
	"math"
	"time"
)

// AIM symbology identifiers for Data Matrix (ISO/IEC 16022, Annex N).
const (
	SymDataMatrix       = "]d1" // ECC 200, no FNC1 in first position
	SymGS1DataMatrix    = "]d2" // ECC 200, FNC1 in first or fifth position: GS1 data
	SymAIMDataMatrix    = "]d3" // ECC 200, FNC1 in second or sixth position (AIM)
	SymDataMatrixECI    = "]d4" // ECC 200 with ECI protocol
	SymGS1DataMatrixECI = "]d5" // GS1 with ECI protocol
	SymAIMDataMatrixECI = "]d6" // AIM FNC1 with ECI protocol
	SymUnknown          = ""    // the source does not say (e.g. a wedge scanner without AIM prefix)
)

// GS is the ASCII group separator that stands for FNC1 between GS1 element
// strings inside a read's data.
const GS = 0x1D

// Kind tells which kind of source produced a read.
type Kind string

// The source kinds.
const (
	KindImage  Kind = "image"  // a still image file
	KindCamera Kind = "camera" // a live or replayed camera frame
	KindWedge  Kind = "wedge"  // a keyboard-wedge scanner
	KindSerial Kind = "serial" // a serial (USB-CDC, COM) scanner
)

// Source names where a read came from, e.g. {KindSerial, "/dev/ttyACM0"}.
type Source struct {
	Kind Kind   `json:"kind"`
	Name string `json:"name,omitempty"`
}

// String renders the source as "kind:name".
func (s Source) String() string {
	if s.Name == "" {
		return string(s.Kind)
	}
	return string(s.Kind) + ":" + s.Name
}

// Point is a position in image pixels.
type Point struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// Read is one decoded symbol or one complete scan from a hardware scanner.
type Read struct {
	// Data holds the exact bytes of the message. For GS1 symbols the leading
	// FNC1 that marks GS1 mode is not part of Data (Symbology says ]d2); FNC1
	// separators between element strings are kept as GS (0x1D).
	Data []byte `json:"data"`
	// Symbology is the AIM symbology identifier (]d1, ]d2, ...) or
	// SymUnknown when the source does not tell.
	Symbology string `json:"symbology"`
	// Source names the device or file.
	Source Source `json:"source"`
	// Time is when the read was completed.
	Time time.Time `json:"time"`
	// Corners are the symbol's corners in the image (top-left, top-right,
	// bottom-right, bottom-left in symbol orientation); nil for hardware
	// scanners.
	Corners []Point `json:"corners,omitempty"`
	// ECI lists the Extended Channel Interpretation segments of a symbol
	// that declares them (symbology ]d4-]d6); nil otherwise. Data then
	// holds the message converted to UTF-8 when every designator names a
	// known character set, else the raw bytes of the segments.
	ECI []ECISegment `json:"eci,omitempty"`
}

// ECISegment is a run of message bytes under one ECI designator.
type ECISegment struct {
	// Designator is the ECI number (3 = ISO-8859-1, 26 = UTF-8, 899 =
	// binary, ...); -1 for bytes before the first designator (the
	// symbology's default, ISO-8859-1).
	Designator int    `json:"designator"`
	Data       []byte `json:"data"`
}

// IsGS1 reports whether the read carries GS1 element strings.
func (r Read) IsGS1() bool {
	return r.Symbology == SymGS1DataMatrix || r.Symbology == SymGS1DataMatrixECI
}

// WithAIM returns the data led by the symbology identifier (e.g.
// "]d2010950..."), the form a pack-code parser takes to know GS1 from
// plain data; just the data when the symbology is unknown.
func (r Read) WithAIM() []byte {
	out := make([]byte, 0, len(r.Symbology)+len(r.Data))
	return append(append(out, r.Symbology...), r.Data...)
}

// Bounds returns the smallest pixel rectangle that holds the symbol's
// corners (the box a preview draws around it); the empty rectangle when the
// read has no corners (hardware scanners).
func (r Read) Bounds() image.Rectangle {
	if len(r.Corners) == 0 {
		return image.Rectangle{}
	}
	minX, minY := math.Inf(1), math.Inf(1)
	maxX, maxY := math.Inf(-1), math.Inf(-1)
	for _, c := range r.Corners {
		minX, maxX = math.Min(minX, c.X), math.Max(maxX, c.X)
		minY, maxY = math.Min(minY, c.Y), math.Max(maxY, c.Y)
	}
	return image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX)), int(math.Ceil(maxY)))
}

// SameCode reports whether two reads carry the same message.
func (r Read) SameCode(o Read) bool {
	return r.Symbology == o.Symbology && string(r.Data) == string(o.Data)
}

// ErrNotFound is returned when a source holds no decodable symbol.
var ErrNotFound = errors.New("no symbol found")

// SplitAIM splits a leading AIM symbology identifier ("]" + letter +
// modifier character) from data, as sent by scanners configured to transmit
// it. It returns SymUnknown and data unchanged when there is none.
func SplitAIM(data []byte) (sym string, rest []byte) {
	if len(data) >= 3 && data[0] == ']' && data[1] >= 'A' && data[1] <= 'z' && isAIMModifier(data[2]) {
		return string(data[:3]), data[3:]
	}
	return SymUnknown, data
}

func isAIMModifier(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
}

// ValidateSymbology reports an error unless sym is empty or a well-formed
// AIM symbology identifier.
func ValidateSymbology(sym string) error {
	if sym == "" {
		return nil
	}
	if s, rest := SplitAIM([]byte(sym)); s == "" || len(rest) != 0 {
		return fmt.Errorf("malformed symbology identifier %q", sym)
	}
	return nil
}

package record

import "github.com/medtrace/medtrace/trace"

// The trace core's identifier checks, by the short names this package's
// code reads best with.
var (
	checkGTIN    = trace.CheckProduct // a GTIN or a China product (china.go)
	checkSSCC    = trace.CheckSSCC
	checkGLN     = trace.CheckGLN
	checkText    = trace.CheckText
	checkExpiry  = trace.CheckExpiry
	checkEventID = trace.CheckEventID
	isUUID       = trace.IsUUID
	isContentID  = trace.IsContentID
)

// PackKey names a pack among an SSCC's children (trace.PackKey).
func PackKey(gtin, serial string) string { return trace.PackKey(gtin, serial) }

// ContentID returns the content-addressed ID of ev (trace.ContentID).
func ContentID(ev *Event) string { return trace.ContentID(*ev) }

// splitChild parses a canonical child reference: an 18-digit SSCC or
// GTIN/serial.
func splitChild(ref string) (sscc, gtin, serial string, err error) {
	c, err := trace.ParseChildRef(ref)
	return c.SSCC, c.GTIN, c.Serial, err
}

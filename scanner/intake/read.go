package intake

// Read is one code as it arrived: the bytes led by the AIM symbology
// identifier when the reader gave one, and where it came from ("wedge",
// "serial:/dev/ttyACM0", "camera:/dev/video0", "image:/path").
type Read struct {
	Raw    []byte
	Source string
}

// Source names for reads.
const (
	SourceWedge  = "wedge"
	SourceSerial = "serial:"
	SourceCamera = "camera:"
	SourceImage  = "image:"
)

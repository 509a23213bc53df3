package intake

import (
	"context"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/serialport"
)

// Serial reads a serial (USB CDC or RS-232) scanner.
type Serial struct{}

// Listen reads the scanner on port until ctx ends, handing each complete
// read to emit on the listener's goroutine. A frame cut for length is
// still handed on: the parser reports what is wrong with it, and the
// store keeps it.
func (Serial) Listen(ctx context.Context, port string, baud int, emit func(raw []byte)) error {
	s, err := serialport.Open(ctx, port, serialport.Config{Baud: baud})
	if err != nil {
		return err
	}
	defer func() { _ = s.Close() }() // the read loop's own error is the one to report
	return s.Run(ctx, func(r scanner.Read, _ error) { emit(r.WithAIM()) })
}

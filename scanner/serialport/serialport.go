// Package serialport reads serial (USB-CDC, COM port) barcode scanners:
// port listing, line settings, framing by CR, LF or ETX, and the bytes
// exactly as sent (GS included).
package serialport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"go.bug.st/serial"
	"go.bug.st/serial/enumerator"

	"github.com/medtrace/medtrace/scanner"
)

// PortInfo describes one serial port.
type PortInfo struct {
	Name         string `json:"name"`
	IsUSB        bool   `json:"usb"`
	VID          string `json:"vid,omitempty"`
	PID          string `json:"pid,omitempty"`
	SerialNumber string `json:"serial,omitempty"`
	Product      string `json:"product,omitempty"`
}

// ListPorts lists the serial ports of the machine, with USB details where
// the system provides them.
func ListPorts(ctx context.Context) ([]PortInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	details, err := enumerator.GetDetailedPortsList()
	if err == nil {
		out := make([]PortInfo, 0, len(details))
		for _, d := range details {
			out = append(out, PortInfo{Name: d.Name, IsUSB: d.IsUSB, VID: d.VID, PID: d.PID, SerialNumber: d.SerialNumber, Product: d.Product})
		}
		return out, nil
	}
	names, err2 := serial.GetPortsList()
	if err2 != nil {
		return nil, fmt.Errorf("list serial ports: %w", errors.Join(err, err2))
	}
	out := make([]PortInfo, 0, len(names))
	for _, n := range names {
		out = append(out, PortInfo{Name: n})
	}
	return out, nil
}

// Config holds the line settings and framing of a scanner.
type Config struct {
	Baud     int        // bits per second; 0 means 9600
	DataBits int        // 5-8; 0 means 8
	Parity   string     // "none" (default), "odd", "even", "mark", "space"
	StopBits int        // 1 (default) or 2
	Term     Terminator // frame end; 0 means CR or LF
	// IdleEnd, when > 0, completes a frame without terminator after this
	// much silence.
	IdleEnd time.Duration
	// MaxLen cuts frames longer than this (0 means 4096).
	MaxLen int
}

func (c Config) mode() (*serial.Mode, error) {
	m := &serial.Mode{BaudRate: c.Baud, DataBits: c.DataBits, StopBits: serial.OneStopBit}
	if m.BaudRate == 0 {
		m.BaudRate = 9600
	}
	if m.BaudRate < 50 || m.BaudRate > 4_000_000 {
		return nil, fmt.Errorf("baud rate %d out of range", m.BaudRate)
	}
	if m.DataBits == 0 {
		m.DataBits = 8
	}
	if m.DataBits < 5 || m.DataBits > 8 {
		return nil, fmt.Errorf("data bits %d: want 5 to 8", m.DataBits)
	}
	switch c.StopBits {
	case 0, 1:
	case 2:
		m.StopBits = serial.TwoStopBits
	default:
		return nil, fmt.Errorf("stop bits %d: want 1 or 2", c.StopBits)
	}
	switch c.Parity {
	case "", "none":
		m.Parity = serial.NoParity
	case "odd":
		m.Parity = serial.OddParity
	case "even":
		m.Parity = serial.EvenParity
	case "mark":
		m.Parity = serial.MarkParity
	case "space":
		m.Parity = serial.SpaceParity
	default:
		return nil, fmt.Errorf("parity %q: want none, odd, even, mark or space", c.Parity)
	}
	return m, nil
}

// Scanner reads frames from one serial port.
type Scanner struct {
	name string
	cfg  Config
	port serial.Port
}

// Open opens the port named name (e.g. /dev/ttyACM0, COM3) with cfg.
func Open(ctx context.Context, name string, cfg Config) (*Scanner, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m, err := cfg.mode()
	if err != nil {
		return nil, err
	}
	p, err := serial.Open(name, m)
	if err != nil {
		return nil, fmt.Errorf("open serial port %s: %w", name, err)
	}
	// A short read timeout lets Run notice ctx and idle frames.
	if err := p.SetReadTimeout(50 * time.Millisecond); err != nil {
		_ = p.Close() // the timeout error is the one to report
		return nil, fmt.Errorf("serial port %s: %w", name, err)
	}
	return &Scanner{name: name, cfg: cfg, port: p}, nil
}

// Close closes the port. Call it after Run has returned.
func (s *Scanner) Close() error { return s.port.Close() }

// Run reads until ctx ends or the port fails, calling emit for every
// complete frame as a Read (Source serial:NAME; an AIM prefix such as ]d2
// becomes the symbology). A frame cut for length is delivered with its
// error. Run returns nil when ctx ended.
func (s *Scanner) Run(ctx context.Context, emit func(scanner.Read, error)) error {
	return run(ctx, s.port, s.name, s.cfg, time.Now, emit)
}

// run is Run over any reader whose Read returns (0, nil) on a read timeout;
// now is the clock for IdleEnd and the reads' Time.
func run(ctx context.Context, r io.Reader, name string, cfg Config, now func() time.Time, emit func(scanner.Read, error)) error {
	fr := NewFramer(cfg.Term, cfg.MaxLen)
	src := scanner.Source{Kind: scanner.KindSerial, Name: name}
	deliver := func(f Frame) {
		sym, data := scanner.SplitAIM(f.Data)
		emit(scanner.Read{Data: data, Symbology: sym, Source: src, Time: now()}, f.Err)
	}
	buf := make([]byte, 512)
	last := now()
	for {
		if ctx.Err() != nil {
			return nil
		}
		n, err := r.Read(buf)
		if n > 0 {
			last = now()
			for _, f := range fr.Write(buf[:n]) {
				deliver(f)
			}
		}
		if n == 0 && cfg.IdleEnd > 0 && fr.Pending() > 0 && now().Sub(last) >= cfg.IdleEnd {
			if f, ok := fr.Flush(); ok {
				deliver(f)
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if f, ok := fr.Flush(); ok {
				deliver(f)
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read serial port %s: %w", name, err)
		}
	}
}

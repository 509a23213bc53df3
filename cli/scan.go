package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/camera"
	"github.com/medtrace/medtrace/scanner/dmdecode"
	"github.com/medtrace/medtrace/scanner/intake"
	"github.com/medtrace/medtrace/scanner/serialport"
)

const scanUsage = `Usage:
  medtrace scan --serial PORT [--baud N] [--parity none|odd|even] [--data-bits N]
                [--stop-bits N] [--term crlf|cr|lf|etx] [--idle DURATION]
  medtrace scan --images DIR [--fps N] [--loop] [--budget 100ms] [--max-pixels N] [--max-side N]
  medtrace scan --camera DEVICE [--size WxH]
  medtrace scan --list

Reads codes until stopped (Ctrl+C) and prints one JSON line per read:
  {"source", "symbology", "text", "hex", "time", "corners", "error"}
text is the raw data (GS appears as \u001d); hex repeats it exactly when
it is not valid UTF-8. --serial reads a serial (USB-CDC, COM) scanner;
--images replays a folder of images as camera frames; --camera reads a
V4L2 camera (MJPEG or YUYV). A code held in view is reported once.
--list prints the serial ports and cameras.

A replayed image over --max-pixels (default 50000000) or --max-side
(default 20000), over 128 MiB or 256 MiB decoded, or unreadable, and a
camera frame of another size than the one negotiated, is skipped and
reported as a line with its error and no text; the scan goes on.

Exit status: 0 stopped or the image folder ended, 2 usage error, 3 the
source failed (a serial port, a camera, an image folder).

Options:
`

// scanLine is one read in scan's JSON output.
type scanLine struct {
	Source    string          `json:"source"`
	Symbology string          `json:"symbology"`
	Text      string          `json:"text"`
	Hex       string          `json:"hex,omitempty"`
	Time      time.Time       `json:"time"`
	Corners   []scanner.Point `json:"corners,omitempty"`
	Error     string          `json:"error,omitempty"`
}

// runScan implements "medtrace scan".
func runScan(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("scan", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	port := fs.String("serial", "", "serial port of a scanner (e.g. /dev/ttyACM0, COM3)")
	baud := fs.Int("baud", 9600, "serial baud rate")
	parity := fs.String("parity", "none", "serial parity: none, odd, even, mark, space")
	dataBits := fs.Int("data-bits", 8, "serial data bits (5-8)")
	stopBits := fs.Int("stop-bits", 1, "serial stop bits (1 or 2)")
	term := fs.String("term", "crlf", "what ends a serial frame: cr, lf, crlf, etx (comma-separated mix allowed)")
	idle := fs.Duration("idle", 0, "end a serial frame without terminator after this much silence (e.g. 200ms); 0 waits for the terminator")
	dir := fs.String("images", "", "folder of images to replay as camera frames")
	fps := fs.Float64("fps", 10, "frames per second when replaying images")
	loop := fs.Bool("loop", false, "replay the image folder until stopped")
	budget := fs.Duration("budget", 100*time.Millisecond, "time budget per replayed image for the slower strategies; 0 = no limit")
	maxPixels := fs.Int64("max-pixels", scanner.DefaultMaxPixels, "skip replayed images of more pixels (width x height); 0 = no limit")
	maxSide := fs.Int("max-side", scanner.DefaultMaxSide, "skip replayed images with a longer side in pixels; 0 = no limit")
	dev := fs.String("camera", "", "V4L2 camera device (e.g. /dev/video0)")
	size := fs.String("size", "1280x720", "camera frame size WxH")
	list := fs.Bool("list", false, "list serial ports and cameras")
	fs.Usage = func() {
		fmt.Fprint(sio.Stderr, scanUsage)
		fs.PrintDefaults()
	}
	pos, code := parseInterleaved(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(sio.Stderr, "medtrace scan: unexpected argument %q (see 'medtrace scan -h')\n", pos[0])
		return ExitUsage
	}
	n := 0
	for _, s := range []string{*port, *dir, *dev} {
		if s != "" {
			n++
		}
	}
	if *list {
		return scanList(ctx, sio)
	}
	if n != 1 {
		fmt.Fprintln(sio.Stderr, "medtrace scan: give exactly one of --serial, --images, --camera or --list (see 'medtrace scan -h')")
		return ExitUsage
	}
	limits, err := imageLimits(*maxPixels, *maxSide)
	if err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace scan: %v\n", err)
		return ExitUsage
	}
	out := newLineWriter(sio.Stdout)
	switch {
	case *port != "":
		t, perr := serialport.ParseTerminator(*term)
		if perr != nil {
			fmt.Fprintf(sio.Stderr, "medtrace scan: --term: %v\n", perr)
			return ExitUsage
		}
		cfg := serialport.Config{Baud: *baud, DataBits: *dataBits, Parity: *parity, StopBits: *stopBits, Term: t, IdleEnd: *idle}
		var s *serialport.Scanner
		if s, err = serialport.Open(ctx, *port, cfg); err != nil {
			break
		}
		err = s.Run(ctx, func(r scanner.Read, ferr error) { out.write(r, ferr) })
		if cerr := s.Close(); err == nil && cerr != nil && ctx.Err() == nil {
			err = cerr
		}
	case *dir != "":
		if *fps <= 0 || *fps > 1000 {
			fmt.Fprintf(sio.Stderr, "medtrace scan: --fps %v: want 0 < fps <= 1000\n", *fps)
			return ExitUsage
		}
		if *budget < 0 {
			fmt.Fprintf(sio.Stderr, "medtrace scan: --budget %v: want 0 (no limit) or more\n", *budget)
			return ExitUsage
		}
		var src *camera.FolderSource
		if src, err = camera.NewFolderSource(ctx, *dir, time.Duration(float64(time.Second) / *fps), *loop); err != nil {
			break
		}
		src.Limits = limits
		p := camera.NewPipeline(src, dmdecode.New(dmdecode.Options{All: true, Budget: budgetOption(*budget), Limits: limits}), 0)
		p.OnSkip(out.skipped(scanner.Source{Kind: scanner.KindCamera, Name: src.Name()}))
		err = p.Run(ctx, func(r scanner.Read) { out.write(r, nil) })
	case *dev != "":
		w, h, serr := parseSize(*size)
		if serr != nil {
			fmt.Fprintf(sio.Stderr, "medtrace scan: --size: %v\n", serr)
			return ExitUsage
		}
		var d *camera.Device
		if d, err = camera.OpenDevice(ctx, *dev, w, h); err != nil {
			break
		}
		p := camera.NewPipeline(d, liveDecoder(limits), 0)
		p.OnSkip(out.skipped(scanner.Source{Kind: scanner.KindCamera, Name: d.Name()}))
		err = p.Run(ctx, func(r scanner.Read) { out.write(r, nil) })
		if cerr := d.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	if err == nil {
		err = out.err()
	}
	if err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace scan: %v\n", err)
		return ExitIO // the source failed: a device or a folder
	}
	return ExitOK
}

func parseSize(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "x")
	w, err1 := strconv.Atoi(a)
	h, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || w <= 0 || h <= 0 || w > 10000 || h > 10000 {
		return 0, 0, fmt.Errorf("%q is not WIDTHxHEIGHT", s)
	}
	return w, h, nil
}

// lineWriter prints reads as JSON lines; safe for concurrent use.
type lineWriter struct {
	mu    sync.Mutex
	enc   *json.Encoder
	first error
}

func newLineWriter(w io.Writer) *lineWriter {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &lineWriter{enc: enc}
}

func (l *lineWriter) write(r scanner.Read, ferr error) {
	line := scanLine{Source: r.Source.String(), Symbology: r.Symbology, Time: r.Time.UTC(), Corners: r.Corners}
	line.Text, line.Hex = textAndHex(r.Data)
	if ferr != nil {
		line.Error = ferr.Error()
	}
	l.encode(line)
}

// skipped returns a camera.Pipeline OnSkip function that prints a frame
// the source refused as a line with only source, time and error.
func (l *lineWriter) skipped(src scanner.Source) func(error) {
	return func(err error) {
		l.encode(scanLine{Source: src.String(), Time: time.Now().UTC(), Error: err.Error()})
	}
}

func (l *lineWriter) encode(line scanLine) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.enc.Encode(line); err != nil && l.first == nil {
		l.first = err
	}
}

func (l *lineWriter) err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first
}

func scanList(ctx context.Context, sio IO) int {
	ports, perr := serialport.ListPorts(ctx)
	cams, cerr := camera.ListDevices(ctx)
	if err := errors.Join(perr, cerr); err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace scan: %v\n", err)
		return ExitIO
	}
	fmt.Fprintf(sio.Stdout, "Serial ports (%d):\n", len(ports))
	for _, p := range ports {
		desc := ""
		if p.IsUSB {
			desc = fmt.Sprintf("  USB %s:%s %s %s", p.VID, p.PID, p.Product, p.SerialNumber)
		}
		fmt.Fprintf(sio.Stdout, "  %s%s\n", p.Name, desc)
	}
	fmt.Fprintf(sio.Stdout, "Cameras (%d):\n", len(cams))
	for _, c := range cams {
		fmt.Fprintf(sio.Stdout, "  %s  %s\n", c.Path, c.Name)
		for cc, sizes := range c.Formats {
			var ss []string
			for _, s := range sizes {
				ss = append(ss, fmt.Sprintf("%dx%d", s.W, s.H))
			}
			fmt.Fprintf(sio.Stdout, "    %s: %s\n", cc, strings.Join(ss, " "))
		}
	}
	return ExitOK
}

// liveDecoder is the desktop's live camera decoder (intake.LiveOptions)
// within limits.
func liveDecoder(limits scanner.ImageLimits) *dmdecode.Decoder {
	o := intake.LiveOptions
	o.Limits = limits
	return dmdecode.New(o)
}

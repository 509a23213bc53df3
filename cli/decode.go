package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/dmdecode"
)

const decodeUsage = `Usage: medtrace decode [--json] [--all] [--budget 5s] [--max-pixels N] [--max-side N] FILE...

Finds and decodes the Data Matrix symbols (GS1 DataMatrix included) in
image files: PNG, JPEG, WebP and GIF. Every file is searched for all
symbols; the first one found is reported, --all lists every one.

With --json each file gives one line:
  {"file", "ok", "symbology", "text", "count", "ms", "error"}
where text is the raw data of the first symbol (GS separators appear as
\u001d), symbology its AIM identifier (]d2 = GS1 DataMatrix), count the
number of symbols and ms the decoding time. Data that is not valid UTF-8
is given exactly in "hex" as well. --all adds "symbols", one object per
symbol with its symbology, text and corners.

--budget bounds the time spent on the slower strategies per file; 0 runs
every strategy, so the result depends on the image alone, never on how
busy the machine is.

An image is checked before its pixels are decoded: a file over 128 MiB,
an image that declares more than --max-pixels pixels (default 50000000)
or --max-side pixels on a side (default 20000), or one whose decoded
pixels would take over 256 MiB (e.g. a 16-bit PNG, a progressive JPEG)
is refused with an error that names its size and the limit.

Exit status: 0 every file decoded, 1 a file had no readable symbol (or is
not an image, or is refused for its size), 2 usage error, 3 a file could
not be opened or read (the other files are still decoded).

Options:
`

// decodeSymbol is one symbol in decode's JSON output.
type decodeSymbol struct {
	Symbology string          `json:"symbology"`
	Text      string          `json:"text"`
	Hex       string          `json:"hex,omitempty"`
	Corners   []scanner.Point `json:"corners,omitempty"`
}

// decodeLine is decode's JSON output for one file.
type decodeLine struct {
	File      string         `json:"file"`
	OK        bool           `json:"ok"`
	Symbology string         `json:"symbology"`
	Text      string         `json:"text"`
	Hex       string         `json:"hex,omitempty"`
	Count     int            `json:"count"`
	MS        float64        `json:"ms"`
	Error     string         `json:"error"`
	Symbols   []decodeSymbol `json:"symbols,omitempty"`

	ioFailed bool // the file could not be opened or read (exit 3, not 1)
}

// runDecode implements "medtrace decode".
func runDecode(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	jsonOut := fs.Bool("json", false, "print one JSON object per file")
	all := fs.Bool("all", false, "list every symbol of each file")
	budget := fs.Duration("budget", 5*time.Second, "time budget per file for the slower strategies; 0 = no limit")
	maxPixels := fs.Int64("max-pixels", scanner.DefaultMaxPixels, "refuse images of more pixels (width x height); 0 = no limit")
	maxSide := fs.Int("max-side", scanner.DefaultMaxSide, "refuse images with a longer side in pixels; 0 = no limit")
	fs.Usage = func() {
		fmt.Fprint(sio.Stderr, decodeUsage)
		fs.PrintDefaults()
	}
	files, code := parseInterleaved(fs, args)
	if code >= 0 {
		return code
	}
	if len(files) == 0 {
		fmt.Fprintln(sio.Stderr, "medtrace decode: no FILE given (see 'medtrace decode -h')")
		return ExitUsage
	}
	if *budget < 0 {
		fmt.Fprintf(sio.Stderr, "medtrace decode: --budget %v: want 0 (no limit) or more\n", *budget)
		return ExitUsage
	}
	limits, err := imageLimits(*maxPixels, *maxSide)
	if err != nil {
		fmt.Fprintf(sio.Stderr, "medtrace decode: %v\n", err)
		return ExitUsage
	}
	dec := dmdecode.New(dmdecode.Options{All: true, Budget: budgetOption(*budget), Limits: limits})
	enc := json.NewEncoder(sio.Stdout)
	enc.SetEscapeHTML(false)
	exit := ExitOK
	for _, f := range files {
		if ctx.Err() != nil {
			return ExitInvalid
		}
		line := decodeFile(ctx, dec, limits, f, *all)
		switch {
		case line.ioFailed:
			exit = ExitIO
		case !line.OK && exit == ExitOK:
			exit = ExitInvalid
		}
		if *jsonOut {
			if err := enc.Encode(line); err != nil {
				fmt.Fprintf(sio.Stderr, "medtrace decode: %v\n", err)
				return ExitIO
			}
			continue
		}
		if !line.OK {
			fmt.Fprintf(sio.Stdout, "%s: error: %s\n", line.File, line.Error)
			continue
		}
		fmt.Fprintf(sio.Stdout, "%s: %s %s (%d symbol%s, %.1f ms)\n", line.File, line.Symbology, quoteData(line.Text, line.Hex),
			line.Count, plural(line.Count), line.MS)
		if *all {
			for i, s := range line.Symbols {
				fmt.Fprintf(sio.Stdout, "  %d: %s %s\n", i+1, s.Symbology, quoteData(s.Text, s.Hex))
			}
		}
	}
	return exit
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func quoteData(text, hx string) string {
	if hx != "" {
		return "hex:" + hx
	}
	return strconv.Quote(text)
}

// parseInterleaved parses flags that may come between positional
// arguments. It returns the positional arguments and -1, or an exit code.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, int) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, ExitOK
			}
			return nil, ExitUsage
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, -1
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), -1
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// decodeFile reads one image file within limits and decodes it.
func decodeFile(ctx context.Context, dec *dmdecode.Decoder, limits scanner.ImageLimits, path string, all bool) decodeLine {
	line := decodeLine{File: path}
	img, _, err := scanner.LoadImage(ctx, path, limits)
	if err != nil {
		var pe *fs.PathError
		switch {
		case errors.Is(err, scanner.ErrImageTooLarge):
			line.Error = err.Error()
		case errors.As(err, &pe):
			line.Error = fmt.Sprintf("open: %v", err)
			line.ioFailed = true
		default:
			line.Error = err.Error()
		}
		return line
	}
	start := time.Now()
	reads, err := dec.Decode(ctx, img)
	line.MS = float64(time.Since(start).Microseconds()) / 1000
	if err != nil {
		if errors.Is(err, scanner.ErrNotFound) {
			line.Error = "no data matrix symbol found"
		} else {
			line.Error = err.Error()
		}
		return line
	}
	line.OK = true
	line.Count = len(reads)
	line.Symbology = reads[0].Symbology
	line.Text, line.Hex = textAndHex(reads[0].Data)
	if all {
		for _, r := range reads {
			s := decodeSymbol{Symbology: r.Symbology, Corners: r.Corners}
			s.Text, s.Hex = textAndHex(r.Data)
			line.Symbols = append(line.Symbols, s)
		}
	}
	return line
}

// textAndHex returns data as a string, and its hex form when it is not
// valid UTF-8 (JSON would otherwise replace the invalid bytes).
func textAndHex(b []byte) (string, string) {
	if utf8.Valid(b) {
		return string(b), ""
	}
	return string(b), hex.EncodeToString(b)
}

// imageLimits turns the --max-pixels and --max-side flags (0 = no limit)
// into scanner.ImageLimits.
func imageLimits(maxPixels int64, maxSide int) (scanner.ImageLimits, error) {
	if maxPixels < 0 {
		return scanner.ImageLimits{}, fmt.Errorf("--max-pixels %d: want 0 (no limit) or more", maxPixels)
	}
	if maxSide < 0 {
		return scanner.ImageLimits{}, fmt.Errorf("--max-side %d: want 0 (no limit) or more", maxSide)
	}
	l := scanner.ImageLimits{MaxPixels: maxPixels, MaxSide: maxSide}
	if maxPixels == 0 {
		l.MaxPixels = -1
	}
	if maxSide == 0 {
		l.MaxSide = -1
	}
	return l, nil
}

// budgetOption turns a --budget flag (0 = no limit) into
// dmdecode.Options.Budget.
func budgetOption(d time.Duration) time.Duration {
	if d == 0 {
		return dmdecode.NoBudget
	}
	return d
}

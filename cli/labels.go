package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/medtrace/medtrace/ledger"
	"github.com/medtrace/medtrace/ledger/network"
	"github.com/medtrace/medtrace/scanner/labels"
	"github.com/medtrace/medtrace/scanner/wedge"
	"github.com/medtrace/medtrace/trace"
)

const labelsUsage = `Usage: medtrace labels --out FILE [--count N] [--gtin GTIN | --cn] [--seed N]
                       [--calibration] [--module MM] [--dpi N] [CODE...]

Prints a sheet of GS1 DataMatrix labels (A4) to try scanning with printed
packs, a camera or a hardware scanner. CODEs are GS1 codes in bracketed
form, (01)09506000134352(17)291231(10)AB1(21)X, or as element strings with
\x1d for GS, or China's 20-digit drug traceability codes (printed as a
plain Data Matrix of the 20 digits, with the digits grouped 7 9 4 under
it). Without CODEs and without --gtin, the labels are --count of
the packs the demo ledger's pharmacy holds ('medtrace ledger seed'): they
verify as authentic and active, and can be dispensed at the pharmacy;
with --cn, of its China-coded packs (product identifier 8123456). With
--gtin, --count codes are generated for that GTIN with random serial
numbers (unknown to any ledger until commissioned). --calibration adds
MedTrace's keyboard-scanner calibration code. FILE ending in .pdf gives a
PDF (any number of pages), .png a PNG (one page). Every label is decoded
back before it is written.

Exit status: 0 written, 1 a code is invalid, 2 usage error, 3 the file could
not be written.

Options:
`

// runLabels implements "medtrace labels".
func runLabels(ctx context.Context, sio IO, args []string) int {
	fs := flag.NewFlagSet("labels", flag.ContinueOnError)
	fs.SetOutput(sio.Stderr)
	out := fs.String("out", "", "output file, .pdf or .png")
	count := fs.Int("count", 12, "number of codes to generate when no CODE is given")
	gtin := fs.String("gtin", "", "GTIN-14 for generated codes with random serials (default: the demo ledger's packs)")
	seed := fs.Uint64("seed", 0, "seed for generated serial numbers (0: from the clock)")
	cnDemo := fs.Bool("cn", false, "the demo pharmacy's China-coded packs instead of its GS1 packs")
	cal := fs.Bool("calibration", false, "add the keyboard-scanner calibration code")
	module := fs.Float64("module", 0.5, "module size in mm")
	dpi := fs.Float64("dpi", 300, "PNG resolution")
	fs.Usage = func() {
		fmt.Fprint(sio.Stderr, labelsUsage)
		fs.PrintDefaults()
	}
	codes, code := parseInterleaved(fs, args)
	if code >= 0 {
		return code
	}
	ext := strings.ToLower(filepath.Ext(*out))
	if *out == "" || (ext != ".pdf" && ext != ".png") {
		fmt.Fprintln(sio.Stderr, "medtrace labels: --out FILE ending in .pdf or .png is required (see 'medtrace labels -h')")
		return ExitUsage
	}
	var ls []labels.Label
	if *cal {
		l, err := labels.FromGS1(wedge.CalibrationElementString)
		if err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace labels: calibration code: %v\n", err)
			return ExitInvalid
		}
		l.Caption = append(l.Caption, "MedTrace scanner calibration")
		ls = append(ls, l)
	}
	if *cnDemo && *gtin != "" {
		fmt.Fprintln(sio.Stderr, "medtrace labels: --cn and --gtin exclude each other")
		return ExitUsage
	}
	for _, c := range codes {
		raw, err := unescape(c)
		if err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace labels: %q: %v\n", c, err)
			return ExitUsage
		}
		if l, ok, err := cnLabel(string(raw)); ok {
			if err != nil {
				fmt.Fprintf(sio.Stderr, "medtrace labels: %v\n", err)
				return ExitInvalid
			}
			ls = append(ls, l)
			continue
		}
		l, err := labels.FromGS1(string(raw))
		if err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace labels: %v\n", err)
			return ExitInvalid
		}
		ls = append(ls, l)
	}
	if len(codes) == 0 && *cnDemo {
		demo, err := demoCNLabels(*count)
		if err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace labels: %v\n", err)
			return ExitUsage
		}
		ls = append(ls, demo...)
	} else if len(codes) == 0 && *gtin == "" {
		demo, err := demoLabels(*count)
		if err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace labels: %v\n", err)
			return ExitUsage
		}
		ls = append(ls, demo...)
	} else if len(codes) == 0 {
		s := *seed
		if s == 0 {
			s = uint64(time.Now().UnixNano())
		}
		gen, err := labels.Generate(*count, *gtin, s, time.Now())
		if err != nil {
			fmt.Fprintf(sio.Stderr, "medtrace labels: %v\n", err)
			if errors.Is(err, labels.ErrInvalidCode) {
				return ExitInvalid
			}
			return ExitUsage
		}
		ls = append(ls, gen...)
	}
	sheet := labels.DefaultSheet()
	sheet.Module, sheet.DPI = *module, *dpi
	f, err := os.Create(*out)
	if err != nil {
		return printStoreErr(sio, "labels", err)
	}
	if ext == ".pdf" {
		err = labels.WritePDF(ctx, f, sheet, ls)
	} else {
		err = labels.WritePNG(ctx, f, sheet, ls)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		if rerr := os.Remove(*out); rerr != nil {
			err = errors.Join(err, rerr)
		}
		if errors.Is(err, labels.ErrInvalidCode) {
			fmt.Fprintf(sio.Stderr, "medtrace labels: %v\n", err)
			return ExitInvalid
		}
		return printStoreErr(sio, "labels", err)
	}
	fmt.Fprintf(sio.Stdout, "wrote %d labels to %s\n", len(ls), *out)
	return ExitOK
}

// demoLabels returns labels for the first n packs the demo ledger's
// pharmacy holds (ledger.DemoPharmacyPacks under the local network's
// manufacturer prefix).
func demoLabels(n int) ([]labels.Label, error) {
	var prefix string
	for _, o := range network.Orgs() {
		if o.Role == "manufacturer" && len(o.CompanyPrefixes) > 0 && prefix == "" {
			for _, p := range o.CompanyPrefixes {
				if !trace.IsCNProduct(p) && prefix == "" {
					prefix = p // the first GS1 company prefix
				}
			}
		}
	}
	packs, err := ledger.DemoPharmacyPacks(prefix)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(packs) {
		return nil, fmt.Errorf("--count %d: the demo pharmacy holds %d packs; ask for 1 to %d, or give --gtin for random serials", n, len(packs), len(packs))
	}
	out := make([]labels.Label, 0, n)
	for _, p := range packs[:n] {
		exp, err := time.Parse(time.DateOnly, p.Expiry)
		if err != nil {
			return nil, fmt.Errorf("demo pack %s: %w", p.Serial, err)
		}
		l, err := labels.FromGS1("(01)" + p.GTIN + "(17)" + exp.Format("060102") + "(10)" + p.Batch + "(21)" + p.Serial)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// cnLabel is the label of a China drug traceability code: a plain Data
// Matrix of its 20 digits (no FNC1: it is no GS1 code), the digits grouped
// as product, serial and check digits under it. ok is false when code is
// not meant as one (not 20 characters of digits), err says what is wrong
// with a code that is.
func cnLabel(code string) (l labels.Label, ok bool, err error) {
	if len(code) != trace.CNCodeLen || !trace.AllDigits(code) {
		return labels.Label{}, false, nil
	}
	if err := trace.CheckCNCode(code); err != nil {
		return labels.Label{}, true, err
	}
	return labels.Label{Data: []byte(code), Caption: []string{
		code[:trace.CNProductLen] + " " + code[trace.CNProductLen:trace.CNProductLen+trace.CNSerialLen] + " " + code[trace.CNProductLen+trace.CNSerialLen:],
		"China drug traceability code"}}, true, nil
}

// demoCNLabels returns labels for the first n China-coded packs the demo
// ledger's pharmacy holds (ledger.DemoPharmacyCNPacks).
func demoCNLabels(n int) ([]labels.Label, error) {
	packs := ledger.DemoPharmacyCNPacks()
	if n < 1 || n > len(packs) {
		return nil, fmt.Errorf("--count %d: the demo pharmacy holds %d China-coded packs; ask for 1 to %d", n, len(packs), len(packs))
	}
	out := make([]labels.Label, 0, n)
	for _, p := range packs[:n] {
		l, _, err := cnLabel(p.Code)
		if err != nil {
			return nil, fmt.Errorf("demo pack %s: %w", p.Code, err)
		}
		l.Caption = append(l.Caption, "batch "+p.Batch+", expiry "+p.Expiry)
		out = append(out, l)
	}
	return out, nil
}

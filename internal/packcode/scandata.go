package packcode

import (
	"errors"
	"fmt"
	"strings"

	"github.com/medtrace/medtrace/internal/gs1"
)

// Barcode names a symbology for ScanData.
type Barcode string

// The symbologies ScanData can write scan data for.
const (
	BarcodeDataMatrix      Barcode = "datamatrix"
	BarcodeQR              Barcode = "qr"
	BarcodeDotCode         Barcode = "dotcode"
	BarcodeGS1128          Barcode = "gs1-128"
	BarcodeDataBarExpanded Barcode = "databar-expanded"
	BarcodeDataBarOmni     Barcode = "databar-omni"
	BarcodeDataBarLimited  Barcode = "databar-limited"
	BarcodeEAN13           Barcode = "ean-13"
	BarcodeEAN8            Barcode = "ean-8"
	BarcodeUPCA            Barcode = "upc-a"
	BarcodeUPCE            Barcode = "upc-e"
)

// ErrNoScanData is returned by ScanData when the data cannot be carried by
// the barcode; errors.Is tells it apart.
var ErrNoScanData = errors.New("no scan data for this barcode")

// ScanData returns what a scanner transmits (symbology identifier and data)
// when it reads barcode b holding data. data is written as GS1's syntax
// engine writes it: a leading GS (0x1D) means GS1 mode (FNC1 first), a later
// GS is an FNC1 separator, and for linear barcodes "primary|composite"
// joins a linear part and its 2D composite component. addCheckDigit lets
// EAN/UPC data omit its check digit. It lets scanner simulations and tests
// produce the exact input Parse receives.
func ScanData(b Barcode, data string, addCheckDigit bool) (string, error) {
	gs1Mode := strings.HasPrefix(data, "\x1d")
	linear, cc, hasCC := data, "", false
	if gs1Mode || isLinearBarcode(b) {
		if i := strings.IndexByte(data, '|'); i >= 0 && isLinearBarcode(b) {
			linear, cc, hasCC = data[:i], strings.TrimPrefix(data[i+1:], "\x1d"), true
		}
	}
	switch b {
	case BarcodeQR, BarcodeDataMatrix, BarcodeDotCode:
		ids := map[Barcode][2]string{BarcodeQR: {"]Q1", "]Q3"}, BarcodeDataMatrix: {"]d1", "]d2"}, BarcodeDotCode: {"]J0", "]J1"}}[b]
		if gs1Mode {
			return ids[1] + data[1:], nil
		}
		return ids[0] + data, nil
	case BarcodeGS1128, BarcodeDataBarExpanded:
		if !gs1Mode {
			return "", fmt.Errorf("%s carries GS1 data only (start the data with GS): %w", b, ErrNoScanData)
		}
		if !hasCC {
			if b == BarcodeGS1128 {
				return "]C1" + data[1:], nil
			}
			return "]e0" + data[1:], nil
		}
		return "]e0" + joinComposite(linear[1:], cc), nil
	case BarcodeDataBarOmni, BarcodeDataBarLimited:
		g, err := primaryGTIN(linear, 14)
		if err != nil {
			return "", err
		}
		if b == BarcodeDataBarLimited && g[0] > '1' {
			return "", fmt.Errorf("GS1 DataBar Limited carries GTINs starting with 0 or 1 only: %w", ErrNoScanData)
		}
		return "]e0" + "01" + g + cc, nil
	case BarcodeEAN13, BarcodeUPCA, BarcodeUPCE, BarcodeEAN8:
		n := map[Barcode]int{BarcodeEAN13: 13, BarcodeUPCA: 12, BarcodeUPCE: 12, BarcodeEAN8: 8}[b]
		if addCheckDigit && !strings.HasPrefix(linear, "\x1d") {
			if len(linear) != n-1 || !allDigits(linear) {
				return "", fmt.Errorf("%s needs %d digits before its check digit: %w", b, n-1, ErrNoScanData)
			}
			linear += string(gs1.CheckDigit(linear))
		}
		d, err := primaryGTIN(linear, n)
		if err != nil {
			return "", err
		}
		if b == BarcodeUPCE && !upcECompressible(d) {
			return "", fmt.Errorf("the UPC-A number %s cannot be written as UPC-E: %w", d, ErrNoScanData)
		}
		out := "]E0" + strings.Repeat("0", 13-len(d)) + d
		if b == BarcodeEAN8 {
			out = "]E4" + d
		}
		if hasCC {
			out += compositeSep + cc
		}
		return out, nil
	}
	return "", fmt.Errorf("barcode %q: %w", b, ErrNoScanData)
}

func isLinearBarcode(b Barcode) bool {
	switch b {
	case BarcodeGS1128, BarcodeDataBarExpanded, BarcodeDataBarOmni, BarcodeDataBarLimited,
		BarcodeEAN13, BarcodeEAN8, BarcodeUPCA, BarcodeUPCE:
		return true
	}
	return false
}

// primaryGTIN returns the n-digit primary number from "GS 01 GTIN-14" or
// from n plain digits, checking its check digit.
func primaryGTIN(s string, n int) (string, error) {
	if strings.HasPrefix(s, "\x1d01") {
		g := s[3:]
		if len(g) != 14 || !allDigits(g) || strings.Trim(g[:14-n], "0") != "" {
			return "", fmt.Errorf("(01) %q does not fit a %d-digit barcode: %w", g, n, ErrNoScanData)
		}
		s = g[14-n:]
	}
	if len(s) != n || !allDigits(s) {
		return "", fmt.Errorf("%q is not %d digits: %w", s, n, ErrNoScanData)
	}
	if !gs1.CheckDigitOK(s) {
		return "", fmt.Errorf("%q has a wrong check digit: %w", s, ErrNoScanData)
	}
	return s, nil
}

// joinComposite joins a linear element string and its composite component
// (both without leading FNC1) into one element string, adding the FNC1
// separator that a variable-length last linear field needs.
func joinComposite(linear, cc string) string {
	if linear == "" || strings.HasSuffix(linear, "\x1d") {
		return linear + cc
	}
	elems, _ := gs1.ParseElementString(linear, gs1.Options{PermitUnknownAIs: true})
	if len(elems) > 0 {
		if e, ok := gs1.Lookup(elems[len(elems)-1].AI); ok && e.Fixed {
			return linear + cc
		}
	}
	return linear + "\x1d" + cc
}

// upcECompressible reports whether a 12-digit UPC-A number can be written
// as UPC-E (zero suppression).
func upcECompressible(a string) bool {
	if len(a) != 12 || (a[0] != '0' && a[0] != '1') {
		return false
	}
	m, q := a[1:6], a[6:11]
	switch {
	case (m[2:] == "000" || m[2:] == "100" || m[2:] == "200") && q[:2] == "00":
		return true
	case m[3:] == "00" && q[:3] == "000":
		return true
	case m[4] == '0' && q[:4] == "0000":
		return true
	case m[4] != '0' && q[:4] == "0000" && q[4] >= '5':
		return true
	}
	return false
}

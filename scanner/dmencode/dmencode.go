// Package dmencode encodes messages as Data Matrix (ECC 200) module grids,
// including GS1 DataMatrix, which gozxing's writer cannot produce (it has no
// FNC1). Data is encoded in ASCII encodation (digit pairs packed, FNC1 for
// GS, upper shift for bytes above 127); gozxing supplies the symbol size
// table, Reed-Solomon error correction and module placement.
package dmencode

import (
	"errors"
	"fmt"
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing/datamatrix/encoder"
)

// Shape restricts the symbol shape.
type Shape int

// The shapes.
const (
	ShapeAny       Shape = iota // smallest symbol, square or rectangular
	ShapeSquare                 // square symbols only
	ShapeRectangle              // rectangular symbols only
)

// ErrTooLong is returned (wrapped) when the message does not fit the
// largest symbol.
var ErrTooLong = errors.New("message too long for a data matrix symbol")

// ErrEmpty is returned for an empty message.
var ErrEmpty = errors.New("empty message")

const (
	cwFNC1       = 232
	cwUpperShift = 235
	cwPad        = 129
	gs           = 0x1D
)

// Symbol is an encoded symbol: Modules[row][col] is true for a dark module.
// It has no quiet zone.
type Symbol struct {
	Modules    [][]bool
	Rows, Cols int
}

// Encode encodes data. With gs1 set the symbol starts with FNC1 (GS1
// DataMatrix, read back as ]d2) and each GS (0x1D) in data becomes an FNC1
// separator.
func Encode(data []byte, gs1 bool, shape Shape) (*Symbol, error) {
	if len(data) == 0 {
		return nil, ErrEmpty
	}
	cw := make([]byte, 0, len(data)+2)
	if gs1 {
		cw = append(cw, cwFNC1)
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case isDigit(c) && i+1 < len(data) && isDigit(data[i+1]):
			cw = append(cw, byte(130+int(c-'0')*10+int(data[i+1]-'0')))
			i++
		case c == gs && gs1:
			cw = append(cw, cwFNC1)
		case c >= 128:
			cw = append(cw, cwUpperShift, c-128+1)
		default:
			cw = append(cw, c+1)
		}
	}
	hint := encoder.SymbolShapeHint_FORCE_NONE
	switch shape {
	case ShapeSquare:
		hint = encoder.SymbolShapeHint_FORCE_SQUARE
	case ShapeRectangle:
		hint = encoder.SymbolShapeHint_FORCE_RECTANGLE
	}
	info, err := encoder.SymbolInfo_Lookup(len(cw), hint, nil, nil, false)
	if err != nil || info == nil {
		return nil, fmt.Errorf("%w: %d codewords", ErrTooLong, len(cw))
	}
	// Pad: the first pad is 129, the rest use the 253-state randomiser.
	if len(cw) < info.GetDataCapacity() {
		cw = append(cw, cwPad)
	}
	for len(cw) < info.GetDataCapacity() {
		v := cwPad + (149*(len(cw)+1))%253 + 1
		if v > 254 {
			v -= 254
		}
		cw = append(cw, byte(v))
	}
	full, err := encoder.ErrorCorrection_EncodeECC200(cw, info)
	if err != nil {
		return nil, fmt.Errorf("error correction: %w", err)
	}
	pl := encoder.NewDefaultPlacement(full, info.GetSymbolDataWidth(), info.GetSymbolDataHeight())
	pl.Place()
	return layout(pl, info), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// layout adds the finder and timing patterns around each data region.
func layout(pl *encoder.DefaultPlacement, info *encoder.SymbolInfo) *Symbol {
	rows, cols := info.GetSymbolHeight(), info.GetSymbolWidth()
	m := make([][]bool, rows)
	for i := range m {
		m[i] = make([]bool, cols)
	}
	dataW, dataH := info.GetSymbolDataWidth(), info.GetSymbolDataHeight()
	regW, regH := info.GetMatrixWidth(), info.GetMatrixHeight()
	my := 0
	for y := 0; y < dataH; y++ {
		if y%regH == 0 {
			for x := 0; x < cols; x++ {
				m[my][x] = x%2 == 0
			}
			my++
		}
		mx := 0
		for x := 0; x < dataW; x++ {
			if x%regW == 0 {
				m[my][mx] = true
				mx++
			}
			m[my][mx] = pl.GetBit(x, y)
			mx++
			if x%regW == regW-1 {
				m[my][mx] = y%2 == 0
				mx++
			}
		}
		my++
		if y%regH == regH-1 {
			for x := 0; x < cols; x++ {
				m[my][x] = true
			}
			my++
		}
	}
	return &Symbol{Modules: m, Rows: rows, Cols: cols}
}

// Image renders the symbol with module pixels per module and a quiet zone
// of quiet modules on every side.
func (s *Symbol) Image(module, quiet int) *image.Gray {
	if module < 1 {
		module = 1
	}
	w, h := (s.Cols+2*quiet)*module, (s.Rows+2*quiet)*module
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for r, row := range s.Modules {
		for c, dark := range row {
			if !dark {
				continue
			}
			for y := 0; y < module; y++ {
				for x := 0; x < module; x++ {
					img.SetGray((c+quiet)*module+x, (r+quiet)*module+y, color.Gray{})
				}
			}
		}
	}
	return img
}

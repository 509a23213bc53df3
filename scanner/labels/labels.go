// Package labels prints sheets of Data Matrix labels (PNG or PDF) for GS1
// pack codes, given or generated, so that the whole scanning flow can be
// tried with printed packs, a camera or a hardware scanner. Every symbol is
// decoded back before it is placed on a sheet.
package labels

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/medtrace/medtrace/internal/gs1"
	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/dmdecode"
	"github.com/medtrace/medtrace/scanner/dmencode"
)

// Label is one code to print.
type Label struct {
	// Data is the message; for GS1 an element string with GS separators
	// and no leading FNC1.
	Data []byte
	// GS1 makes the symbol a GS1 DataMatrix (FNC1 first, read as ]d2).
	GS1 bool
	// Caption lines printed under the symbol (e.g. the bracketed HRI).
	Caption []string
}

// ErrInvalidCode is returned (wrapped) for a GS1 code with problems.
var ErrInvalidCode = errors.New("invalid GS1 code")

// ErrVerify is returned (wrapped) when a rendered symbol does not decode
// back to its data.
var ErrVerify = errors.New("label does not decode back")

// FromGS1 builds a label from a GS1 code in bracketed form
// ("(01)09506000134352(17)291231(10)AB1(21)X") or as an element string
// (GS as byte 0x1D), after validating it.
func FromGS1(code string) (Label, error) {
	var elems []gs1.Element
	var probs []gs1.Problem
	if strings.HasPrefix(code, "(") {
		elems, probs = gs1.ParseBracketed(code, gs1.Options{})
	} else {
		elems, probs = gs1.ParseElementString(code, gs1.Options{})
	}
	if gs1.HasErrors(probs) || len(elems) == 0 {
		var msgs []string
		for _, p := range probs {
			msgs = append(msgs, p.Message)
		}
		return Label{}, fmt.Errorf("%w %q: %s", ErrInvalidCode, code, strings.Join(msgs, "; "))
	}
	return Label{Data: []byte(gs1.ElementString(elems)), GS1: true, Caption: []string{gs1.Bracketed(elems)}}, nil
}

// DefaultGTIN is the GS1 example GTIN used for generated codes.
const DefaultGTIN = "09506000134352"

// Generate makes n distinct GS1 pack codes (GTIN, expiry, batch, serial)
// for gtin (14 digits with a valid check digit), repeatable for a seed.
func Generate(n int, gtin string, seed uint64, now time.Time) ([]Label, error) {
	if len(gtin) != 14 || !gs1.CheckDigitOK(gtin) {
		return nil, fmt.Errorf("%w: GTIN %q needs 14 digits and a valid check digit", ErrInvalidCode, gtin)
	}
	if n < 1 || n > 10000 {
		return nil, fmt.Errorf("label count %d: want 1 to 10000", n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x6d6564))
	const alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
	expiry := now.AddDate(2, 0, 0).Format("060102")
	batch := fmt.Sprintf("B%05d", rng.IntN(100000))
	seen := map[string]bool{}
	var out []Label
	for len(out) < n {
		var sn strings.Builder
		for i := 0; i < 12; i++ {
			sn.WriteByte(alnum[rng.IntN(len(alnum))])
		}
		if seen[sn.String()] {
			continue
		}
		seen[sn.String()] = true
		l, err := FromGS1("(01)" + gtin + "(17)" + expiry + "(10)" + batch + "(21)" + sn.String())
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// Sheet is the page layout, in millimetres.
type Sheet struct {
	PageW, PageH float64 // A4 portrait: 210 x 297
	Margin       float64 // page margin
	Module       float64 // module size; 0.5 mm suits phone cameras, 0.3+ mm hardware scanners
	CellW, CellH float64 // one label's cell
	DPI          float64 // PNG resolution
}

// DefaultSheet is A4 with 0.5 mm modules, 4 columns, at 300 dpi.
func DefaultSheet() Sheet {
	return Sheet{PageW: 210, PageH: 297, Margin: 10, Module: 0.5, CellW: 47.5, CellH: 40, DPI: 300}
}

func (s Sheet) perPage() (cols, rows int) {
	cols = int((s.PageW - 2*s.Margin) / s.CellW)
	rows = int((s.PageH - 2*s.Margin) / s.CellH)
	return max(cols, 1), max(rows, 1)
}

// encoded is a verified symbol.
type encoded struct {
	l   Label
	sym *dmencode.Symbol
}

// encodeAll encodes every label and decodes it back.
func encodeAll(ctx context.Context, ls []Label) ([]encoded, error) {
	// No time budget: whether a label verifies must not depend on how
	// busy the machine is.
	dec := dmdecode.New(dmdecode.Options{Budget: dmdecode.NoBudget})
	out := make([]encoded, 0, len(ls))
	for i, l := range ls {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		sym, err := dmencode.Encode(l.Data, l.GS1, dmencode.ShapeSquare)
		if err != nil {
			return nil, fmt.Errorf("label %d: %w", i+1, err)
		}
		reads, err := dec.Decode(ctx, sym.Image(3, 2))
		want := scanner.SymDataMatrix
		if l.GS1 {
			want = scanner.SymGS1DataMatrix
		}
		if err != nil || !bytes.Equal(reads[0].Data, l.Data) || reads[0].Symbology != want {
			return nil, fmt.Errorf("label %d: %w (%v)", i+1, ErrVerify, err)
		}
		out = append(out, encoded{l: l, sym: sym})
	}
	return out, nil
}

// checkFits verifies the largest symbol fits a cell.
func (s Sheet) checkFits(es []encoded) error {
	if s.Module <= 0 || s.CellW <= 0 || s.CellH <= 0 || s.PageW <= 2*s.Margin || s.PageH <= 2*s.Margin {
		return fmt.Errorf("sheet layout %+v is not usable", s)
	}
	for i, e := range es {
		w := float64(e.sym.Cols+2) * s.Module
		h := float64(e.sym.Rows+2)*s.Module + 9
		if w > s.CellW || h > s.CellH {
			return fmt.Errorf("label %d: a %dx%d symbol at %.2f mm modules does not fit a %.1f x %.1f mm cell", i+1, e.sym.Rows, e.sym.Cols, s.Module, s.CellW, s.CellH)
		}
	}
	return nil
}

// WritePDF writes the labels as a PDF, as many pages as needed.
func WritePDF(ctx context.Context, w io.Writer, s Sheet, ls []Label) error {
	es, err := encodeAll(ctx, ls)
	if err != nil {
		return err
	}
	if err := s.checkFits(es); err != nil {
		return err
	}
	pdf := fpdf.NewCustom(&fpdf.InitType{UnitStr: "mm", Size: fpdf.SizeType{Wd: s.PageW, Ht: s.PageH}})
	pdf.SetMargins(0, 0, 0)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetCreator("MedTrace", true)
	pdf.SetFont("Helvetica", "", 6)
	pdf.SetFillColor(0, 0, 0)
	cols, rows := s.perPage()
	for i, e := range es {
		if i%(cols*rows) == 0 {
			pdf.AddPage()
		}
		k := i % (cols * rows)
		x0 := s.Margin + float64(k%cols)*s.CellW
		y0 := s.Margin + float64(k/cols)*s.CellH
		symW := float64(e.sym.Cols) * s.Module
		sx := x0 + (s.CellW-symW)/2
		sy := y0 + s.Module*2
		for r, row := range e.sym.Modules {
			for c := 0; c < len(row); {
				if !row[c] {
					c++
					continue
				}
				start := c
				for c < len(row) && row[c] {
					c++
				}
				pdf.Rect(sx+float64(start)*s.Module, sy+float64(r)*s.Module, float64(c-start)*s.Module, s.Module, "F")
			}
		}
		ty := sy + float64(e.sym.Rows)*s.Module + 3
		for _, line := range e.l.Caption {
			for _, part := range wrap(line, int(s.CellW/1.3)) {
				pdf.SetXY(x0, ty-1.5)
				pdf.CellFormat(s.CellW, 3, part, "", 0, "C", false, 0, "")
				ty += 2.6
			}
		}
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("write pdf: %w", err)
	}
	return nil
}

// RenderPNG renders the labels onto sheet images (one per page).
func RenderPNG(ctx context.Context, s Sheet, ls []Label) ([]*image.Gray, error) {
	es, err := encodeAll(ctx, ls)
	if err != nil {
		return nil, err
	}
	if err := s.checkFits(es); err != nil {
		return nil, err
	}
	if s.DPI <= 0 {
		return nil, fmt.Errorf("sheet DPI %.0f is not usable", s.DPI)
	}
	px := func(mm float64) int { return int(mm/25.4*s.DPI + 0.5) }
	module := px(s.Module)
	if module < 1 {
		return nil, fmt.Errorf("module %.2f mm is below one pixel at %.0f dpi", s.Module, s.DPI)
	}
	cols, rows := s.perPage()
	var pages []*image.Gray
	var page *image.Gray
	for i, e := range es {
		if i%(cols*rows) == 0 {
			page = image.NewGray(image.Rect(0, 0, px(s.PageW), px(s.PageH)))
			draw.Draw(page, page.Rect, image.White, image.Point{}, draw.Src)
			pages = append(pages, page)
		}
		k := i % (cols * rows)
		x0 := px(s.Margin + float64(k%cols)*s.CellW)
		y0 := px(s.Margin + float64(k/cols)*s.CellH)
		sym := e.sym.Image(module, 0)
		sx := x0 + (px(s.CellW)-sym.Rect.Dx())/2
		sy := y0 + 2*module
		draw.Draw(page, sym.Rect.Add(image.Pt(sx, sy)), sym, image.Point{}, draw.Src)
		d := font.Drawer{Dst: page, Src: image.NewUniform(color.Black), Face: basicfont.Face7x13}
		ty := sy + sym.Rect.Dy() + 16
		for _, line := range e.l.Caption {
			for _, part := range wrap(line, px(s.CellW)/7) {
				wpx := d.MeasureString(part).Round()
				d.Dot = fixed.P(x0+(px(s.CellW)-wpx)/2, ty)
				d.DrawString(part)
				ty += 14
			}
		}
	}
	return pages, nil
}

// WritePNG renders the labels and writes the first page as PNG; more than
// one page is an error (use RenderPNG, or WritePDF).
func WritePNG(ctx context.Context, w io.Writer, s Sheet, ls []Label) error {
	pages, err := RenderPNG(ctx, s, ls)
	if err != nil {
		return err
	}
	if len(pages) > 1 {
		cols, rows := s.perPage()
		return fmt.Errorf("%d labels need %d pages of %d; a PNG holds one page (write PDF, or fewer labels)", len(ls), len(pages), cols*rows)
	}
	if err := png.Encode(w, pages[0]); err != nil {
		return fmt.Errorf("write png: %w", err)
	}
	return nil
}

// wrap cuts s into pieces of at most n characters.
func wrap(s string, n int) []string {
	if n < 4 {
		n = 4
	}
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}

// MaxLabels bounds the labels one FileWriter sheet holds (one
// manufacturer's batch at a time).
const MaxLabels = 10000

// FileWriter writes label sheets as PDF files: the desktop app's label
// printer. The zero value uses DefaultSheet.
type FileWriter struct {
	Sheet Sheet // zero: DefaultSheet
}

// WriteLabels writes one label per code (a GS1 element string, GS between
// fields; its bracketed form printed under the symbol) as a PDF at path.
// Every code is checked and every symbol decoded back first; the file is
// written beside path and renamed over it, so a failure leaves no partial
// sheet.
func (w FileWriter) WriteLabels(ctx context.Context, path string, codes [][]byte) (err error) {
	if len(codes) == 0 || len(codes) > MaxLabels {
		return fmt.Errorf("%d labels: want 1 to %d", len(codes), MaxLabels)
	}
	ls := make([]Label, 0, len(codes))
	for _, c := range codes {
		l, err := FromGS1(string(c))
		if err != nil {
			return err
		}
		ls = append(ls, l)
	}
	sheet := w.Sheet
	if sheet == (Sheet{}) {
		sheet = DefaultSheet()
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".labels-*.pdf")
	if err != nil {
		return fmt.Errorf("label sheet: %w", err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name()) // the partial sheet; the error says what failed
		}
	}()
	if err := WritePDF(ctx, f, sheet, ls); err != nil {
		_ = f.Close() // the write failed already
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close() // the sync failed already
		return fmt.Errorf("label sheet: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("label sheet: %w", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("label sheet: %w", err)
	}
	return nil
}

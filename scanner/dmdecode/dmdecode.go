// Package dmdecode finds and decodes Data Matrix symbols (ECC 200, square
// and DMRE rectangles) in images. It runs gozxing's detector and decoder
// behind a multi-pass front end (binarizers, inversion, scaling, mirroring,
// several symbols per image) and its own locator for symbols that gozxing's
// detector cannot find; the error-corrected codewords are turned into exact
// bytes by its own message parser (GS1 FNC1, ECI, Base 256).
package dmdecode

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix/decoder"
	"github.com/makiuchi-d/gozxing/datamatrix/detector"

	"github.com/medtrace/medtrace/scanner"
)

// Options tune a Decoder.
type Options struct {
	// Budget bounds the time spent on the slower strategies of one image
	// once the first pass has failed; 0 means DefaultBudget, NoBudget (any
	// negative value) runs every strategy to the end. The first pass always
	// runs to the end. With a time budget the outcome for a hard image can
	// depend on the machine's speed and load; with NoBudget it depends on
	// the image alone (tests, batch decoding of files).
	Budget time.Duration
	// MaxSymbols is the most symbols returned per image; 0 means 16.
	MaxSymbols int
	// Strategies, when > 0, limits how many strategies (binarizer,
	// locator, inversion, scaling passes) run per image: for live camera
	// frames, where the next frame is a better second chance than a slow
	// pass. In frames of 640x480 and more the first is the locator, the
	// second gozxing's hybrid pass.
	Strategies int
	// All makes Decode look for every symbol in the image (a case of packs)
	// instead of stopping at the first.
	All bool
	// Limits bounds the images Decode accepts (MaxPixels, MaxSide; zero
	// fields are scanner's defaults): a larger image is refused with a
	// *scanner.ImageTooLargeError before any work. Images from files are
	// best loaded with scanner.LoadImage, which refuses them before their
	// pixels are decoded.
	Limits scanner.ImageLimits
}

// DefaultBudget is the time budget per image for the slower strategies.
const DefaultBudget = time.Second

// NoBudget as Options.Budget lifts the time limit: every strategy runs until
// one decodes (or ctx ends), so results do not depend on wall-clock time.
const NoBudget time.Duration = -1

// Decoder decodes Data Matrix symbols in images. A Decoder is not safe for
// concurrent use; make one per goroutine.
type Decoder struct {
	opts     Options
	dec      *decoder.Decoder
	deadline time.Time      // of the image being decoded: bounds the locator's candidates; zero with NoBudget
	more     []scanner.Read // further symbols the locator found in its pass (All)
}

// New returns a Decoder.
func New(opts Options) *Decoder {
	if opts.Budget == 0 {
		opts.Budget = DefaultBudget
	}
	if opts.MaxSymbols <= 0 {
		opts.MaxSymbols = 16
	}
	return &Decoder{opts: opts, dec: decoder.NewDecoder()}
}

// ErrUnsupportedECI is returned (wrapped) for a symbol whose ECI designator
// names an encoding MedTrace does not know, so its bytes cannot be trusted
// as text.
var ErrUnsupportedECI = errors.New("unsupported ECI")

// Decode returns every symbol found in img (at least one) or an error that
// wraps scanner.ErrNotFound (or scanner.ErrImageTooLarge for an image over
// Options.Limits). Reads carry Data, Symbology, Corners and Time;
// the caller sets Source. ctx cancels a long search.
func (d *Decoder) Decode(ctx context.Context, img image.Image) ([]scanner.Read, error) {
	b := img.Bounds()
	if err := d.opts.Limits.CheckSize(b.Dx(), b.Dy()); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return d.decodeGray(ctx, toGray(img))
}

// Gray is an 8-bit luminance image, row-major, Stride bytes per row.
type Gray struct {
	Pix    []byte
	Stride int
	W, H   int
}

// DecodeGray is Decode for a luminance image (e.g. the Y plane of a camera
// frame). It does not modify g.
func (d *Decoder) DecodeGray(ctx context.Context, g *Gray) ([]scanner.Read, error) {
	if err := d.opts.Limits.CheckSize(g.W, g.H); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	return d.decodeGray(ctx, g.compact())
}

// decodeGray decodes a compact (Stride == W) image it may modify.
func (d *Decoder) decodeGray(ctx context.Context, work *Gray) ([]scanner.Read, error) {
	var deadline time.Time
	if d.opts.Budget > 0 {
		deadline = time.Now().Add(d.opts.Budget)
	}
	d.deadline = deadline
	var reads []scanner.Read
	seen := map[string]bool{}
	var lastErr error
	for len(reads) < d.opts.MaxSymbols && (d.opts.All || len(reads) == 0) {
		d.more = d.more[:0]
		first, err := d.findOne(ctx, work, deadline, len(reads) > 0)
		if err != nil {
			if !errors.Is(err, scanner.ErrNotFound) || lastErr == nil {
				lastErr = err
			}
			break
		}
		for _, found := range append([]scanner.Read{first}, d.more...) {
			key := found.Symbology + string(found.Data)
			if !seen[key] && len(reads) < d.opts.MaxSymbols {
				seen[key] = true
				reads = append(reads, found)
			}
			if d.opts.All {
				work = work.erase(found.Corners)
			}
		}
	}
	if len(reads) == 0 {
		if lastErr == nil {
			lastErr = scanner.ErrNotFound
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("decode: %w", ctx.Err())
		}
		return nil, lastErr
	}
	now := time.Now()
	for i := range reads {
		reads[i].Time = now
	}
	return reads, nil
}

// strategy is one way of turning the luminance image into a symbol.
type strategy struct {
	name string
	run  func(d *Decoder, g *Gray) (scanner.Read, error)
}

// findOne tries the strategies in order, cheap first, until one decodes a
// symbol. After the first symbol of an image (again=true) only the cheap
// strategies run.
func (d *Decoder) findOne(ctx context.Context, g *Gray, deadline time.Time, again bool) (scanner.Read, error) {
	var firstErr error
	var spent time.Duration
	for i, s := range d.strategies(g) {
		// Stop when the budget is spent or the next strategy, taking as
		// long as the average so far, would overrun it.
		if i > 0 && (ctx.Err() != nil || d.overrun(deadline, spent/time.Duration(i))) {
			break
		}
		t0 := time.Now()
		if (again && i >= 2) || (d.opts.Strategies > 0 && i >= d.opts.Strategies) {
			break
		}
		r, err := s.run(d, g)
		spent += time.Since(t0)
		if err == nil {
			return r, nil
		}
		if firstErr == nil || (errors.Is(firstErr, scanner.ErrNotFound) && !errors.Is(err, scanner.ErrNotFound)) {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = scanner.ErrNotFound
	}
	return scanner.Read{}, firstErr
}

// overrun reports whether work taking next, started now, would end after
// deadline; never without a deadline (NoBudget).
func (d *Decoder) overrun(deadline time.Time, next time.Duration) bool {
	return !deadline.IsZero() && time.Now().Add(next).After(deadline)
}

func (d *Decoder) strategies(g *Gray) []strategy {
	hybrid := strategy{"hybrid", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.zx(g, binHybrid, false, true) }}
	locator := strategy{"locator", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.locate(g, false) }}
	first := []strategy{hybrid, locator}
	if g.W*g.H >= largeFrame {
		// In a camera-sized frame gozxing's detector, which grows a white
		// rectangle from the centre, rarely finds a small code in clutter:
		// the locator goes first.
		first = []strategy{locator, hybrid}
	}
	return append(first, []strategy{
		// Dot-printed symbols (inkjet, vials) are common on packs: their
		// passes come before the rarer cases.
		{"locator-dots1", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.locateDots(g, 1) }},
		{"locator-dots2", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.locateDots(g, 2) }},
		{"inverted", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.zx(g.inverted(), binHybrid, false, true) }},
		{"global", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.zx(g, binGlobal, false, true) }},
		{"pure", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.zx(g, binHybrid, true, true) }},
		{"locator-filled", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.locate(g, true) }},
		{"locator-up2", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.locateUp(g, 2) }},
		{"locator-dots3", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.locateDots(g, 3) }},
		{"locator-dots-smooth", func(d *Decoder, g *Gray) (scanner.Read, error) {
			return d.locateIn(binarize(g.blur3().blur3(), 24, false).closed(3))
		}},
		{"locator-up4", func(d *Decoder, g *Gray) (scanner.Read, error) {
			if g.W*g.H > 100_000 {
				return scanner.Read{}, scanner.ErrNotFound // a close-up of a tiny code only
			}
			return d.locateUp(g, 4)
		}},
		{"down2", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.scaled(g, 2, false) }},
		{"up2", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.scaled(g, -2, false) }},
		{"down3", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.scaled(g, 3, false) }},
		{"inverted-global", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.zx(g.inverted(), binGlobal, false, true) }},
		{"down4", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.scaled(g, 4, false) }},
		{"up3", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.scaled(g, -3, false) }},
		{"locator-inverted", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.locate(g.inverted(), false) }},
		{"down2-inverted", func(d *Decoder, g *Gray) (scanner.Read, error) { return d.scaled(g, 2, true) }},
	}...)
}

// largeFrame is the pixel count above which the locator runs first (camera
// frames from 640x480 up).
const largeFrame = 300_000

type binarizer uint8

const (
	binHybrid binarizer = iota
	binGlobal
)

func (g *Gray) source() gozxing.LuminanceSource {
	src, _ := gozxing.NewPlanarYUVLuminanceSource(g.Pix, g.W, g.H, 0, 0, g.W, g.H, false)
	return src
}

func (g *Gray) blackMatrix(b binarizer) (*gozxing.BitMatrix, error) {
	var bin gozxing.Binarizer
	if b == binGlobal {
		bin = gozxing.NewGlobalHistgramBinarizer(g.source())
	} else {
		bin = gozxing.NewHybridBinarizer(g.source())
	}
	return bin.GetBlackMatrix()
}

// zx runs gozxing's detector (or its pure-barcode extractor) on a binarized
// image and decodes the bits, trying the mirror image too when mirror is set.
func (d *Decoder) zx(g *Gray, b binarizer, pure, mirror bool) (scanner.Read, error) {
	bm, err := g.blackMatrix(b)
	if err != nil {
		return scanner.Read{}, fmt.Errorf("binarize: %w", scanner.ErrNotFound)
	}
	if pure {
		bits, corners, err := extractPure(bm)
		if err != nil {
			return scanner.Read{}, err
		}
		return d.decodeBits(bits, corners, mirror)
	}
	det, err := detector.NewDetector(bm)
	if err != nil {
		return scanner.Read{}, fmt.Errorf("detector: %w", scanner.ErrNotFound)
	}
	res, err := det.Detect()
	if err != nil {
		return scanner.Read{}, fmt.Errorf("detect: %w", scanner.ErrNotFound)
	}
	var corners []scanner.Point
	for _, p := range res.GetPoints() {
		corners = append(corners, scanner.Point{X: p.GetX(), Y: p.GetY()})
	}
	return d.decodeBits(res.GetBits(), corners, mirror)
}

// scaled runs the hybrid pass on g shrunk by f (f > 1) or enlarged by -f
// (f < -1), optionally inverted, and maps the corners back.
func (d *Decoder) scaled(g *Gray, f int, invert bool) (scanner.Read, error) {
	var s *Gray
	var k float64
	if f > 1 {
		if g.W/f < 20 || g.H/f < 20 {
			return scanner.Read{}, scanner.ErrNotFound
		}
		s, k = g.down(f), float64(f)
	} else {
		if g.W*g.H*f*f > 4000*4000 {
			return scanner.Read{}, scanner.ErrNotFound
		}
		s, k = g.up(-f), 1/float64(-f)
	}
	if invert {
		s = s.inverted()
	}
	r, err := d.zx(s, binHybrid, false, true)
	if err != nil {
		return r, err
	}
	for i := range r.Corners {
		r.Corners[i].X *= k
		r.Corners[i].Y *= k
	}
	return r, nil
}

// decodeBits decodes a sampled module grid (true = dark), trying its mirror
// image when mirror is set.
func (d *Decoder) decodeBits(bits *gozxing.BitMatrix, corners []scanner.Point, mirror bool) (scanner.Read, error) {
	res, err := d.dec.Decode(bits)
	used := bits
	if err != nil && mirror {
		for _, anti := range []bool{false, true} {
			if t := transpose(bits, anti); t != nil {
				if res2, err2 := d.dec.Decode(t); err2 == nil {
					res, err, used = res2, nil, t
					break
				}
			}
		}
	}
	if err != nil {
		return scanner.Read{}, fmt.Errorf("decode: %w: %v", scanner.ErrNotFound, err)
	}
	if s := frameScore(used); s < minFrameScore(used) {
		// Reed-Solomon of a small symbol leaves a real chance that a grid
		// sampled from something else (part of a larger symbol, a screen's
		// pixel grid) decodes; such a grid rarely has a clean finder and
		// timing pattern around it.
		return scanner.Read{}, fmt.Errorf("decode: %w: frame of the decoded grid only %.0f%% right", scanner.ErrNotFound, 100*s)
	}
	msg, err := parseMessage(res.GetRawBytes())
	if err != nil {
		return scanner.Read{}, err
	}
	r := scanner.Read{Data: msg.data, Symbology: msg.symbology, Corners: corners, ECI: msg.eci}
	if len(msg.eci) > 0 {
		// Known character sets become UTF-8; unknown ECIs and binary keep
		// the raw bytes (Text then reports why they are not text).
		if t, err := Text(r); err == nil {
			r.Data = []byte(t)
		}
	}
	return r, nil
}

// transpose mirrors a module grid about its main diagonal, or about its
// anti-diagonal when anti is set: the two ways a mirrored symbol can come
// out of a detector that put the finder at the left and bottom.
func transpose(b *gozxing.BitMatrix, anti bool) *gozxing.BitMatrix {
	w, h := b.GetWidth(), b.GetHeight()
	t, err := gozxing.NewBitMatrix(h, w)
	if err != nil {
		return nil
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if b.Get(x, y) {
				if anti {
					t.Set(h-1-y, w-1-x)
				} else {
					t.Set(y, x)
				}
			}
		}
	}
	return t
}

// extractPure reads an upright, unskewed symbol that fills a clean image:
// gozxing's pure-barcode path, with its corners.
func extractPure(img *gozxing.BitMatrix) (*gozxing.BitMatrix, []scanner.Point, error) {
	lt := img.GetTopLeftOnBit()
	rb := img.GetBottomRightOnBit()
	if lt == nil || rb == nil {
		return nil, nil, scanner.ErrNotFound
	}
	w := img.GetWidth()
	x, y := lt[0], lt[1]
	for x < w && img.Get(x, y) {
		x++
	}
	if x == w || x == lt[0] {
		return nil, nil, scanner.ErrNotFound
	}
	ms := x - lt[0]
	// The finder's top-left module run includes the first timing module.
	left, top, right, bottom := lt[0], lt[1], rb[0], rb[1]
	mw, mh := (right-left+1)/ms, (bottom-top+1)/ms
	if mw < 8 || mh < 8 || mw > 144 || mh > 144 {
		return nil, nil, scanner.ErrNotFound
	}
	bits, _ := gozxing.NewBitMatrix(mw, mh)
	n := ms / 2
	for j := 0; j < mh; j++ {
		for i := 0; i < mw; i++ {
			if img.Get(left+n+i*ms, top+n+j*ms) {
				bits.Set(i, j)
			}
		}
	}
	corners := []scanner.Point{{X: float64(left), Y: float64(top)}, {X: float64(right), Y: float64(top)},
		{X: float64(right), Y: float64(bottom)}, {X: float64(left), Y: float64(bottom)}}
	return bits, corners, nil
}

// frameScore is the fraction of a sampled grid's outer modules that match
// the Data Matrix frame: a solid finder on the left column and bottom row,
// alternating timing on the top row and right column.
func frameScore(b *gozxing.BitMatrix) float64 {
	w, h := b.GetWidth(), b.GetHeight()
	ok, n := 0, 0
	for x := 0; x < w; x++ {
		if b.Get(x, h-1) {
			ok++
		}
		if b.Get(x, 0) == (x%2 == 0) {
			ok++
		}
		n += 2
	}
	for y := 0; y < h; y++ {
		if b.Get(0, y) {
			ok++
		}
		if b.Get(w-1, y) == (y%2 == 1) {
			ok++
		}
		n += 2
	}
	return float64(ok) / float64(n)
}

// minFrameScore is the least frameScore a decoded grid must have: higher
// for the small symbols whose few error correction codewords make a false
// decode likelier.
func minFrameScore(b *gozxing.BitMatrix) float64 {
	if b.GetWidth()*b.GetHeight() <= 16*16 {
		return 0.9
	}
	return 0.75
}

package scanner

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif" // GIF input
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"strings"

	_ "golang.org/x/image/webp" // WebP input
)

// Default bounds of one image. A camera frame is at most a few megapixels
// (4K UHD: 8.3 MP), a phone photo up to 48 MP (8000x6000); an image that
// declares more is refused before its pixels are decoded.
const (
	DefaultMaxPixels = 50_000_000 // width x height
	DefaultMaxSide   = 20_000     // pixels along the longer side
	DefaultMaxBytes  = 128 << 20  // encoded file size
	// DefaultMaxMemory bounds the decoded pixels in memory, estimated
	// from the header before decoding: a 16-bit RGBA pixel takes 8 bytes
	// (so such PNGs stop at 33 MP), a progressive JPEG keeps 4 bytes per
	// coefficient as well. With the decoder's own work one image then
	// stays under 500 MB resident (docs/scanner.md, Bounded input).
	DefaultMaxMemory = 256 << 20
)

// ImageLimits bounds what one image may cost. A zero field means its
// default; a negative field lifts that bound.
type ImageLimits struct {
	MaxPixels int64 // width x height
	MaxSide   int   // longer side in pixels
	MaxBytes  int64 // encoded size in bytes
	MaxMemory int64 // estimated bytes of the decoded image
}

// Resolved returns l with zero fields replaced by the defaults.
func (l ImageLimits) Resolved() ImageLimits {
	if l.MaxPixels == 0 {
		l.MaxPixels = DefaultMaxPixels
	}
	if l.MaxSide == 0 {
		l.MaxSide = DefaultMaxSide
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxMemory == 0 {
		l.MaxMemory = DefaultMaxMemory
	}
	return l
}

// ErrImageTooLarge is matched (errors.Is) by every *ImageTooLargeError.
var ErrImageTooLarge = errors.New("image too large")

// ImageTooLargeError tells which bound an image broke: its declared size
// (Width x Height), its encoded size (Bytes) or its estimated decoded
// size (Memory), and the limits in force.
type ImageTooLargeError struct {
	Width, Height int   // declared dimensions; 0 when refused for its file size
	Bytes         int64 // encoded size; 0 when not the reason
	Memory        int64 // estimated decoded bytes; 0 when not the reason
	Limits        ImageLimits
}

// Error names the size and the limit.
func (e *ImageTooLargeError) Error() string {
	l := e.Limits
	switch {
	case e.Bytes > 0:
		return fmt.Sprintf("image file of %d bytes is over the limit of %d bytes", e.Bytes, l.MaxBytes)
	case e.Memory > 0:
		return fmt.Sprintf("image of %dx%d pixels would take %d MiB decoded, over the limit of %d MiB",
			e.Width, e.Height, (e.Memory+1<<20-1)>>20, l.MaxMemory>>20)
	}
	var bounds []string
	if l.MaxPixels > 0 {
		bounds = append(bounds, fmt.Sprintf("%.1f megapixels", float64(l.MaxPixels)/1e6))
	}
	if l.MaxSide > 0 {
		bounds = append(bounds, fmt.Sprintf("%d pixels a side", l.MaxSide))
	}
	return fmt.Sprintf("image of %dx%d pixels (%.1f megapixels) is over the limit of %s",
		e.Width, e.Height, float64(e.Width)*float64(e.Height)/1e6, strings.Join(bounds, " and "))
}

// Is reports whether target is ErrImageTooLarge.
func (e *ImageTooLargeError) Is(target error) bool { return target == ErrImageTooLarge }

// CheckSize returns an *ImageTooLargeError when a w x h image breaks the
// pixel or side bounds of l.
func (l ImageLimits) CheckSize(w, h int) error {
	l = l.Resolved()
	if w < 0 || h < 0 ||
		(l.MaxSide > 0 && (w > l.MaxSide || h > l.MaxSide)) ||
		(l.MaxPixels > 0 && int64(w)*int64(h) > l.MaxPixels) {
		return &ImageTooLargeError{Width: w, Height: h, Limits: l}
	}
	return nil
}

// check is CheckSize plus the memory estimate of a decoded image.
func (l ImageLimits) check(format string, cfg image.Config, h headerFacts) error {
	l = l.Resolved()
	if err := l.CheckSize(cfg.Width, cfg.Height); err != nil {
		return err
	}
	if l.MaxMemory < 0 {
		return nil
	}
	mem := int64(float64(cfg.Width) * float64(cfg.Height) * decodedCost(format, cfg.ColorModel, h))
	if h.interlaced {
		mem += mem / 2 // the passes are decoded apart, then merged
	}
	if mem > l.MaxMemory {
		return &ImageTooLargeError{Width: cfg.Width, Height: cfg.Height, Memory: mem, Limits: l}
	}
	return nil
}

// decodedCost is an upper bound of the bytes per pixel the standard
// decoders allocate for an image of this format and colour model.
func decodedCost(format string, m color.Model, h headerFacts) float64 {
	if format == "jpeg" && h.comps > 0 {
		out := h.planes // grey, or Y, Cb, Cr at their subsampling
		if h.comps == 4 {
			out += 4 // CMYK is made from the planes
		}
		if h.progressive {
			out += 4 * h.planes // int32 coefficients kept between scans
		}
		return out
	}
	var px float64
	switch m {
	case color.GrayModel:
		px = 1
		if format == "png" {
			px = 4 // with a tRNS chunk grey decodes to NRGBA
		}
	case color.Gray16Model:
		px = 2
		if format == "png" {
			px = 8 // and 16-bit grey to NRGBA64
		}
	case color.YCbCrModel:
		px = 3
	case color.RGBAModel, color.NRGBAModel, color.CMYKModel:
		px = 4
	default:
		if _, ok := m.(color.Palette); ok {
			px = 1
		} else {
			px = 8 // RGBA64, NRGBA64 and anything unknown
		}
	}
	if format == "webp" {
		px++ // a lossy WebP with alpha: YCbCr + alpha plane
	}
	return px
}

// DecodeImage decodes a PNG, JPEG, WebP or GIF image held in memory after
// checking its declared dimensions against l. It returns the image and its
// format name ("png", "jpeg", "webp", "gif").
func DecodeImage(data []byte, l ImageLimits) (image.Image, string, error) {
	l = l.Resolved()
	if l.MaxBytes > 0 && int64(len(data)) > l.MaxBytes {
		return nil, "", &ImageTooLargeError{Bytes: int64(len(data)), Limits: l}
	}
	return decodeBounded(bytes.NewReader(data), l)
}

// LoadImage reads and decodes the image file at path within l: a file over
// MaxBytes is not read, an image whose header declares more than MaxPixels
// or MaxSide, or whose decoded pixels would take more than MaxMemory, is
// not decoded. Errors wrap ErrImageTooLarge (an *ImageTooLargeError) or say
// why the file is not a readable image. The standard decoders take no
// context: ctx is checked before the file is opened.
func LoadImage(ctx context.Context, path string, l ImageLimits) (image.Image, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	l = l.Resolved()
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer func() { _ = f.Close() }() // read only
	st, err := f.Stat()
	if err != nil {
		return nil, "", err
	}
	if !st.Mode().IsRegular() {
		// A pipe or device: read at most MaxBytes (+1 to tell) into memory.
		r := io.Reader(f)
		if l.MaxBytes > 0 {
			r = io.LimitReader(f, l.MaxBytes+1)
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, "", err
		}
		return DecodeImage(data, l)
	}
	if l.MaxBytes > 0 && st.Size() > l.MaxBytes {
		return nil, "", &ImageTooLargeError{Bytes: st.Size(), Limits: l}
	}
	size := st.Size()
	if l.MaxBytes > 0 {
		size = min(size, l.MaxBytes)
	}
	return decodeBounded(io.NewSectionReader(f, 0, size), l)
}

// decodeBounded reads the header from r, checks it against l (resolved),
// then decodes from the start of r.
func decodeBounded(r io.ReadSeeker, l ImageLimits) (image.Image, string, error) {
	cfg, format, err := image.DecodeConfig(bufio.NewReader(r))
	if err != nil {
		return nil, "", fmt.Errorf("read image header: %w", err)
	}
	var facts headerFacts
	if format == "jpeg" || format == "png" {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, "", err
		}
		if facts, err = readHeaderFacts(format, bufio.NewReader(r)); err != nil {
			return nil, "", fmt.Errorf("read image header: %w", err)
		}
	}
	if err := l.check(format, cfg, facts); err != nil {
		return nil, format, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, "", err
	}
	img, format, err := image.Decode(bufio.NewReader(r))
	if err != nil {
		return nil, format, fmt.Errorf("read image: %w", err)
	}
	// The decoders allocate what the header declared; a decoded image of
	// another size means a decoder read the header differently.
	if b := img.Bounds(); b.Dx() != cfg.Width || b.Dy() != cfg.Height {
		if err := l.CheckSize(b.Dx(), b.Dy()); err != nil {
			return nil, format, err
		}
	}
	return img, format, nil
}

// headerFacts are what image.DecodeConfig does not tell but the decoders'
// memory depends on.
type headerFacts struct {
	interlaced  bool    // PNG: Adam7
	progressive bool    // JPEG: SOF2, coefficients kept between scans
	comps       int     // JPEG: components (1 grey, 3 YCbCr, 4 CMYK)
	planes      float64 // JPEG: the components' sizes over the image's (3 at 4:4:4, 1.5 at 4:2:0)
}

func readHeaderFacts(format string, r *bufio.Reader) (headerFacts, error) {
	if format == "png" {
		// Signature (8), IHDR length and type (8), width, height (8), bit
		// depth, colour type, compression, filter, interlace method.
		b, err := r.Peek(29)
		if err != nil {
			return headerFacts{}, err
		}
		return headerFacts{interlaced: b[28] != 0}, nil
	}
	return jpegFrame(r)
}

// jpegFrame reads a JPEG stream's frame header (SOFn), walking the marker
// segments before it: progressive or not, and each component's sampling.
func jpegFrame(r *bufio.Reader) (headerFacts, error) {
	var b [2]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return headerFacts{}, err
	}
	if b[0] != 0xFF || b[1] != 0xD8 {
		return headerFacts{}, errors.New("jpeg: missing SOI marker")
	}
	for {
		c, err := r.ReadByte()
		if err != nil {
			return headerFacts{}, err
		}
		if c != 0xFF {
			continue // stray byte; the decoder skips these too
		}
		m, err := r.ReadByte()
		for err == nil && m == 0xFF { // fill bytes
			m, err = r.ReadByte()
		}
		if err != nil {
			return headerFacts{}, err
		}
		switch {
		case m == 0x00 || m == 0x01 || (m >= 0xD0 && m <= 0xD8):
			continue // no length field
		case m == 0xD9 || m == 0xDA:
			return headerFacts{}, errors.New("jpeg: no frame header before the scan")
		}
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return headerFacts{}, err
		}
		n := int(b[0])<<8 | int(b[1])
		if n < 2 {
			return headerFacts{}, errors.New("jpeg: short marker segment")
		}
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			seg := make([]byte, n-2)
			if _, err := io.ReadFull(r, seg); err != nil {
				return headerFacts{}, err
			}
			return sofFacts(m, seg)
		}
		if _, err := r.Discard(n - 2); err != nil {
			return headerFacts{}, err
		}
	}
}

// sofFacts reads a SOFn segment (after its length): precision, height,
// width, component count, then per component id, sampling factors (h<<4 |
// v), table.
func sofFacts(marker byte, seg []byte) (headerFacts, error) {
	if len(seg) < 6 || len(seg) < 6+3*int(seg[5]) || seg[5] == 0 {
		return headerFacts{}, errors.New("jpeg: short frame header")
	}
	f := headerFacts{progressive: marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE, comps: int(seg[5])}
	hmax, vmax := 1, 1
	for i := range f.comps {
		s := seg[6+3*i+1]
		hmax, vmax = max(hmax, int(s>>4)), max(vmax, int(s&15))
	}
	for i := range f.comps {
		s := seg[6+3*i+1]
		f.planes += float64(max(1, int(s>>4))*max(1, int(s&15))) / float64(hmax*vmax)
	}
	return f, nil
}

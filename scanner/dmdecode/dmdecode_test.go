package dmdecode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing/datamatrix/encoder"

	"github.com/medtrace/medtrace/scanner"
	"github.com/medtrace/medtrace/scanner/dmencode"
)

const packCode = "0109506000134352172912311" + "0AB12C" + "\x1d" + "21SN7730519"

func TestDecodeDistortions(t *testing.T) {
	base := func(m int) *image.Gray { return symbolImage(t, packCode, true, dmencode.ShapeSquare, m, 4) }
	tests := []struct {
		name      string
		img       func(t *testing.T) image.Image
		data, sym string // default: packCode, ]d2
	}{
		{name: "clean", img: func(t *testing.T) image.Image { return base(6) }},
		{name: "2px modules", img: func(t *testing.T) image.Image { return base(2) }},
		{name: "1.5px modules", img: func(t *testing.T) image.Image { return scaled(base(6), 0.25) }},
		{name: "huge modules", img: func(t *testing.T) image.Image { return base(40) }},
		{name: "rotated 30", img: func(t *testing.T) image.Image { return rotated(base(6), 30) }},
		{name: "rotated 137", img: func(t *testing.T) image.Image { return rotated(base(6), 137) }},
		{name: "rotated 271", img: func(t *testing.T) image.Image { return rotated(base(5), 271) }},
		{name: "mirrored", img: func(t *testing.T) image.Image { return mirrored(base(5)) }},
		{name: "inverted", img: func(t *testing.T) image.Image { return inverted(base(5)) }},
		{name: "inverted rotated", img: func(t *testing.T) image.Image { return inverted(rotated(base(5), 20)) }},
		{name: "blur", img: func(t *testing.T) image.Image { return blurred(base(6), 2) }},
		{name: "noise", img: func(t *testing.T) image.Image { return noisy(base(6), 60, 1) }},
		{name: "low contrast", img: func(t *testing.T) image.Image { return contrast(base(6), 110, 150) }},
		{name: "uneven light", img: func(t *testing.T) image.Image { return unevenLight(base(6)) }},
		{name: "perspective", img: func(t *testing.T) image.Image { return perspective(base(8), 0.12) }},
		{name: "jpeg q25", img: func(t *testing.T) image.Image { return jpegged(t, rotated(base(4), 12), 25) }},
		{name: "rectangle DMRE-sized", img: func(t *testing.T) image.Image {
			return rotated(symbolImage(t, packCode, true, dmencode.ShapeRectangle, 5, 3), 8)
		}},
		{name: "top-right corner wiped", img: func(t *testing.T) image.Image {
			img := base(6)
			n := img.Rect.Dx()/6 - 8 // modules across the symbol
			for y := 4 * 6; y < (4+5)*6; y++ {
				for x := (4 + n - 5) * 6; x < (4+n)*6; x++ {
					img.Pix[y*img.Stride+x] = 255
				}
			}
			return rotated(img, 17)
		}},
		{name: "bent 2x2-region symbol", img: func(t *testing.T) image.Image {
			return bent(symbolImage(t, strings.Repeat("0123456789ABCDEFGHIJ", 4), false, dmencode.ShapeSquare, 6, 4), 7)
		}, data: strings.Repeat("0123456789ABCDEFGHIJ", 4), sym: scanner.SymDataMatrix},
		{name: "small code in cluttered 1280x720", img: func(t *testing.T) image.Image {
			f := clutterFrame(1280, 720, 3)
			paste(f, base(3), 700, 300, 17)
			return f
		}},
	}
	// No time budget: the outcome depends on the images alone, not on
	// machine load or -race.
	d := New(Options{Budget: NoBudget})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img := tc.img(t)
			reads, err := d.Decode(context.Background(), img)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			r := reads[0]
			data, sym := packCode, scanner.SymGS1DataMatrix
			if tc.data != "" {
				data, sym = tc.data, tc.sym
			}
			if string(r.Data) != data || r.Symbology != sym {
				t.Fatalf("got %s %q", r.Symbology, r.Data)
			}
			if len(r.Corners) != 4 && len(r.Corners) != 3 {
				t.Errorf("corners = %v", r.Corners)
			}
		})
	}
}

// TestBudget: a spent time budget stops the slower strategies (40-pixel
// modules need the late "filled" locator pass); NoBudget runs them all.
// A budget of 1 ns is spent once the first strategy has run, on any
// machine, so the outcome does not depend on load.
func TestBudget(t *testing.T) {
	img := symbolImage(t, packCode, true, dmencode.ShapeSquare, 40, 4)
	tests := []struct {
		name   string
		budget time.Duration
		found  bool
	}{
		{name: "no budget", budget: NoBudget, found: true},
		{name: "spent budget", budget: time.Nanosecond, found: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reads, err := New(Options{Budget: tc.budget}).Decode(context.Background(), img)
			if tc.found && (err != nil || string(reads[0].Data) != packCode) {
				t.Fatalf("got %v, %v", reads, err)
			}
			if !tc.found && !errors.Is(err, scanner.ErrNotFound) {
				t.Fatalf("got %v, %v; want not found", reads, err)
			}
		})
	}
}

func TestDecodeSeveralSymbols(t *testing.T) {
	// A case of packs: twelve codes in one 1920x1080 frame, each turned a
	// little, in clutter.
	var codes []string
	frame := clutterFrame(1920, 1080, 9)
	for i := 0; i < 12; i++ {
		c := fmt.Sprintf("0104150000000017\x1d21PACK%03d", i)
		codes = append(codes, c)
		paste(frame, symbolImage(t, c, true, dmencode.ShapeSquare, 4, 2), 120+(i%4)*440, 80+(i/4)*330, float64(i*7-30))
	}
	reads, err := New(Options{Budget: NoBudget, All: true}).Decode(context.Background(), frame)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range reads {
		got[string(r.Data)] = true
	}
	for _, c := range codes {
		if !got[c] {
			t.Errorf("missing %q (got %d reads)", c, len(reads))
		}
	}
	if len(reads) != len(codes) {
		t.Errorf("%d reads, want %d", len(reads), len(codes))
	}
}

func TestDecodeNothing(t *testing.T) {
	tests := []struct {
		name string
		img  image.Image
	}{
		{name: "blank", img: newCanvas(300, 200, 255)},
		{name: "clutter", img: clutterFrame(640, 480, 5)},
		{name: "tiny", img: newCanvas(3, 3, 0)},
	}
	d := New(Options{})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Decode(context.Background(), tc.img)
			if !errors.Is(err, scanner.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestDecodeCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := New(Options{}).Decode(ctx, clutterFrame(640, 480, 5))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// cw turns values into codewords.
func cw(v ...int) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}

func highLevel(t *testing.T, msg string) []byte {
	t.Helper()
	b, err := encoder.EncodeHighLevel(msg, encoder.SymbolShapeHint_FORCE_NONE, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name    string
		cw      func(t *testing.T) []byte
		want    string
		sym     string
		eci     []scanner.ECISegment
		init    bool
		wantErr bool
	}{
		{name: "ascii digits", cw: func(*testing.T) []byte { return cw(142, 164, 129) }, want: "1234", sym: "]d1"},
		{name: "gs1 with separator", cw: func(*testing.T) []byte { return cw(232, 131, 232, 142, 129) }, want: "01\x1d12", sym: "]d2"},
		{name: "upper shift", cw: func(*testing.T) []byte { return cw(235, 66) }, want: "\xc1", sym: "]d1"},
		{name: "c40", cw: func(t *testing.T) []byte { return highLevel(t, "ABCDEFGHIJKLMNOP") }, want: "ABCDEFGHIJKLMNOP", sym: "]d1"},
		{name: "text", cw: func(t *testing.T) []byte { return highLevel(t, "abcdefghijklmnopq") }, want: "abcdefghijklmnopq", sym: "]d1"},
		{name: "x12", cw: func(t *testing.T) []byte { return highLevel(t, "ABC>ABC123>AB*X12>") }, want: "ABC>ABC123>AB*X12>", sym: "]d1"},
		{name: "edifact", cw: func(t *testing.T) []byte { return highLevel(t, ".A.C1.3.DATA.123DATA.123DATA") }, want: ".A.C1.3.DATA.123DATA.123DATA", sym: "]d1"},
		{name: "base256", cw: func(*testing.T) []byte { return cw(231, 47, 108, 59, 235) }, want: "\xab\xe4\xff", sym: "]d1"},
		{name: "latin1 high level", cw: func(t *testing.T) []byte { return highLevel(t, "«äöüé»«äöüé»") }, want: "\xab\xe4\xf6\xfc\xe9\xbb\xab\xe4\xf6\xfc\xe9\xbb", sym: "]d1"},
		{name: "macro 06", cw: func(*testing.T) []byte { return cw(237, 'A'+1) }, want: "[)>\x1e06\x1dA\x1e\x04", sym: "]d1"},
		{name: "reader init", cw: func(*testing.T) []byte { return cw(234, 'X'+1) }, want: "X", sym: "]d1", init: true},
		{name: "eci 26", cw: func(*testing.T) []byte { return cw(241, 27, 'A'+1) }, want: "A", sym: "]d4",
			eci: []scanner.ECISegment{{Designator: 26, Data: []byte("A")}}},
		{name: "gs1 with eci", cw: func(*testing.T) []byte { return cw(232, 241, 4, 131) }, want: "01", sym: "]d5",
			eci: []scanner.ECISegment{{Designator: 3, Data: []byte("01")}}},
		{name: "codeword zero", cw: func(*testing.T) []byte { return cw(0) }, wantErr: true},
		{name: "truncated eci", cw: func(*testing.T) []byte { return cw(241) }, wantErr: true},
		{name: "base256 too long", cw: func(*testing.T) []byte { return cw(231, 50) }, wantErr: true},
		{name: "misplaced macro", cw: func(*testing.T) []byte { return cw(66, 236) }, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseMessage(tc.cw(t))
			if tc.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(m.data) != tc.want || m.symbology != tc.sym || m.readerInit != tc.init {
				t.Fatalf("got %s %q init=%v, want %s %q init=%v", m.symbology, m.data, m.readerInit, tc.sym, tc.want, tc.init)
			}
			if len(m.eci) != len(tc.eci) {
				t.Fatalf("eci = %+v, want %+v", m.eci, tc.eci)
			}
			for i := range tc.eci {
				if m.eci[i].Designator != tc.eci[i].Designator || !bytes.Equal(m.eci[i].Data, tc.eci[i].Data) {
					t.Errorf("eci[%d] = %+v, want %+v", i, m.eci[i], tc.eci[i])
				}
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name    string
		r       scanner.Read
		want    string
		wantErr error
	}{
		{name: "plain utf8", r: scanner.Read{Data: []byte("Grüße")}, want: "Grüße"},
		{name: "latin1 default", r: scanner.Read{Data: []byte("Gr\xfc\xdfe")}, want: "Grüße"},
		{name: "iso-8859-5", r: scanner.Read{ECI: []scanner.ECISegment{{Designator: -1, Data: []byte{0xb6}}, {Designator: 7, Data: []byte{0xb6}}}}, want: "¶Ж"},
		{name: "unknown eci", r: scanner.Read{ECI: []scanner.ECISegment{{Designator: 900, Data: []byte("x")}}}, wantErr: ErrUnsupportedECI},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Text(tc.r)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Text = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// FuzzParseMessage checks the message parser never panics and that whatever
// it accepts has a well-formed symbology identifier.
func FuzzParseMessage(f *testing.F) {
	f.Add(cw(232, 131, 232, 142, 129))
	f.Add(cw(230, 91, 11, 254, 66))
	f.Add(cw(231, 0, 1, 2))
	f.Add(cw(241, 200, 3, 4, 66))
	f.Add(cw(240, 1, 2, 3, 4, 5, 6))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, err := parseMessage(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if !strings.HasPrefix(m.symbology, "]d") || scanner.ValidateSymbology(m.symbology) != nil {
			t.Fatalf("symbology %q", m.symbology)
		}
	})
}

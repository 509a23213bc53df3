// Command gen writes MedTrace's icon (PNG) and its success and failure
// sounds (16-bit mono WAV tones), so the assets are reproducible.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

const sampleRate = 22050

type tone struct {
	freq float64 // Hz
	dur  float64 // seconds
}

func main() {
	out := flag.String("out", ".", "folder to write the assets to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	// Success: a short rising two-note chime. Failure: a low buzz, three pulses.
	files := map[string][]byte{
		"success.wav": wav([]tone{{880, 0.09}, {1320, 0.16}}, false),
		"failure.wav": wav([]tone{{220, 0.14}, {0, 0.05}, {220, 0.14}, {0, 0.05}, {220, 0.22}}, true),
		"icon.png":    icon(256),
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// wav renders tones as a 16-bit PCM mono WAV file. Square-ish tones (a sine
// with its third harmonic) sound harsher, for failure.
func wav(tones []tone, harsh bool) []byte {
	var pcm []int16
	for _, t := range tones {
		n := int(t.dur * sampleRate)
		for i := 0; i < n; i++ {
			if t.freq == 0 {
				pcm = append(pcm, 0)
				continue
			}
			x := float64(i) / sampleRate
			s := math.Sin(2 * math.Pi * t.freq * x)
			if harsh {
				s = 0.7*s + 0.3*math.Sin(2*math.Pi*3*t.freq*x)
			}
			// 8 ms fade in and out to avoid clicks.
			env := math.Min(1, math.Min(float64(i), float64(n-i))/(0.008*sampleRate))
			pcm = append(pcm, int16(s*env*0.6*math.MaxInt16))
		}
	}
	var b bytes.Buffer
	dataLen := uint32(len(pcm) * 2)
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, 36+dataLen)
	b.WriteString("WAVEfmt ")
	_ = binary.Write(&b, binary.LittleEndian, []any{
		uint32(16), uint16(1), uint16(1), uint32(sampleRate), uint32(sampleRate * 2), uint16(2), uint16(16),
	})
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, dataLen)
	_ = binary.Write(&b, binary.LittleEndian, pcm)
	return b.Bytes()
}

// icon draws a green rounded square with a white pack outline and a small
// DataMatrix-like pattern with its L-shaped finder.
func icon(size int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	green := color.NRGBA{0x1b, 0x7f, 0x3b, 0xff}
	white := color.NRGBA{0xff, 0xff, 0xff, 0xff}
	r := float64(size) * 0.18
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if inRounded(float64(x)+0.5, float64(y)+0.5, float64(size), r) {
				img.Set(x, y, green)
			}
		}
	}
	// A 10x10 module symbol in the middle: finder on the left and bottom,
	// alternating timing on the top and right, a fixed pseudo-random interior.
	const modules = 10
	m := size / 16
	ox := (size - modules*m) / 2
	pattern := []string{
		"X.X.X.X.X.",
		"XX..XX.X.X",
		"X.XX..X...",
		"XX.X.XX.XX",
		"X..XX...X.",
		"XXX..X.XXX",
		"X.X.XX..X.",
		"XX...X.X.X",
		"X.XX.XXX..",
		"XXXXXXXXXX",
	}
	// Quiet zone (white square) behind the symbol.
	fill(img, ox-m, ox-m, ox+(modules+1)*m, ox+(modules+1)*m, white)
	for row, line := range pattern {
		for col, c := range line {
			if c == 'X' {
				fill(img, ox+col*m, ox+row*m, ox+(col+1)*m, ox+(row+1)*m, green)
			}
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

func fill(img *image.NRGBA, x0, y0, x1, y1 int, c color.NRGBA) {
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			img.Set(x, y, c)
		}
	}
}

func inRounded(x, y, size, r float64) bool {
	cx := math.Max(r, math.Min(size-r, x))
	cy := math.Max(r, math.Min(size-r, y))
	return (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r
}

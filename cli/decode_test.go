package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/medtrace/medtrace/scanner/dmencode"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }})
	return code, out.String(), errb.String()
}

func writeImage(t *testing.T, dir, name string, img image.Image) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	switch filepath.Ext(name) {
	case ".png":
		err = png.Encode(f, img)
	case ".jpg":
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 85})
	case ".gif":
		pal := image.NewPaletted(img.Bounds(), palette.Plan9)
		draw.Draw(pal, pal.Rect, img, img.Bounds().Min, draw.Src)
		err = gif.Encode(f, pal, nil)
	}
	if err != nil {
		_ = f.Close() // the encoding failed: that is the error to report
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func symbolImg(t *testing.T, data string, gs1 bool) *image.Gray {
	t.Helper()
	s, err := dmencode.Encode([]byte(data), gs1, dmencode.ShapeAny)
	if err != nil {
		t.Fatal(err)
	}
	return s.Image(5, 3)
}

// bombFixture is scanner's 161-byte PNG that declares 40000x40000 pixels
// (1.6 GB if decoded).
const bombFixture = "../scanner/testdata/bomb-40000x40000.png"

const testGS1 = "0109506000134352172912311" + "0AB12C\x1d21SN77"

func TestDecodeCommand(t *testing.T) {
	dir := t.TempDir()
	pngPath := writeImage(t, dir, "pack.png", symbolImg(t, testGS1, true))
	jpgPath := writeImage(t, dir, "pack.jpg", symbolImg(t, testGS1, true))
	gifPath := writeImage(t, dir, "plain.gif", symbolImg(t, "HELLO 123", false))
	blank := image.NewGray(image.Rect(0, 0, 120, 80))
	for i := range blank.Pix {
		blank.Pix[i] = 255
	}
	blankPath := writeImage(t, dir, "blank.png", blank)
	two := image.NewGray(image.Rect(0, 0, 400, 200))
	for i := range two.Pix {
		two.Pix[i] = 255
	}
	a, b := symbolImg(t, "0104150000000017\x1d21A1", true), symbolImg(t, "0104150000000017\x1d21B2", true)
	draw.Draw(two, a.Bounds().Add(image.Pt(10, 20)), a, image.Point{}, draw.Src)
	draw.Draw(two, b.Bounds().Add(image.Pt(220, 30)), b, image.Point{}, draw.Src)
	twoPath := writeImage(t, dir, "two.png", two)
	junk := filepath.Join(dir, "junk.png")
	if err := os.WriteFile(junk, []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name     string
		args     []string
		wantCode int
		check    func(t *testing.T, lines []decodeLine, out string)
	}{
		{name: "png gs1 json", args: []string{"decode", "--budget", "0", "--json", pngPath}, wantCode: ExitOK,
			check: func(t *testing.T, l []decodeLine, _ string) {
				if len(l) != 1 || !l[0].OK || l[0].Symbology != "]d2" || l[0].Text != testGS1 || l[0].Count != 1 || l[0].Error != "" {
					t.Fatalf("%+v", l)
				}
			}},
		{name: "GS is escaped in json", args: []string{"decode", "--budget", "0", "--json", pngPath}, wantCode: ExitOK,
			check: func(t *testing.T, _ []decodeLine, out string) {
				if !strings.Contains(out, `0AB12C\u001d21SN77`) {
					t.Fatalf("output lacks \\u001d: %s", out)
				}
			}},
		{name: "jpeg and gif", args: []string{"decode", "--budget", "0", "--json", jpgPath, gifPath}, wantCode: ExitOK,
			check: func(t *testing.T, l []decodeLine, _ string) {
				if len(l) != 2 || l[0].Text != testGS1 || l[1].Text != "HELLO 123" || l[1].Symbology != "]d1" {
					t.Fatalf("%+v", l)
				}
			}},
		{name: "all symbols", args: []string{"decode", "--budget", "0", "--json", "--all", twoPath}, wantCode: ExitOK,
			check: func(t *testing.T, l []decodeLine, _ string) {
				if len(l) != 1 || l[0].Count != 2 || len(l[0].Symbols) != 2 || len(l[0].Symbols[0].Corners) == 0 {
					t.Fatalf("%+v", l)
				}
			}},
		{name: "no code exits 1", args: []string{"decode", "--budget", "0", "--json", pngPath, blankPath}, wantCode: ExitInvalid,
			check: func(t *testing.T, l []decodeLine, _ string) {
				if len(l) != 2 || !l[0].OK || l[1].OK || l[1].Error == "" {
					t.Fatalf("%+v", l)
				}
			}},
		{name: "a file that cannot be opened exits 3, the others are decoded", args: []string{"decode", "--budget", "0", "--json", filepath.Join(t.TempDir(), "none.png"), blankPath, pngPath}, wantCode: ExitIO,
			check: func(t *testing.T, l []decodeLine, _ string) {
				if len(l) != 3 || l[0].OK || !strings.HasPrefix(l[0].Error, "open:") || l[1].OK || !l[2].OK {
					t.Fatalf("%+v", l)
				}
			}},
		{name: "not an image", args: []string{"decode", "--budget", "0", "--json", junk}, wantCode: ExitInvalid,
			check: func(t *testing.T, l []decodeLine, _ string) {
				if len(l) != 1 || l[0].OK || !strings.Contains(l[0].Error, "read image") {
					t.Fatalf("%+v", l)
				}
			}},
		{name: "bomb refused by its header", args: []string{"decode", "--budget", "0", "--json", bombFixture, pngPath}, wantCode: ExitInvalid,
			check: func(t *testing.T, l []decodeLine, _ string) {
				want := "image of 40000x40000 pixels (1600.0 megapixels) is over the limit of 50.0 megapixels and 20000 pixels a side"
				if len(l) != 2 || l[0].OK || l[0].Error != want || !l[1].OK {
					t.Fatalf("%+v", l)
				}
			}},
		{name: "max-pixels lowered", args: []string{"decode", "--budget", "0", "--json", "--max-pixels", "1000", pngPath}, wantCode: ExitInvalid,
			check: func(t *testing.T, l []decodeLine, _ string) {
				if len(l) != 1 || l[0].OK || !strings.Contains(l[0].Error, "over the limit of 0.0 megapixels") {
					t.Fatalf("%+v", l)
				}
			}},
		{name: "max-side lowered", args: []string{"decode", "--budget", "0", "--json", "--max-side", "50", pngPath}, wantCode: ExitInvalid,
			check: func(t *testing.T, l []decodeLine, _ string) {
				if len(l) != 1 || l[0].OK || !strings.Contains(l[0].Error, "50 pixels a side") {
					t.Fatalf("%+v", l)
				}
			}},
		{name: "limits lifted", args: []string{"decode", "--budget", "0", "--json", "--max-pixels", "0", "--max-side", "0", pngPath}, wantCode: ExitOK},
		{name: "negative max-pixels", args: []string{"decode", "--max-pixels", "-1", pngPath}, wantCode: ExitUsage},
		{name: "negative max-side", args: []string{"decode", "--max-side", "-5", pngPath}, wantCode: ExitUsage},
		{name: "text output", args: []string{"decode", "--budget", "0", gifPath}, wantCode: ExitOK,
			check: func(t *testing.T, _ []decodeLine, out string) {
				if !strings.Contains(out, `]d1 "HELLO 123" (1 symbol,`) {
					t.Fatalf("output %q", out)
				}
			}},
		{name: "no files", args: []string{"decode"}, wantCode: ExitUsage},
		{name: "bad flag", args: []string{"decode", "--bogus", pngPath}, wantCode: ExitUsage},
		{name: "negative budget", args: []string{"decode", "--budget", "-1s", pngPath}, wantCode: ExitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, tc.args...)
			if code != tc.wantCode {
				t.Fatalf("exit %d, want %d (stderr %s)", code, tc.wantCode, errOut)
			}
			if tc.check == nil {
				return
			}
			var lines []decodeLine
			if strings.Contains(strings.Join(tc.args, " "), "--json") {
				sc := bufio.NewScanner(strings.NewReader(out))
				for sc.Scan() {
					var l decodeLine
					if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
						t.Fatalf("bad json line %q: %v", sc.Text(), err)
					}
					lines = append(lines, l)
				}
			}
			tc.check(t, lines, out)
		})
	}
}

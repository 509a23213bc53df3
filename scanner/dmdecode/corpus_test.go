package dmdecode

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "golang.org/x/image/webp"

	"github.com/medtrace/medtrace/scanner"
)

// corpusDir is the shared decoding corpus beside the project root.
const corpusDir = "../../../shared/corpus/datamatrix"

// corpusCase is one image of the shared corpus with its expected result.
type corpusCase struct {
	set, name, path string
	want            []byte // nil when the image must not decode
	symbology       string // expected AIM identifier when the corpus states it
}

func (c corpusCase) id() string { return c.set + "/" + c.name }

// loadCorpus lists the corpus, or returns nil when it is absent.
func loadCorpus(tb testing.TB) []corpusCase {
	sets, err := os.ReadDir(corpusDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	var cases []corpusCase
	for _, s := range sets {
		if !s.IsDir() {
			continue
		}
		dir := filepath.Join(corpusDir, s.Name())
		files, err := os.ReadDir(dir)
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range files {
			n := f.Name()
			ext := strings.ToLower(filepath.Ext(n))
			if strings.HasSuffix(n, ".png.error") {
				cases = append(cases, corpusCase{set: s.Name(), name: n, path: filepath.Join(dir, n)})
				continue
			}
			if ext != ".png" && ext != ".jpg" && ext != ".jpeg" && ext != ".webp" && ext != ".gif" {
				continue
			}
			base := filepath.Join(dir, strings.TrimSuffix(n, filepath.Ext(n)))
			c := corpusCase{set: s.Name(), name: n, path: filepath.Join(dir, n)}
			if b, err := os.ReadFile(base + ".bin"); err == nil {
				c.want = b
			} else if b, err := os.ReadFile(base + ".txt"); err == nil {
				c.want = b
			} else {
				tb.Fatalf("%s: no expected result", c.id())
			}
			for _, meta := range []string{base + ".result.txt", base + ".metadata.txt"} {
				if b, err := os.ReadFile(meta); err == nil {
					for _, line := range strings.Split(string(b), "\n") {
						k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
						if strings.EqualFold(k, "symbologyIdentifier") || k == "SYMBOLOGY_IDENTIFIER" {
							c.symbology = v
						}
					}
				}
			}
			cases = append(cases, c)
		}
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].id() < cases[j].id() })
	return cases
}

// loadImage loads a corpus image through the bounded loader every image
// file takes, with the default limits (so the corpus also shows they
// refuse no real image).
func loadImage(tb testing.TB, path string) image.Image {
	img, _, err := scanner.LoadImage(context.Background(), path, scanner.ImageLimits{})
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return img
}

// outcome is one corpus image's result.
type outcome struct {
	ok    bool // decoded to the expected bytes (or, for .error images, to nothing)
	wrong bool // decoded to something else
	dur   time.Duration
	got   string
}

func runCase(d *Decoder, img image.Image, c corpusCase) outcome {
	start := time.Now()
	reads, err := d.Decode(context.Background(), img)
	o := outcome{dur: time.Since(start)}
	if c.want == nil {
		o.ok = err != nil
		o.wrong = err == nil
		return o
	}
	if err != nil {
		o.got = "error: " + err.Error()
		return o
	}
	for _, r := range reads {
		if bytes.Equal(r.Data, c.want) && (c.symbology == "" || c.symbology == r.Symbology || c.symbology[:3] != r.Symbology[:3]) {
			o.ok = true
		}
	}
	if !o.ok {
		o.wrong = true
		o.got = fmt.Sprintf("%s %q", reads[0].Symbology, reads[0].Data)
	}
	return o
}

// decodedList is the committed list of corpus images MedTrace decodes; the
// corpus test fails when one of them stops decoding.
const decodedList = "testdata/corpus_decoded.txt"

func readDecodedList(t *testing.T) map[string]bool {
	f, err := os.Open(decodedList)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only
	m := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	return m
}

// TestCorpus decodes the shared corpus when it is present: nothing may decode
// wrong, and every image in testdata/corpus_decoded.txt must still decode.
// Set MEDTRACE_UPDATE_CORPUS=1 to rewrite the list.
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if cases == nil {
		t.Skip("shared corpus absent: " + corpusDir)
	}
	must := readDecodedList(t)
	// No time budget: the outcome depends on the images alone, not on machine load.
	d := New(Options{Budget: NoBudget})
	var decoded []string
	for _, c := range cases {
		img := loadImage(t, c.path)
		o := runCase(d, img, c)
		if o.wrong {
			t.Errorf("%s: decoded wrong: %s", c.id(), o.got)
		}
		if o.ok {
			decoded = append(decoded, c.id())
		} else if must[c.id()] {
			t.Errorf("%s: no longer decodes (%s)", c.id(), o.got)
		}
		t.Logf("%-60s ok=%v %6.1fms %s", c.id(), o.ok, float64(o.dur.Microseconds())/1000, o.got)
	}
	t.Logf("decoded %d of %d", len(decoded), len(cases))
	if os.Getenv("MEDTRACE_UPDATE_CORPUS") == "1" {
		body := "# Corpus images MedTrace decodes (see TestCorpus); one set/file per line.\n" + strings.Join(decoded, "\n") + "\n"
		if err := os.WriteFile(decodedList, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

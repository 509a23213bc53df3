package labels

import (
	"bytes"
	"compress/zlib"
	"context"
	"errors"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/scanner/dmdecode"
	"github.com/medtrace/medtrace/scanner/wedge"
)

var now = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func TestFromGS1(t *testing.T) {
	tests := []struct {
		name    string
		code    string
		want    string
		wantErr bool
	}{
		{name: "bracketed", code: "(01)09506000134352(10)AB1(21)X", want: "0109506000134352" + "10AB1\x1d21X"},
		{name: "element string", code: "0109506000134352\x1d", wantErr: false, want: "0109506000134352"},
		{name: "calibration code", code: wedge.CalibrationElementString, want: wedge.CalibrationData},
		{name: "bad check digit", code: "(01)09506000134353", wantErr: true},
		{name: "not gs1", code: "hello", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, err := FromGS1(tc.code)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalidCode) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(l.Data) != tc.want || !l.GS1 || len(l.Caption) == 0 {
				t.Fatalf("label %+v, want data %q", l, tc.want)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	ls, err := Generate(30, DefaultGTIN, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, l := range ls {
		if seen[string(l.Data)] || !strings.HasPrefix(string(l.Data), "01"+DefaultGTIN+"17281127") {
			t.Fatalf("label %q", l.Data)
		}
		seen[string(l.Data)] = true
	}
	again, _ := Generate(30, DefaultGTIN, 1, now)
	if string(again[7].Data) != string(ls[7].Data) {
		t.Error("not repeatable for a seed")
	}
	if _, err := Generate(3, "12345", 1, now); !errors.Is(err, ErrInvalidCode) {
		t.Errorf("short GTIN: %v", err)
	}
	if _, err := Generate(0, DefaultGTIN, 1, now); err == nil {
		t.Error("zero count accepted")
	}
}

// TestPNGSheetDecodes prints a sheet and reads every label back off it.
func TestPNGSheetDecodes(t *testing.T) {
	ls, err := Generate(8, DefaultGTIN, 2, now)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := FromGS1(wedge.CalibrationElementString)
	if err != nil {
		t.Fatal(err)
	}
	ls = append(ls, cal)
	s := DefaultSheet()
	s.DPI = 150
	var buf bytes.Buffer
	if err := WritePNG(context.Background(), &buf, s, ls); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	reads, err := dmdecode.New(dmdecode.Options{All: true, Budget: dmdecode.NoBudget, MaxSymbols: 64}).Decode(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range reads {
		got[string(r.Data)] = true
	}
	for _, l := range ls {
		if !got[string(l.Data)] {
			t.Errorf("label %q not read back from the sheet (%d reads)", l.Data, len(reads))
		}
	}
}

func TestPDF(t *testing.T) {
	ls, err := Generate(30, DefaultGTIN, 3, now) // more than one page
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WritePDF(context.Background(), &buf, DefaultSheet(), ls); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) || bytes.Count(buf.Bytes(), []byte("/Type /Page\n")) != 2 {
		t.Fatalf("pdf of %d bytes, %d pages", buf.Len(), bytes.Count(buf.Bytes(), []byte("/Type /Page\n")))
	}
}

func TestSheetErrors(t *testing.T) {
	ls, _ := Generate(30, DefaultGTIN, 3, now)
	tests := []struct {
		name  string
		sheet func(*Sheet)
		run   func(s Sheet) error
	}{
		{name: "png over one page", run: func(s Sheet) error { return WritePNG(context.Background(), &bytes.Buffer{}, s, ls) }},
		{name: "modules too big", sheet: func(s *Sheet) { s.Module = 3 }, run: func(s Sheet) error { return WritePDF(context.Background(), &bytes.Buffer{}, s, ls[:1]) }},
		{name: "zero module", sheet: func(s *Sheet) { s.Module = 0 }, run: func(s Sheet) error { return WritePDF(context.Background(), &bytes.Buffer{}, s, ls[:1]) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := DefaultSheet()
			s.DPI = 100
			if tc.sheet != nil {
				tc.sheet(&s)
			}
			if err := tc.run(s); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestFileWriter(t *testing.T) {
	good := [][]byte{[]byte("010401234500001617290630" + "10B2026-07\x1d21K7M2Q9XW4HPA"), []byte("010401234500001617290630" + "10B2026-07\x1d21ZZ3N8R2TC6JD")}
	tests := []struct {
		name    string
		codes   [][]byte
		dir     func(t *testing.T) string
		wantErr error // nil: any error when fails is set
		fails   bool
	}{
		{name: "two labels", codes: good},
		{name: "a bad check digit", codes: [][]byte{[]byte("0104012345000017\x1d21X")}, wantErr: ErrInvalidCode, fails: true},
		{name: "no labels", codes: nil, fails: true},
		{name: "too many labels", codes: make([][]byte, MaxLabels+1), fails: true},
		{name: "no such folder", codes: good, dir: func(t *testing.T) string { return filepath.Join(t.TempDir(), "missing") }, fails: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.dir != nil {
				dir = tc.dir(t)
			}
			path := filepath.Join(dir, "labels.pdf")
			err := FileWriter{}.WriteLabels(context.Background(), path, tc.codes)
			if tc.fails {
				if err == nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Fatalf("error %v, want %v", err, tc.wantErr)
				}
				if entries, _ := os.ReadDir(dir); len(entries) != 0 {
					t.Errorf("left %d files behind", len(entries))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("%PDF-")) || bytes.Count(b, []byte("/Type /Page\n")) != 1 {
				t.Errorf("not a one-page PDF (%d bytes)", len(b))
			}
			text := pdfText(t, b)
			for _, hri := range []string{`\(21\)K7M2Q9XW4HPA`, `\(21\)ZZ3N8R2TC6JD`} { // PDF escapes parentheses
				if !bytes.Contains(text, []byte(hri)) {
					t.Errorf("the sheet lacks the human-readable %s", hri)
				}
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("%d files in the folder, want the sheet alone", len(entries))
			}
		})
	}
}

// pdfText returns a PDF's content streams, inflated: enough to find the
// text the labels print.
func pdfText(t *testing.T, pdf []byte) []byte {
	t.Helper()
	var out []byte
	for rest := pdf; ; {
		i := bytes.Index(rest, []byte("stream\n"))
		if i < 0 {
			return out
		}
		rest = rest[i+len("stream\n"):]
		j := bytes.Index(rest, []byte("endstream"))
		if j < 0 {
			t.Fatal("a stream without its end")
		}
		r, err := zlib.NewReader(bytes.NewReader(rest[:j]))
		if err == nil {
			b, _ := io.ReadAll(r) // a truncated stream yields what it has
			out = append(out, b...)
		} else {
			out = append(out, rest[:j]...)
		}
		rest = rest[j+len("endstream"):]
	}
}

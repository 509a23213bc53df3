package labels

import (
	"bytes"
	"context"
	"errors"
	"image/png"
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

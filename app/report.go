package app

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	"fyne.io/fyne/v2/theme"

	"github.com/medtrace/medtrace/assets"
)

// finding is one inspected pack.
type finding struct {
	Time       time.Time
	Code       Code
	Reason     string // the verdict's reason code
	Verdict    string // the verdict in words (the UI's language)
	Offline    bool
	AsOf       time.Time
	Conformant bool
	Note       string
	Photo      string // path of a photo file, "" for none
	EventID    string // the queued inspect event, "" when not queued
	ID         int64  // the store's ID, 0 when not stored
	Inspector  string // who recorded it
	Location   string // the inspector's office (GLN)
}

// reportMeta heads an inspection report.
type reportMeta struct {
	Inspector string // the inspector's name
	Office    string // location GLN of the inspector's office
	Started   time.Time
	Snapshot  SnapshotInfo
	Title     string
	Labels    map[string]string // translated column names and words
}

// csvColumns are the report's CSV columns (stable, English, machine-read).
func csvColumns() []string {
	return []string{"time", "gtin", "serial", "batch", "expiry", "sscc", "raw", "verdict", "verdict_text",
		"offline", "as_of", "conformant", "note", "photo", "event_id", "inspector", "office"}
}

// writeCSV writes findings as CSV to path, atomically.
func writeCSV(path string, fs []finding) error {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(csvColumns()); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	for _, f := range fs {
		asOf := ""
		if f.Offline && !f.AsOf.IsZero() {
			asOf = f.AsOf.UTC().Format(time.RFC3339)
		}
		expiry := ""
		if !f.Code.Expiry.IsZero() {
			expiry = f.Code.Expiry.Format("2006-01-02")
		}
		rec := []string{f.Time.UTC().Format(time.RFC3339), f.Code.GTIN, f.Code.Serial, f.Code.Batch, expiry, f.Code.SSCC,
			showBytes(f.Code.Raw), f.Reason, f.Verdict, fmt.Sprint(f.Offline), asOf, fmt.Sprint(f.Conformant), f.Note, f.Photo, f.EventID,
			f.Inspector, f.Location}
		if err := w.Write(rec); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return writeFileAtomic(path, b.Bytes())
}

// writeFileAtomic writes data to a temporary file beside path and renames
// it into place, so a failed export never leaves half a report.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".medtrace-export-*")
	if err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // gone after a successful rename; else only a stray temp file
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close() // the write error is the one to report
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close() // the sync error is the one to report
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export %s: %w", path, err)
	}
	return nil
}

// ErrNoCJKFont is returned when a PDF report holds Chinese text and no font
// with Chinese glyphs is installed.
var ErrNoCJKFont = errors.New("no font with Chinese characters found (install fonts-droid-fallback)")

// cjkFontPaths are where Debian, Fedora and macOS keep a TrueType font with
// Chinese glyphs that fpdf can embed.
func cjkFontPaths() []string {
	return []string{
		"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
		"/usr/share/fonts/google-droid-sans-fonts/DroidSansFallbackFull.ttf",
		"/usr/share/fonts/droid/DroidSansFallbackFull.ttf",
		"/Library/Fonts/Arial Unicode.ttf",
	}
}

func needsCJK(s string) bool {
	for _, r := range s {
		if r > 0x2E7F {
			return true
		}
	}
	return false
}

// pdfWriter writes text with Fyne's Noto Sans for Latin script and a CJK
// font for the rest, switching fonts per run.
type pdfWriter struct {
	pdf    *fpdf.Fpdf
	hasCJK bool
	size   float64
}

func (p *pdfWriter) write(h float64, s string, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	for len(s) > 0 {
		cjk := needsCJK(string([]rune(s)[0]))
		i := strings.IndexFunc(s, func(r rune) bool { return (r > 0x2E7F) != cjk && !unicode.IsSpace(r) })
		run := s
		if i > 0 {
			run, s = s[:i], s[i:]
		} else {
			s = ""
		}
		if cjk && p.hasCJK {
			p.pdf.SetFont("cjk", "", p.size)
		} else {
			p.pdf.SetFont("noto", style, p.size)
		}
		p.pdf.Write(h, run)
	}
}

func (p *pdfWriter) line(h float64, s string, bold bool, size float64) {
	p.size = size
	p.write(h, s, bold)
	p.pdf.Ln(h)
}

// writePDF writes the inspection report as a PDF to path, atomically.
func writePDF(path string, meta reportMeta, fs []finding, fmtr formatter) error {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle(meta.Title, true)
	pdf.SetCreator("MedTrace", true)
	if meta.Inspector != "" {
		pdf.SetAuthor(meta.Inspector, true)
	}
	pdf.AddUTF8FontFromBytes("noto", "", theme.DefaultTextFont().Content())
	pdf.AddUTF8FontFromBytes("noto", "B", theme.DefaultTextBoldFont().Content())
	w := &pdfWriter{pdf: pdf, size: 10}
	all := meta.Title + meta.Inspector + meta.Office
	for _, v := range meta.Labels {
		all += v
	}
	for _, f := range fs {
		all += f.Note + f.Verdict
	}
	if needsCJK(all) {
		for _, p := range cjkFontPaths() {
			if data, err := os.ReadFile(p); err == nil {
				pdf.AddUTF8FontFromBytes("cjk", "", data)
				w.hasCJK = true
				break
			}
		}
		if !w.hasCJK && len(assets.CJKFont) > 0 {
			// No fuller system font: the app's own (every GB 2312 character).
			pdf.AddUTF8FontFromBytes("cjk", "", assets.CJKFont)
			w.hasCJK = true
		}
		if !w.hasCJK {
			return ErrNoCJKFont
		}
	}
	L := meta.Labels
	pdf.SetMargins(15, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()
	w.line(10, meta.Title, true, 18)
	w.line(6, L["inspector"]+": "+orDash(meta.Inspector), true, 11)
	w.line(6, L["office"]+": "+orDash(meta.Office), false, 10)
	w.line(6, L["started"]+": "+fmtr.dateTime(meta.Started), false, 10)
	if meta.Snapshot.Block > 0 || !meta.Snapshot.AsOf.IsZero() {
		line := L["snapshot"] + ": " + fmtr.dateTime(meta.Snapshot.AsOf)
		if meta.Snapshot.Block > 0 {
			line += " · " + L["block"] + " " + fmtr.number(int64(meta.Snapshot.Block))
		}
		w.line(6, line, false, 10)
	}
	conf := 0
	for _, f := range fs {
		if f.Conformant {
			conf++
		}
	}
	w.line(6, fmt.Sprintf("%s: %s · %s: %s · %s: %s", L["findings"], fmtr.number(int64(len(fs))),
		L["conformant"], fmtr.number(int64(conf)), L["nonconformant"], fmtr.number(int64(len(fs)-conf))), true, 10)
	pdf.Ln(3)
	for i, f := range fs {
		if pdf.GetY() > 250 {
			pdf.AddPage()
		}
		pdf.SetDrawColor(180, 180, 180)
		pdf.Line(15, pdf.GetY(), 195, pdf.GetY())
		pdf.Ln(2)
		status := L["conformant"]
		if !f.Conformant {
			status = L["nonconformant"]
			pdf.SetTextColor(0xb3, 0x1b, 0x1b)
		} else {
			pdf.SetTextColor(0x1b, 0x7f, 0x3b)
		}
		w.line(6, fmt.Sprintf("%d. %s — %s", i+1, status, fmtr.dateTime(f.Time)), true, 11)
		pdf.SetTextColor(0, 0, 0)
		id := itemLabel(f.Code)
		w.line(5, L["item"]+": "+id, false, 10)
		if f.Code.IsPack() {
			w.line(5, L["batch"]+": "+orDash(f.Code.Batch)+" · "+L["expiry"]+": "+fmtr.date(f.Code.Expiry), false, 10)
		}
		v := L["verdict"] + ": " + f.Verdict
		if f.Offline {
			v += " (" + L["offline"] + " " + fmtr.dateTime(f.AsOf) + ")"
		}
		w.line(5, v, false, 10)
		if f.Note != "" {
			w.line(5, L["note"]+": "+f.Note, false, 10)
		}
		if f.Photo != "" {
			ext := strings.ToLower(filepath.Ext(f.Photo))
			if ext == ".jpg" || ext == ".jpeg" || ext == ".png" {
				if _, err := os.Stat(f.Photo); err == nil {
					pdf.ImageOptions(f.Photo, 20, pdf.GetY()+1, 60, 0, true, fpdf.ImageOptions{ReadDpi: true}, 0, "")
					pdf.Ln(2)
				} else {
					w.line(5, L["photo"]+": "+f.Photo+" — "+err.Error(), false, 9)
				}
			} else {
				w.line(5, L["photo"]+": "+f.Photo, false, 9)
			}
		}
		pdf.Ln(2)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("make pdf: %w", err)
	}
	var b bytes.Buffer
	if err := pdf.Output(&b); err != nil {
		return fmt.Errorf("make pdf: %w", err)
	}
	return writeFileAtomic(path, b.Bytes())
}

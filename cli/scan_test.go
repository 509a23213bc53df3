package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestScanCommandImages(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "1.png", symbolImg(t, testGS1, true))
	writeImage(t, dir, "2.png", symbolImg(t, testGS1, true))
	writeImage(t, dir, "3.png", symbolImg(t, "HELLO 123", false))
	code, out, errOut := runCmd(t, "scan", "--images", dir, "--fps", "10", "--budget", "0")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var lines []scanLine
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l scanLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		lines = append(lines, l)
	}
	if len(lines) != 2 || lines[0].Text != testGS1 || lines[0].Symbology != "]d2" || lines[1].Text != "HELLO 123" ||
		lines[0].Source != "camera:"+dir || len(lines[0].Corners) == 0 {
		t.Fatalf("lines %+v", lines)
	}
}

// TestScanCommandImagesSkipsRefused replays a folder with a bomb and a
// corrupt file between two codes: both codes are read, each refused file
// gives a line with its error, the replay ends normally.
func TestScanCommandImagesSkipsRefused(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, dir, "1.png", symbolImg(t, testGS1, true))
	bomb, err := os.ReadFile(bombFixture)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2.png"), bomb, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "3.png"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeImage(t, dir, "4.png", symbolImg(t, "HELLO 123", false))
	code, out, errOut := runCmd(t, "scan", "--images", dir, "--fps", "10", "--budget", "0")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var texts, errs []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var l scanLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("bad line %q: %v", sc.Text(), err)
		}
		if l.Source != "camera:"+dir {
			t.Errorf("source %q", l.Source)
		}
		if l.Error != "" {
			errs = append(errs, l.Error)
		} else {
			texts = append(texts, l.Text)
		}
	}
	if len(texts) != 2 || texts[0] != testGS1 || texts[1] != "HELLO 123" {
		t.Errorf("reads %q", texts)
	}
	if len(errs) != 2 || !strings.Contains(errs[0], "2.png: image of 40000x40000 pixels") || !strings.Contains(errs[1], "3.png: read image header") {
		t.Errorf("errors %q", errs)
	}
}

func TestScanCommandUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{name: "no source", args: []string{"scan"}, want: ExitUsage},
		{name: "two sources", args: []string{"scan", "--serial", "/dev/x", "--images", "d"}, want: ExitUsage},
		{name: "bad terminator", args: []string{"scan", "--serial", "/dev/x", "--term", "tab"}, want: ExitUsage},
		{name: "bad size", args: []string{"scan", "--camera", "/dev/video9", "--size", "big"}, want: ExitUsage},
		{name: "missing port", args: []string{"scan", "--serial", "/dev/medtrace-none"}, want: ExitIO},
		{name: "negative budget", args: []string{"scan", "--images", "d", "--budget", "-1s"}, want: ExitUsage},
		{name: "negative max-pixels", args: []string{"scan", "--images", "d", "--max-pixels", "-1"}, want: ExitUsage},
		{name: "missing folder", args: []string{"scan", "--images", filepath.Join(os.TempDir(), "medtrace-none")}, want: ExitIO},
		{name: "list", args: []string{"scan", "--list"}, want: ExitOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, errOut := runCmd(t, tc.args...); code != tc.want {
				t.Fatalf("exit %d, want %d (%s)", code, tc.want, errOut)
			}
		})
	}
}

func TestLabelsCommand(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name  string
		args  []string
		want  int
		check func(t *testing.T)
	}{
		{name: "pdf generated", args: []string{"labels", "--out", filepath.Join(dir, "a.pdf"), "--count", "5", "--seed", "7", "--calibration"}, want: ExitOK,
			check: func(t *testing.T) {
				b, err := os.ReadFile(filepath.Join(dir, "a.pdf"))
				if err != nil || !strings.HasPrefix(string(b), "%PDF-") {
					t.Fatalf("pdf: %v", err)
				}
			}},
		{name: "png given codes decode back", args: []string{"labels", "--out", filepath.Join(dir, "b.png"), "--dpi", "150",
			"(01)09506000134352(17)291231(10)AB1(21)X1", `0109506000134352\x1d21Y2`}, want: ExitOK,
			check: func(t *testing.T) {
				code, out, _ := runCmd(t, "decode", "--budget", "0", "--json", "--all", filepath.Join(dir, "b.png"))
				if code != ExitOK || !strings.Contains(out, `"count":2`) || !strings.Contains(out, `10AB1\u001d21X1`) {
					t.Fatalf("decode of the sheet: %d %s", code, out)
				}
			}},
		{name: "invalid code", args: []string{"labels", "--out", filepath.Join(dir, "c.pdf"), "(01)12345"}, want: ExitInvalid,
			check: func(t *testing.T) {
				if _, err := os.Stat(filepath.Join(dir, "c.pdf")); !os.IsNotExist(err) {
					t.Fatal("failed run left a file")
				}
			}},
		{name: "no out", args: []string{"labels"}, want: ExitUsage},
		{name: "bad gtin", args: []string{"labels", "--out", filepath.Join(dir, "d.pdf"), "--gtin", "123"}, want: ExitInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, tc.args...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d (%s)", code, tc.want, errOut)
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

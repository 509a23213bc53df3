package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/scanner/dmencode"
)

// writeSet writes a folder of two coded images (with their .txt), one
// image without an expected result and a non-image file.
func writeSet(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, text := range []string{"HELLO-1", "0123456789"} {
		s, err := dmencode.Encode([]byte(text), false, dmencode.ShapeSquare)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, s.Image(5, 3)); err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, string(rune('a'+i)))
		if err := os.WriteFile(name+".png", buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name+".txt", []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "unknown.png"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.md"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestListSets(t *testing.T) {
	root := t.TempDir()
	writeSet(t, filepath.Join(root, "one"))
	writeSet(t, filepath.Join(root, "two"))
	tests := []struct {
		name string
		dir  string
		sets []string
	}{
		{name: "folder of sets", dir: root, sets: []string{"one", "one", "two", "two"}},
		{name: "one set", dir: filepath.Join(root, "two"), sets: []string{"two", "two"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, err := listSets(tc.dir)
			if err != nil {
				t.Fatal(err)
			}
			var sets []string
			for _, it := range items {
				sets = append(sets, it.set)
				if len(it.want) == 0 {
					t.Errorf("%s: no expected bytes", it.path)
				}
			}
			if strings.Join(sets, ",") != strings.Join(tc.sets, ",") {
				t.Errorf("sets = %v, want %v", sets, tc.sets)
			}
		})
	}
	if _, err := listSets(filepath.Join(root, "missing")); err == nil {
		t.Error("a missing folder gave no error")
	}
}

func TestPrintTable(t *testing.T) {
	items := []item{{group: "g", set: "s"}, {group: "g", set: "s"}, {group: "g", set: "t"}}
	ms := time.Millisecond
	zx := []result{{found: true, right: true, dur: 2 * ms, cpu: ms}, {found: true, dur: 6 * ms, cpu: 3 * ms}, {dur: 4 * ms, cpu: 2 * ms}}
	mt := []result{{found: true, right: true, dur: 4 * ms, cpu: 2 * ms}, {found: true, right: true, dur: 8 * ms, cpu: 4 * ms}, {found: true, right: true, dur: 8 * ms, cpu: 4 * ms}}
	var out bytes.Buffer
	printTable(&out, items, zx, mt)
	for _, want := range []string{
		"| s (2) | 2, 1, 1 | 3.000, 3.000 (6.000) | 2, 2, 0 | 4.000, 4.000 (8.000) | 1.3x |",
		"| t (1) | 0, 0, 0 | 2.000, 2.000 (4.000) | 1, 1, 0 | 4.000, 4.000 (8.000) | 2.0x |",
		"| **all of g** (3) | 2, 1, 1 | 2.000, 3.000 (4.000) | 3, 3, 0 | 4.000, 4.000 (8.000) | 2.0x |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRun compares both decoders end to end on made images; it needs
// Debian's python3-zxing-cpp (make bench installs it).
func TestRun(t *testing.T) {
	if err := exec.Command("/usr/bin/python3", "-c", "import zxingcpp, numpy, PIL").Run(); err != nil {
		t.Skipf("python3-zxing-cpp, python3-numpy or python3-pil not installed (make bench installs them): %v", err)
	}
	root := t.TempDir()
	writeSet(t, filepath.Join(root, "made"))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-reps", "1", root}, &out); err != nil {
		t.Fatal(err)
	}
	if want := "| made (2) | 2, 2, 0 |"; !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	if want := "| 2, 2, 0 |"; strings.Count(out.String(), want) != 4 {
		t.Errorf("both decoders should read both images in the set and total rows:\n%s", out.String())
	}
}

func TestRunUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-reps", "0", "x"}, {"-nope"}} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// TestRunHelperMissing: a Python that cannot be started is an error that
// names it, not a table with zxing-cpp reading nothing.
func TestRunHelperMissing(t *testing.T) {
	root := t.TempDir()
	writeSet(t, filepath.Join(root, "made"))
	var out bytes.Buffer
	err := run(context.Background(), []string{"-python", filepath.Join(root, "no-python"), root}, &out)
	if err == nil || !strings.Contains(err.Error(), "no-python") {
		t.Fatalf("err = %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("printed a table:\n%s", out.String())
	}
}

// FuzzParseZX: no answer line from the helper makes parseZX panic, and a
// result is right only when something was found.
func FuzzParseZX(f *testing.F) {
	f.Add([]byte(`{"path": "a.png", "ms": 0.1, "cpu_ms": 0.1, "symbols": [{"hex": "414243", "text": "ABC"}]}`), "a.png", []byte("ABC"))
	f.Add([]byte(`{"path": "a.png", "error": "cannot identify image file"}`), "a.png", []byte("x"))
	f.Add([]byte(`{"path": "b.png", "symbols": [{"hex": "zz"}]}`), "b.png", []byte{})
	f.Add([]byte(`not json`), "c.png", []byte("1"))
	f.Fuzz(func(t *testing.T, line []byte, path string, want []byte) {
		r, err := parseZX(line, item{path: path, want: want})
		if err != nil {
			return
		}
		if r.right && !r.found {
			t.Fatalf("right but not found: %+v", r)
		}
	})
}

func TestParseZX(t *testing.T) {
	tests := []struct {
		name         string
		line, want   string
		path         string
		found, right bool
		err          bool
	}{
		{name: "right", line: `{"path":"a","symbols":[{"hex":"414243","text":"ABC"}]}`, path: "a", want: "ABC", found: true, right: true},
		{name: "leading GS dropped", line: `{"path":"a","symbols":[{"hex":"1d3031","text":"\u001d01"}]}`, path: "a", want: "01", found: true, right: true},
		{name: "text as UTF-8", line: `{"path":"a","symbols":[{"hex":"e9","text":"é"}]}`, path: "a", want: "é", found: true, right: true},
		{name: "wrong", line: `{"path":"a","symbols":[{"hex":"41","text":"A"}]}`, path: "a", want: "B", found: true},
		{name: "nothing", line: `{"path":"a","symbols":[]}`, path: "a", want: "B"},
		{name: "other path", line: `{"path":"b","symbols":[]}`, path: "a", err: true},
		{name: "helper error", line: `{"path":"a","error":"bad file"}`, path: "a", err: true},
		{name: "bad hex", line: `{"path":"a","symbols":[{"hex":"zz"}]}`, path: "a", err: true},
		{name: "not json", line: `x`, path: "a", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseZX([]byte(tc.line), item{path: tc.path, want: []byte(tc.want)})
			if (err != nil) != tc.err {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if err == nil && (r.found != tc.found || r.right != tc.right) {
				t.Errorf("found %v right %v, want %v %v", r.found, r.right, tc.found, tc.right)
			}
		})
	}
}

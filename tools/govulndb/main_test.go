package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSemverLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"", "0.0.1", true},
		{"0.0.1", "", false},
		{"1.2.3", "1.2.4", true},
		{"1.10.0", "1.9.0", false},
		{"1.22.0-0", "1.22.0", true},
		{"1.22.0", "1.22.0-0", false},
		{"1.0.0-rc.1", "1.0.0-rc.2", true},
		{"1.0.0-rc.10", "1.0.0-rc.9", false},
		{"1.0.0-1", "1.0.0-alpha", true},
		{"1.2.3", "1.2.3", false},
	}
	for _, tc := range tests {
		t.Run(tc.a+" < "+tc.b, func(t *testing.T) {
			if got := semverLess(tc.a, tc.b); got != tc.want {
				t.Fatalf("got %v", got)
			}
		})
	}
}

// TestBuild builds a database from testdata/osv and checks the index
// govulncheck reads: each module's latest fix, none when reintroduced.
func TestBuild(t *testing.T) {
	out := filepath.Join(t.TempDir(), "db")
	at := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)
	n, err := build(os.DirFS("testdata/osv"), at, out)
	if err != nil || n != 2 {
		t.Fatalf("%d entries, %v", n, err)
	}
	var mods []moduleMeta
	readJSON(t, filepath.Join(out, "index", "modules.json"), &mods)
	got := map[string]string{}
	for _, m := range mods {
		for _, v := range m.Vulns {
			got[m.Path+" "+v.ID] = v.Fixed
			if !v.Modified.Equal(at) {
				t.Errorf("%s modified %v", v.ID, v.Modified)
			}
		}
	}
	want := map[string]string{"example.com/a GO-2024-0001": "1.3.4", "example.com/a GO-2024-0002": "", "example.com/b GO-2024-0002": "2.0.0-rc.1"}
	if len(got) != len(want) {
		t.Fatalf("index %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s fixed %q, want %q", k, got[k], v)
		}
	}
	var e struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
		Summary  string    `json:"summary"`
	}
	readJSON(t, filepath.Join(out, "ID", "GO-2024-0001.json"), &e)
	if e.ID != "GO-2024-0001" || !e.Modified.Equal(at) || e.Summary != "fixed on two branches" {
		t.Fatalf("entry %+v", e)
	}
	var db struct{ Modified time.Time }
	readJSON(t, filepath.Join(out, "index", "db.json"), &db)
	if !db.Modified.Equal(at) {
		t.Fatalf("db modified %v", db.Modified)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}

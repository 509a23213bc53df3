// Command govulndb builds a Go vulnerability database that govulncheck
// reads with -db file://DIR, from the OSV files of the golang.org/x/vulndb
// module (its data/osv folder), which the Go module proxy serves like any
// module. vuln.go.dev, where govulncheck looks by default, is not
// reachable from MedTrace's build machines; the module is.
//
// The layout written is the one govulncheck's file source reads:
// index/db.json, index/modules.json, index/vulns.json and ID/GO-....json.
// The module's OSV files carry no modification times (vuln.go.dev fills
// them in from the repository's history), so every entry is stamped with
// -modified, the time of the module version: the database is as recent as
// that version, no more.
//
// Usage: govulndb -osv DIR -modified RFC3339 -out DIR
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	osvDir := flag.String("osv", "", "the data/osv folder of golang.org/x/vulndb")
	modified := flag.String("modified", "", "the database's time, RFC 3339 (the module version's time)")
	out := flag.String("out", "", "the folder to write (replaced)")
	flag.Parse()
	if *osvDir == "" || *out == "" || *modified == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	at, err := time.Parse(time.RFC3339, *modified)
	if err != nil {
		fmt.Fprintf(os.Stderr, "govulndb: -modified: %v\n", err)
		os.Exit(2)
	}
	n, err := build(os.DirFS(*osvDir), at, *out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "govulndb: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("govulndb: %d entries as of %s in %s\n", n, at.Format(time.RFC3339), *out)
}

// entry is the part of an OSV entry the index needs; the entry itself is
// written through unchanged but for its times.
type entry struct {
	ID       string   `json:"id"`
	Aliases  []string `json:"aliases"`
	Affected []struct {
		Module struct {
			Path string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Type   string `json:"type"`
			Events []struct {
				Introduced string `json:"introduced"`
				Fixed      string `json:"fixed"`
			} `json:"events"`
		} `json:"ranges"`
	} `json:"affected"`
}

type moduleVuln struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Fixed    string    `json:"fixed,omitempty"`
}

type moduleMeta struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type vulnMeta struct {
	ID       string    `json:"id"`
	Modified time.Time `json:"modified"`
	Aliases  []string  `json:"aliases,omitempty"`
}

// build writes the database for the OSV files in src into out and returns
// the number of entries.
func build(src fs.FS, at time.Time, out string) (int, error) {
	names, err := fs.Glob(src, "GO-*.json")
	if err != nil {
		return 0, err
	}
	if len(names) == 0 {
		return 0, errors.New("no GO-*.json files in the OSV folder")
	}
	tmp := out + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Join(tmp, "ID"), 0o755); err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Join(tmp, "index"), 0o755); err != nil {
		return 0, err
	}
	modules := map[string]*moduleMeta{}
	var vulns []vulnMeta
	stamp := at.UTC().Format(time.RFC3339)
	for _, name := range names {
		b, err := fs.ReadFile(src, name)
		if err != nil {
			return 0, err
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(b, &raw); err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		var e entry
		if err := json.Unmarshal(b, &e); err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		if e.ID+".json" != name {
			return 0, fmt.Errorf("%s holds entry %q", name, e.ID)
		}
		raw["modified"] = json.RawMessage(strconv.Quote(stamp))
		if p, ok := raw["published"]; !ok || string(p) == `"0001-01-01T00:00:00Z"` {
			raw["published"] = json.RawMessage(strconv.Quote(stamp))
		}
		b, err = json.Marshal(raw)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(tmp, "ID", name), b, 0o644); err != nil {
			return 0, err
		}
		vulns = append(vulns, vulnMeta{ID: e.ID, Modified: at, Aliases: e.Aliases})
		for _, a := range e.Affected {
			m := modules[a.Module.Path]
			if m == nil {
				m = &moduleMeta{Path: a.Module.Path, Vulns: []moduleVuln{}}
				modules[a.Module.Path] = m
			}
			fixed := ""
			for _, r := range a.Ranges {
				if r.Type != "SEMVER" {
					continue
				}
				for _, ev := range r.Events {
					if ev.Fixed != "" && semverLess(fixed, ev.Fixed) {
						fixed = ev.Fixed
					}
				}
				// Reintroduced after the latest fix: no fixed version.
				for _, ev := range r.Events {
					if ev.Introduced != "" && ev.Introduced != "0" && semverLess(fixed, ev.Introduced) {
						fixed = ""
						break
					}
				}
			}
			m.Vulns = append(m.Vulns, moduleVuln{ID: e.ID, Modified: at, Fixed: fixed})
		}
	}
	mods := make([]*moduleMeta, 0, len(modules))
	for _, m := range modules {
		sort.Slice(m.Vulns, func(i, j int) bool { return m.Vulns[i].ID < m.Vulns[j].ID })
		mods = append(mods, m)
	}
	sort.Slice(mods, func(i, j int) bool { return mods[i].Path < mods[j].Path })
	sort.Slice(vulns, func(i, j int) bool { return vulns[i].ID < vulns[j].ID })
	for name, v := range map[string]any{
		"db.json": struct {
			Modified time.Time `json:"modified"`
		}{at},
		"modules.json": mods,
		"vulns.json":   vulns,
	} {
		b, err := json.Marshal(v)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(tmp, "index", name), b, 0o644); err != nil {
			return 0, err
		}
	}
	if err := os.RemoveAll(out); err != nil {
		return 0, err
	}
	return len(names), os.Rename(tmp, out)
}

// semverLess reports whether version a is before b, for the versions of
// the Go vulnerability database (semantic versions without "v", e.g.
// "1.22.0-0"); "" is before everything.
func semverLess(a, b string) bool {
	if a == "" || b == "" {
		return a == "" && b != ""
	}
	ca, pa, _ := strings.Cut(a, "-")
	cb, pb, _ := strings.Cut(b, "-")
	na, nb := strings.Split(ca, "."), strings.Split(cb, ".")
	for i := 0; i < 3; i++ {
		x, y := part(na, i), part(nb, i)
		if x != y {
			return x < y
		}
	}
	// Equal cores: a pre-release is before the release.
	switch {
	case pa == pb:
		return false
	case pa == "":
		return false
	case pb == "":
		return true
	}
	return prereleaseLess(pa, pb)
}

func part(p []string, i int) int {
	if i >= len(p) {
		return 0
	}
	n, err := strconv.Atoi(p[i])
	if err != nil {
		return 0
	}
	return n
}

// prereleaseLess compares dot-separated pre-release identifiers: numeric
// ones numerically and before alphanumeric ones.
func prereleaseLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		x, xerr := strconv.Atoi(pa[i])
		y, yerr := strconv.Atoi(pb[i])
		switch {
		case xerr == nil && yerr == nil:
			if x != y {
				return x < y
			}
		case xerr == nil:
			return true
		case yerr == nil:
			return false
		case pa[i] != pb[i]:
			return pa[i] < pb[i]
		}
	}
	return len(pa) < len(pb)
}

package app

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEntryBytes(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"gs glyph", "0109501101530003¦21X", "0109501101530003\x1d21X"},
		{"trimmed", " \t(01)09501101530003(21)X\r\n", "(01)09501101530003(21)X"},
		{"substitute kept", "10A~21B", "10A~21B"},
		{"chinese code", "81234567890123456789", "81234567890123456789"},
		{"empty", "  ", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(entryBytes(tc.text)); got != tc.want {
				t.Fatalf("entryBytes(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}

func TestValidGLN(t *testing.T) {
	tests := []struct {
		gln  string
		want bool
	}{
		{"4012345000009", true},
		{"4098765000003", true},
		{"4012345000008", false},
		{"401234500000", false},
		{"40123450000090", false},
		{"40123450000a9", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.gln, func(t *testing.T) {
			if got := validGLN(tc.gln); got != tc.want {
				t.Fatalf("validGLN(%q) = %v", tc.gln, got)
			}
		})
	}
}

// FuzzScanBytes checks that what the scan field submits shows back as the
// same text: GS as ¦, no other byte lost.
func FuzzScanBytes(f *testing.F) {
	for _, s := range []string{"0109501101530003¦21X", "hello", "¦¦", "(01)1\\x1d", "码"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.ContainsAny(s, "\x1d\\") || strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
			return
		}
		raw := entryBytes(s)
		if bytes.Contains(raw, []byte("¦")) {
			t.Fatalf("entryBytes(%q) kept the GS glyph: %q", s, raw)
		}
		if got, want := showBytes(raw), strings.Trim(s, " \r\n\t"); got != want {
			t.Fatalf("showBytes(entryBytes(%q)) = %q, want %q", s, got, want)
		}
	})
}

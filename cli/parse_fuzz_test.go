package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
)

func FuzzUnescape(f *testing.F) {
	for _, s := range []string{`abc`, `\x1d`, `a\\b`, `\(`, `\x`, `\x1`, `\xg0`, `end\`, `\\\x1d\\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := unescape(s)
		if err != nil {
			return
		}
		if len(b) > len(s) {
			t.Fatalf("unescape(%q) grew to %d bytes", s, len(b))
		}
		// Writing every byte back as \xHH must give the same bytes.
		var esc strings.Builder
		for _, c := range b {
			fmt.Fprintf(&esc, `\x%02x`, c)
		}
		b2, err := unescape(esc.String())
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("round trip of %q: %q, %v", b, b2, err)
		}
	})
}

func FuzzEachLine(f *testing.F) {
	f.Add([]byte("a\nb\r\n\nc"), 4)
	f.Add([]byte(strings.Repeat("x", 100)+"\n"), 10)
	f.Fuzz(func(t *testing.T, in []byte, limit int) {
		if limit < 1 || limit > 1<<16 {
			return
		}
		var got [][]byte
		err := eachLine(context.Background(), bytes.NewReader(in), limit, func(l []byte) error {
			got = append(got, append([]byte(nil), l...))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var want [][]byte
		for _, l := range bytes.Split(in, []byte("\n")) {
			l = bytes.TrimRight(l, "\r")
			if len(l) > limit+1 {
				l = l[:limit+1]
				l = bytes.TrimRight(l, "\r")
			}
			if len(l) > 0 {
				want = append(want, l)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("got %d lines, want %d: %q vs %q", len(got), len(want), got, want)
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("line %d: %q, want %q", i, got[i], want[i])
			}
		}
	})
}

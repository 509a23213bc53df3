package store

import (
	"bytes"
	"context"
	"testing"
)

// FuzzScanRoundTrip stores arbitrary scanner bytes and checks they come
// back exactly as read, whatever they hold (NUL, GS, invalid UTF-8).
func FuzzScanRoundTrip(f *testing.F) {
	for _, seed := range [][]byte{{}, []byte("]d20109506000134352\x1d21ABC"), {0, 0xff, 0x1d, '\n'}, []byte("(01)123")} {
		f.Add(seed, "session")
	}
	s := openTest(f, Options{})
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw []byte, session string) {
		res, err := s.RecordScan(ctx, Scan{Session: session, Raw: raw, GTIN: string(raw), Serial: session})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Scans(ctx, ScanFilter{AfterID: res.ID - 1, Limit: 1})
		if err != nil || len(got) != 1 {
			t.Fatalf("%v %d", err, len(got))
		}
		if !bytes.Equal(got[0].Raw, raw) || got[0].Session != session || got[0].GTIN != string(raw) || got[0].Serial != session {
			t.Fatalf("stored %q session %q, read back %q %q", raw, session, got[0].Raw, got[0].Session)
		}
	})
}

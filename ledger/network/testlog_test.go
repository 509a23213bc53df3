package network

import (
	"context"
	"strings"
	"testing"
	"time"
)

// testLog sends progress lines to the test log.
type testLog struct{ tb testing.TB }

func (w testLog) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// forTest is networktest.ForTest for this package's own tests (which that
// package, importing this one, cannot serve).
func forTest(t *testing.T) *Network {
	t.Helper()
	n, giveBack, err := Lease(t.Context(), testLog{t})
	if err != nil {
		t.Fatalf("Lease: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(t.Context()), time.Minute)
		defer cancel()
		if err := giveBack(ctx); err != nil {
			t.Errorf("giving the network back: %v", err)
		}
	})
	return n
}

package serialport

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/medtrace/medtrace/scanner"
)

// openPTY opens a pseudo-terminal pair through /dev/ptmx and returns the
// master and the slave's path.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { _ = m.Close() })
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("ptsname: %v", err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

func TestScannerOverPTY(t *testing.T) {
	master, slave := openPTY(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Open(ctx, slave, Config{Baud: 115200, Term: TermCR | TermLF, IdleEnd: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Close() }()

	var mu sync.Mutex
	var reads []scanner.Read
	got := make(chan struct{}, 16)
	done := make(chan error, 1)
	go func() {
		done <- s.Run(ctx, func(r scanner.Read, err error) {
			if err != nil {
				t.Errorf("frame error: %v", err)
			}
			mu.Lock()
			reads = append(reads, r)
			mu.Unlock()
			got <- struct{}{}
		})
	}()
	// The scanner side: GS1 with GS and an AIM prefix, all 8-bit bytes, and
	// a last code without terminator (ended by IdleEnd).
	msgs := []string{"]d20109506000134352\x1d21ABC\r\n", "10LOT\x1d\xe9\xff\r", "NOTERM"}
	want := []struct{ sym, data string }{{"]d2", "0109506000134352\x1d21ABC"}, {"", "10LOT\x1d\xe9\xff"}, {"", "NOTERM"}}
	for _, m := range msgs {
		if _, err := master.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range want {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatalf("timed out after %d reads", i)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for i, w := range want {
		r := reads[i]
		if r.Symbology != w.sym || !bytes.Equal(r.Data, []byte(w.data)) || r.Source.Kind != scanner.KindSerial || r.Source.Name != slave {
			t.Errorf("read %d = %+v, want %s %q", i, r, w.sym, w.data)
		}
	}
}

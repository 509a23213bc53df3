package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestScanCommandSerial(t *testing.T) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	defer func() { _ = m.Close() }() // the line is in (or the test failed): nothing left to write
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, []string{"scan", "--serial", fmt.Sprintf("/dev/pts/%d", n), "--baud", "115200", "--term", "cr"},
			IO{Stdin: strings.NewReader(""), Stdout: pw, Stderr: os.Stderr, Getenv: os.Getenv})
		_ = pw.Close() // only ends the reader's input: the lines written are in the pipe already
	}()
	// The port opens asynchronously; keep sending until a line arrives.
	lines := make(chan string, 4)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	var got string
	var writeErr error // the last write's: the port may not be open yet, the next tick tries again
	for got == "" {
		select {
		case l := <-lines:
			got = l
		case <-tick.C:
			_, writeErr = m.Write([]byte("]d2" + testGS1 + "\r"))
		case <-deadline:
			t.Fatalf("no line from scan --serial (last write: %v)", writeErr)
		}
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	for range lines { // the reader ends at the pipe's end, closed when the command returned
	}
	var l scanLine
	if err := json.Unmarshal([]byte(got), &l); err != nil {
		t.Fatal(err)
	}
	if l.Text != testGS1 || l.Symbology != "]d2" || !strings.HasPrefix(l.Source, "serial:/dev/pts/") {
		t.Fatalf("line %+v", l)
	}
}

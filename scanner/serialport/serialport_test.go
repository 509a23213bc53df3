package serialport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/medtrace/medtrace/scanner"
)

func TestFramer(t *testing.T) {
	tests := []struct {
		name   string
		term   Terminator
		chunks []string
		want   []string
		tail   string // left pending
	}{
		{name: "cr keeps GS", term: TermCR, chunks: []string{"0104012345678901\x1d10AB\r"}, want: []string{"0104012345678901\x1d10AB"}},
		{name: "crlf is one end", term: TermCR | TermLF, chunks: []string{"AAA\r\nBBB\r\n"}, want: []string{"AAA", "BBB"}},
		{name: "split across reads", term: TermCR | TermLF, chunks: []string{"01040", "1234\r", "\nX"}, want: []string{"010401234"}, tail: "X"},
		{name: "lf only keeps cr", term: TermLF, chunks: []string{"A\rB\n"}, want: []string{"A\rB"}},
		{name: "stx etx", term: TermETX, chunks: []string{"\x02]d2010\x1d21X\x03\x02Y\x03"}, want: []string{"]d2010\x1d21X", "Y"}},
		{name: "empty frames dropped", term: TermCR | TermLF, chunks: []string{"\r\n\r\n\n"}},
		{name: "binary bytes kept", term: TermETX, chunks: []string{"\x00\xff\x1d\x1e\x04\r\n\x03"}, want: []string{"\x00\xff\x1d\x1e\x04\r\n"}},
		{name: "pending without terminator", term: TermCR, chunks: []string{"ABC"}, tail: "ABC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFramer(tc.term, 0)
			var got []string
			for _, c := range tc.chunks {
				for _, fr := range f.Write([]byte(c)) {
					if fr.Err != nil {
						t.Fatalf("frame error %v", fr.Err)
					}
					got = append(got, string(fr.Data))
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || len(got) != len(tc.want) {
				t.Fatalf("frames %q, want %q", got, tc.want)
			}
			fr, ok := f.Flush()
			if string(fr.Data) != tc.tail || ok != (tc.tail != "") {
				t.Fatalf("tail %q, want %q", fr.Data, tc.tail)
			}
		})
	}
}

func TestFramerTooLong(t *testing.T) {
	f := NewFramer(TermCR, 4)
	frs := f.Write([]byte("ABCDEF\r"))
	if len(frs) != 2 || string(frs[0].Data) != "ABCD" || !errors.Is(frs[0].Err, ErrFrameTooLong) || string(frs[1].Data) != "EF" || frs[1].Err != nil {
		t.Fatalf("frames %+v", frs)
	}
}

func TestParseTerminator(t *testing.T) {
	tests := []struct {
		in      string
		want    Terminator
		wantErr bool
	}{
		{in: "cr", want: TermCR}, {in: "crlf", want: TermCR | TermLF}, {in: "etx,lf", want: TermETX | TermLF},
		{in: "tab", wantErr: true}, {in: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTerminator(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{name: "baud", cfg: Config{Baud: 10}},
		{name: "data bits", cfg: Config{DataBits: 9}},
		{name: "stop bits", cfg: Config{StopBits: 3}},
		{name: "parity", cfg: Config{Parity: "sometimes"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.cfg.mode(); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestOpenMissingPort(t *testing.T) {
	if _, err := Open(context.Background(), "/dev/medtrace-no-such-port", Config{}); err == nil {
		t.Fatal("no error")
	}
}

func FuzzFramer(f *testing.F) {
	f.Add([]byte("0104012345678901\x1d10AB\r\n"), uint8(3), uint8(5))
	f.Add([]byte("\x02abc\x03\x02"), uint8(4), uint8(1))
	f.Fuzz(func(t *testing.T, in []byte, term uint8, chunk uint8) {
		tm := Terminator(term & 7)
		fr := NewFramer(tm, 64)
		tm = fr.term
		size := int(chunk%16) + 1
		var frames []Frame
		for i := 0; i < len(in); i += size {
			frames = append(frames, fr.Write(in[i:min(len(in), i+size)])...)
		}
		if last, ok := fr.Flush(); ok {
			frames = append(frames, last)
		}
		// Reference: the same stream in one write gives the same frames.
		ref := NewFramer(tm, 64)
		all := ref.Write(in)
		if last, ok := ref.Flush(); ok {
			all = append(all, last)
		}
		if len(all) != len(frames) {
			t.Fatalf("chunked gives %d frames, whole %d", len(frames), len(all))
		}
		var total int
		for i := range all {
			if !bytes.Equal(all[i].Data, frames[i].Data) {
				t.Fatalf("frame %d differs: %q vs %q", i, frames[i].Data, all[i].Data)
			}
			if len(all[i].Data) == 0 || len(all[i].Data) > 64 {
				t.Fatalf("frame %d length %d", i, len(all[i].Data))
			}
			for _, c := range all[i].Data {
				if (c == '\r' && tm&TermCR != 0) || (c == '\n' && tm&TermLF != 0) || (c == 3 && tm&TermETX != 0) {
					t.Fatalf("terminator %#x inside frame %q", c, all[i].Data)
				}
			}
			total += len(all[i].Data)
		}
		// No byte other than terminators, STX and a CR's LF is lost.
		kept := 0
		for _, c := range in {
			if c != '\r' && c != '\n' && c != 2 && c != 3 {
				kept++
			}
		}
		if total < kept {
			t.Fatalf("lost bytes: %d in frames, %d non-control bytes in input", total, kept)
		}
	})
}

// scriptedPort replays reads on a fake clock: each step's data arrives
// after its wait ("" is a read timeout); then io.EOF.
type scriptedPort struct {
	steps []portStep
	clock time.Time
}

type portStep struct {
	wait time.Duration
	data string
}

func (p *scriptedPort) Read(b []byte) (int, error) {
	if len(p.steps) == 0 {
		return 0, io.EOF
	}
	st := p.steps[0]
	p.steps = p.steps[1:]
	p.clock = p.clock.Add(st.wait)
	return copy(b, st.data), nil
}

func (p *scriptedPort) now() time.Time { return p.clock }

// TestRunIdleEnd checks the silence that ends a frame without terminator on
// an injected clock, so the outcome does not depend on machine load.
func TestRunIdleEnd(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		idle  time.Duration
		steps []portStep
		want  []string
		at    []time.Duration // when each read was completed, from the start
	}{
		{name: "short pause keeps the frame whole", idle: 200 * ms,
			steps: []portStep{{0, "ABC"}, {50 * ms, ""}, {50 * ms, ""}, {50 * ms, "DEF\r"}},
			want:  []string{"ABCDEF"}, at: []time.Duration{150 * ms}},
		{name: "silence ends the frame", idle: 200 * ms,
			steps: []portStep{{0, "ABC"}, {150 * ms, ""}, {60 * ms, ""}, {10 * ms, "DEF\r"}},
			want:  []string{"ABC", "DEF"}, at: []time.Duration{210 * ms, 220 * ms}},
		{name: "no idle end waits for the terminator", idle: 0,
			steps: []portStep{{0, "ABC"}, {time.Second, ""}, {time.Second, ""}, {0, "DEF\r"}},
			want:  []string{"ABCDEF"}, at: []time.Duration{2 * time.Second}},
		{name: "silence without pending data ends nothing", idle: 200 * ms,
			steps: []portStep{{300 * ms, ""}, {0, "X1\r"}, {500 * ms, ""}, {0, "Y2\r"}},
			want:  []string{"X1", "Y2"}, at: []time.Duration{300 * ms, 800 * ms}},
	}
	start := time.Date(2026, 11, 28, 1, 0, 0, 0, time.UTC)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &scriptedPort{steps: tc.steps, clock: start}
			var got []string
			var at []time.Duration
			err := run(context.Background(), p, "test", Config{Term: TermCR, IdleEnd: tc.idle}, p.now, func(r scanner.Read, err error) {
				if err != nil {
					t.Errorf("frame error: %v", err)
				}
				got = append(got, string(r.Data))
				at = append(at, r.Time.Sub(start))
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || fmt.Sprint(at) != fmt.Sprint(tc.at) {
				t.Fatalf("got %q at %v, want %q at %v", got, at, tc.want, tc.at)
			}
		})
	}
}

package app

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/medtrace/medtrace/assets"
)

// Sound names a feedback sound.
type Sound int

// The feedback sounds.
const (
	SoundSuccess Sound = iota + 1
	SoundFailure
)

// SoundPlayer plays feedback sounds without blocking the caller.
type SoundPlayer interface {
	Play(s Sound)
}

// ExecPlayer plays the WAV files from assets/ through the system's command
// line player (paplay, pw-play or aplay on Linux, afplay on macOS). Go's
// standard library has no audio output and no pure-Go audio library is
// available to this build, so a machine without one of these players has
// no sound: Available reports that honestly and the UI says so in Settings.
type ExecPlayer struct {
	ctx    context.Context
	cmd    string
	files  map[Sound]string
	wg     sync.WaitGroup
	mu     sync.Mutex
	active int
}

// NewExecPlayer writes the sounds to dir and finds a player. Plays stop when
// ctx ends; call Wait before exit.
func NewExecPlayer(ctx context.Context, dir string) (*ExecPlayer, error) {
	p := &ExecPlayer{ctx: ctx, files: map[Sound]string{}}
	candidates := []string{"paplay", "pw-play", "aplay"}
	if runtime.GOOS == "darwin" {
		candidates = []string{"afplay"}
	}
	for _, c := range candidates {
		if path, err := exec.LookPath(c); err == nil {
			p.cmd = path
			break
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sound folder: %w", err)
	}
	for s, name := range map[Sound]string{SoundSuccess: "success.wav", SoundFailure: "failure.wav"} {
		data, err := assets.FS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read sound %s: %w", name, err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("write sound %s: %w", name, err)
		}
		p.files[s] = path
	}
	return p, nil
}

// Available reports the player command found, or "" when there is none.
func (p *ExecPlayer) Available() string { return p.cmd }

// Play starts the sound and returns at once. At most two sounds play at a
// time; further plays while busy are dropped.
func (p *ExecPlayer) Play(s Sound) {
	if p.cmd == "" || p.files[s] == "" {
		return
	}
	p.mu.Lock()
	if p.active >= 2 {
		p.mu.Unlock()
		return
	}
	p.active++
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() { p.mu.Lock(); p.active--; p.mu.Unlock() }()
		// A failed play (no sound device) must not disturb scanning.
		_ = exec.CommandContext(p.ctx, p.cmd, p.files[s]).Run()
	}()
}

// Wait blocks until every started sound has finished or been stopped.
func (p *ExecPlayer) Wait() { p.wg.Wait() }

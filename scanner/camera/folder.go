package camera

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/medtrace/medtrace/scanner"
)

// FolderSource replays the images of a folder, in name order, as frames.
// An image that cannot be read or breaks Limits is skipped: Next returns
// a *FrameError for it and the replay goes on with the next file.
type FolderSource struct {
	// Limits bounds each image (scanner.LoadImage); zero fields are the
	// defaults. Set it before the first Next.
	Limits scanner.ImageLimits

	dir      string
	files    []string
	interval time.Duration
	loop     bool
	i        int
	seq      uint64
	last     time.Time
	good     bool // a frame of this pass was read
}

// NewFolderSource lists the PNG, JPEG, WebP and GIF files of dir. Frames
// come every interval (0: as fast as they are asked for); with loop the
// folder repeats until ctx ends.
func NewFolderSource(ctx context.Context, dir string, interval time.Duration, loop bool) (*FolderSource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("frame folder: %w", err)
	}
	var files []string
	for _, e := range ents {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".png", ".jpg", ".jpeg", ".webp", ".gif":
			if !e.IsDir() {
				files = append(files, filepath.Join(dir, e.Name()))
			}
		}
	}
	sort.Strings(files)
	if len(files) == 0 {
		return nil, fmt.Errorf("frame folder %s: no PNG, JPEG, WebP or GIF images", dir)
	}
	return &FolderSource{dir: dir, files: files, interval: interval, loop: loop}, nil
}

// Name returns the folder path.
func (s *FolderSource) Name() string { return s.dir }

// Next returns the next image, waiting for the frame interval.
func (s *FolderSource) Next(ctx context.Context) (Frame, error) {
	if s.i >= len(s.files) {
		if !s.loop {
			return Frame{}, ErrEndOfStream
		}
		if !s.good {
			return Frame{}, fmt.Errorf("frame folder %s: %w", s.dir, ErrNoReadableFrame)
		}
		s.i, s.good = 0, false
	}
	if s.interval > 0 && !s.last.IsZero() {
		t := time.NewTimer(time.Until(s.last.Add(s.interval)))
		select {
		case <-ctx.Done():
			t.Stop()
			return Frame{}, ctx.Err()
		case <-t.C:
		}
	}
	if err := ctx.Err(); err != nil {
		return Frame{}, err
	}
	path := s.files[s.i]
	s.i++
	s.last = time.Now()
	img, _, err := scanner.LoadImage(ctx, path, s.Limits)
	if err != nil {
		if ctx.Err() != nil {
			return Frame{}, ctx.Err()
		}
		return Frame{}, &FrameError{Name: path, Err: err}
	}
	s.good = true
	s.seq++
	return Frame{Image: img, Time: time.Now(), Seq: s.seq}, nil
}

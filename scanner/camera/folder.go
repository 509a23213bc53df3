package camera

import (
	"context"
	"fmt"
	"image"
	_ "image/gif" // replayed frames may be GIF
	_ "image/jpeg"
	_ "image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	_ "golang.org/x/image/webp" // and WebP
)

// FolderSource replays the images of a folder, in name order, as frames.
type FolderSource struct {
	dir      string
	files    []string
	interval time.Duration
	loop     bool
	i        int
	seq      uint64
	last     time.Time
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
		s.i = 0
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
	f, err := os.Open(path)
	if err != nil {
		return Frame{}, fmt.Errorf("frame %s: %w", path, err)
	}
	img, _, err := image.Decode(f)
	f.Close()
	if err != nil {
		return Frame{}, fmt.Errorf("frame %s: %w", path, err)
	}
	s.last = time.Now()
	s.seq++
	return Frame{Image: img, Time: s.last, Seq: s.seq}, nil
}

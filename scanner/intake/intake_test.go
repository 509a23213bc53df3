package intake

import (
	"context"
	"errors"
	"image"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/medtrace/medtrace/scanner/wedge"
)

func TestCalibratorParams(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	typed := func(s string, gap time.Duration, enter bool) []KeyStroke {
		var keys []KeyStroke
		at := t0
		for _, r := range s {
			k := KeyStroke{Rune: r, Time: at}
			if r == 0x1d {
				k = KeyStroke{GS: true, Time: at}
			}
			keys = append(keys, k)
			at = at.Add(gap)
		}
		if enter {
			keys = append(keys, KeyStroke{Enter: true, Time: at})
		}
		return keys
	}
	fast := 5 * time.Millisecond
	tests := []struct {
		name   string
		keys   []KeyStroke
		fault  string
		params map[string]string
	}{
		{"nothing arrived", nil, "no-input", map[string]string{}},
		{"substitute", typed(strings.ReplaceAll(wedge.CalibrationData, "\x1d", "~"), fast, true), "gs-substituted", map[string]string{"Substitute": "'~'"}},
		{"no terminator", typed(wedge.CalibrationData, fast, false), "no-terminator", map[string]string{"Wait": strconv.FormatInt(wedge.DefaultConfig().IdleEnd.Milliseconds(), 10)}},
		{"ends early", typed(wedge.CalibrationData[:10], fast, true), "unrecognised", map[string]string{"Position": "11", "Expected": `"1"`, "Got": ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := Calibrator{}.Calibrate(tc.keys)
			if len(fs) != 1 || fs[0].Fault != tc.fault {
				t.Fatalf("findings %+v, want one %s", fs, tc.fault)
			}
			if !reflect.DeepEqual(fs[0].Params, tc.params) {
				t.Errorf("params %v, want %v", fs[0].Params, tc.params)
			}
			if fs[0].Advice == "" {
				t.Error("no English advice")
			}
		})
	}
}

func TestLiveCameraMissingDevice(t *testing.T) {
	dev := filepath.Join(t.TempDir(), "video0")
	err := Camera{}.Stream(context.Background(), dev, 640, 480,
		func(image.Image, []image.Rectangle) { t.Error("a frame from no camera") },
		func([]byte) { t.Error("a read from no camera") })
	if !errors.Is(err, ErrNoCamera) || !strings.Contains(err.Error(), dev) {
		t.Fatalf("err = %v, want ErrNoCamera naming %s", err, dev)
	}
}

package datadir

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestUser(t *testing.T) {
	tests := []struct {
		name    string
		goos    string
		env     map[string]string
		want    string
		wantErr error
	}{
		{"linux default", "linux", map[string]string{"HOME": "/home/ana"}, "/home/ana/.local/share/medtrace", nil},
		{"linux XDG", "linux", map[string]string{"HOME": "/home/ana", "XDG_DATA_HOME": "/data"}, "/data/medtrace", nil},
		{"linux relative XDG ignored", "linux", map[string]string{"HOME": "/home/ana", "XDG_DATA_HOME": "data"}, "/home/ana/.local/share/medtrace", nil},
		{"macOS", "darwin", map[string]string{"HOME": "/Users/ana"}, "/Users/ana/Library/Application Support/medtrace", nil},
		{"windows", "windows", map[string]string{"LocalAppData": `C:\Users\ana\AppData\Local`}, filepath.Join(`C:\Users\ana\AppData\Local`, "medtrace"), nil},
		{"no home", "linux", map[string]string{}, "", ErrNoHome},
		{"windows without LocalAppData", "windows", map[string]string{"HOME": "/x"}, "", ErrNoHome},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := User(tt.goos, func(k string) string { return tt.env[k] })
			if !errors.Is(err, tt.wantErr) || got != tt.want {
				t.Fatalf("User = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

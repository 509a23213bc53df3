//go:build benchchaincode

package record

import (
	"errors"
	"testing"
)

func TestPutRaw(t *testing.T) {
	tests := []struct {
		name    string
		msp     string
		n, size int
		want    error
		writes  int
	}{
		{"regulator", mspReg, 3, 10, nil, 3},
		{"manufacturer", mspMan, 3, 10, ErrAccessDenied, 0},
		{"too many", mspReg, MaxBatch + 1, 10, ErrBadRequest, 0},
		{"too big", mspReg, 1, 5000, ErrBadRequest, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			st, tx := w.tx(tt.msp)
			if err := PutRaw(st, tx, tt.n, tt.size); !errors.Is(err, tt.want) || len(st.writes) != tt.writes {
				t.Fatalf("err = %v, %d writes", err, len(st.writes))
			}
		})
	}
}

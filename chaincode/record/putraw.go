//go:build benchchaincode

package record

import "fmt"

// PutRaw writes n plain keys of size bytes each under the transaction's ID:
// the benchmark baseline of a bare key-value put, with no checks. A
// regulator only (regulators hold no stock), so it cannot touch trace data.
func PutRaw(st State, tx Tx, n, size int) error {
	c, err := LoadConfig(st)
	if err != nil {
		return err
	}
	if o, err := c.reader(tx); err != nil || o.Role != RoleRegulator {
		return fmt.Errorf("%w: PutRaw is for a regulator's benchmark only", ErrAccessDenied)
	}
	if n < 1 || n > MaxBatch || size < 1 || size > 4096 {
		return fmt.Errorf("%w: PutRaw takes 1 to %d keys of 1 to 4096 bytes", ErrBadRequest, MaxBatch)
	}
	v := make([]byte, size)
	for i := range v {
		v[i] = 'x'
	}
	for i := 0; i < n; i++ {
		if err := st.PutState(fmt.Sprintf("raw:%s:%d", tx.ID, i), v); err != nil {
			return fmt.Errorf("write raw key: %w", err)
		}
	}
	return nil
}

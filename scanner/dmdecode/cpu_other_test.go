//go:build !linux

package dmdecode

import "time"

// threadCPU is not measured on this system; -1 leaves the CPU metric out.
func threadCPU() time.Duration { return -1 }

package store

import (
	"errors"
	"syscall"
)

func isENOSPC(err error) bool { return errors.Is(err, syscall.ENOSPC) }
func isEROFS(err error) bool  { return errors.Is(err, syscall.EROFS) }

//go:build !linux

package localplane

import (
	"errors"
	"syscall"
)

// sysProcAttr returns nil: the fixture only manages process groups on Linux.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalGroup is unsupported outside Linux; Start fails earlier there.
func signalGroup(int, bool) error { return errors.New("localplane: only supported on linux") }

//go:build !linux

package e2e

import "syscall"

// sysProcAttr returns nil: the tests need the local plane, which is Linux only.
func sysProcAttr() *syscall.SysProcAttr { return nil }

package e2e

import "syscall"

// sysProcAttr asks the kernel to SIGKILL a service if the test binary dies
// without cleaning up (go test -timeout, a panic, os.Exit).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

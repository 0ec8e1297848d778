package localplane

import (
	"errors"
	"syscall"
)

// sysProcAttr puts each child in its own process group, so stop can signal
// everything it spawned, and asks the kernel to SIGKILL it if the test
// binary dies without cleaning up (go test -timeout, a panic, os.Exit).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends SIGTERM (or SIGKILL when kill is set) to the process
// group led by pid. A group that no longer exists is not an error.
func signalGroup(pid int, kill bool) error {
	sig := syscall.SIGTERM
	if kill {
		sig = syscall.SIGKILL
	}
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Process is one service binary running as a child of the test, with its
// stdout and stderr in LogPath. Its methods are safe for concurrent use.
type Process struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed once the process has exited and waitErr is set
	waitErr error
}

// StartProcess starts bin with exactly env (nothing is inherited, so a
// developer's SLIPWAY_* variables cannot leak in), logging to
// logDir/<name>.log. The kernel kills it if the test binary dies first.
func StartProcess(name, bin string, env []string, logDir string) (*Process, error) {
	logPath := filepath.Join(logDir, name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("e2e: open %s log: %w", name, err)
	}
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("e2e: start %s: %w", name, err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Kill sends SIGKILL, as a crash would, and waits until the process is gone.
func (p *Process) Kill() error {
	if ended, _ := p.Exited(); ended {
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("e2e: kill %s: %w", p.Name, err)
	}
	return p.wait(10 * time.Second)
}

// Stop sends SIGTERM, then SIGKILL if the process has not exited after
// grace, and waits until it is gone. An exit caused by Stop is not an error.
func (p *Process) Stop(grace time.Duration) error {
	if ended, _ := p.Exited(); ended {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	return p.Kill()
}

func (p *Process) wait(limit time.Duration) error {
	select {
	case <-p.done:
		return nil
	case <-time.After(limit):
		return fmt.Errorf("e2e: %s (pid %d) did not exit within %s", p.Name, p.cmd.Process.Pid, limit)
	}
}

// Tail returns the last n lines of the process log.
func (p *Process) Tail(n int) string {
	s, err := tailFile(p.LogPath, n)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return s
}

func tailFile(path string, n int) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	ring := make([]string, 0, n)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		if len(ring) == n {
			ring = ring[1:]
		}
		ring = append(ring, sc.Text())
	}
	return strings.Join(ring, "\n"), sc.Err()
}

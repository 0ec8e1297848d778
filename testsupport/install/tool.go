package install

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// toolModule is the folder of the module with the command, relative to the
// repository root.
var toolModule = filepath.Join("tools", "install")

var built struct {
	once sync.Once
	path string
	err  error
}

// Root returns the repository root: the first folder at or above the
// working directory (a test runs in its package's folder) holding
// tools/install/go.mod.
func Root(t testing.TB) string {
	t.Helper()
	root, err := findRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func findRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, toolModule, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("install: no %s/go.mod above the working directory", toolModule)
		}
		dir = parent
	}
}

// tool builds the command of tools/install once per process, into a
// temporary folder removed when the process ends... or left for the
// operating system's temporary-file cleanup if it is killed.
func tool(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		root, err := findRoot()
		if err != nil {
			built.err = err
			return
		}
		dir, err := os.MkdirTemp("", "slipway-install-tool-")
		if err != nil {
			built.err = fmt.Errorf("install: %w", err)
			return
		}
		built.path = filepath.Join(dir, "install")
		cmd := exec.Command("go", "build", "-o", built.path, ".")
		cmd.Dir = filepath.Join(root, toolModule)
		cmd.Env = append(os.Environ(), "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("install: go build in %s: %w\n%s", cmd.Dir, err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

// Cleanup removes the built command; call it from TestMain after m.Run.
func Cleanup() {
	if built.path != "" {
		_ = os.RemoveAll(filepath.Dir(built.path))
	}
}

// ErrTool is wrapped by every failure the command reports (its stderr).
var ErrTool = errors.New("install tool failed")

// run runs the command with args from the repository root and returns its
// stdout.
func run(t testing.TB, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), tool(t), args...)
	cmd.Dir = Root(t)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.Bytes(), fmt.Errorf("%w: install %v: %v: %s%s", ErrTool, args, err, stdout.String(), stderr.String())
	}
	return stdout.Bytes(), nil
}

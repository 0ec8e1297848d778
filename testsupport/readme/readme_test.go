package readme

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// blockTimeout bounds one block (its commands wait at most 60 s each).
const blockTimeout = 5 * time.Minute

// TestReadme runs README.md's sh blocks in order against a fresh `slipway
// dev` (see the package doc for the convention).
func TestReadme(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README's blocks need %s on PATH: %v", tool, err)
		}
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := Parse(string(doc))
	if err != nil {
		t.Fatal(err)
	}
	bin := buildCLI(t)
	base := startDev(t, bin)
	work := t.TempDir()
	env := blockEnv(base, filepath.Dir(bin), filepath.Join(work, "config"))
	for _, b := range blocks {
		if b.Skip != "" {
			t.Logf("README.md:%d: skipped: %s", b.Line, b.Skip)
			continue
		}
		if !runBlock(t, b, work, env) {
			return // the blocks after it build on it
		}
	}
}

// runBlock runs one block and checks its expectations; false when it failed.
func runBlock(t *testing.T, b Block, dir string, env []string) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), blockTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", b.Instrumented())
	cmd.Dir, cmd.Env = dir, env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	out := stdout.String()
	if err != nil {
		t.Errorf("README.md:%d: the block failed (%v; bash's line N is README line %d+N-1)\nstdout:\n%s\nstderr:\n%s",
			b.Line, err, b.Line, clean(out), stderr.String())
		return false
	}
	ok := true
	for i, part := range Outputs(out, len(b.Groups)) {
		for _, line := range b.Groups[i].Lines {
			if miss := Check(line, part); miss != "" {
				t.Errorf("README.md:%d: %s\nin the output:\n%s", b.Groups[i].Line, miss, part)
				ok = false
			}
		}
	}
	return ok
}

func clean(out string) string {
	return strings.ReplaceAll(out, "\n"+groupMark+" ", "\n[expectation group] ")
}

// blockEnv is the environment of the blocks: the caller's, without
// Slipway's own settings, plus B, the server, the CLI on PATH and a config
// folder of their own.
func blockEnv(base, binDir, config string) []string {
	var env []string
	for _, kv := range withoutSlipway() {
		if !strings.HasPrefix(kv, "B=") && !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return append(env, "B="+base, "SLIPWAY_SERVER="+base, "XDG_CONFIG_HOME="+config,
		"PATH="+binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
}

// withoutSlipway is the caller's environment without Slipway's settings.
func withoutSlipway() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SLIPWAY_") && !strings.HasPrefix(kv, "KUBECONFIG=") {
			env = append(env, kv)
		}
	}
	return env
}

// buildCLI builds slipway from this tree.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "slipway")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "slipway.dev/cmd/slipway").CombinedOutput()
	if err != nil {
		t.Fatalf("go build slipway: %v\n%s", err, out)
	}
	return bin
}

// startDev starts `slipway dev` on a free loopback port with a temporary
// data folder and returns its base URL, read from the start banner. The
// cluster is the simulated one, as on a machine with only Go.
func startDev(t *testing.T, bin string) string {
	t.Helper()
	data := t.TempDir()
	cmd := exec.Command(bin, "dev", "--addr", "127.0.0.1:0", "--data", data, "--cluster", "simulated")
	cmd.Env = withoutSlipway()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(data, "slipway.log")); err == nil {
				t.Logf("slipway dev's log (last 8 KiB):\n%s", tail(log, 8<<10))
			}
		}
	})
	url := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if api, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "API:"); ok {
				url <- strings.TrimSpace(api)
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		done <- cmd.Wait()
	}()
	select {
	case u := <-url:
		return u
	case err := <-done:
		done <- err
		t.Fatalf("slipway dev exited before it started: %v\n%s", err, stderr.String())
	case <-time.After(3 * time.Minute):
		t.Fatalf("slipway dev did not print its API address within 3 minutes\n%s", stderr.String())
	}
	return ""
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/klog/v2"
)

// TestKlogGoesToTheDevLog: client-go's klog lines reach the dev log (its
// file), not the console.
func TestKlogGoesToTheDevLog(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w // klog writes to os.Stderr as it is when it logs
	t.Cleanup(func() { os.Stderr = stderr; klog.ClearLogger() })

	var file bytes.Buffer
	routeKlog(slog.New(slog.NewJSONHandler(&file, nil)))
	klog.Errorf("failed to list *v1.Deployment: dial tcp 10.0.0.1:6443: connect: connection refused")
	klog.Warning("reflector: watch closed")
	klog.Flush()
	_ = w.Close()
	console, _ := io.ReadAll(r)

	if len(console) > 0 {
		t.Errorf("klog wrote to the console:\n%s", console)
	}
	for _, want := range []string{"connection refused", "watch closed", `"logger":"client-go"`} {
		if !strings.Contains(file.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, file.String())
		}
	}
}

// TestTheDevLogIsTheOwnersOnly: the log names the embedded servers and what
// callers did; a log and folder left wider by an earlier version are
// narrowed when the dev stack opens them.
func TestTheDevLogIsTheOwnersOnly(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(data, "slipway.log")
	if err := os.WriteFile(log, []byte("{}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, mode := range map[string]os.FileMode{data: 0o755, log: 0o644} { // whatever the umask
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	f, err := openDevLog(data)
	if err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	for path, want := range map[string]os.FileMode{data: 0o700, log: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
}

package main

import (
	"bytes"
	"io"
	"log/slog"
	"os"
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

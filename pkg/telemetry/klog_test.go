package telemetry_test

import (
	"bytes"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"k8s.io/klog/v2"

	"slipway.dev/pkg/telemetry"
)

// TestKlogGoesToTheLogger: client-go's klog lines reach the logger as JSON
// records at their level, and nothing reaches stderr.
func TestKlogGoesToTheLogger(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w // klog writes to os.Stderr as it is when it logs
	t.Cleanup(func() { os.Stderr = stderr; klog.ClearLogger() })

	var out bytes.Buffer
	telemetry.RouteKlog(slog.New(slog.NewJSONHandler(&out, nil)))
	klog.Errorf("failed to list *v1.Deployment: dial tcp 10.0.0.1:6443: connect: connection refused")
	klog.Warning("reflector: watch closed")
	klog.Flush()
	_ = w.Close()
	console, _ := io.ReadAll(r)

	if len(console) > 0 {
		t.Errorf("klog wrote to stderr:\n%s", console)
	}
	for _, want := range []string{"connection refused", "watch closed", `"logger":"client-go"`, `"level":"ERROR"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, out.String())
		}
	}
}

package telemetry

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestServePprofServesHeapProfiles: the profiles a diagnosis needs are
// served on the listener given, and the server ends with its context.
func TestServePprofServesHeapProfiles(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- ServePprof(ctx, ln) }()
	for _, tc := range []struct{ path, want string }{
		{"/debug/pprof/heap?debug=1", "# HeapInuse = "},
		{"/debug/pprof/goroutine?debug=1", "goroutine profile: total"},
		{"/debug/pprof/", "Types of profiles available"},
	} {
		res, err := http.Get("http://" + ln.Addr().String() + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), tc.want) {
			t.Errorf("GET %s: %d, want 200 with %q", tc.path, res.StatusCode, tc.want)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ServePprof after its context ended: %v", err)
	}
}

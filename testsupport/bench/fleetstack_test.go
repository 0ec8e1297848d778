package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProcessesCountLogsAndReportExits: a service process's JSON log lines
// are counted by level and service, and a process that stops on its own
// is reported, while one stopped by stop is not.
func TestProcessesCountLogsAndReportExits(t *testing.T) {
	dir := t.TempDir()
	script := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	quits := script("slipway-quits", `echo '{"level":"ERROR","service":"rollout-worker","msg":"drive: '"$BENCH_WORD"'"}'; exit 3`)
	stays := script("slipway-stays", `echo '{"level":"INFO","msg":"up"}' >&2; exec sleep 60`)
	logs, ps := newLogCounter(), &processes{}
	for _, bin := range []string{quits, stays} {
		pid, err := ps.start(bin, []string{"BENCH_WORD=maximum consumers"}, logs)
		if err != nil {
			t.Fatal(err)
		}
		if pid <= 0 {
			t.Fatalf("pid %d", pid)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for ps.exited() == "" && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := ps.exited(); !strings.Contains(got, "quits exited: exit status 3") || strings.Contains(got, "stays") {
		t.Errorf("exited() = %q, want the one that quit only", got)
	}
	if err := ps.stop(); err != nil {
		t.Fatal(err)
	}
	if got := ps.exited(); strings.Contains(got, "stays") {
		t.Errorf("a process stopped by stop is reported as exited: %q", got)
	}
	if got := logs.errorLines(); got != 1 {
		t.Errorf("errorLines = %d, want 1", got)
	}
	if got := logs.summary(); !strings.Contains(got, `rollout-worker ERROR 1`) || !strings.Contains(got, "maximum consumers") {
		t.Errorf("summary %q: want the worker's error with the environment's word", got)
	}
}

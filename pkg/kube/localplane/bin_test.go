package localplane

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAvailable(t *testing.T) {
	tests := []struct {
		name        string
		files       map[string]os.FileMode // binary -> mode; a 0 mode makes a folder
		ok          bool
		wantMissing []string
	}{
		{name: "all present", files: all(0o755), ok: true},
		{name: "none", files: nil, wantMissing: binaries},
		{name: "not executable", files: with(all(0o755), "kwok", 0o644), wantMissing: []string{"kwok"}},
		{name: "folder", files: with(all(0o755), "etcd", 0), wantMissing: []string{"etcd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, mode := range tt.files {
				path := filepath.Join(dir, name)
				var err error
				if mode == 0 {
					err = os.Mkdir(path, 0o755)
				} else {
					err = os.WriteFile(path, []byte("#!/bin/sh\n"), mode)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			ok, reason := available(dir)
			if ok != tt.ok {
				t.Fatalf("available = %t (%q), want %t", ok, reason, tt.ok)
			}
			if ok {
				if reason != "" {
					t.Errorf("reason %q, want none", reason)
				}
				return
			}
			for _, want := range append([]string{dir, BuildCommand}, tt.wantMissing...) {
				if !strings.Contains(reason, want) {
					t.Errorf("reason %q does not name %q", reason, want)
				}
			}
		})
	}
}

func TestBinDirFromEnv(t *testing.T) {
	t.Setenv("SLIPWAY_KUBE_BIN", "/opt/k8s/bin")
	if got := BinDir(); got != "/opt/k8s/bin" {
		t.Errorf("BinDir() = %q, want $SLIPWAY_KUBE_BIN", got)
	}
}

func all(mode os.FileMode) map[string]os.FileMode {
	m := map[string]os.FileMode{}
	for _, b := range binaries {
		m[b] = mode
	}
	return m
}

func with(m map[string]os.FileMode, name string, mode os.FileMode) map[string]os.FileMode {
	m[name] = mode
	return m
}

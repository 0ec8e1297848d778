package main

import (
	"os"
	"path/filepath"
	"testing"
)

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

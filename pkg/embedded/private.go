package embedded

import (
	"fmt"
	"os"
)

// PrivateDir makes dir (and missing parents) and narrows dir to its owner
// (0700), also when it existed with wider modes: what it holds (stores,
// sockets, logs, keys) is for the owner's processes only.
func PrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("make %s private: %w", dir, err)
	}
	return nil
}

package localplane

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KubernetesVersion is the version of the control-plane binaries the fixture
// expects; it names the default BinDir.
const KubernetesVersion = "v1.37.2"

// BuildCommand is the command, run from the repository root, that builds the
// binaries into BinDir.
const BuildCommand = "bash scripts/kubeplane/build.sh"

// binaries are the executables Start needs in BinDir.
var binaries = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

// BinDir returns the folder holding the control-plane binaries:
// $SLIPWAY_KUBE_BIN when set, else $HOME/.cache/slipway/k8s-v1.37.2/bin.
// It is the same rule scripts/kubeplane/build.sh uses.
func BinDir() string {
	if d := os.Getenv("SLIPWAY_KUBE_BIN"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "slipway", "k8s-"+KubernetesVersion, "bin")
}

// Available reports whether every binary Start needs is an executable file in
// BinDir. When one is not, reason (a sentence without a package prefix)
// names the folder, the missing binaries and BuildCommand.
func Available() (ok bool, reason string) {
	return available(BinDir())
}

func available(dir string) (bool, string) {
	var missing []string
	for _, b := range binaries {
		fi, err := os.Stat(filepath.Join(dir, b))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			missing = append(missing, b)
		}
	}
	if len(missing) == 0 {
		return true, ""
	}
	return false, fmt.Sprintf("Kubernetes control-plane binaries missing in %s (%s); build them with: %s (from the Slipway repository root)",
		dir, strings.Join(missing, ", "), BuildCommand)
}

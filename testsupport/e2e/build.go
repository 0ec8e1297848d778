package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Service binaries, by the name StartProcess logs them under.
const (
	ServiceAPI      = "slipway-api"
	ServiceWorker   = "slipway-rollout-worker"
	ServiceMonitor  = "slipway-health-monitor"
	ServicePromoter = "slipway-promoter"
)

// servicePackages are the main packages built for the tests.
var servicePackages = []string{
	"slipway.dev/services/api/cmd/" + ServiceAPI,
	"slipway.dev/services/rollout-worker/cmd/" + ServiceWorker,
	"slipway.dev/services/health-monitor/cmd/" + ServiceMonitor,
	"slipway.dev/services/promoter/cmd/" + ServicePromoter,
}

// Binaries is a folder holding the four service executables.
type Binaries struct{ Dir string }

// Path returns the executable of a service (ServiceAPI, ...).
func (b Binaries) Path(service string) string { return filepath.Join(b.Dir, service) }

// BuildServices builds the four service binaries into dir with one `go
// build` run in the current directory (inside the workspace).
func BuildServices(ctx context.Context, dir string) (Binaries, error) {
	args := append([]string{"build", "-o", dir + string(filepath.Separator)}, servicePackages...)
	cmd := exec.CommandContext(ctx, "go", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return Binaries{}, fmt.Errorf("e2e: go %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return Binaries{Dir: dir}, nil
}

// built is the package's one build, made by the first test that needs it
// and removed by Main.
var built struct {
	once sync.Once
	bins Binaries
	took time.Duration
	err  error
}

// serviceBinaries builds the services on first use and returns them; a
// failed build fails every test that needs it.
func serviceBinaries(t testing.TB) Binaries {
	t.Helper()
	built.once.Do(func() {
		began := time.Now()
		dir, err := os.MkdirTemp("", "slipway-e2e-bin-")
		if err != nil {
			built.err = fmt.Errorf("e2e: binaries dir: %w", err)
			return
		}
		built.bins.Dir = dir
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		_, built.err = BuildServices(ctx, dir)
		built.took = time.Since(began)
		t.Logf("METRIC build_services=%s", built.took.Round(time.Millisecond))
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bins
}

func removeBinaries() {
	if built.bins.Dir != "" {
		_ = os.RemoveAll(built.bins.Dir)
	}
}

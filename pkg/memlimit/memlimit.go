// Package memlimit derives the Go runtime's soft memory limit from the
// container's cgroup memory limit. Without it the garbage collector lets
// the heap reach twice what is live (GOGC=100) whatever the container's
// limit, and a fleet's burst of events can take a service past its limit
// into the kernel's OOM killer; with it the collector works harder as the
// limit nears. An explicit GOMEMLIMIT always wins.
package memlimit

import (
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// EnvGoMemLimit is the Go runtime's own setting; when set, Decide leaves it.
const EnvGoMemLimit = "GOMEMLIMIT"

// Percent of the container's limit given to the Go runtime: the rest is
// what the runtime does not count (the binary's pages, thread stacks,
// cgo) and room for the collector to catch up.
const Percent = 90

// CgroupRoot is where a container sees its own cgroup (cgroup namespaces,
// the default on cgroup v2).
const CgroupRoot = "/sys/fs/cgroup"

// Files holding the limit: cgroup v2, then v1. "max" (v2) or a v1 value
// near the largest int64 means no limit.
const (
	fileV2 = "memory.max"
	fileV1 = "memory/memory.limit_in_bytes"
	// unlimited: v1 reports no limit as the largest page-aligned int64.
	unlimited = int64(1) << 60
)

// Decision is what Decide found: Limit bytes for the runtime (0: leave
// the runtime's default) and why.
type Decision struct {
	Limit     int64
	Container int64 // the cgroup's limit, 0 when none was read
	Reason    string
}

// Decide returns the limit to set from the cgroup files in cgroup (rooted
// at CgroupRoot) unless getenv has GOMEMLIMIT. A file that cannot be
// parsed is an error; absent files mean no limit.
func Decide(getenv func(string) string, cgroup fs.FS) (Decision, error) {
	if v := getenv(EnvGoMemLimit); v != "" {
		return Decision{Reason: EnvGoMemLimit + "=" + v + " is set"}, nil
	}
	for _, name := range []string{fileV2, fileV1} {
		raw, err := fs.ReadFile(cgroup, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return Decision{}, fmt.Errorf("memory limit: read %s: %w", name, err)
		}
		text := strings.TrimSpace(string(raw))
		if text == "max" {
			return Decision{Reason: "the container has no memory limit"}, nil
		}
		n, err := strconv.ParseInt(text, 10, 64)
		if err != nil || n <= 0 {
			return Decision{}, fmt.Errorf("memory limit: %s holds %q, not a byte count", name, text)
		}
		if n >= unlimited {
			return Decision{Reason: "the container has no memory limit"}, nil
		}
		return Decision{Limit: n / 100 * Percent, Container: n,
			Reason: fmt.Sprintf("%d%% of the container's memory limit (%s)", Percent, name)}, nil
	}
	return Decision{Reason: "no cgroup memory limit found"}, nil
}

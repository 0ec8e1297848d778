package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// debugAddr is a service process's profile listener (SLIPWAY_PPROF_ADDR).
type debugAddr struct {
	name, addr string
}

// footprint is what each service process held once the whole fleet
// changed: its Go heap in use (live objects and fragmentation, without
// the garbage RSS also counts), by service.
type footprint map[string]float64

// readFootprint reads each service's heap from its profile listener, and
// saves the heap profile into dir as <label>-<service>.heap when dir is
// set (`go tool pprof -top bin/slipway-<service> <file>` reads it).
func readFootprint(ctx context.Context, services []debugAddr, dir, label string) (footprint, error) {
	fp := footprint{}
	for _, s := range services {
		text, err := fetch(ctx, "http://"+s.addr+"/debug/pprof/heap?debug=1")
		if err != nil {
			return nil, fmt.Errorf("%s heap: %w", s.name, err)
		}
		inuse, err := memStat(text, "HeapInuse")
		if err != nil {
			return nil, fmt.Errorf("%s heap: %w", s.name, err)
		}
		fp[s.name] = inuse / (1 << 20)
		if dir == "" {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, err
		}
		raw, err := fetch(ctx, "http://"+s.addr+"/debug/pprof/heap")
		if err != nil {
			return nil, fmt.Errorf("%s heap profile: %w", s.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, label+"-"+s.name+".heap"), []byte(raw), 0o644); err != nil {
			return nil, err
		}
	}
	return fp, nil
}

// memStat finds "# name = value" in a debug=1 heap profile: the runtime's
// MemStats it ends with.
func memStat(text, name string) (float64, error) {
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	prefix := "# " + name + " = "
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no %q in the heap profile", name)
}

// promValues reads the unlabelled samples named in the Prometheus text
// exposition text (histogram sums and counts included).
func promValues(text string, names ...string) map[string]float64 {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	out := map[string]float64{}
	for line := range strings.Lines(text) {
		name, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || !want[name] {
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			out[name] = v
		}
	}
	return out
}

// fetch GETs url and returns its body; anything but 200 is an error.
func fetch(ctx context.Context, url string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return "", err
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return string(b), nil
}

// projectorFigures are the api's projector metrics after a run: how long
// applying waited for flushes (backpressure), and the flushes' mean time.
type projectorFigures struct {
	blocked   float64 // s
	flushes   float64
	flushMean float64 // s
	// events applied, and those applied within 1 s of being stored
	// (slipway_projector_event_age_seconds).
	applied, appliedWithin1s float64
	read                     bool
	unreadBecause            string
}

// readProjectorFigures scrapes the api's /metrics.
func readProjectorFigures(ctx context.Context, apiURL string) projectorFigures {
	text, err := fetch(ctx, apiURL+"/metrics")
	if err != nil {
		return projectorFigures{unreadBecause: err.Error()}
	}
	v := promValues(text, "slipway_projector_apply_blocked_seconds_total", "slipway_projector_flush_duration_seconds_sum",
		"slipway_projector_flush_duration_seconds_count", ageCount, ageWithin1s)
	f := projectorFigures{blocked: v["slipway_projector_apply_blocked_seconds_total"],
		flushes: v["slipway_projector_flush_duration_seconds_count"], read: true,
		applied: v[ageCount], appliedWithin1s: v[ageWithin1s]}
	if f.flushes > 0 {
		f.flushMean = v["slipway_projector_flush_duration_seconds_sum"] / f.flushes
	}
	return f
}

func (f projectorFigures) String() string {
	if !f.read {
		return "projector metrics unread: " + f.unreadBecause
	}
	return fmt.Sprintf("projector: %.0f flushes, %.0f ms each on average; applying waited %.1f s in all for flushes (backpressure); "+
		"%.0f of %.0f events applied within 1 s of being stored (the whole run, creation included)",
		f.flushes, 1000*f.flushMean, f.blocked, f.appliedWithin1s, f.applied)
}

// The event-age histogram's series read: all events, and those within 1 s.
const (
	ageCount    = "slipway_projector_event_age_seconds_count"
	ageWithin1s = `slipway_projector_event_age_seconds_bucket{le="1"}`
)

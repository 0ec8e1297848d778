package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A simulated stack runs in the benchmark's process: simcluster is in
// memory and shared by the worker and the monitor. When Config.Isolate
// names this program, each simulated fleet and the soak run in a child
// process of it instead (`<Isolate> -child-json ...`), so that a stack that
// panics (as simcluster's watcher does on current main past ~100
// Deployments) ends that child, is reported in the table with the last
// lines it wrote, and the other measurements go on.

// childRow is a Row as a child writes it: NaN as null, the target judged.
type childRow struct {
	Benchmark string   `json:"benchmark"`
	Slipway   *float64 `json:"slipway,omitempty"`
	Baseline  *float64 `json:"baseline,omitempty"`
	Unit      string   `json:"unit,omitempty"`
	Target    string   `json:"target,omitempty"`
	Met       *bool    `json:"met,omitempty"`
	Note      string   `json:"note,omitempty"`
	Skipped   string   `json:"skipped,omitempty"`
}

// WriteRowsJSON writes rows for a parent's readRowsJSON.
func WriteRowsJSON(w io.Writer, rows []Row) error {
	out := make([]childRow, len(rows))
	for i, r := range rows {
		out[i] = childRow{Benchmark: r.Benchmark, Slipway: number(r.Slipway), Baseline: number(r.Baseline), Unit: r.Unit,
			Target: r.Target.Text, Note: r.Note, Skipped: r.Skipped}
		if r.Target.Met != nil && r.Skipped == "" {
			met := r.Target.Met(r)
			out[i].Met = &met
		}
	}
	return json.NewEncoder(w).Encode(out)
}

func readRowsJSON(b []byte) ([]Row, error) {
	var in []childRow
	if err := json.Unmarshal(b, &in); err != nil {
		return nil, err
	}
	rows := make([]Row, len(in))
	for i, c := range in {
		rows[i] = Row{Benchmark: c.Benchmark, Slipway: value(c.Slipway), Baseline: value(c.Baseline), Unit: c.Unit,
			Target: Target{Text: c.Target}, Note: c.Note, Skipped: c.Skipped}
		if c.Met != nil {
			met := *c.Met
			rows[i].Target.Met = func(Row) bool { return met }
		}
	}
	return rows, nil
}

func number(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func value(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// childArgs are the flags a child needs to run what the parent would.
func (e *env) childArgs(only string, extra ...string) []string {
	args := []string{"-child-json", "-only", only, "-data", e.dir + "/child-" + only + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)}
	if e.cfg.Quick {
		args = append(args, "-quick")
	}
	if e.cfg.HeapProfileDir != "" {
		args = append(args, "-heapprofile", e.cfg.HeapProfileDir)
	}
	return append(args, extra...)
}

// inChild runs the program named by e.cfg.Isolate with args and returns
// the rows it wrote. A child that ends without rows (a panic, a kill) is
// reported as one failed row named label, quoting the end of its output;
// the run goes on.
func (e *env) inChild(ctx context.Context, label string, args []string) []Row {
	cmd := exec.CommandContext(ctx, e.cfg.Isolate, args...)
	var stdout bytes.Buffer
	tail := &tailWriter{max: 4096}
	cmd.Stdout = &stdout
	cmd.Stderr = io.MultiWriter(os.Stderr, tail)
	cmd.WaitDelay = 30 * time.Second
	runErr := cmd.Run()
	rows, err := readRowsJSON(stdout.Bytes())
	if err == nil && len(rows) > 0 {
		return rows
	}
	return []Row{{Benchmark: label, Skipped: fmt.Sprintf("failed: the stack's process ended (%v) without results; %s",
		runErr, tail.quote())}}
}

// crashMarks start the runtime's report of a crash.
var crashMarks = []string{"panic: ", "fatal error: "}

// tailWriter keeps the last max bytes written and the first crash report
// (its first max bytes): a goroutine dump can be far longer than a tail.
type tailWriter struct {
	mu    sync.Mutex
	max   int
	b     []byte
	crash []byte // from the first crash mark on; nil: none yet
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.crash != nil && len(t.crash) < t.max {
		t.crash = append(t.crash, p[:min(len(p), t.max-len(t.crash))]...)
	}
	prev := len(t.b)
	t.b = append(t.b, p...)
	if t.crash == nil {
		// A mark may span two writes: search from just before this one.
		from := max(0, prev-16)
		for _, m := range crashMarks {
			if i := strings.Index(string(t.b[from:]), m); i >= 0 {
				t.crash = append([]byte(nil), t.b[from+i:min(len(t.b), from+i+t.max)]...)
				break
			}
		}
	}
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

// quote is the crash report's first lines, or else the last lines written.
func (t *tailWriter) quote() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.crash != nil {
		lines := strings.Split(strings.TrimSpace(string(t.crash)), "\n")
		return "it crashed: " + strings.Join(lines[:min(len(lines), 7)], " / ")
	}
	lines := strings.Split(strings.TrimSpace(string(t.b)), "\n")
	return "its last lines: " + strings.Join(lines[max(0, len(lines)-6):], " / ")
}

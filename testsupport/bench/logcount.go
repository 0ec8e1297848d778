package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// logSamples is how many error lines a logCounter keeps to quote.
const logSamples = 3

// logCounter counts the WARN and ERROR lines of the services' JSON logs
// (slog's JSON handler: one object per line with "level" and "service").
// It is an io.Writer; writers of several processes may share it. Lines
// that are not JSON count as "unparsed" (a panic's stack shows up there).
type logCounter struct {
	mu      sync.Mutex
	partial map[string][]byte // per writer: an unfinished line
	counts  map[string]int    // "service level" -> lines
	samples []string
	// atStart are the lines counted before start: the services' warnings
	// about the benchmark's settings (authentication off, webhook secrets
	// unsealed), reported apart and not counted.
	atStart map[string]int
}

func newLogCounter() *logCounter {
	return &logCounter{partial: map[string][]byte{}, counts: map[string]int{}}
}

// writer returns a writer for one source; service names it when a line
// has no "service" field of its own.
func (c *logCounter) writer(service string) *sourceWriter {
	return &sourceWriter{c: c, service: service}
}

type sourceWriter struct {
	c       *logCounter
	service string
}

func (w *sourceWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	buf := append(w.c.partial[w.service], p...)
	for {
		i := bytes.IndexByte(buf, '\n')
		if i < 0 {
			break
		}
		w.c.line(w.service, buf[:i])
		buf = buf[i+1:]
	}
	w.c.partial[w.service] = append([]byte(nil), buf...)
	return len(p), nil
}

// line counts one log line; c.mu is held.
func (c *logCounter) line(service string, b []byte) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return
	}
	var rec struct {
		Level   string `json:"level"`
		Service string `json:"service"`
		Msg     string `json:"msg"`
		Err     any    `json:"err"`
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		c.counts[service+" unparsed"]++
		return
	}
	if rec.Service != "" {
		service = rec.Service
	}
	level := strings.ToUpper(rec.Level)
	if level != "WARN" && level != "ERROR" {
		return
	}
	c.counts[service+" "+level]++
	if len(c.samples) < logSamples {
		s := fmt.Sprintf("%s %s %q", service, level, rec.Msg)
		if rec.Err != nil {
			s += fmt.Sprintf(" err=%v", rec.Err)
		}
		c.samples = append(c.samples, truncate(s, 160))
	}
}

// start sets the lines counted so far apart: from now on only new lines
// count.
func (c *logCounter) start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.atStart, c.counts, c.samples = c.counts, map[string]int{}, nil
}

// errorLines is the number of WARN and ERROR lines counted so far.
func (c *logCounter) errorLines() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for k, v := range c.counts {
		if !strings.HasSuffix(k, " unparsed") {
			n += v
		}
	}
	return n
}

// summary lists the counts ("rollout-worker ERROR 12, api WARN 3") and
// the first lines counted, for a row's note.
func (c *logCounter) summary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := "none"
	if len(c.counts) > 0 {
		s = countList(c.counts)
	}
	if len(c.samples) > 0 {
		s += "; first: " + strings.Join(c.samples, "; ")
	}
	if len(c.atStart) > 0 {
		s += "; not counted, while the stack started: " + countList(c.atStart)
	}
	return s
}

func countList(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, counts[k]))
	}
	return strings.Join(parts, ", ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

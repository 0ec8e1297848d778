package bench

import (
	"bytes"
	"strings"
	"sync"
)

// logTail keeps the last lines written to it, so a stack that fails to
// start can say what its services logged (the default logger of a stack
// is otherwise silent).
type logTail struct {
	mu    sync.Mutex
	lines []string
	max   int
	part  []byte
}

func newLogTail(max int) *logTail { return &logTail{max: max} }

func (t *logTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.part = append(t.part, p...)
	for {
		i := bytes.IndexByte(t.part, '\n')
		if i < 0 {
			return len(p), nil
		}
		t.lines = append(t.lines, string(t.part[:i]))
		if len(t.lines) > t.max {
			t.lines = t.lines[len(t.lines)-t.max:]
		}
		t.part = t.part[i+1:]
	}
}

// String returns the kept lines, oldest first.
func (t *logTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(t.lines, "\n")
}

package bench

import (
	"fmt"
	"strings"
	"testing"
)

func TestLogCounterCountsWarnAndErrorLines(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   int
		in     string // in the summary
	}{
		{"info only", []string{`{"level":"INFO","service":"api","msg":"listening"}` + "\n"}, 0, "none"},
		{"error and warn", []string{
			`{"level":"ERROR","service":"rollout-worker","msg":"drive","err":"maximum consumers limit reached"}` + "\n",
			`{"level":"WARN","msg":"slow"}` + "\n"}, 2, "rollout-worker ERROR 1, worker WARN 1"},
		{"a line split over writes", []string{`{"level":"ERR`, `OR","msg":"x"}` + "\n" + `{"level":"INFO"}` + "\n"}, 1, "worker ERROR 1"},
		{"unfinished line not counted", []string{`{"level":"ERROR","msg":"x"}`}, 0, "none"},
		{"not json", []string{"panic: channel full\n"}, 0, "worker unparsed 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newLogCounter()
			w := c.writer("worker")
			for _, s := range tt.writes {
				if _, err := fmt.Fprint(w, s); err != nil {
					t.Fatal(err)
				}
			}
			if got := c.errorLines(); got != tt.want {
				t.Errorf("errorLines = %d, want %d", got, tt.want)
			}
			if got := c.summary(); !strings.Contains(got, tt.in) {
				t.Errorf("summary %q does not contain %q", got, tt.in)
			}
		})
	}
}

func TestLogCounterStartSetsEarlierLinesApart(t *testing.T) {
	c := newLogCounter()
	w := c.writer("api")
	fmt.Fprintln(w, `{"level":"WARN","msg":"authentication is OFF"}`)
	c.start()
	if got := c.errorLines(); got != 0 {
		t.Errorf("errorLines after start = %d, want 0", got)
	}
	fmt.Fprintln(w, `{"level":"ERROR","msg":"read models unavailable"}`)
	if got := c.errorLines(); got != 1 {
		t.Errorf("errorLines = %d, want 1", got)
	}
	if got, want := c.summary(), "not counted, while the stack started: api WARN 1"; !strings.Contains(got, want) {
		t.Errorf("summary %q does not contain %q", got, want)
	}
}

func TestParseProc(t *testing.T) {
	status := []byte("Name:\tslipway-api\nVmPeak:\t  9000 kB\nVmRSS:\t   51200 kB\nThreads:\t9\n")
	stat := []byte("4242 (slipway api) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 100 0 0")
	u, err := parseProc(status, stat)
	if err != nil {
		t.Fatal(err)
	}
	if u.RSSMB != 50 {
		t.Errorf("RSS %v MB, want 50", u.RSSMB)
	}
	if u.CPU.Seconds() != 3 {
		t.Errorf("CPU %v, want 3s (250 + 50 ticks)", u.CPU)
	}
	if _, err := parseProc([]byte("Name:\tx\n"), stat); err == nil {
		t.Error("status without VmRSS accepted")
	}
	if _, err := readProc(1 << 30); err == nil {
		t.Error("a process that does not exist was read")
	}
}

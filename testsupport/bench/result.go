package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Row is one line of the results table: a figure of Slipway and the same
// figure of its raw baseline, measured in the same run.
type Row struct {
	// Benchmark names the benchmark and figure, e.g. "intake: sequential req/s".
	Benchmark string
	Slipway   float64
	Baseline  float64
	// Unit of Slipway and Baseline: "req/s", "ms", "s", "events/s", "MB".
	// A zero Baseline means the figure has none.
	Unit   string
	Target Target
	// Note says how it was measured or what bounds it.
	Note string
	// Skipped, when set, says why the figure was not measured.
	Skipped string
}

// Ratio is Slipway / Baseline (NaN without a baseline).
func (r Row) Ratio() float64 {
	if r.Baseline == 0 {
		return math.NaN()
	}
	return r.Slipway / r.Baseline
}

// Target is a figure's goal from the design brief.
type Target struct {
	Text string
	// Met judges a measured row; nil: no target.
	Met func(Row) bool
}

// atLeastRatio is met when Slipway is at least x times the baseline.
func atLeastRatio(x float64) Target {
	return Target{Text: fmt.Sprintf(">= %gx baseline", x), Met: func(r Row) bool { return r.Ratio() >= x }}
}

// atMostRatio is met when Slipway is at most x times the baseline.
func atMostRatio(x float64) Target {
	return Target{Text: fmt.Sprintf("<= %gx baseline", x), Met: func(r Row) bool { return r.Ratio() <= x }}
}

// atMost is met when Slipway's figure is at most v (in the row's unit).
func atMost(v float64, unit string) Target {
	return Target{Text: fmt.Sprintf("<= %s", format(v, unit)), Met: func(r Row) bool { return r.Slipway <= v }}
}

// atLeast is met when Slipway's figure is at least v.
func atLeast(v float64, unit string) Target {
	return Target{Text: fmt.Sprintf(">= %s", format(v, unit)), Met: func(r Row) bool { return r.Slipway >= v }}
}

// WriteTable writes rows as a markdown table, then their notes.
func WriteTable(w io.Writer, rows []Row) error {
	var b strings.Builder
	b.WriteString("| benchmark | Slipway | baseline | ratio | target | met? |\n")
	b.WriteString("| --- | ---: | ---: | ---: | --- | --- |\n")
	for _, r := range rows {
		if r.Skipped != "" {
			fmt.Fprintf(&b, "| %s | skipped | | | %s | — |\n", r.Benchmark, dash(r.Target.Text))
			continue
		}
		base := "—"
		if r.Baseline != 0 {
			base = format(r.Baseline, r.Unit)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.Benchmark, format(r.Slipway, r.Unit),
			base, ratio(r), dash(r.Target.Text), met(r))
	}
	var notes []string
	for _, r := range rows {
		switch {
		case r.Skipped != "":
			notes = append(notes, fmt.Sprintf("- %s: skipped: %s", r.Benchmark, r.Skipped))
		case r.Note != "":
			notes = append(notes, fmt.Sprintf("- %s: %s", r.Benchmark, r.Note))
		}
	}
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func ratio(r Row) string {
	x := r.Ratio()
	if math.IsNaN(x) {
		return "—"
	}
	if x >= 10 {
		return fmt.Sprintf("%.0fx", x)
	}
	return fmt.Sprintf("%.2fx", x)
}

func met(r Row) string {
	switch {
	case r.Target.Met == nil:
		return "—"
	case r.Target.Met(r):
		return "yes"
	}
	return "**no**"
}

// format writes a value with its unit, with precision to match its size.
func format(v float64, unit string) string {
	if math.IsNaN(v) {
		return "—"
	}
	var s string
	switch a := math.Abs(v); {
	case unit == "" && v == math.Trunc(v) && a < 1e15: // a count
		s = thousands(int64(v))
	case a >= 1000:
		s = thousands(int64(math.Round(v)))
	case a >= 100:
		s = fmt.Sprintf("%.0f", v)
	case a >= 10:
		s = fmt.Sprintf("%.1f", v)
	default:
		s = fmt.Sprintf("%.2f", v)
	}
	if unit == "" {
		return s
	}
	return s + " " + unit
}

func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var parts []string
	for len(s) > 3 {
		parts = append([]string{s[len(s)-3:]}, parts...)
		s = s[:len(s)-3]
	}
	out := strings.Join(append([]string{s}, parts...), ",")
	if neg {
		return "-" + out
	}
	return out
}

// latencies are measured durations.
type latencies []time.Duration

// quantile returns the nearest-rank q-quantile (0 < q <= 1) in milliseconds.
func (l latencies) quantile(q float64) float64 {
	if len(l) == 0 {
		return math.NaN()
	}
	s := slices.Clone(l)
	slices.Sort(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return ms(s[max(0, min(i, len(s)-1))])
}

// median returns the median in seconds.
func (l latencies) median() float64 { return l.quantile(0.5) / 1000 }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

package analysis

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// Phase is a measurement's outcome, or a run's state.
type Phase string

// A measurement is Successful, Failed or Inconclusive; a run is also
// Running until it has decided.
const (
	Running      Phase = "Running"
	Successful   Phase = "Successful"
	Failed       Phase = "Failed"
	Inconclusive Phase = "Inconclusive"
)

// Sample is a provider's answer to one query: a value, or why there is none.
type Sample struct {
	Value float64
	Err   error
}

// Observation is what one measurement of a check saw at At.
type Observation struct {
	At time.Time
	// Canary is the query's answer for the revision measured.
	Canary Sample
	// Stable is, for a ratio check, the same query's answer for the stable
	// revision; nil when there is no stable revision.
	Stable *Sample
}

// Measurement is one measurement's outcome. Value is the value held
// against the condition (for a ratio, canary/stable) and is 0 when Phase is
// Inconclusive. Reason names the check, the value and the condition, or
// what made the measurement inconclusive.
type Measurement struct {
	Phase  Phase
	Value  float64
	Reason string
	At     time.Time
}

// Measure decides one measurement of c from what was observed. It never
// returns Successful unless there was a finite value and it satisfied the
// condition: an error, NaN, an infinity, or a ratio that cannot be formed is
// Inconclusive.
func Measure(c Check, o Observation) Measurement {
	inconclusive := func(format string, args ...any) Measurement {
		return Measurement{Phase: Inconclusive, At: o.At, Reason: fmt.Sprintf("check %q: ", c.Name) + fmt.Sprintf(format, args...)}
	}
	if o.Canary.Err != nil {
		return inconclusive("%v", o.Canary.Err)
	}
	canary := o.Canary.Value
	if !finite(canary) {
		return inconclusive("the query gave %v", canary)
	}
	value, shown := canary, num(canary)
	if c.Condition.Ratio {
		switch s := o.Stable; {
		case s == nil:
			return inconclusive("no stable revision to compare with")
		case s.Err != nil:
			return inconclusive("stable revision: %v", s.Err)
		case !finite(s.Value):
			return inconclusive("the query gave %v for the stable revision", s.Value)
		case canary < 0 || s.Value < 0:
			return inconclusive("a ratio needs values of at least 0, the query gave %s and %s for the stable revision", num(canary), num(s.Value))
		case s.Value == 0 && canary == 0:
			value = 1 // both 0: the revisions are alike
		case s.Value == 0:
			return inconclusive("the query gave 0 for the stable revision and %s: canary/stable is undefined", num(canary))
		default:
			value = canary / s.Value
		}
		shown = fmt.Sprintf("%s (%s/%s)", num(value), num(canary), num(o.Stable.Value))
	}
	if !c.Condition.holds(value) {
		return Measurement{Phase: Failed, Value: value, At: o.At,
			Reason: fmt.Sprintf("check %q: %s does not meet %s", c.Name, shown, c.Condition)}
	}
	return Measurement{Phase: Successful, Value: value, At: o.At,
		Reason: fmt.Sprintf("check %q: %s meets %s", c.Name, shown, c.Condition)}
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

func num(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

package analysis

import (
	"fmt"
	"time"
)

// Status is where a check's run stands after its measurements so far.
type Status struct {
	// Phase is Running until the run has decided.
	Phase                              Phase
	Successes, Failures, Inconclusives int
	// Reason says why the run decided; for Failed and Inconclusive it is
	// the deciding measurement's reason (check, value, condition) and the
	// count against the limit.
	Reason string
}

// Assess folds a check's measurements, in the order taken, into its run's
// status:
//   - Failed as soon as more than FailureLimit measurements failed;
//   - Inconclusive as soon as more than InconclusiveLimit were inconclusive
//     (a measurement of any phase other than Successful or Failed counts as
//     inconclusive);
//   - once Count measurements are in without either: Successful if at least
//     one of them succeeded, else Inconclusive: a run none of whose
//     measurements succeeded never succeeds, whatever its limits;
//   - Running before that.
//
// Measurements after the run decided are not counted.
func Assess(c Check, ms []Measurement) Status {
	var s Status
	for i, m := range ms {
		if i == c.Count {
			break
		}
		switch m.Phase {
		case Successful:
			s.Successes++
		case Failed:
			s.Failures++
			if s.Failures > c.FailureLimit {
				s.Phase = Failed
				s.Reason = fmt.Sprintf("%s (%d failed, more than the limit of %d)", m.Reason, s.Failures, c.FailureLimit)
				return s
			}
		default:
			s.Inconclusives++
			if s.Inconclusives > c.InconclusiveLimit {
				s.Phase = Inconclusive
				s.Reason = fmt.Sprintf("%s (%d inconclusive, more than the limit of %d)", m.Reason, s.Inconclusives, c.InconclusiveLimit)
				return s
			}
		}
	}
	taken := s.Successes + s.Failures + s.Inconclusives
	switch {
	case taken < c.Count:
		s.Phase = Running
	case s.Successes == 0:
		s.Phase = Inconclusive
		s.Reason = fmt.Sprintf("check %q: none of its %d measurements succeeded", c.Name, taken)
	default:
		s.Phase = Successful
		s.Reason = fmt.Sprintf("check %q: %d of %d measurements succeeded", c.Name, s.Successes, taken)
	}
	return s
}

// Next is when a run that started at start takes its next measurement:
// one Interval after the last one taken, or after start for the first (the
// new revision's traffic needs that long to show in the query). A run
// resumed after a restart measures at Next from its recorded measurements,
// so none is taken twice.
func Next(c Check, start time.Time, ms []Measurement) time.Time {
	if len(ms) == 0 {
		return start.Add(c.Interval)
	}
	return ms[len(ms)-1].At.Add(c.Interval)
}

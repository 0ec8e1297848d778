package readmodel

import (
	"fmt"
	"sort"

	"slipway.dev/pkg/events"
)

// projectCanary folds a canary's events into its rollout's status.
func projectCanary(d *Deployment, msg events.Message) {
	if d.Rollout == nil {
		return
	}
	r := d.Rollout
	switch m := msg.(type) {
	case events.CanaryStepStarted:
		if r.Revision != m.Revision {
			return
		}
		c := &CanaryStatus{Step: m.Step, Steps: m.Steps, Kind: m.Kind, Weight: m.Weight, Mirror: m.Mirror,
			CanaryReplicas: m.CanaryReplicas, StableReplicas: m.StableReplicas, Approximated: m.Approximated, Traffic: m.TrafficMode(), PauseUntil: m.PauseUntil}
		if r.Canary != nil {
			c.Measurements = r.Canary.Measurements // the latest of each check, whatever its step
		}
		r.Canary = c
	case events.AnalysisMeasured:
		if r.Revision != m.Revision || r.Canary == nil {
			return
		}
		ms := make([]Measurement, 0, len(r.Canary.Measurements)+1)
		for _, x := range r.Canary.Measurements {
			if x.Check != m.Check {
				ms = append(ms, x)
			}
		}
		ms = append(ms, Measurement{Check: m.Check, Step: m.Step, Phase: m.Phase, Value: m.Value, Reason: m.Reason, At: m.At})
		sort.Slice(ms, func(i, j int) bool { return ms[i].Check < ms[j].Check })
		c := *r.Canary
		c.Measurements = ms
		r.Canary = &c
	case events.AnalysisInconclusive:
		// A background check can pause a rollout whose canary has no
		// step yet, or that has completed its steps (rolling, baking).
		if r.Revision != m.Revision || (r.Canary == nil && !m.Background) {
			return
		}
		if r.Canary != nil {
			c := *r.Canary
			c.Inconclusive = m.Message
			r.Canary = &c
		}
		r.Paused, r.Phase = true, events.RolloutPhasePaused
	case events.CanaryPromoted:
		if r.Revision != m.Revision || r.Canary == nil {
			return
		}
		c := *r.Canary
		c.Inconclusive = ""
		r.Canary = &c
		r.Paused, r.Phase = false, events.RolloutPhaseProgressing
	}
}

// canaryStepText is a canary step as an operation's message shows it:
// "canary step 2/4 (analysis), weight 10%".
func canaryStepText(m events.CanaryStepStarted) string {
	if m.Kind == events.StepComplete {
		return fmt.Sprintf("canary complete: weight 100%%, the main Deployment rolls to revision %d", m.Revision)
	}
	text := fmt.Sprintf("canary step %d/%d (%s), weight %d%%", m.Step+1, m.Steps, m.Kind, m.Weight)
	if m.Mirror > 0 {
		text += fmt.Sprintf(", mirror %d%%", m.Mirror)
	}
	if m.Approximated {
		text += fmt.Sprintf(" (approximated by pods: %d new beside %d stable)", m.CanaryReplicas, m.StableReplicas)
	}
	return text
}

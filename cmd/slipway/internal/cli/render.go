package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"slipway.dev/pkg/client"
	"slipway.dev/pkg/events"
)

const barWidth = 20

// frame draws a rollout view as a block of lines: a header (deployment,
// revision, phase, reason), bars for updated, ready and available replicas,
// the rollout phase, and the reason and message when it did not succeed.
func frame(v rolloutView) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  revision %d", v.Deployment, v.Revision)
	if v.From != 0 {
		fmt.Fprintf(&b, " (from %d)", v.From)
	}
	fmt.Fprintf(&b, "  phase %s", v.Phase)
	if v.PhaseReason != "" {
		fmt.Fprintf(&b, " (%s)", v.PhaseReason)
	}
	if v.Current != v.Revision {
		fmt.Fprintf(&b, "  now at revision %d", v.Current)
	}
	b.WriteString("\n")
	r := v.Replicas
	for _, row := range []struct {
		name string
		n    int32
	}{{"updated", r.Updated}, {"ready", r.Ready}, {"available", r.Available}} {
		fmt.Fprintf(&b, "  %-10s %s  %d/%d\n", row.name, bar(row.n, r.Desired), row.n, r.Desired)
	}
	if r.Total > 0 {
		fmt.Fprintf(&b, "  %-10s %s\n", "pods", podsText(r))
	}
	fmt.Fprintf(&b, "  %-10s %s%s\n", "rollout", v.RolloutPhase, bakeText(v))
	if c := v.Canary; c != nil {
		fmt.Fprintf(&b, "  %-10s %s\n", "canary", canaryText(c))
		fmt.Fprintf(&b, "  %-10s %s  %d%%\n", "weight", bar(c.Weight, 100), c.Weight)
		for _, m := range c.Measurements {
			fmt.Fprintf(&b, "  %-10s %s\n", "check", m.Reason)
		}
		if c.Inconclusive != "" {
			fmt.Fprintf(&b, "  %-10s %s\n", "paused", c.Inconclusive)
		}
	}
	if reason := shownReason(v); reason != "" {
		fmt.Fprintf(&b, "  %-10s %s\n", "reason", reason)
	}
	if v.Message != "" {
		fmt.Fprintf(&b, "  %-10s %s\n", "message", v.Message)
	}
	return b.String()
}

// podsText is the total pod count (old and new templates) and the surge
// above the desired count, which maxSurge bounds.
func podsText(r events.Replicas) string {
	return fmt.Sprintf("%d total, surge %d", r.Total, r.Surge)
}

// shownReason is the rollout's reason, left out when it succeeded (the
// reason is then RolloutComplete, which says nothing more).
func shownReason(v rolloutView) string {
	if v.RolloutPhase == events.RolloutPhaseSucceeded {
		return ""
	}
	return v.Reason
}

// bar draws n of total as [#####-----].
func bar(n, total int32) string {
	filled := 0
	if total > 0 {
		filled = int(min(max(n, 0), total)) * barWidth / int(total)
	}
	return "[" + strings.Repeat("#", filled) + strings.Repeat("-", barWidth-filled) + "]"
}

// line draws a rollout view as one line, for output that is not a terminal.
func line(v rolloutView) string {
	r := v.Replicas
	s := fmt.Sprintf("%s  revision %d  rollout %s%s  updated %d/%d  ready %d/%d  available %d/%d  phase %s",
		v.Deployment, v.Revision, v.RolloutPhase, bakeText(v), r.Updated, r.Desired, r.Ready, r.Desired, r.Available, r.Desired, v.Phase)
	if r.Total > 0 {
		s += "  pods " + podsText(r)
	}
	if v.Current != v.Revision {
		s += fmt.Sprintf("  now at revision %d", v.Current)
	}
	if c := v.Canary; c != nil {
		s += "  canary " + canaryText(c)
		for _, m := range c.Measurements {
			s += "  [" + m.Reason + "]"
		}
	}
	if reason := shownReason(v); reason != "" || v.Message != "" {
		s += "  " + reasonText(reason, v.Message)
	}
	return s + "\n"
}

// screen shows successive frames on a terminal, each replacing the last.
type screen struct {
	w     io.Writer
	last  string
	lines int
}

func (s *screen) show(v rolloutView) error {
	f := frame(v)
	if f == s.last {
		return nil
	}
	if s.lines > 0 {
		fmt.Fprintf(s.w, "\x1b[%dA\x1b[J", s.lines) // up to the last frame's first line; clear below
	}
	s.last, s.lines = f, strings.Count(f, "\n")
	_, err := io.WriteString(s.w, f)
	return err
}

// changes prints a line per change, for output that is not a terminal.
type changes struct {
	w    io.Writer
	last string
}

func (c *changes) show(v rolloutView) error {
	l := line(v)
	if l == c.last {
		return nil
	}
	c.last = l
	_, err := io.WriteString(c.w, l)
	return err
}

// bakeText is " until <time>" for a baking rollout, else empty.
func bakeText(v rolloutView) string {
	if v.RolloutPhase != events.RolloutPhaseBaking || v.BakeUntil == nil {
		return ""
	}
	return " until " + v.BakeUntil.UTC().Format(time.RFC3339)
}

// canaryText is a canary's step and traffic: "step 2/4 analysis, weight
// 10%, 1 new beside 4 stable".
func canaryText(c *client.Canary) string {
	if c.Kind == "complete" {
		return fmt.Sprintf("complete, weight 100%%, %d new beside %d stable", c.CanaryReplicas, c.StableReplicas)
	}
	s := fmt.Sprintf("step %d/%d %s, weight %d%%", c.Step+1, c.Steps, c.Kind, c.Weight)
	if c.Mirror > 0 {
		s += fmt.Sprintf(", mirror %d%%", c.Mirror)
	}
	s += fmt.Sprintf(", %d new beside %d stable", c.CanaryReplicas, c.StableReplicas)
	if c.Approximated {
		s += " (weight approximated by pods: no weighted routing on this target)"
	} else if c.Traffic == "ingress" {
		s += " (by an ingress-nginx canary Ingress)"
	}
	if c.PauseUntil != nil {
		s += " until " + c.PauseUntil.UTC().Format(time.RFC3339)
	}
	return s
}

package faults

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Markdown is the run's figures: faults injected and the recovery after
// each kind (from the fault to the next command stored), operations run by
// kind and how they ended, and the invariant violations.
func (r Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Seed %d, %s of operations under faults, store outage %s; %d events; settled %s after the schedule.\n\n",
		r.Plan.Seed, r.Plan.Duration, r.Plan.StoreOutage, r.Events, r.Settled.Round(time.Second))
	b.WriteString("| fault | injected | lasted (max) | recovery min | median | max |\n| --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, kind := range r.Plan.kinds() {
		var rec []time.Duration
		var lasted time.Duration
		n, none := 0, 0
		for _, f := range r.Faults {
			if f.Kind != kind {
				continue
			}
			n++
			lasted = max(lasted, f.Lasted)
			if f.Recovery < 0 {
				none++
				continue
			}
			rec = append(rec, f.Recovery)
		}
		if n == 0 {
			fmt.Fprintf(&b, "| %s | 0 | | | | |\n", kind)
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s |\n", kind, n, secs(lasted), pct(rec, 0), pct(rec, 50), pct(rec, 100)+noRecovery(none))
	}
	b.WriteString("\n| operation | sent | stored (200/202) | refused (4xx) | no answer or 5xx after 20 s of retries |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, kind := range []string{OpCreate, OpUpdate, OpRollback, OpAlias, OpPromote, OpTerminate} {
		var sent, stored, refused, lost int
		for _, op := range r.Ops {
			if op.Kind != kind {
				continue
			}
			sent++
			switch {
			case op.Answer.stored():
				stored++
			case op.Answer.Status >= 400 && op.Answer.Status < 500:
				refused++
			default:
				lost++
			}
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d |\n", kind, sent, stored, refused, lost)
	}
	c := countCommands(r.Ops, r.Unanswered)
	fmt.Fprintf(&b, "\nCommands: %d sent, %d answered (2xx), %d refused (4xx), %d unanswered committed, %d unanswered not committed",
		c.sent, c.answered, c.refused, c.unansweredCommitted, c.unansweredNotCommitted)
	if c.cut > 0 {
		fmt.Fprintf(&b, ", %d cut short by the schedule's end", c.cut)
	}
	b.WriteString(".\n")
	for _, u := range r.Unanswered {
		fmt.Fprintf(&b, "- unanswered %s %s key %s, %s, %d attempts, %d while the api was up\n", u.Kind, u.Path, u.Key,
			committedWord(u), len(u.Attempts), upAttempts(u))
		for _, a := range u.Attempts {
			fmt.Fprintf(&b, "    %s\n", a)
		}
	}
	fmt.Fprintf(&b, "\nInvariant violations: %d", len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintf(&b, "\n- %s", v)
	}
	for _, err := range r.ServiceFailures {
		fmt.Fprintf(&b, "\n- service failure: %v", err)
	}
	b.WriteString("\n")
	if len(r.Consumers) > 0 {
		b.WriteString("\nConsumers:\n")
		for _, c := range r.Consumers {
			fmt.Fprintf(&b, "    %s\n", c)
		}
	}
	if len(r.Deliveries) > 0 {
		b.WriteString("\nWebhook deliveries of the events never delivered:\n")
		for _, d := range r.Deliveries {
			fmt.Fprintf(&b, "    %s\n", d)
		}
	}
	for _, subject := range sortedKeys(r.Histories) {
		fmt.Fprintf(&b, "\nHistory of %s:\n", subject)
		for _, line := range r.Histories[subject] {
			fmt.Fprintf(&b, "    %s\n", line)
		}
	}
	return b.String()
}

// commandCounts is how the schedule's commands ended.
type commandCounts struct {
	sent, answered, refused, unansweredCommitted, unansweredNotCommitted, cut int
}

// countCommands counts ops by their answer: answered is 2xx, refused 4xx;
// the others are unanswered, committed or not as unanswered says, or cut
// short by the schedule's end.
func countCommands(ops []Op, unanswered []Unanswered) commandCounts {
	c := commandCounts{sent: len(ops)}
	for _, op := range ops {
		switch s := op.Answer.Status; {
		case s >= 200 && s < 300:
			c.answered++
		case s >= 400 && s < 500:
			c.refused++
		case op.Answer.Cut:
			c.cut++
		}
	}
	for _, u := range unanswered {
		if u.Committed {
			c.unansweredCommitted++
		} else {
			c.unansweredNotCommitted++
		}
	}
	return c
}

func committedWord(u Unanswered) string {
	if u.Committed {
		return "committed at " + u.CommittedAt.Format("15:04:05.000")
	}
	return "not committed"
}

// upAttempts counts u's attempts made while the api was up and the store running.
func upAttempts(u Unanswered) int {
	n := 0
	for _, a := range u.Attempts {
		if !a.Down {
			n++
		}
	}
	return n
}

func secs(d time.Duration) string { return fmt.Sprintf("%.1f s", d.Seconds()) }

// pct is the p-th percentile of ds (0: the least, 100: the most).
func pct(ds []time.Duration, p int) string {
	if len(ds) == 0 {
		return "-"
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return secs(s[(len(s)-1)*p/100])
}

func noRecovery(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (%d with no command stored after it)", n)
}

package validation

import (
	"bytes"
	"fmt"
	"math"
	"text/template"

	"slipway.dev/pkg/events"
)

// Limits on a canary and its checks, so that a rollout and its events stay
// bounded.
const (
	MaxCanarySteps         = 32
	MaxChecks              = 16
	MaxCheckQueryBytes     = 4096
	MinCheckIntervalSecond = 1    // Prometheus's data changes no faster than its scrapes
	MaxCheckIntervalSecond = 3600 // an hour
	MaxCheckCount          = 100
	maxCheckNameLen        = 63
	maxPauseSeconds        = 86400
)

// validateRolloutStrategy checks spec.rollout's strategy, steps and checks.
func validateRolloutStrategy(r *events.Strategy, v *validator) {
	switch r.Strategy {
	case "", events.StrategyRolling:
		if len(r.Steps) > 0 {
			v.add("spec.rollout.steps", "are for strategy %q; this rollout is rolling", events.StrategyCanary)
		}
		if len(r.Checks) > 0 {
			v.add("spec.rollout.checks", "are run by a canary's analysis steps; this rollout is rolling")
		}
		if r.BlueGreen != nil {
			v.add("spec.rollout.blueGreen", "is for strategy %q", events.StrategyBlueGreen)
		}
		if r.Analysis != nil {
			v.add("spec.rollout.analysis", "is measured beside a canary's or blue-green rollout's steps; this rollout is rolling")
		}
		return
	case events.StrategyCanary:
		if r.BlueGreen != nil {
			v.add("spec.rollout.blueGreen", "is for strategy %q; this rollout is a canary", events.StrategyBlueGreen)
		}
	case events.StrategyBlueGreen:
		if len(r.Steps) > 0 {
			v.add("spec.rollout.steps", "are for strategy %q; a blue-green rollout's are its preview, analysis and switch", events.StrategyCanary)
		}
	default:
		v.add("spec.rollout.strategy", "must be %q, %q or %q", events.StrategyRolling, events.StrategyCanary, events.StrategyBlueGreen)
		return
	}
	checks := map[string]bool{}
	if len(r.Checks) > MaxChecks {
		v.add("spec.rollout.checks", "must be at most %d", MaxChecks)
	}
	for i, c := range r.Checks {
		prefix := fmt.Sprintf("spec.rollout.checks[%d]", i)
		v.errs = append(v.errs, Check(prefix, c)...)
		if checks[c.Name] {
			v.add(prefix+".name", "%s is listed twice", c.Name)
		}
		checks[c.Name] = true
	}
	if a := r.Analysis; a != nil {
		validateNames("spec.rollout.analysis.background", a.Background, checks, v)
	}
	if r.Strategy == events.StrategyBlueGreen {
		if bg := r.BlueGreen; bg != nil {
			seen := map[string]bool{}
			for j, name := range bg.Analysis {
				f := fmt.Sprintf("spec.rollout.blueGreen.analysis[%d]", j)
				switch {
				case !checks[name]:
					v.add(f, "%q is not a check of spec.rollout.checks", name)
				case seen[name]:
					v.add(f, "%s is listed twice", name)
				}
				seen[name] = true
			}
		}
		return
	}
	switch {
	case len(r.Steps) == 0:
		v.add("spec.rollout.steps", "are required for a canary (e.g. [{\"setWeight\": 10}, {\"pause\": {}}])")
	case len(r.Steps) > MaxCanarySteps:
		v.add("spec.rollout.steps", "must be at most %d", MaxCanarySteps)
	}
	for i, s := range r.Steps {
		validateStep(fmt.Sprintf("spec.rollout.steps[%d]", i), s, checks, v)
	}
}

// validateNames checks a list of check names: each a check of
// spec.rollout.checks, none twice.
func validateNames(field string, names []string, checks map[string]bool, v *validator) {
	seen := map[string]bool{}
	for j, name := range names {
		f := fmt.Sprintf("%s[%d]", field, j)
		switch {
		case !checks[name]:
			v.add(f, "%q is not a check of spec.rollout.checks", name)
		case seen[name]:
			v.add(f, "%s is listed twice", name)
		}
		seen[name] = true
	}
}

func validateStep(field string, s events.CanaryStep, checks map[string]bool, v *validator) {
	switch s.Kind() {
	case events.StepSetWeight:
		if w := *s.SetWeight; w < 0 || w > 100 {
			v.add(field+".setWeight", "must be between 0 and 100")
		}
	case events.StepMirror:
		if m := *s.Mirror; m < 0 || m > 100 {
			v.add(field+".mirror", "must be between 0 and 100")
		}
	case events.StepPause:
		if p := s.Pause.Seconds; p < 0 || p > maxPauseSeconds {
			v.add(field+".pause.seconds", "must be between 0 (until promoted) and %d", maxPauseSeconds)
		}
	case events.StepAnalysis:
		if len(s.Analysis.Checks) == 0 {
			v.add(field+".analysis.checks", "must name at least one check of spec.rollout.checks")
		}
		seen := map[string]bool{}
		for j, name := range s.Analysis.Checks {
			f := fmt.Sprintf("%s.analysis.checks[%d]", field, j)
			switch {
			case !checks[name]:
				v.add(f, "%q is not a check of spec.rollout.checks", name)
			case seen[name]:
				v.add(f, "%s is listed twice", name)
			}
			seen[name] = true
		}
	default:
		v.add(field, "must set exactly one of setWeight, pause, analysis and mirror")
	}
}

var (
	sampleCanary = events.CheckVars{Namespace: "ns", Deployment: "model", Revision: "2", StableRevision: "1"}
	sampleStable = events.CheckVars{Namespace: "ns", Deployment: "model", Revision: "1", StableRevision: "1"}
)

// Check checks a metric check's static rules; field names start with
// prefix (e.g. "spec.rollout.checks[0]"). Interval and count are checked as
// given: a spec with defaults filled in (events.Spec.WithDefaults) has both.
// A limit of count or more is refused: the check could never fail (or stop
// as inconclusive), which is never what was meant.
func Check(prefix string, c events.Check) events.FieldErrors {
	v := &validator{}
	if e := Name(prefix+".name", c.Name, maxCheckNameLen); e != nil {
		v.errs = append(v.errs, *e)
	}
	checkQuery(v, prefix+".query", c)
	checkCondition(v, prefix+".condition", c.Condition)
	if c.IntervalSeconds != 0 && (c.IntervalSeconds < MinCheckIntervalSecond || c.IntervalSeconds > MaxCheckIntervalSecond) {
		v.add(prefix+".intervalSeconds", "must be between %d and %d", MinCheckIntervalSecond, MaxCheckIntervalSecond)
	}
	count := c.Count
	if count == 0 {
		count = events.DefaultCheckCount
	}
	if c.Count < 0 || c.Count > MaxCheckCount {
		v.add(prefix+".count", "must be between 1 and %d", MaxCheckCount)
	}
	if c.FailureLimit < 0 || (count >= 1 && c.FailureLimit >= count) {
		v.add(prefix+".failureLimit", "must be at least 0 and less than count (%d)", count)
	}
	if c.InconclusiveLimit < 0 || (count >= 1 && c.InconclusiveLimit >= count) {
		v.add(prefix+".inconclusiveLimit", "must be at least 0 and less than count (%d)", count)
	}
	return v.errs
}

// CheckTemplate parses a check's query template; executing it with an
// unknown name fails (missingkey=error).
func CheckTemplate(query string) (*template.Template, error) {
	return template.New("query").Option("missingkey=error").Parse(query)
}

// RenderCheck executes a parsed check template with vars.
func RenderCheck(t *template.Template, vars events.CheckVars) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, vars); err != nil {
		return "", err
	}
	return b.String(), nil
}

func checkQuery(v *validator, field string, c events.Check) {
	switch {
	case c.Query == "":
		v.add(field, "is required")
		return
	case len(c.Query) > MaxCheckQueryBytes:
		v.add(field, "must be at most %d bytes", MaxCheckQueryBytes)
		return
	}
	t, err := CheckTemplate(c.Query)
	if err != nil {
		v.add(field, "is not a valid template: %v", err)
		return
	}
	canary, err := RenderCheck(t, sampleCanary)
	if err != nil {
		v.add(field, "can use only {{.Namespace}}, {{.Deployment}}, {{.Revision}} and {{.StableRevision}}: %v", err)
		return
	}
	if stable, _ := RenderCheck(t, sampleStable); c.Condition.Ratio && stable == canary {
		v.add(field, "must use {{.Revision}} in a ratio check: it is run once for each revision")
	}
}

// The operators a check's condition can use.
var checkOperators = map[string]bool{"<": true, "<=": true, ">": true, ">=": true}

func checkCondition(v *validator, field string, c events.CheckCondition) {
	if !checkOperators[c.Operator] {
		v.add(field+".operator", "must be one of <, <=, >, >=")
	}
	switch {
	case math.IsNaN(c.Threshold) || math.IsInf(c.Threshold, 0):
		v.add(field+".threshold", "must be a finite number")
	case c.Ratio && c.Threshold <= 0:
		v.add(field+".threshold", "must be above 0 in a ratio check (canary/stable is never negative)")
	}
}

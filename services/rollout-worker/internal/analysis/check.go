package analysis

import (
	"fmt"
	"strconv"
	"text/template"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
)

// Check is one metric check of a revision: Query, rendered for the
// revision, is measured Count times, one every Interval, and each value is
// held against Condition. The run fails once more than FailureLimit
// measurements failed, and is inconclusive once more than
// InconclusiveLimit were.
type Check struct {
	Name string
	// Query is a PromQL query as a Go text/template over Vars, e.g.
	// sum(rate(errors{revision="{{.Revision}}"}[1m])) / sum(rate(requests{revision="{{.Revision}}"}[1m])).
	Query             string
	Condition         Condition
	Interval          time.Duration
	Count             int
	FailureLimit      int
	InconclusiveLimit int
}

// Vars are what a query template can use: the contract's (events.CheckVars).
type Vars = events.CheckVars

// Operator compares a measured value with a condition's threshold.
type Operator string

// The operators a condition can use.
const (
	Less           Operator = "<"
	LessOrEqual    Operator = "<="
	Greater        Operator = ">"
	GreaterOrEqual Operator = ">="
)

// Condition is what a successful measurement's value satisfies:
// value Operator Threshold. With Ratio the value is the ratio of the
// query's result for the new revision to its result for the stable one.
type Condition struct {
	Operator  Operator
	Threshold float64
	Ratio     bool
}

// String is the condition as a reason quotes it: "< 0.05", or
// "canary/stable <= 1.2" for a ratio.
func (c Condition) String() string {
	s := string(c.Operator) + " " + strconv.FormatFloat(c.Threshold, 'g', -1, 64)
	if c.Ratio {
		return "canary/stable " + s
	}
	return s
}

// holds reports whether v satisfies the condition; false for an unknown
// operator, so that a condition nobody validated can never pass.
func (c Condition) holds(v float64) bool {
	switch c.Operator {
	case Less:
		return v < c.Threshold
	case LessOrEqual:
		return v <= c.Threshold
	case Greater:
		return v > c.Threshold
	case GreaterOrEqual:
		return v >= c.Threshold
	}
	return false
}

// Render returns the check's query for v.
func (c Check) Render(v Vars) (string, error) {
	t, err := c.template()
	if err != nil {
		return "", fmt.Errorf("check %q: query template: %w", c.Name, err)
	}
	q, err := execute(t, v)
	if err != nil {
		return "", fmt.Errorf("check %q: query template: %w", c.Name, err)
	}
	return q, nil
}

func (c Check) template() (*template.Template, error) { return validation.CheckTemplate(c.Query) }

func execute(t *template.Template, v Vars) (string, error) { return validation.RenderCheck(t, v) }

// FromSpec is the check a spec declares (validated by validation.Check,
// with its defaults filled in by events.Spec.WithDefaults).
func FromSpec(c events.Check) Check {
	return Check{
		Name:              c.Name,
		Query:             c.Query,
		Condition:         Condition{Operator: Operator(c.Condition.Operator), Threshold: c.Condition.Threshold, Ratio: c.Condition.Ratio},
		Interval:          time.Duration(c.IntervalSeconds) * time.Second,
		Count:             int(c.Count),
		FailureLimit:      int(c.FailureLimit),
		InconclusiveLimit: int(c.InconclusiveLimit),
	}
}

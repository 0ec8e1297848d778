package analysis

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"text/template"
	"time"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
)

// Limits on a check, so that a run and its measurement events stay bounded.
const (
	MinInterval   = time.Second // Prometheus's data changes no faster than its scrapes
	MaxInterval   = time.Hour
	MaxCount      = 100
	MaxQueryBytes = 4096
	maxNameLen    = 63
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

// Vars are what a query template can use. They are Slipway's own names (DNS
// labels, revision numbers), so they go into a query without escaping.
type Vars struct {
	Namespace, Deployment string
	// Revision is the revision measured: the new one, or for the stable
	// half of a ratio check the stable one.
	Revision string
	// StableRevision is the revision serving before the rollout; empty
	// when there is none (a first rollout).
	StableRevision string
}

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

func (c Check) template() (*template.Template, error) {
	return template.New("query").Option("missingkey=error").Parse(c.Query)
}

func execute(t *template.Template, v Vars) (string, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

// Validate checks c's static rules; field names start with prefix (e.g.
// "spec.rollout.analysis.checks[0]").
func (c Check) Validate(prefix string) events.FieldErrors {
	var fe events.FieldErrors
	add := func(field, format string, args ...any) {
		fe = append(fe, events.FieldError{Field: prefix + "." + field, Message: fmt.Sprintf(format, args...)})
	}
	if e := validation.Name(prefix+".name", c.Name, maxNameLen); e != nil {
		fe = append(fe, *e)
	}
	fe = append(fe, c.validateQuery(prefix+".query")...)
	fe = append(fe, c.Condition.validate(prefix+".condition")...)
	if c.Interval < MinInterval || c.Interval > MaxInterval {
		add("interval", "must be between %s and %s", MinInterval, MaxInterval)
	}
	if c.Count < 1 || c.Count > MaxCount {
		add("count", "must be between 1 and %d", MaxCount)
	}
	// A limit of count or more could never be exceeded: the check could not
	// fail (or stop as inconclusive), which is never what was meant.
	if c.FailureLimit < 0 || (c.Count >= 1 && c.FailureLimit >= c.Count) {
		add("failureLimit", "must be at least 0 and less than count")
	}
	if c.InconclusiveLimit < 0 || (c.Count >= 1 && c.InconclusiveLimit >= c.Count) {
		add("inconclusiveLimit", "must be at least 0 and less than count")
	}
	return fe
}

var (
	sampleCanary = Vars{Namespace: "ns", Deployment: "model", Revision: "2", StableRevision: "1"}
	sampleStable = Vars{Namespace: "ns", Deployment: "model", Revision: "1", StableRevision: "1"}
)

func (c Check) validateQuery(field string) events.FieldErrors {
	bad := func(format string, args ...any) events.FieldErrors {
		return events.FieldErrors{{Field: field, Message: fmt.Sprintf(format, args...)}}
	}
	switch {
	case c.Query == "":
		return bad("is required")
	case len(c.Query) > MaxQueryBytes:
		return bad("must be at most %d bytes", MaxQueryBytes)
	}
	t, err := c.template()
	if err != nil {
		return bad("is not a valid template: %v", err)
	}
	canary, err := execute(t, sampleCanary)
	if err != nil {
		return bad("can use only {{.Namespace}}, {{.Deployment}}, {{.Revision}} and {{.StableRevision}}: %v", err)
	}
	if stable, _ := execute(t, sampleStable); c.Condition.Ratio && stable == canary {
		return bad("must use {{.Revision}} in a ratio check: it is run once for each revision")
	}
	return nil
}

func (c Condition) validate(field string) events.FieldErrors {
	var fe events.FieldErrors
	switch c.Operator {
	case Less, LessOrEqual, Greater, GreaterOrEqual:
	default:
		fe = append(fe, events.FieldError{Field: field + ".operator", Message: "must be one of <, <=, >, >="})
	}
	switch {
	case math.IsNaN(c.Threshold) || math.IsInf(c.Threshold, 0):
		fe = append(fe, events.FieldError{Field: field + ".threshold", Message: "must be a finite number"})
	case c.Ratio && c.Threshold <= 0:
		fe = append(fe, events.FieldError{Field: field + ".threshold", Message: "must be above 0 in a ratio check (canary/stable is never negative)"})
	}
	return fe
}

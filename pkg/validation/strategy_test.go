package validation

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"slipway.dev/pkg/events"
)

func validCheck() events.Check {
	return events.Check{
		Name:              "error-rate",
		Query:             `sum(rate(errors{namespace="{{.Namespace}}",deployment="{{.Deployment}}",revision="{{.Revision}}"}[1m]))`,
		Condition:         events.CheckCondition{Operator: "<", Threshold: 0.05},
		IntervalSeconds:   30,
		Count:             5,
		FailureLimit:      1,
		InconclusiveLimit: 2,
	}
}

func errFields(err error) []string {
	var fe events.FieldErrors
	if !errors.As(err, &fe) {
		return nil
	}
	var got []string
	for _, e := range fe {
		got = append(got, e.Field)
	}
	return got
}

func TestCheck(t *testing.T) {
	const p = "checks[0]"
	ratio := events.CheckCondition{Operator: "<=", Threshold: 1.2, Ratio: true}
	for _, tc := range []struct {
		name   string
		change func(*events.Check)
		fields []string // want exactly these fields named, in order
	}{
		{"valid", func(*events.Check) {}, nil},
		{"valid ratio", func(c *events.Check) { c.Condition = ratio }, nil},
		{"valid count 1 limits 0", func(c *events.Check) { c.Count, c.FailureLimit, c.InconclusiveLimit = 1, 0, 0 }, nil},
		{"interval and count default", func(c *events.Check) { c.IntervalSeconds, c.Count, c.FailureLimit, c.InconclusiveLimit = 0, 0, 0, 0 }, nil},
		{"name missing", func(c *events.Check) { c.Name = "" }, []string{p + ".name"}},
		{"name not a label", func(c *events.Check) { c.Name = "Error_Rate" }, []string{p + ".name"}},
		{"query missing", func(c *events.Check) { c.Query = "" }, []string{p + ".query"}},
		{"query too long", func(c *events.Check) { c.Query = strings.Repeat("x", MaxCheckQueryBytes+1) }, []string{p + ".query"}},
		{"query does not parse", func(c *events.Check) { c.Query = `up{revision="{{.Revision"}` }, []string{p + ".query"}},
		{"query uses an unknown name", func(c *events.Check) { c.Query = `up{pod="{{.Pod}}"}` }, []string{p + ".query"}},
		{"ratio query without revision", func(c *events.Check) {
			c.Query = `sum(rate(errors{deployment="{{.Deployment}}"}[1m]))`
			c.Condition = ratio
		}, []string{p + ".query"}},
		{"threshold query without revision is allowed", func(c *events.Check) { c.Query = `sum(rate(errors[1m]))` }, nil},
		{"operator unknown", func(c *events.Check) { c.Condition.Operator = "==" }, []string{p + ".condition.operator"}},
		{"operator missing", func(c *events.Check) { c.Condition.Operator = "" }, []string{p + ".condition.operator"}},
		{"threshold NaN", func(c *events.Check) { c.Condition.Threshold = math.NaN() }, []string{p + ".condition.threshold"}},
		{"threshold infinite", func(c *events.Check) { c.Condition.Threshold = math.Inf(1) }, []string{p + ".condition.threshold"}},
		{"ratio threshold 0", func(c *events.Check) { c.Condition = events.CheckCondition{Operator: "<=", Ratio: true} }, []string{p + ".condition.threshold"}},
		{"interval negative", func(c *events.Check) { c.IntervalSeconds = -1 }, []string{p + ".intervalSeconds"}},
		{"interval above an hour", func(c *events.Check) { c.IntervalSeconds = 3601 }, []string{p + ".intervalSeconds"}},
		{"count negative", func(c *events.Check) { c.Count, c.FailureLimit, c.InconclusiveLimit = -1, 0, 0 }, []string{p + ".count"}},
		{"count above max", func(c *events.Check) { c.Count = MaxCheckCount + 1 }, []string{p + ".count"}},
		{"failure limit negative", func(c *events.Check) { c.FailureLimit = -1 }, []string{p + ".failureLimit"}},
		{"failure limit at count", func(c *events.Check) { c.FailureLimit = c.Count }, []string{p + ".failureLimit"}},
		{"failure limit at the default count", func(c *events.Check) { c.Count, c.FailureLimit = 0, events.DefaultCheckCount }, []string{p + ".failureLimit"}},
		{"inconclusive limit negative", func(c *events.Check) { c.InconclusiveLimit = -1 }, []string{p + ".inconclusiveLimit"}},
		{"inconclusive limit at count", func(c *events.Check) { c.InconclusiveLimit = c.Count }, []string{p + ".inconclusiveLimit"}},
		{"several at once", func(c *events.Check) { c.Name, c.Count, c.FailureLimit, c.InconclusiveLimit = "", -1, -1, -1 },
			[]string{p + ".name", p + ".count", p + ".failureLimit", p + ".inconclusiveLimit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validCheck()
			tc.change(&c)
			fe := Check(p, c)
			for _, e := range fe {
				if e.Message == "" {
					t.Errorf("%s: empty message", e.Field)
				}
			}
			if got := errFields(fe); !slices.Equal(got, tc.fields) {
				t.Fatalf("Check() fields = %q, want %q (%v)", got, tc.fields, fe)
			}
		})
	}
}

func i32(n int32) *int32 { return &n }

func TestCanaryStrategy(t *testing.T) {
	checks := []events.Check{validCheck()}
	analysis := events.CanaryStep{Analysis: &events.AnalysisStep{Checks: []string{"error-rate"}}}
	for _, tc := range []struct {
		name    string
		rollout events.Strategy
		fields  []string
	}{
		{"rolling by default", events.Strategy{}, nil},
		{"canary", events.Strategy{Strategy: "canary", Checks: checks, Steps: []events.CanaryStep{
			{SetWeight: i32(10)}, analysis, {Pause: &events.PauseStep{Seconds: 30}}, {Mirror: i32(20)}, {SetWeight: i32(50)}, {Pause: &events.PauseStep{}}}}, nil},
		{"unknown strategy", events.Strategy{Strategy: "redBlack"}, []string{"spec.rollout.strategy"}},
		{"blue-green", events.Strategy{Strategy: "blueGreen", Checks: checks, BlueGreen: &events.BlueGreen{Analysis: []string{"error-rate"}, Manual: true}}, nil},
		{"blue-green without analysis", events.Strategy{Strategy: "blueGreen"}, nil},
		{"blue-green of an undeclared check", events.Strategy{Strategy: "blueGreen", BlueGreen: &events.BlueGreen{Analysis: []string{"x"}}},
			[]string{"spec.rollout.blueGreen.analysis[0]"}},
		{"blue-green with steps", events.Strategy{Strategy: "blueGreen", Steps: []events.CanaryStep{{SetWeight: i32(1)}}}, []string{"spec.rollout.steps"}},
		{"blueGreen on a canary", events.Strategy{Strategy: "canary", Steps: []events.CanaryStep{{SetWeight: i32(1)}}, BlueGreen: &events.BlueGreen{}},
			[]string{"spec.rollout.blueGreen"}},
		{"steps on a rolling rollout", events.Strategy{Strategy: "rolling", Steps: []events.CanaryStep{{SetWeight: i32(10)}}}, []string{"spec.rollout.steps"}},
		{"checks on a rolling rollout", events.Strategy{Checks: checks}, []string{"spec.rollout.checks"}},
		{"canary without steps", events.Strategy{Strategy: "canary"}, []string{"spec.rollout.steps"}},
		{"weight above 100", events.Strategy{Strategy: "canary", Steps: []events.CanaryStep{{SetWeight: i32(101)}}}, []string{"spec.rollout.steps[0].setWeight"}},
		{"mirror negative", events.Strategy{Strategy: "canary", Steps: []events.CanaryStep{{Mirror: i32(-1)}}}, []string{"spec.rollout.steps[0].mirror"}},
		{"pause too long", events.Strategy{Strategy: "canary", Steps: []events.CanaryStep{{Pause: &events.PauseStep{Seconds: 86401}}}}, []string{"spec.rollout.steps[0].pause.seconds"}},
		{"two kinds in a step", events.Strategy{Strategy: "canary", Steps: []events.CanaryStep{{SetWeight: i32(1), Mirror: i32(1)}}}, []string{"spec.rollout.steps[0]"}},
		{"empty step", events.Strategy{Strategy: "canary", Steps: []events.CanaryStep{{}}}, []string{"spec.rollout.steps[0]"}},
		{"analysis of an undeclared check", events.Strategy{Strategy: "canary", Steps: []events.CanaryStep{analysis}}, []string{"spec.rollout.steps[0].analysis.checks[0]"}},
		{"analysis of no check", events.Strategy{Strategy: "canary", Checks: checks, Steps: []events.CanaryStep{{Analysis: &events.AnalysisStep{}}}},
			[]string{"spec.rollout.steps[0].analysis.checks"}},
		{"check twice", events.Strategy{Strategy: "canary", Checks: append(checks, validCheck()), Steps: []events.CanaryStep{analysis}},
			[]string{"spec.rollout.checks[1].name"}},
		{"bad check", events.Strategy{Strategy: "canary", Checks: []events.Check{{Name: "x", Query: "up", Condition: events.CheckCondition{Operator: "=="}}},
			Steps: []events.CanaryStep{{SetWeight: i32(5)}}}, []string{"spec.rollout.checks[0].condition.operator"}},
		{"background checks", events.Strategy{Strategy: "canary", Checks: checks, Steps: []events.CanaryStep{{SetWeight: i32(5)}},
			Analysis: &events.RolloutAnalysis{Background: []string{"error-rate"}}}, nil},
		{"background checks of a blue-green rollout", events.Strategy{Strategy: "blueGreen", Checks: checks,
			Analysis: &events.RolloutAnalysis{Background: []string{"error-rate"}}}, nil},
		{"background of an undeclared check, and one twice", events.Strategy{Strategy: "canary", Checks: checks, Steps: []events.CanaryStep{{SetWeight: i32(5)}},
			Analysis: &events.RolloutAnalysis{Background: []string{"latency", "error-rate", "error-rate"}}},
			[]string{"spec.rollout.analysis.background[0]", "spec.rollout.analysis.background[2]"}},
		{"background on a rolling rollout", events.Strategy{Analysis: &events.RolloutAnalysis{Background: []string{"error-rate"}}},
			[]string{"spec.rollout.analysis"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.rollout
			spec := events.Spec{Image: "img:1", Rollout: &r}
			if got := errFields(Spec(spec.WithDefaults())); !slices.Equal(got, tc.fields) {
				t.Fatalf("fields = %q, want %q (%v)", got, tc.fields, Spec(spec.WithDefaults()))
			}
		})
	}
}

package analysis

import (
	"math"
	"slices"
	"testing"
	"time"
)

func validCheck() Check {
	return Check{
		Name:              "error-rate",
		Query:             `sum(rate(errors{namespace="{{.Namespace}}",deployment="{{.Deployment}}",revision="{{.Revision}}"}[1m]))`,
		Condition:         Condition{Operator: Less, Threshold: 0.05},
		Interval:          30 * time.Second,
		Count:             5,
		FailureLimit:      1,
		InconclusiveLimit: 2,
	}
}

func TestValidate(t *testing.T) {
	const p = "checks[0]"
	for _, tc := range []struct {
		name   string
		change func(*Check)
		fields []string // want exactly these fields named, in order
	}{
		{"valid", func(*Check) {}, nil},
		{"valid ratio", func(c *Check) { c.Condition = Condition{Operator: LessOrEqual, Threshold: 1.2, Ratio: true} }, nil},
		{"valid count 1 limits 0", func(c *Check) { c.Count, c.FailureLimit, c.InconclusiveLimit = 1, 0, 0 }, nil},
		{"name missing", func(c *Check) { c.Name = "" }, []string{p + ".name"}},
		{"name not a label", func(c *Check) { c.Name = "Error_Rate" }, []string{p + ".name"}},
		{"query missing", func(c *Check) { c.Query = "" }, []string{p + ".query"}},
		{"query too long", func(c *Check) { c.Query = string(make([]byte, MaxQueryBytes+1)) }, []string{p + ".query"}},
		{"query does not parse", func(c *Check) { c.Query = `up{revision="{{.Revision"}` }, []string{p + ".query"}},
		{"query uses an unknown name", func(c *Check) { c.Query = `up{pod="{{.Pod}}"}` }, []string{p + ".query"}},
		{"ratio query without revision", func(c *Check) {
			c.Query = `sum(rate(errors{deployment="{{.Deployment}}"}[1m]))`
			c.Condition = Condition{Operator: LessOrEqual, Threshold: 1.2, Ratio: true}
		}, []string{p + ".query"}},
		{"threshold query without revision is allowed", func(c *Check) { c.Query = `sum(rate(errors[1m]))` }, nil},
		{"operator unknown", func(c *Check) { c.Condition.Operator = "==" }, []string{p + ".condition.operator"}},
		{"operator missing", func(c *Check) { c.Condition.Operator = "" }, []string{p + ".condition.operator"}},
		{"threshold NaN", func(c *Check) { c.Condition.Threshold = math.NaN() }, []string{p + ".condition.threshold"}},
		{"threshold infinite", func(c *Check) { c.Condition.Threshold = math.Inf(1) }, []string{p + ".condition.threshold"}},
		{"ratio threshold 0", func(c *Check) { c.Condition = Condition{Operator: LessOrEqual, Ratio: true} }, []string{p + ".condition.threshold"}},
		{"interval 0", func(c *Check) { c.Interval = 0 }, []string{p + ".interval"}},
		{"interval below a second", func(c *Check) { c.Interval = 500 * time.Millisecond }, []string{p + ".interval"}},
		{"interval above an hour", func(c *Check) { c.Interval = 2 * time.Hour }, []string{p + ".interval"}},
		{"count 0", func(c *Check) { c.Count, c.FailureLimit, c.InconclusiveLimit = 0, 0, 0 }, []string{p + ".count"}},
		{"count above max", func(c *Check) { c.Count = MaxCount + 1 }, []string{p + ".count"}},
		{"failure limit negative", func(c *Check) { c.FailureLimit = -1 }, []string{p + ".failureLimit"}},
		{"failure limit at count", func(c *Check) { c.FailureLimit = c.Count }, []string{p + ".failureLimit"}},
		{"inconclusive limit negative", func(c *Check) { c.InconclusiveLimit = -1 }, []string{p + ".inconclusiveLimit"}},
		{"inconclusive limit at count", func(c *Check) { c.InconclusiveLimit = c.Count }, []string{p + ".inconclusiveLimit"}},
		{"several at once", func(c *Check) { c.Name, c.Count, c.FailureLimit, c.InconclusiveLimit = "", 0, -1, -1 },
			[]string{p + ".name", p + ".count", p + ".failureLimit", p + ".inconclusiveLimit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := validCheck()
			tc.change(&c)
			fe := c.Validate(p)
			var got []string
			for _, e := range fe {
				got = append(got, e.Field)
				if e.Message == "" {
					t.Errorf("%s: empty message", e.Field)
				}
			}
			if !slices.Equal(got, tc.fields) {
				t.Fatalf("Validate() fields = %q, want %q (%v)", got, tc.fields, fe)
			}
		})
	}
}

func TestRender(t *testing.T) {
	c := validCheck()
	c.Query = `q{ns="{{.Namespace}}",d="{{.Deployment}}",r="{{.Revision}}",s="{{.StableRevision}}"}`
	got, err := c.Render(Vars{Namespace: "prod", Deployment: "m", Revision: "7", StableRevision: "6"})
	if want := `q{ns="prod",d="m",r="7",s="6"}`; err != nil || got != want {
		t.Fatalf("Render = %q, %v; want %q", got, err, want)
	}
	c.Query = `{{.Nope}}`
	if _, err := c.Render(Vars{}); err == nil {
		t.Fatal("Render of an unknown name: no error")
	}
}

func TestConditionString(t *testing.T) {
	for _, tc := range []struct {
		c    Condition
		want string
	}{
		{Condition{Operator: Less, Threshold: 0.05}, "< 0.05"},
		{Condition{Operator: GreaterOrEqual, Threshold: 100}, ">= 100"},
		{Condition{Operator: LessOrEqual, Threshold: 1.2, Ratio: true}, "canary/stable <= 1.2"},
	} {
		if got := tc.c.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestConditionHolds(t *testing.T) {
	for _, tc := range []struct {
		op   Operator
		v    float64
		want bool
	}{
		{Less, 0.99, true}, {Less, 1, false},
		{LessOrEqual, 1, true}, {LessOrEqual, 1.01, false},
		{Greater, 1.01, true}, {Greater, 1, false},
		{GreaterOrEqual, 1, true}, {GreaterOrEqual, 0.99, false},
		{"", 1, false}, {"==", 1, false},
	} {
		if got := (Condition{Operator: tc.op, Threshold: 1}).holds(tc.v); got != tc.want {
			t.Errorf("%v %s 1 = %v, want %v", tc.v, tc.op, got, tc.want)
		}
	}
}

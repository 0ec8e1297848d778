package analysis

import (
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

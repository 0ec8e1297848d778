package analysis

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// fakeProvider answers from a table keyed by the rendered query and records
// the queries asked.
type fakeProvider struct {
	answers map[string]Sample
	asked   []string
}

func (f *fakeProvider) Query(_ context.Context, q string, _ time.Time) (float64, error) {
	f.asked = append(f.asked, q)
	a, ok := f.answers[q]
	if !ok {
		return 0, ErrNoData
	}
	return a.Value, a.Err
}

func TestTake(t *testing.T) {
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	v := Vars{Namespace: "ns", Deployment: "m", Revision: "2", StableRevision: "1"}
	threshold := Check{Name: "errors", Query: `err{r="{{.Revision}}"}`, Condition: Condition{Operator: Less, Threshold: 0.05}}
	ratio := Check{Name: "latency", Query: `lat{r="{{.Revision}}"}`, Condition: Condition{Operator: LessOrEqual, Threshold: 1.2, Ratio: true}}
	broken := Check{Name: "broken", Query: `{{.Nope}}`, Condition: Condition{Operator: Less, Threshold: 1}}

	for _, tc := range []struct {
		name    string
		check   Check
		vars    Vars
		answers map[string]Sample
		phase   Phase
		asked   []string
	}{
		{"threshold", threshold, v, map[string]Sample{`err{r="2"}`: {Value: 0.01}}, Successful, []string{`err{r="2"}`}},
		{"threshold no data", threshold, v, nil, Inconclusive, []string{`err{r="2"}`}},
		{"ratio asks both revisions", ratio, v,
			map[string]Sample{`lat{r="2"}`: {Value: 0.3}, `lat{r="1"}`: {Value: 0.1}}, Failed, []string{`lat{r="2"}`, `lat{r="1"}`}},
		{"ratio without a stable revision", ratio, Vars{Namespace: "ns", Deployment: "m", Revision: "1"},
			map[string]Sample{`lat{r="1"}`: {Value: 0.1}}, Inconclusive, []string{`lat{r="1"}`}},
		{"ratio stable errors", ratio, v,
			map[string]Sample{`lat{r="2"}`: {Value: 0.1}, `lat{r="1"}`: {Err: errors.New("boom")}}, Inconclusive, []string{`lat{r="2"}`, `lat{r="1"}`}},
		{"template that does not render asks nothing", broken, v, nil, Inconclusive, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeProvider{answers: tc.answers}
			m := Take(t.Context(), f, tc.check, tc.vars, at)
			if m.Phase != tc.phase || !m.At.Equal(at) {
				t.Fatalf("Take = %+v, want %s at %v", m, tc.phase, at)
			}
			if !slices.Equal(f.asked, tc.asked) {
				t.Errorf("asked %q, want %q", f.asked, tc.asked)
			}
		})
	}
}

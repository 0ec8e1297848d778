package httpapi

import (
	"fmt"
	"slices"
	"testing"

	"slipway.dev/pkg/events"
)

// TestOpenAPIEnumsAreTheContractsVocabulary: the document's phases, health
// states and health reasons are the ones pkg/events spells, in its order,
// so a phase added in Go cannot be left out of the document (as Queued once
// was) nor the document name one Go does not have.
func TestOpenAPIEnumsAreTheContractsVocabulary(t *testing.T) {
	schemas := servedDocument(t).Components.Schemas
	enum := func(t *testing.T, schema string, property string) []string {
		t.Helper()
		ref, ok := schemas[schema]
		if !ok || ref.Value == nil {
			t.Fatalf("no schema %s", schema)
		}
		s := ref.Value
		if property != "" {
			p, ok := s.Properties[property]
			if !ok || p.Value == nil {
				t.Fatalf("schema %s has no property %s", schema, property)
			}
			s = p.Value
		}
		out := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			out[i] = fmt.Sprint(v)
		}
		return out
	}
	for _, c := range []struct {
		schema, property string
		want             []string
	}{
		{"Rollout", "phase", asStrings(events.RolloutPhases())},
		{"DeploymentPhase", "", asStrings(events.DeploymentPhases())},
		{"Health", "", events.HealthStates()},
		{"HealthReason", "", events.HealthReasons()},
	} {
		t.Run(c.schema+"."+c.property, func(t *testing.T) {
			if got := enum(t, c.schema, c.property); !slices.Equal(got, c.want) {
				t.Errorf("the document's enum is\n %v\nGo's vocabulary (pkg/events) is\n %v", got, c.want)
			}
		})
	}
}

func asStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

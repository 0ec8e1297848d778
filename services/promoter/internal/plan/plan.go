// Package plan computes what promoting one deployment's revision onto
// another deployment changes. It does no I/O.
//
// Rules: the artifact (image, model, port, command, args), the endpoints
// and the probes come from the source; scaling (replicas, autoscaling),
// the instance type, the rollout strategy, secret references and pod
// annotations stay the target's, since they belong to its environment.
// Env vars keep the target's values; a key new in the source is flagged and
// needs a value (or an explicit "use the source's value") before the plan
// can be applied; a key only in the target is flagged and kept.
package plan

import (
	"sort"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/specdiff"
)

// Origins of a field in the planned spec.
const (
	FromSource = "source"
	FromTarget = "target"
)

// Env flags.
const (
	FlagNewInSource  = "new-in-source"
	FlagOnlyInTarget = "only-in-target"
)

// Field says where one field of the planned spec comes from.
type Field struct {
	Field  string `json:"field"`
	Origin string `json:"origin"`
}

// EnvFlag is an env key that needs a look.
type EnvFlag struct {
	Key  string `json:"key"`
	Flag string `json:"flag"`
	// Resolution says how a key new in the source gets its value: "given",
	// "source", or "" (unresolved: the plan cannot be applied yet).
	Resolution string `json:"resolution,omitempty"`
}

// Input is what a plan is made from. Env holds values given for keys new in
// the source; UseSource lists keys that take the source's value.
type Input struct {
	Source    events.Spec
	Target    events.Spec
	Env       map[string]string
	UseSource []string
}

// Plan is the outcome: the spec the target would run, where each field comes
// from, the env flags, the diff against what the target runs now, and the
// keys still missing a value.
type Plan struct {
	Spec    events.Spec       `json:"spec"`
	Fields  []Field           `json:"fields"`
	Env     []EnvFlag         `json:"env"`
	Diff    []specdiff.Change `json:"diff"`
	Missing []string          `json:"missing"`
}

// Complete reports whether the plan can be applied.
func (p Plan) Complete() bool { return len(p.Missing) == 0 }

// Make computes the plan.
func Make(in Input) Plan {
	src, tgt := in.Source, in.Target
	out := tgt
	out.Image, out.Model, out.Port, out.Command, out.Args = src.Image, src.Model, src.Port, src.Command, src.Args
	out.Endpoints, out.Readiness, out.Liveness = src.Endpoints, src.Readiness, src.Liveness
	p := Plan{Fields: fields()}
	out.Env, p.Env, p.Missing = mergeEnv(src.Env, tgt.Env, in.Env, in.UseSource)
	p.Spec = out
	p.Diff = specdiff.Diff(tgt, out)
	return p
}

func fields() []Field {
	var out []Field
	for _, f := range []string{"image", "model", "port", "command", "args", "endpoints", "readinessProbe", "livenessProbe"} {
		out = append(out, Field{Field: "spec." + f, Origin: FromSource})
	}
	for _, f := range []string{"replicas", "scaling", "instanceType", "rollout", "secrets", "podAnnotations", "env"} {
		out = append(out, Field{Field: "spec." + f, Origin: FromTarget})
	}
	return out
}

// mergeEnv keeps the target's env, adds keys new in the source when a value
// is given or the source's is chosen, and flags the rest.
func mergeEnv(src, tgt, given map[string]string, useSource []string) (map[string]string, []EnvFlag, []string) {
	out := make(map[string]string, len(tgt))
	for k, v := range tgt {
		out[k] = v
	}
	use := map[string]bool{}
	for _, k := range useSource {
		use[k] = true
	}
	var flags []EnvFlag
	missing := []string{}
	for k, v := range src {
		if _, ok := tgt[k]; ok {
			continue
		}
		f := EnvFlag{Key: k, Flag: FlagNewInSource}
		switch g, ok := given[k]; {
		case ok:
			out[k], f.Resolution = g, "given"
		case use[k]:
			out[k], f.Resolution = v, "source"
		default:
			missing = append(missing, k)
		}
		flags = append(flags, f)
	}
	for k := range tgt {
		if _, ok := src[k]; !ok {
			flags = append(flags, EnvFlag{Key: k, Flag: FlagOnlyInTarget})
		}
	}
	sort.Slice(flags, func(i, j int) bool { return flags[i].Key < flags[j].Key })
	sort.Strings(missing)
	if len(out) == 0 {
		out = nil
	}
	return out, flags, missing
}

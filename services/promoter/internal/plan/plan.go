// Package plan computes what promoting one deployment's revision onto
// another deployment changes. It does no I/O.
//
// Rules: the artifact (image, model, port, command, args), the endpoints
// and the probes come from the source; scaling (replicas, autoscaling),
// the instance type, the rollout strategy, secret references and pod
// annotations stay the target's, since they belong to its environment.
// Env vars keep the target's values; a key new in the source is flagged and
// needs a value (or an explicit "use the source's value") before the plan
// can be applied; a key only in the target is flagged and kept; a key whose
// values differ is flagged with both values and the target's kept. Secret
// references (env vars whose value comes from a Secret) follow the same
// rules by env name: a reference new in the source needs a decision (a
// target secret, or the source's reference) before the plan can be applied.
// A plan holds references only: Slipway never sees a secret's value.
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

// Env and secret flags.
const (
	FlagNewInSource  = "new-in-source"
	FlagOnlyInTarget = "only-in-target"
	FlagDiffers      = "differs" // in both, with different values (or references): the target's is kept
)

// Resolutions of a key new in the source.
const (
	ResolvedGiven  = "given"  // a value (env) or target secret (secrets) was given
	ResolvedSource = "source" // the source's value or reference is taken
)

// Field says where one field of the planned spec comes from.
type Field struct {
	Field  string `json:"field"`
	Origin string `json:"origin"`
}

// EnvFlag is an env key that needs a look. For a key whose values differ,
// SourceValue and TargetValue show both (the target's is kept).
type EnvFlag struct {
	Key  string `json:"key"`
	Flag string `json:"flag"`
	// Resolution says how a key new in the source gets its value: "given",
	// "source", or "" (unresolved: the plan cannot be applied yet).
	Resolution  string `json:"resolution,omitempty"`
	SourceValue string `json:"sourceValue,omitempty"`
	TargetValue string `json:"targetValue,omitempty"`
	Kept        string `json:"kept,omitempty"` // whose value the plan keeps: source or target
}

// SecretFlag is a secret reference (by env name) that needs a look: Source
// and Target are the references (a Secret's name and key, never a value).
type SecretFlag struct {
	Env        string            `json:"env"`
	Flag       string            `json:"flag"`
	Resolution string            `json:"resolution,omitempty"`
	Source     *events.SecretRef `json:"source,omitempty"`
	Target     *events.SecretRef `json:"target,omitempty"`
	Kept       string            `json:"kept,omitempty"`
}

// Input is what a plan is made from. Env holds values given for keys new in
// the source; UseSource lists keys that take the source's value. Secrets
// holds target secrets (name and key) given for references new in the
// source, by env name; UseSourceSecrets lists those that take the source's
// reference.
type Input struct {
	Source           events.Spec
	Target           events.Spec
	Env              map[string]string
	UseSource        []string
	Secrets          map[string]events.SecretRef
	UseSourceSecrets []string
}

// Plan is the outcome: the spec the target would run, where each field comes
// from, the env flags, the diff against what the target runs now, and the
// keys still missing a value.
type Plan struct {
	Spec           events.Spec       `json:"spec"`
	Fields         []Field           `json:"fields"`
	Env            []EnvFlag         `json:"env"`
	Secrets        []SecretFlag      `json:"secrets"`
	Diff           []specdiff.Change `json:"diff"`
	Missing        []string          `json:"missing"`
	MissingSecrets []string          `json:"missingSecrets"`
}

// Complete reports whether the plan can be applied.
func (p Plan) Complete() bool { return len(p.Missing) == 0 && len(p.MissingSecrets) == 0 }

// Make computes the plan.
func Make(in Input) Plan {
	src, tgt := in.Source, in.Target
	out := tgt
	out.Image, out.Model, out.Port, out.Command, out.Args = src.Image, src.Model, src.Port, src.Command, src.Args
	out.Endpoints, out.Readiness, out.Liveness = src.Endpoints, src.Readiness, src.Liveness
	p := Plan{Fields: fields()}
	out.Env, p.Env, p.Missing = mergeEnv(src.Env, tgt.Env, in.Env, in.UseSource)
	out.Secrets, p.Secrets, p.MissingSecrets = mergeSecrets(src.Secrets, tgt.Secrets, in.Secrets, in.UseSourceSecrets)
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
		if t, ok := tgt[k]; ok {
			if t != v {
				flags = append(flags, EnvFlag{Key: k, Flag: FlagDiffers, SourceValue: v, TargetValue: t, Kept: FromTarget})
			}
			continue
		}
		f := EnvFlag{Key: k, Flag: FlagNewInSource}
		switch g, ok := given[k]; {
		case ok:
			out[k], f.Resolution = g, ResolvedGiven
		case use[k]:
			out[k], f.Resolution = v, ResolvedSource
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

// mergeSecrets keeps the target's secret references, adds references new in
// the source when a target secret is given or the source's reference is
// chosen, and flags the rest. The target's references keep their order; new
// ones follow in the source's order.
func mergeSecrets(src, tgt []events.SecretRef, given map[string]events.SecretRef, useSource []string) ([]events.SecretRef, []SecretFlag, []string) {
	byEnv := func(refs []events.SecretRef) map[string]events.SecretRef {
		m := make(map[string]events.SecretRef, len(refs))
		for _, r := range refs {
			m[r.Env] = r
		}
		return m
	}
	s, t := byEnv(src), byEnv(tgt)
	use := map[string]bool{}
	for _, k := range useSource {
		use[k] = true
	}
	out := append([]events.SecretRef(nil), tgt...)
	var flags []SecretFlag
	missing := []string{}
	for _, r := range src {
		if tr, ok := t[r.Env]; ok {
			if tr != r {
				flags = append(flags, SecretFlag{Env: r.Env, Flag: FlagDiffers, Source: &r, Target: &tr, Kept: FromTarget})
			}
			continue
		}
		f := SecretFlag{Env: r.Env, Flag: FlagNewInSource, Source: &r}
		switch g, ok := given[r.Env]; {
		case ok:
			g.Env = r.Env
			out, f.Resolution, f.Target = append(out, g), ResolvedGiven, &g
		case use[r.Env]:
			out, f.Resolution = append(out, r), ResolvedSource
		default:
			missing = append(missing, r.Env)
		}
		flags = append(flags, f)
	}
	for _, r := range tgt {
		if _, ok := s[r.Env]; !ok {
			flags = append(flags, SecretFlag{Env: r.Env, Flag: FlagOnlyInTarget, Target: &r})
		}
	}
	sort.Slice(flags, func(i, j int) bool { return flags[i].Env < flags[j].Env })
	sort.Strings(missing)
	if len(out) == 0 {
		out = nil
	}
	return out, flags, missing
}

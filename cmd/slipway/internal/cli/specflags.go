package cli

import (
	"flag"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// specFlags are the flags that write a deployment's spec: create sends
// them as the spec, update as a JSON merge patch of it.
type specFlags struct {
	file             string
	image            string
	replicas         int
	min, max         int
	targetCPU        int
	env, secrets     multiFlag
	instanceType     string
	maxSurge         string
	maxUnavailable   string
	progressDeadline string
	bake             string
	strategy         string
	canarySteps      string
}

func (s *specFlags) register(fs *flag.FlagSet, update bool) {
	fs.StringVar(&s.file, "f", "", "a `file` (JSON or YAML; - for stdin) with the spec, or a whole request with a spec key; flags override it")
	fs.StringVar(&s.image, "image", "", "the container `image`")
	fs.IntVar(&s.replicas, "replicas", 0, "a fixed replica `count`")
	fs.IntVar(&s.min, "min", 0, "autoscaling: the fewest `replicas` (with --max)")
	fs.IntVar(&s.max, "max", 0, "autoscaling: the most `replicas` (with --min)")
	fs.IntVar(&s.targetCPU, "target-cpu", 0, "autoscaling: the average CPU utilization to hold, a `percentage` of the requested CPU (default 80)")
	envHelp := "an environment variable, `NAME=VALUE`; repeat for several"
	secretHelp := "a secret as an environment variable, `ENV=secret/key[@version]`; repeat for several"
	if update {
		envHelp += " (NAME- removes one)"
		secretHelp += " (replaces all the secrets)"
	}
	fs.Var(&s.env, "env", envHelp)
	fs.Var(&s.secrets, "secret", secretHelp)
	fs.StringVar(&s.instanceType, "instance-type", "", "an instance `type` from the target's catalogue")
	fs.StringVar(&s.maxSurge, "max-surge", "", "rollout: pods above the count during a rollout, a `number or percentage` (default 25%)")
	fs.StringVar(&s.maxUnavailable, "max-unavailable", "", "rollout: pods below the count during a rollout, a `number or percentage` (default 0)")
	fs.StringVar(&s.progressDeadline, "progress-deadline", "", "rollout: fail a rollout that makes no progress for this `duration`, like 10m or 600 (seconds)")
	fs.StringVar(&s.bake, "bake", "", "rollout: keep watching the new pods this `duration` after they are all available, rolling back if they fail (0 for none)")
	fs.StringVar(&s.strategy, "strategy", "", "rollout: `rolling` (the default) or canary (with --canary-steps, or steps and checks from -f)")
	fs.StringVar(&s.canarySteps, "canary-steps", "", "rollout: a canary's `steps`, e.g. 10,analysis:error-rate,50,pause,100 (N: weight %, pause[:30s], analysis:CHECK[+CHECK], mirror:N); sets --strategy canary")
}

// build returns the spec (or patch) the flags and file say, and the rest of
// a request the file gave (its keys other than spec).
func (s *specFlags) build(fs *flag.FlagSet, stdin io.Reader, update bool) (spec, request map[string]any, err error) {
	spec, request = map[string]any{}, map[string]any{}
	if s.file != "" {
		doc, err := readDocument(s.file, stdin)
		if err != nil {
			return nil, nil, err
		}
		if inner, ok := doc["spec"]; ok {
			m, ok := inner.(map[string]any)
			if !ok {
				return nil, nil, usageErrorf("-f %s: spec must be an object", s.file)
			}
			delete(doc, "spec")
			spec, request = m, doc
		} else {
			spec = doc
		}
	}
	set := setFlags(fs)
	if set["image"] {
		spec["image"] = s.image
	}
	if set["replicas"] {
		spec["replicas"] = s.replicas
		if update {
			spec["scaling"] = nil
		}
	}
	if set["min"] || set["max"] || set["target-cpu"] {
		if !update && !(set["min"] && set["max"]) {
			return nil, nil, usageErrorf("--min and --max go together (and --target-cpu needs them)")
		}
		scaling := object(spec, "scaling")
		if set["min"] {
			scaling["min"] = s.min
		}
		if set["max"] {
			scaling["max"] = s.max
		}
		if set["target-cpu"] {
			scaling["targetCPUPercent"] = s.targetCPU
		}
		if update {
			spec["replicas"] = nil
		}
	}
	if err := s.applyEnv(spec, update); err != nil {
		return nil, nil, err
	}
	if len(s.secrets) > 0 {
		list, _ := spec["secrets"].([]any)
		if update {
			list = nil // arrays are replaced whole by a merge patch
		}
		for _, v := range s.secrets {
			ref, err := parseSecret(v)
			if err != nil {
				return nil, nil, err
			}
			list = append(list, ref)
		}
		spec["secrets"] = list
	}
	if set["instance-type"] {
		spec["instanceType"] = s.instanceType
	}
	if set["max-surge"] {
		object(spec, "rollout")["maxSurge"] = s.maxSurge
	}
	if set["max-unavailable"] {
		object(spec, "rollout")["maxUnavailable"] = s.maxUnavailable
	}
	if set["progress-deadline"] {
		secs, err := parseSeconds("--progress-deadline", s.progressDeadline)
		if err != nil {
			return nil, nil, err
		}
		object(spec, "rollout")["progressDeadlineSeconds"] = secs
	}
	if set["bake"] {
		secs, err := parseSeconds("--bake", s.bake)
		if err != nil {
			return nil, nil, err
		}
		object(spec, "rollout")["bakeSeconds"] = secs
	}
	return spec, request, s.applyStrategy(spec, set, update)
}

// applyStrategy writes --strategy and --canary-steps. A patch to rolling
// also removes the canary's steps and checks (a merge patch's null), which
// a rolling rollout refuses.
func (s *specFlags) applyStrategy(spec map[string]any, set map[string]bool, update bool) error {
	if set["strategy"] {
		object(spec, "rollout")["strategy"] = s.strategy
		if update && s.strategy == "rolling" && !set["canary-steps"] {
			object(spec, "rollout")["steps"] = nil
			object(spec, "rollout")["checks"] = nil
		}
	}
	if set["canary-steps"] {
		if set["strategy"] && s.strategy != "canary" {
			return usageErrorf("--canary-steps needs --strategy canary (or no --strategy)")
		}
		steps, err := parseCanarySteps(s.canarySteps)
		if err != nil {
			return err
		}
		object(spec, "rollout")["strategy"] = "canary"
		object(spec, "rollout")["steps"] = steps
	}
	return nil
}

func (s *specFlags) applyEnv(spec map[string]any, update bool) error {
	for _, kv := range s.env {
		name, value, ok := strings.Cut(kv, "=")
		switch {
		case ok && name != "":
			object(spec, "env")[name] = value
		case !ok && update && strings.HasSuffix(kv, "-") && len(kv) > 1:
			object(spec, "env")[strings.TrimSuffix(kv, "-")] = nil
		default:
			return usageErrorf("--env %q: want NAME=VALUE", kv)
		}
	}
	return nil
}

// object returns m[key] as an object, making it when absent or null.
func object(m map[string]any, key string) map[string]any {
	if o, ok := m[key].(map[string]any); ok {
		return o
	}
	o := map[string]any{}
	m[key] = o
	return o
}

// parseSecret reads ENV=secret/key[@version].
func parseSecret(v string) (map[string]any, error) {
	env, rest, ok := strings.Cut(v, "=")
	name, key, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || env == "" || name == "" || key == "" {
		return nil, usageErrorf("--secret %q: want ENV=secret/key or ENV=secret/key@version", v)
	}
	ref := map[string]any{"env": env, "name": name, "key": key}
	if k, version, ok := strings.Cut(key, "@"); ok {
		if k == "" || version == "" {
			return nil, usageErrorf("--secret %q: want ENV=secret/key@version", v)
		}
		ref["key"], ref["version"] = k, version
	}
	return ref, nil
}

// parseSeconds reads a whole number of seconds: 600, or a duration like 10m.
func parseSeconds(flag, s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return n, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || d%time.Second != 0 {
		return 0, usageErrorf("%s %q: want whole seconds, like 600 or 10m", flag, s)
	}
	return int(d / time.Second), nil
}

// readDocument reads a JSON or YAML object from path (- for stdin).
func readDocument(path string, stdin io.Reader) (map[string]any, error) {
	var data []byte
	var err error
	if path == "-" {
		if stdin == nil {
			return nil, usageErrorf("-f -: no input")
		}
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, usageErrorf("-f %s: %v", path, err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, usageErrorf("-f %s: not JSON or YAML: %v", path, err)
	}
	if doc == nil {
		return nil, usageErrorf("-f %s: want an object", path)
	}
	return doc, nil
}

// labelMap reads k=v labels.
func labelMap(labels []string) (map[string]any, error) {
	out := map[string]any{}
	for _, kv := range labels {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--label %q: want key=value", kv)
		}
		out[k] = v
	}
	return out, nil
}

package cli

import (
	"strconv"
	"strings"
)

// parseCanarySteps reads --canary-steps: comma-separated steps, each
//
//	N or weight:N    send N% of the requests to the new revision
//	pause            wait until `slipway rollout promote`
//	pause:D          wait D (a duration like 30s, or seconds)
//	analysis:A+B     run the checks A and B (declared in the spec's rollout.checks, e.g. with -f)
//	mirror:N         copy N% of the requests to the new revision (0 removes the copy)
//
// e.g. "10,analysis:error-rate,50,pause,100". It returns the steps as the
// API's JSON; the api validates them (weights 0..100, declared checks).
func parseCanarySteps(s string) ([]any, error) {
	var steps []any
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		kind, arg, hasArg := strings.Cut(part, ":")
		bad := func() ([]any, error) {
			return nil, usageErrorf("--canary-steps: step %q: want N, weight:N, pause, pause:30s, analysis:CHECK[+CHECK], or mirror:N", part)
		}
		switch {
		case !hasArg && isPercent(kind):
			steps = append(steps, map[string]any{"setWeight": atoi(kind)})
		case kind == "weight" && isPercent(arg):
			steps = append(steps, map[string]any{"setWeight": atoi(arg)})
		case kind == "mirror" && isPercent(arg):
			steps = append(steps, map[string]any{"mirror": atoi(arg)})
		case kind == "pause" && !hasArg:
			steps = append(steps, map[string]any{"pause": map[string]any{}})
		case kind == "pause":
			secs, err := parseSeconds("--canary-steps pause", arg)
			if err != nil {
				return nil, err
			}
			steps = append(steps, map[string]any{"pause": map[string]any{"seconds": secs}})
		case kind == "analysis" && arg != "":
			var checks []any
			for _, c := range strings.Split(arg, "+") {
				checks = append(checks, c)
			}
			steps = append(steps, map[string]any{"analysis": map[string]any{"checks": checks}})
		default:
			return bad()
		}
	}
	return steps, nil
}

func isPercent(s string) bool {
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n <= 100
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

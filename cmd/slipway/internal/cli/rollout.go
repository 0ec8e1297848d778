package cli

import (
	"context"
	"encoding/json"
	"flag"
	"io"

	"slipway.dev/pkg/client"
	"slipway.dev/pkg/events"
)

func rolloutCommands() []command {
	cs := []command{}
	for _, a := range []struct{ action, summary string }{
		{"pause", "hold the rollout in flight"},
		{"resume", "continue a paused rollout"},
		{"abort", "stop the rollout in flight and roll back to the last good revision"},
	} {
		cs = append(cs, command{path: "rollout " + a.action, args: "REF [--message M]", summary: a.summary, setup: controlSetup(a.action)})
	}
	cs = append(cs, command{path: "rollout promote", args: "REF [--full] [--message M]",
		summary: "move a canary past its current step (a pause, an analysis, an inconclusive one); --full to its completion", setup: setupPromote})
	return append(cs, command{path: "rollout status", args: "REF [--watch]", summary: "show the current rollout; --watch follows it live until it ends (exit 0 succeeded, 1 not)", setup: setupRolloutStatus})
}

func controlSetup(action string) func(fs *flag.FlagSet) runFunc {
	return func(fs *flag.FlagSet) runFunc {
		var cf commandFlags
		cf.register(fs)
		message := fs.String("message", "", "why, recorded on the event")
		return func(ctx context.Context, e *env, args []string) error {
			ref, err := e.oneRef(args)
			if err != nil {
				return err
			}
			o, c, err := cf.clientWith(e)
			if err != nil {
				return err
			}
			return e.submitted(c.ControlRollout(ctx, ref, action, client.RolloutControlRequest{Message: *message}, o))
		}
	}
}

func setupPromote(fs *flag.FlagSet) runFunc {
	var cf commandFlags
	cf.register(fs)
	message := fs.String("message", "", "why, recorded on the event")
	full := fs.Bool("full", false, "go to the canary's completion: weight 100, then the main Deployment rolls to the new revision")
	return func(ctx context.Context, e *env, args []string) error {
		ref, err := e.oneRef(args)
		if err != nil {
			return err
		}
		o, c, err := cf.clientWith(e)
		if err != nil {
			return err
		}
		return e.submitted(c.ControlRollout(ctx, ref, client.RolloutPromote, client.RolloutControlRequest{Full: *full, Message: *message}, o))
	}
}

func setupRolloutStatus(fs *flag.FlagSet) runFunc {
	watch := fs.Bool("watch", false, "follow the rollout, redrawing on a terminal (a line per change otherwise), until it ends")
	fs.BoolVar(watch, "w", false, "short for --watch")
	return func(ctx context.Context, e *env, args []string) error {
		ref, err := e.oneRef(args)
		if err != nil {
			return err
		}
		format, err := e.format()
		if err != nil {
			return err
		}
		c, err := e.client()
		if err != nil {
			return err
		}
		if !*watch {
			return rolloutSnapshot(ctx, e, c, ref, format)
		}
		if format != "table" {
			return usageErrorf("--watch draws the rollout; -o %s works without --watch", format)
		}
		var show func(rolloutView) error
		if e.isTerminal(e.Stdout) {
			show = (&screen{w: e.Stdout}).show
		} else {
			show = (&changes{w: e.Stdout}).show
		}
		v, err := follow(ctx, &follower{c: c, ref: ref}, e.pollInterval(), show)
		if err != nil {
			return err
		}
		return rolloutOutcome(v)
	}
}

// rolloutSnapshot prints the rollout once: the view, or with -o json|yaml
// the deployment's rollout as the API has it.
func rolloutSnapshot(ctx context.Context, e *env, c *client.Client, ref client.Ref, format string) error {
	if format != "table" {
		d, err := c.GetDeployment(ctx, ref)
		if err != nil {
			return err
		}
		var parts struct {
			Rollout json.RawMessage `json:"rollout"`
		}
		if err := json.Unmarshal(d.JSON(), &parts); err != nil || parts.Rollout == nil {
			parts.Rollout = json.RawMessage("null")
		}
		return e.printRaw(parts.Rollout, nil)
	}
	f := &follower{c: c, ref: ref}
	v, err := f.poll(ctx)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(e.Stdout, frame(v)); err != nil {
		return err
	}
	if v.Done && !v.Succeeded {
		return &exitError{code: ExitFailed}
	}
	return nil
}

// rolloutOutcome is the exit of a followed rollout: nil when it succeeded.
func rolloutOutcome(v rolloutView) error {
	if v.Succeeded {
		return nil
	}
	how, ok := outcomes[v.RolloutPhase]
	if !ok {
		how = "ended " + string(v.RolloutPhase)
	}
	return failed("rollout of %s revision %d %s: %s", v.Deployment, v.Revision, how, reasonText(v.Reason, v.Message))
}

var outcomes = map[events.RolloutPhase]string{events.RolloutPhaseFailed: "failed", events.RolloutPhaseAborted: "was aborted",
	events.RolloutPhaseSuperseded: "was superseded", phaseRejected: "was rejected"}

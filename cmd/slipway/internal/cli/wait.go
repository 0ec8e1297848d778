package cli

import (
	"context"
	"errors"
	"flag"
	"io"
	"strings"
	"time"

	"slipway.dev/pkg/client"
)

var errTimedOut = errors.New("timed out")

func waitCommand() command {
	return command{path: "wait", args: "OPERATION-ID|REF [--timeout 10m]",
		summary: "wait for an operation, or a deployment's current rollout, to end (exit 0 succeeded, 1 failed/rejected/timed out)",
		setup: func(fs *flag.FlagSet) runFunc {
			timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long (exit 1); 0 waits forever")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usageErrorf("want one operation id (op-...) or deployment (owner/project/name)")
				}
				if *timeout < 0 {
					return usageErrorf("--timeout must not be negative")
				}
				c, err := e.client()
				if err != nil {
					return err
				}
				if *timeout > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeoutCause(ctx, *timeout, errTimedOut)
					defer cancel()
				}
				target := args[0]
				if strings.Contains(target, "/") || (!strings.HasPrefix(target, "op-") && e.g.project != "") {
					ref, err := parseRef(target, e.g.project)
					if err != nil {
						return err
					}
					err = waitRollout(ctx, e, c, ref)
					return timedOut(ctx, err, *timeout, "the rollout of "+ref.String())
				}
				err = waitOperation(ctx, e, c, target)
				return timedOut(ctx, err, *timeout, "operation "+target)
			}
		}}
}

// waitOperation waits for an operation with the API's long poll (?wait),
// then prints it; a failed or rejected operation is ExitFailed (an API that
// answers a rejection as a problem, as before 200 was, is an error too).
func waitOperation(ctx context.Context, e *env, c *client.Client, id string) error {
	op, err := c.Wait(ctx, id)
	if err != nil {
		return err
	}
	if err := e.printOperation(op); err != nil || op.Status != client.OpRejected {
		return err
	}
	return failed("operation %s was rejected: %s", op.ID, reasonText(op.Reason, op.Message))
}

// waitRollout follows the deployment's current rollout and prints how it ended.
func waitRollout(ctx context.Context, e *env, c *client.Client, ref client.Ref) error {
	v, err := follow(ctx, &follower{c: c, ref: ref}, e.pollInterval(), func(rolloutView) error { return nil })
	if err != nil {
		return err
	}
	if err := e.printValue(v, func(w io.Writer) { _, _ = io.WriteString(w, line(v)) }); err != nil {
		return err
	}
	return rolloutOutcome(v)
}

// timedOut turns the end of a wait's time into a clear failure.
func timedOut(ctx context.Context, err error, timeout time.Duration, what string) error {
	if err != nil && errors.Is(context.Cause(ctx), errTimedOut) {
		return failed("timed out after %s waiting for %s", timeout, what)
	}
	if errors.Is(err, context.Canceled) {
		return failed("interrupted while waiting for %s", what)
	}
	return err
}

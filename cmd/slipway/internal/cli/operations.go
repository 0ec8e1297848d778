package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"slipway.dev/pkg/client"
	"slipway.dev/pkg/events"
)

func operationCommands() []command {
	return []command{
		{path: "operations get", args: "ID", summary: "show an operation (the life of an accepted command)", setup: func(fs *flag.FlagSet) runFunc {
			wait := fs.Duration("wait", 0, "wait up to this long (at most 10m) for the operation to end")
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 1 {
					return usageErrorf("want one operation id")
				}
				if err := checkWait(*wait); err != nil {
					return err
				}
				c, err := e.client()
				if err != nil {
					return err
				}
				op, err := c.GetOperation(ctx, args[0], *wait)
				if err != nil {
					return err
				}
				return e.printOperation(op)
			}
		}},
	}
}

// commandFlags are the flags of every command that changes something.
type commandFlags struct {
	wait time.Duration
	key  string
}

func (cf *commandFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&cf.wait, "wait", 0, "wait up to this long (at most 10m) for the operation to end, like 60s")
	fs.StringVar(&cf.key, "idempotency-key", "", "the Idempotency-Key `key` (default: a new random key per invocation, so\n"+
		"running the same command line again is a new command; give a key to make reruns answer the first operation)")
}

// clientWith is the command's options and the client to send it with.
func (cf *commandFlags) clientWith(e *env) (client.CommandOptions, *client.Client, error) {
	o, err := cf.options(e)
	if err != nil {
		return o, nil, err
	}
	c, err := e.client()
	return o, c, err
}

func (cf *commandFlags) options(e *env) (client.CommandOptions, error) {
	if err := checkWait(cf.wait); err != nil {
		return client.CommandOptions{}, err
	}
	key := cf.key
	if key == "" {
		key = e.newKey()
	}
	return client.CommandOptions{Wait: cf.wait, IdempotencyKey: key}, nil
}

// maxWait is the longest ?wait the API accepts.
const maxWait = 10 * time.Minute

func checkWait(d time.Duration) error {
	if d < 0 || d > maxWait {
		return usageErrorf("--wait %s: want a duration from 0s to %s", d, maxWait)
	}
	return nil
}

// submitted prints the operation a command answered and turns its outcome
// into the exit code: a failed operation is ExitFailed; one still going
// says how to follow it.
func (e *env) submitted(op client.Operation, err error) error {
	if err != nil {
		return err
	}
	if err := e.printOperation(op); err != nil {
		return err
	}
	if !op.Ended() {
		fmt.Fprintf(e.Stderr, "operation %s is %s; follow it with: slipway wait %s\n", op.ID, op.Status, op.ID)
	}
	return nil
}

// printOperation prints an operation; a failed one ends with ExitFailed. A
// rejected one is printed and is no error: reading it succeeded (wait
// judges the outcome).
func (e *env) printOperation(op client.Operation) error {
	if err := e.printRaw(op.JSON(), func(w io.Writer) { operationTable(w, e.now(), op) }); err != nil {
		return err
	}
	if op.Status == client.OpFailed {
		return failed("operation %s failed: %s", op.ID, reasonText(op.Reason, op.Message))
	}
	return nil
}

func operationTable(w io.Writer, now time.Time, op client.Operation) {
	subject := op.Deployment
	if subject == "" && op.Target != "" {
		subject = "target " + op.Target
	}
	rows := [][]string{{op.ID, op.Kind, orDash(subject), op.Status, itoaOrDash(op.Revision), readyText(op.Replicas),
		orDash(op.Reason), age(now, op.AcceptedAt)}}
	table(w, []string{"ID", "KIND", "DEPLOYMENT", "STATUS", "REVISION", "READY", "REASON", "AGE"}, rows)
	if op.Message != "" {
		fmt.Fprintf(w, "Message: %s\n", op.Message)
	}
	for _, f := range op.Fields {
		fmt.Fprintf(w, "  - %s: %s\n", f.Field, f.Message)
	}
}

func readyText(r *events.Replicas) string {
	if r == nil {
		return "-"
	}
	return strconv.Itoa(int(r.Ready)) + "/" + strconv.Itoa(int(r.Desired))
}

// reasonText joins a reason code and its message.
func reasonText(reason, message string) string {
	switch {
	case reason == "":
		return orDash(message)
	case message == "":
		return reason
	}
	return reason + ": " + message
}

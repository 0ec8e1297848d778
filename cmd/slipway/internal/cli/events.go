package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strconv"
	"time"

	"slipway.dev/pkg/client"
)

func eventsCommand() command {
	return command{path: "events", args: "[flags]", summary: "follow events as they happen (Server-Sent Events; Ctrl-C stops)", setup: func(fs *flag.FlagSet) runFunc {
		var (
			deployment, after string
			types             multiFlag
		)
		fs.StringVar(&deployment, "deployment", "", "only this deployment's events (`REF`)")
		fs.Var(&types, "type", "only this event `type` (a trailing * is a prefix); repeat for several")
		fs.StringVar(&after, "after", "", "start after this event `id`; 0 replays the whole history (default: from now)")
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) != 0 {
				return usageErrorf("takes no arguments (filter with flags)")
			}
			f := client.EventFilter{Types: types, After: after}
			switch {
			case deployment != "":
				ref, err := parseRef(deployment, e.g.project)
				if err != nil {
					return err
				}
				f.Deployment = ref.String()
			case e.g.project != "":
				f.Project = e.g.project
			}
			if after != "" {
				if _, err := strconv.ParseUint(after, 10, 64); err != nil {
					return usageErrorf("--after %q: want an event id (a number)", after)
				}
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			return followEvents(ctx, e, c, f)
		}
	}}
}

// followEvents streams events, resuming after the last one received
// (Last-Event-ID) when the stream drops, until ctx is done.
func followEvents(ctx context.Context, e *env, c *client.Client, f client.EventFilter) error {
	for ev, err := range c.Watch(ctx, f) {
		if err != nil {
			return err
		}
		if err := e.printEvent(ev); err != nil {
			return err
		}
	}
	return nil
}

// printEvent writes one event: a line (table), its envelope as one line of
// JSON (json), or a YAML document (yaml).
func (e *env) printEvent(ev client.Event) error {
	var err error
	switch e.g.output {
	case "json":
		var b bytes.Buffer
		if err := json.Compact(&b, ev.Data); err != nil {
			return fmt.Errorf("event %s is not JSON: %v", ev.ID, err)
		}
		b.WriteByte('\n')
		_, err = e.Stdout.Write(b.Bytes())
	case "yaml":
		var out []byte
		if out, err = jsonToYAML(ev.Data); err == nil {
			_, err = fmt.Fprintf(e.Stdout, "---\n%s", out)
		}
	default:
		var env struct {
			Subject, Actor string
			Time           time.Time
			CorrelationID  string `json:"correlationid"`
		}
		_ = json.Unmarshal(ev.Data, &env) // a line with what could be read
		_, err = fmt.Fprintf(e.Stdout, "%s  %s  %s  %s  %s  %s\n", ev.ID, env.Time.UTC().Format(time.RFC3339), ev.Type,
			orDash(env.Subject), orDash(env.Actor), orDash(env.CorrelationID))
	}
	return err
}

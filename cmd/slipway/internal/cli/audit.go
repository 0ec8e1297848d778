package cli

import (
	"context"
	"flag"
	"io"
	"time"

	"slipway.dev/pkg/client"
)

func auditCommand() command {
	return command{path: "audit", args: "[flags]", summary: "who did what, when, with which outcome (operations, newest first)", setup: func(fs *flag.FlagSet) runFunc {
		var (
			actor, deployment, kind, status, from, to, cursor string
			limit                                             int
			all                                               bool
		)
		fs.StringVar(&actor, "actor", "", "only this `actor`, like user:ada")
		fs.StringVar(&deployment, "deployment", "", "only this deployment (`REF`)")
		fs.StringVar(&kind, "kind", "", "only this operation `kind`, like update_deployment")
		fs.StringVar(&status, "status", "", "only this `status`: accepted, running, succeeded, failed or rejected")
		fs.StringVar(&from, "from", "", "accepted at or after this `time` (RFC 3339) or this long ago (like 24h)")
		fs.StringVar(&to, "to", "", "accepted before this `time` (RFC 3339) or this long ago")
		fs.IntVar(&limit, "limit", 0, "the page `size` (1 to 500; default 50)")
		fs.StringVar(&cursor, "cursor", "", "the page to start at (a next cursor)")
		fs.BoolVar(&all, "all", false, "read every page")
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) != 0 {
				return usageErrorf("takes no arguments (filter with flags)")
			}
			q := client.AuditQuery{Actor: actor, Kind: kind, Status: status, Project: e.g.project, PageOptions: client.PageOptions{Limit: limit}}
			if deployment != "" {
				ref, err := parseRef(deployment, e.g.project)
				if err != nil {
					return err
				}
				q.Project, q.Deployment = "", ref.String()
			}
			for name, v := range map[string]*string{"from": &from, "to": &to} {
				if *v == "" {
					continue
				}
				t, err := timeFlag(*v, e.now())
				if err != nil {
					return usageErrorf("--%s %q: want an RFC 3339 time or a duration like 24h", name, *v)
				}
				if name == "from" {
					q.From = t
				} else {
					q.To = t
				}
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			return listPages(e, cursor, all, func(cursor string) (client.Page[client.Operation], error) {
				q.Cursor = cursor
				return c.Audit(ctx, q)
			}, func(w io.Writer, ops []client.Operation) { auditTable(w, e.now(), ops) })
		}
	}}
}

// timeFlag reads an RFC 3339 time, or a duration meaning that long before now.
func timeFlag(v string, now time.Time) (string, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC().Format(time.RFC3339), nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return "", usageErrorf("bad time")
	}
	return now.Add(-d).UTC().Format(time.RFC3339), nil
}

func auditTable(w io.Writer, now time.Time, ops []client.Operation) {
	rows := make([][]string, 0, len(ops))
	for _, op := range ops {
		rows = append(rows, []string{age(now, op.AcceptedAt), orDash(op.Actor), op.Kind, op.Deployment, op.Status,
			itoaOrDash(op.Revision), orDash(op.Reason), op.ID})
	}
	table(w, []string{"AGE", "ACTOR", "KIND", "DEPLOYMENT", "STATUS", "REVISION", "REASON", "OPERATION"}, rows)
}

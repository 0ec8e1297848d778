package cli

import (
	"context"
	"flag"
	"io"
	"strconv"
	"strings"
	"time"

	"slipway.dev/pkg/client"
	"slipway.dev/pkg/events"
)

func revisionCommands() []command {
	return []command{
		{path: "revisions list", args: "REF", summary: "list a deployment's revisions, newest first", setup: setupRevisionsList},
		{path: "revisions get", args: "REF N", summary: "show revision N (3 or v3)", setup: setupRevisionsGet},
		{path: "revisions diff", args: "REF A B", summary: "show what changed from revision A to revision B (text; -o json for the changes)", setup: setupRevisionsDiff},
	}
}

func rollbackCommand() command {
	return command{path: "rollback", args: "REF --to N", summary: "roll back to revision N (a new revision with N's spec)", setup: func(fs *flag.FlagSet) runFunc {
		var cf commandFlags
		cf.register(fs)
		to := fs.String("to", "", "the `revision` whose spec to run again (3 or v3)")
		message := fs.String("message", "", "why, recorded on the revision")
		return func(ctx context.Context, e *env, args []string) error {
			ref, err := e.oneRef(args)
			if err != nil {
				return err
			}
			if *to == "" {
				return usageErrorf("--to N is required")
			}
			n, err := parseRevision(*to)
			if err != nil {
				return err
			}
			o, c, err := cf.clientWith(e)
			if err != nil {
				return err
			}
			return e.submitted(c.RollbackDeployment(ctx, ref, client.RollbackRequest{Revision: n, Message: *message}, o))
		}
	}}
}

func setupRevisionsList(fs *flag.FlagSet) runFunc {
	limit := fs.Int("limit", 0, "the page `size` (1 to 500; default 50)")
	cursor := fs.String("cursor", "", "the page to start at (a next cursor)")
	all := fs.Bool("all", false, "read every page")
	return func(ctx context.Context, e *env, args []string) error {
		ref, err := e.oneRef(args)
		if err != nil {
			return err
		}
		c, err := e.client()
		if err != nil {
			return err
		}
		return listPages(e, *cursor, *all, func(cursor string) (client.Page[client.Revision], error) {
			return c.ListRevisions(ctx, ref, client.PageOptions{Limit: *limit, Cursor: cursor})
		}, func(w io.Writer, items []client.Revision) { revisionTable(w, e.now(), items) })
	}
}

func setupRevisionsGet(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 2 {
			return usageErrorf("want a deployment and a revision number")
		}
		ref, err := parseRef(args[0], e.g.project)
		if err != nil {
			return err
		}
		n, err := parseRevision(args[1])
		if err != nil {
			return err
		}
		c, err := e.client()
		if err != nil {
			return err
		}
		r, err := c.GetRevision(ctx, ref, n)
		if err != nil {
			return err
		}
		return e.printRaw(r.JSON(), func(w io.Writer) { revisionTable(w, e.now(), []client.Revision{r}) })
	}
}

func revisionTable(w io.Writer, now time.Time, rs []client.Revision) {
	rows := make([][]string, 0, len(rs))
	for _, r := range rs {
		rows = append(rows, []string{strconv.Itoa(r.Number), orDash(r.CauseText), specImage(r.Spec),
			rolloutText(r.Rollout), age(now, r.CreatedAt), orDash(r.Message)})
	}
	table(w, []string{"REVISION", "CAUSE", "IMAGE", "ROLLOUT", "AGE", "MESSAGE"}, rows)
}

// rolloutText is a rollout's phase, with its reason when it did not succeed.
func rolloutText(r client.Rollout) string {
	if r.Phase == "" {
		return "-"
	}
	if r.Reason != "" && r.Phase != events.RolloutPhaseSucceeded {
		return string(r.Phase) + " (" + r.Reason + ")"
	}
	return string(r.Phase)
}

func setupRevisionsDiff(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 3 {
			return usageErrorf("want a deployment and two revision numbers")
		}
		ref, err := parseRef(args[0], e.g.project)
		if err != nil {
			return err
		}
		a, err := parseRevision(args[1])
		if err != nil {
			return err
		}
		b, err := parseRevision(args[2])
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
		if format == "table" {
			text, err := c.DiffText(ctx, ref, a, b)
			if err != nil {
				return err
			}
			_, err = io.WriteString(e.Stdout, strings.TrimRight(text, "\n")+"\n")
			return err
		}
		d, err := c.DiffRevisions(ctx, ref, a, b)
		if err != nil {
			return err
		}
		return e.printRaw(d.JSON(), nil)
	}
}

func specImage(s *events.Spec) string {
	if s == nil {
		return ""
	}
	return s.Image
}

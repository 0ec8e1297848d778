package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"slipway.dev/pkg/client"
)

func deploymentCommands() []command {
	return []command{
		{path: "deployments create", args: "REF --image IMAGE [flags]", summary: "create a deployment and roll out its revision 1", setup: setupCreate},
		{path: "deployments get", args: "REF", summary: "show a deployment", setup: setupGet},
		{path: "deployments list", args: "[flags]", summary: "list deployments across projects", setup: setupList},
		{path: "deployments update", args: "REF [flags]", summary: "change a deployment's spec (a new revision, rolled out)", setup: setupUpdate},
		{path: "deployments delete", args: "REF [--free-name]", summary: "terminate a deployment (its history stays)", setup: setupDelete},
	}
}

func setupCreate(fs *flag.FlagSet) runFunc {
	var (
		sf                  specFlags
		cf                  commandFlags
		labels              multiFlag
		target, environment string
	)
	sf.register(fs, false)
	cf.register(fs)
	fs.Var(&labels, "label", "a label, `key=value`; repeat for several")
	fs.StringVar(&target, "target", "", "the `target` (cluster) to run on (default: the default target)")
	fs.StringVar(&environment, "environment", "", "the `environment`, like staging or production")
	return func(ctx context.Context, e *env, args []string) error {
		ref, err := e.oneRef(args)
		if err != nil {
			return err
		}
		spec, req, err := sf.build(fs, e.Stdin, false)
		if err != nil {
			return err
		}
		if name, ok := req["name"]; ok && name != ref.Name {
			return usageErrorf("the file names deployment %v, the command line %s", name, ref.Name)
		}
		req["name"], req["spec"] = ref.Name, spec
		set := setFlags(fs)
		if set["target"] {
			req["target"] = target
		}
		if set["environment"] {
			req["environment"] = environment
		}
		if len(labels) > 0 {
			m, err := labelMap(labels)
			if err != nil {
				return err
			}
			for k, v := range asObject(req["labels"]) {
				if _, given := m[k]; !given {
					m[k] = v
				}
			}
			req["labels"] = m
		}
		var body client.CreateDeploymentRequest
		if err := decodeRequest(req, &body); err != nil {
			return usageErrorf("-f %s: %v", sf.file, err)
		}
		o, c, err := cf.clientWith(e)
		if err != nil {
			return err
		}
		return e.submitted(c.CreateDeployment(ctx, client.Project{Owner: ref.Owner, Name: ref.Project}, body, o))
	}
}

func asObject(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func setupGet(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e *env, args []string) error {
		ref, err := e.oneRef(args)
		if err != nil {
			return err
		}
		c, err := e.client()
		if err != nil {
			return err
		}
		d, err := c.GetDeployment(ctx, ref)
		if err != nil {
			return err
		}
		return e.printRaw(d.JSON(), func(w io.Writer) { deploymentTable(w, e.now(), []client.Deployment{d}, true) })
	}
}

func setupList(fs *flag.FlagSet) runFunc {
	var (
		labels                                                multiFlag
		target, owner, environment, search, status, health, q string
		sort, cursor                                          string
		limit                                                 int
		all, terminated                                       bool
	)
	fs.StringVar(&target, "target", "", "only deployments on this `target`")
	fs.StringVar(&owner, "owner", "", "only this `owner`'s deployments")
	fs.StringVar(&environment, "environment", "", "only this `environment`")
	fs.Var(&labels, "label", "only deployments with this label, `key=value`; repeat for several (all must match)")
	fs.StringVar(&search, "search", "", "only names containing this `text`")
	fs.StringVar(&status, "status", "", "only this `phase`: Pending, Progressing, Running or Failed")
	fs.StringVar(&health, "health", "", "only this `health`: Healthy, Progressing, Degraded, Unavailable or Unknown")
	fs.StringVar(&q, "q", "", "a `query`, like 'health=degraded and env=production and label.team=risk'")
	fs.StringVar(&q, "query", "", "same as -q")
	fs.BoolVar(&terminated, "include-terminated", false, "include terminated deployments")
	fs.StringVar(&sort, "sort", "", "the `order`: name, -name, createdAt or -createdAt (default name)")
	fs.IntVar(&limit, "limit", 0, "the page `size` (1 to 500; default 50)")
	fs.StringVar(&cursor, "cursor", "", "the page to start at (a next cursor)")
	fs.BoolVar(&all, "all", false, "read every page")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 0 {
			return usageErrorf("takes no arguments (filter with flags: --search, -q, ...)")
		}
		query := client.DeploymentQuery{Target: target, Owner: owner, Project: e.g.project, Environment: environment,
			Labels: []string(labels), Search: search, Status: status, Health: health, Q: q, Sort: sort, IncludeTerminated: terminated,
			PageOptions: client.PageOptions{Limit: limit}}
		c, err := e.client()
		if err != nil {
			return err
		}
		return listPages(e, cursor, all, func(cursor string) (client.Page[client.Deployment], error) {
			query.Cursor = cursor
			return c.ListDeployments(ctx, query)
		}, func(w io.Writer, items []client.Deployment) { deploymentTable(w, e.now(), items, false) })
	}
}

// listPages reads the page at cursor (or with all, every page from it) and
// prints it.
func listPages[T interface{ JSON() json.RawMessage }](e *env, cursor string, all bool,
	read func(cursor string) (client.Page[T], error), draw func(io.Writer, []T)) error {
	var (
		items []T
		raws  []json.RawMessage
		raw   json.RawMessage
		next  = cursor
	)
	for {
		p, err := read(next)
		if err != nil {
			return err
		}
		raw = p.JSON()
		for _, it := range p.Items {
			items, raws = append(items, it), append(raws, it.JSON())
		}
		next = p.NextCursor
		if !all || next == "" {
			break
		}
	}
	if all {
		raw = combine(raws)
	}
	if err := e.printRaw(raw, func(w io.Writer) { draw(w, items) }); err != nil {
		return err
	}
	if next != "" && e.g.output == "table" {
		fmt.Fprintf(e.Stderr, "(more: add --cursor %s, or --all)\n", next)
	}
	return nil
}

// deploymentTable draws deployments; withVersion adds the VERSION column
// (the ETag that --if-match takes), which only a single GET answers.
func deploymentTable(w io.Writer, now time.Time, ds []client.Deployment, withVersion bool) {
	header := []string{"NAME", "REVISION", "PHASE", "HEALTH", "READY", "IMAGE", "AGE"}
	if withVersion {
		header = append(header, "VERSION")
	}
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		row := []string{d.ID, strconv.Itoa(d.Revision), string(d.Phase), d.Health,
			fmt.Sprintf("%d/%d", d.Replicas.Ready, d.Replicas.Desired), d.Image, age(now, d.CreatedAt)}
		if withVersion {
			version, _, _ := strings.Cut(strings.Trim(d.ETag, `"`), ".") // "<version>.<sequence>"
			row = append(row, orDash(version))
		}
		rows = append(rows, row)
	}
	table(w, header, rows)
}

func setupUpdate(fs *flag.FlagSet) runFunc {
	var (
		sf               specFlags
		cf               commandFlags
		message, ifMatch string
	)
	sf.register(fs, true)
	cf.register(fs)
	fs.StringVar(&message, "message", "", "why, recorded on the revision")
	fs.StringVar(&ifMatch, "if-match", "", "update only if the deployment is still at this `version` (its ETag, like 42)")
	return func(ctx context.Context, e *env, args []string) error {
		ref, err := e.oneRef(args)
		if err != nil {
			return err
		}
		spec, req, err := sf.build(fs, e.Stdin, true)
		if err != nil {
			return err
		}
		if len(spec) == 0 {
			return usageErrorf("nothing to change: give spec flags (--image, --replicas, --env, ...) or -f")
		}
		for k := range req {
			if k != "message" {
				return usageErrorf("-f %s: an update takes spec and message, not %s", sf.file, k)
			}
		}
		req["spec"] = spec
		if message != "" {
			req["message"] = message
		}
		var body client.UpdateDeploymentRequest
		if err := decodeRequest(req, &body); err != nil {
			return usageErrorf("-f %s: %v", sf.file, err)
		}
		o, err := cf.options(e)
		if err != nil {
			return err
		}
		if ifMatch != "" {
			o.IfMatch = `"` + strings.Trim(ifMatch, `"`) + `"`
		}
		c, err := e.client()
		if err != nil {
			return err
		}
		return e.submitted(c.UpdateDeployment(ctx, ref, body, o))
	}
}

func setupDelete(fs *flag.FlagSet) runFunc {
	var cf commandFlags
	cf.register(fs)
	free := fs.Bool("free-name", false, "free the name for a new deployment (which continues the revision numbers)")
	return func(ctx context.Context, e *env, args []string) error {
		ref, err := e.oneRef(args)
		if err != nil {
			return err
		}
		o, c, err := cf.clientWith(e)
		if err != nil {
			return err
		}
		return e.submitted(c.DeleteDeployment(ctx, ref, *free, o))
	}
}

// decodeRequest turns a request built as a map (from a file and flags) into
// the client's typed request, refusing a field the request does not have.
func decodeRequest(req map[string]any, v any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(v)
}

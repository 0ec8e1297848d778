package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"slipway.dev/pkg/client"
)

func aliasCommands() []command {
	return []command{
		{path: "aliases set", args: "REF ALIAS --revision N [flags]", summary: "point a deployment's ALIAS at revision N (made when new)", setup: setupAliasSet},
		{path: "aliases list", args: "REF", summary: "list a deployment's aliases, the revision each serves and their URLs", setup: setupAliasList},
		{path: "aliases history", args: "REF ALIAS", summary: "show how an alias moved, newest first", setup: setupAliasHistory},
		{path: "aliases delete", args: "REF ALIAS", summary: "remove an alias (its URLs stop answering)", setup: setupAliasDelete},
	}
}

// refAndAlias reads the REF ALIAS arguments.
func (e *env) refAndAlias(args []string) (client.Ref, string, error) {
	if len(args) != 2 {
		return client.Ref{}, "", usageErrorf("want a deployment (owner/project/name) and an alias name, got %d arguments", len(args))
	}
	ref, err := parseRef(args[0], e.g.project)
	return ref, args[1], err
}

func setupAliasSet(fs *flag.FlagSet) runFunc {
	var cf commandFlags
	cf.register(fs)
	revision := fs.String("revision", "", "the `revision` the alias serves (3 or v3)")
	message := fs.String("message", "", "why, recorded on the event")
	return func(ctx context.Context, e *env, args []string) error {
		ref, alias, err := e.refAndAlias(args)
		if err != nil {
			return err
		}
		if *revision == "" {
			return usageErrorf("--revision is required")
		}
		n, err := parseRevision(*revision)
		if err != nil {
			return err
		}
		o, c, err := cf.clientWith(e)
		if err != nil {
			return err
		}
		return e.submitted(c.SetAlias(ctx, ref, alias, client.SetAliasRequest{Revision: n, Message: *message}, o))
	}
}

func setupAliasDelete(fs *flag.FlagSet) runFunc {
	var cf commandFlags
	cf.register(fs)
	return func(ctx context.Context, e *env, args []string) error {
		ref, alias, err := e.refAndAlias(args)
		if err != nil {
			return err
		}
		o, c, err := cf.clientWith(e)
		if err != nil {
			return err
		}
		return e.submitted(c.DeleteAlias(ctx, ref, alias, o))
	}
}

// aliasDoc is an alias, decoded and as the API sent it (for -o json|yaml).
type aliasDoc struct {
	client.Alias
	raw json.RawMessage
}

// deploymentAliases reads a deployment's aliases.
func deploymentAliases(ctx context.Context, c *client.Client, ref client.Ref) ([]aliasDoc, error) {
	d, err := c.GetDeployment(ctx, ref)
	if err != nil {
		return nil, err
	}
	var parts struct {
		Aliases []json.RawMessage `json:"aliases"`
	}
	if err := json.Unmarshal(d.JSON(), &parts); err != nil {
		return nil, fmt.Errorf("the API's deployment is not what was expected: %v", err)
	}
	out := make([]aliasDoc, len(parts.Aliases))
	for i, raw := range parts.Aliases {
		if err := json.Unmarshal(raw, &out[i].Alias); err != nil {
			return nil, fmt.Errorf("the API's deployment is not what was expected: %v", err)
		}
		out[i].raw = raw
	}
	return out, nil
}

func setupAliasList(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e *env, args []string) error {
		ref, err := e.oneRef(args)
		if err != nil {
			return err
		}
		c, err := e.client()
		if err != nil {
			return err
		}
		as, err := deploymentAliases(ctx, c, ref)
		if err != nil {
			return err
		}
		raws := make([]json.RawMessage, len(as))
		rows := make([][]string, 0, len(as))
		for i, a := range as {
			raws[i] = a.raw
			rows = append(rows, []string{a.Name, itoaOrDash(a.Revision), itoaOrDash(a.Pending), aliasURLs(a.URLs)})
		}
		return e.printRaw(combine(raws), func(w io.Writer) {
			table(w, []string{"ALIAS", "REVISION", "MOVING TO", "URLS"}, rows)
		})
	}
}

func aliasURLs(us []client.EndpointURL) string {
	parts := make([]string, 0, len(us))
	for _, u := range us {
		parts = append(parts, u.URL)
	}
	return orDash(strings.Join(parts, " "))
}

func setupAliasHistory(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e *env, args []string) error {
		ref, name, err := e.refAndAlias(args)
		if err != nil {
			return err
		}
		c, err := e.client()
		if err != nil {
			return err
		}
		as, err := deploymentAliases(ctx, c, ref)
		if err != nil {
			return err
		}
		for _, a := range as {
			if a.Name == name {
				return printAliasHistory(e, a)
			}
		}
		return failed("%s has no alias %q", ref, name)
	}
}

// printAliasHistory prints an alias's moves newest first; -o json|yaml
// prints them as the API keeps them (oldest first).
func printAliasHistory(e *env, a aliasDoc) error {
	var parts struct {
		History json.RawMessage `json:"history"`
	}
	if err := json.Unmarshal(a.raw, &parts); err != nil || parts.History == nil {
		parts.History = json.RawMessage("[]")
	}
	return e.printRaw(parts.History, func(w io.Writer) {
		rows := make([][]string, 0, len(a.History))
		for i := len(a.History) - 1; i >= 0; i-- {
			m := a.History[i]
			warm := "no"
			if m.Warm {
				warm = "yes"
			}
			rows = append(rows, []string{itoaOrDash(m.From), strconv.Itoa(m.To), warm, orDash(m.Actor), age(e.now(), m.At)})
		}
		table(w, []string{"FROM", "TO", "WARM", "BY", "AGE"}, rows)
	})
}

package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Alias is an alias of a deployment as the API shows it in the deployment.
type Alias struct {
	Name     string      `json:"name"`
	Revision int         `json:"revision"`
	Pending  int         `json:"pending"`
	URLs     []AliasURL  `json:"urls"`
	History  []AliasMove `json:"history"`
}

// AliasURL is an alias's URL of one endpoint.
type AliasURL struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// AliasMove is one move of an alias (From 0: the alias was made).
type AliasMove struct {
	From  int       `json:"from"`
	To    int       `json:"to"`
	Warm  bool      `json:"warm"`
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
}

func (r Ref) aliasPath(alias string) string { return r.path() + "/aliases/" + url.PathEscape(alias) }

// SetAlias points alias at revision (creating the alias when new).
func (c *Client) SetAlias(ctx context.Context, ref Ref, alias string, revision int, message string, o CommandOptions) (Doc[Operation], error) {
	body, _ := json.Marshal(struct { // an int and a string always encode
		Revision int    `json:"revision"`
		Message  string `json:"message,omitempty"`
	}{revision, message})
	return c.submit(ctx, http.MethodPut, ref.aliasPath(alias), "application/json", body, nil, o)
}

// DeleteAlias removes an alias.
func (c *Client) DeleteAlias(ctx context.Context, ref Ref, alias string, o CommandOptions) (Doc[Operation], error) {
	return c.submit(ctx, http.MethodDelete, ref.aliasPath(alias), "", nil, nil, o)
}

func aliasCommands() []command {
	return []command{
		{path: "aliases set", args: "REF ALIAS --revision N [flags]", summary: "point a deployment's ALIAS at revision N (made when new)", setup: setupAliasSet},
		{path: "aliases list", args: "REF", summary: "list a deployment's aliases, the revision each serves and their URLs", setup: setupAliasList},
		{path: "aliases history", args: "REF ALIAS", summary: "show how an alias moved, newest first", setup: setupAliasHistory},
		{path: "aliases delete", args: "REF ALIAS", summary: "remove an alias (its URLs stop answering)", setup: setupAliasDelete},
	}
}

// refAndAlias reads the REF ALIAS arguments.
func (e *env) refAndAlias(args []string) (Ref, string, error) {
	if len(args) != 2 {
		return Ref{}, "", usageErrorf("want a deployment (owner/project/name) and an alias name, got %d arguments", len(args))
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
		return e.submitted(c.SetAlias(ctx, ref, alias, n, *message, o))
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

// deploymentAliases reads a deployment's aliases: decoded, and as the API
// sent them (for -o json|yaml).
func deploymentAliases(ctx context.Context, c *Client, ref Ref) ([]Doc[Alias], error) {
	d, err := c.GetDeployment(ctx, ref)
	if err != nil {
		return nil, err
	}
	var parts struct {
		Aliases []Doc[Alias] `json:"aliases"`
	}
	if err := json.Unmarshal(d.Raw, &parts); err != nil {
		return nil, fmt.Errorf("the API's deployment is not what was expected: %v", err)
	}
	return parts.Aliases, nil
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
			raws[i] = a.Raw
			rows = append(rows, []string{a.V.Name, itoaOrDash(a.V.Revision), itoaOrDash(a.V.Pending), aliasURLs(a.V.URLs)})
		}
		return e.printRaw(combine(raws), func(w io.Writer) {
			table(w, []string{"ALIAS", "REVISION", "MOVING TO", "URLS"}, rows)
		})
	}
}

func aliasURLs(us []AliasURL) string {
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
			if a.V.Name == name {
				return printAliasHistory(e, a)
			}
		}
		return failed("%s has no alias %q", ref, name)
	}
}

// printAliasHistory prints an alias's moves newest first; -o json|yaml
// prints them as the API keeps them (oldest first).
func printAliasHistory(e *env, a Doc[Alias]) error {
	var parts struct {
		History json.RawMessage `json:"history"`
	}
	if err := json.Unmarshal(a.Raw, &parts); err != nil || parts.History == nil {
		parts.History = json.RawMessage("[]")
	}
	return e.printRaw(parts.History, func(w io.Writer) {
		rows := make([][]string, 0, len(a.V.History))
		for i := len(a.V.History) - 1; i >= 0; i-- {
			m := a.V.History[i]
			warm := "no"
			if m.Warm {
				warm = "yes"
			}
			rows = append(rows, []string{itoaOrDash(m.From), strconv.Itoa(m.To), warm, orDash(m.Actor), age(e.now(), m.At)})
		}
		table(w, []string{"FROM", "TO", "WARM", "BY", "AGE"}, rows)
	})
}

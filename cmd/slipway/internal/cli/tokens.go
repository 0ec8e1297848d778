package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"slipway.dev/pkg/client"
	"slipway.dev/pkg/events"
	api "slipway.dev/services/api"
)

type grantsFlag []events.Grant

func (g *grantsFlag) String() string { return "" }
func (g *grantsFlag) Set(s string) error {
	project, role, ok := strings.Cut(s, "=")
	if !ok || project == "" || role == "" {
		return fmt.Errorf("want OWNER/PROJECT=ROLE (role: viewer, deployer or admin), got %q", s)
	}
	*g = append(*g, events.Grant{Project: project, Role: role})
	return nil
}

func tokenCommands() []command {
	return []command{
		{path: "whoami", summary: "show who the API takes you for, and your roles", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				c, err := e.clientFor(args, 0, "takes no arguments")
				if err != nil {
					return err
				}
				w, err := c.Whoami(ctx)
				if err != nil {
					return err
				}
				return e.printRaw(w.JSON(), func(out io.Writer) {
					fmt.Fprintf(out, "%s (%s)\n", w.Actor, w.Principal.Method)
					if w.Principal.GlobalAdmin {
						fmt.Fprintln(out, "global admin")
					}
					grantTable(out, w.Principal.Grants)
				})
			}
		}},
		{path: "tokens create", args: "NAME", summary: "make an API token (shown once); --grant acme/fraud=deployer, repeatable", setup: func(fs *flag.FlagSet) runFunc {
			var grants grantsFlag
			fs.Var(&grants, "grant", "a role on a project: OWNER/PROJECT=viewer|deployer|admin (OWNER/* for every project of OWNER)")
			global := fs.Bool("global-admin", false, "make a global-admin token")
			expires := fs.String("expires-in", "", "lifetime, like 720h (default 90 days, at most a year)")
			return func(ctx context.Context, e *env, args []string) error {
				c, err := e.clientFor(args, 1, "want one token name")
				if err != nil {
					return err
				}
				t, err := c.CreateToken(ctx, client.CreateTokenRequest{Name: args[0], GlobalAdmin: *global, Grants: []events.Grant(grants), ExpiresIn: *expires})
				if err != nil {
					return err
				}
				return e.printRaw(t.JSON(), func(out io.Writer) {
					fmt.Fprintf(out, "Token %s (%s), shown this once; store it now:\n%s\n", t.Name, t.ID, t.Value)
				})
			}
		}},
		{path: "tokens list", summary: "list API tokens (yours; a global admin sees all)", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				c, err := e.clientFor(args, 0, "takes no arguments")
				if err != nil {
					return err
				}
				l, err := c.ListTokens(ctx)
				if err != nil {
					return err
				}
				ts := make([]client.Token, 0, len(l.Items))
				for _, d := range l.Items {
					ts = append(ts, d)
				}
				return e.printRaw(l.JSON(), func(out io.Writer) { tokenTable(out, ts) })
			}
		}},
		{path: "tokens get", args: "ID", summary: "show an API token (never its value)", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				c, err := e.clientFor(args, 1, "want one token id")
				if err != nil {
					return err
				}
				t, err := c.GetToken(ctx, args[0])
				if err != nil {
					return err
				}
				return e.printRaw(t.JSON(), func(out io.Writer) { tokenTable(out, []client.Token{t}) })
			}
		}},
		{path: "tokens revoke", args: "ID", summary: "revoke an API token; it stops working at once", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				c, err := e.clientFor(args, 1, "want one token id")
				if err != nil {
					return err
				}
				t, err := c.RevokeToken(ctx, args[0])
				if err != nil {
					return err
				}
				return e.printRaw(t.JSON(), func(out io.Writer) { fmt.Fprintf(out, "revoked %s (%s)\n", t.ID, t.Name) })
			}
		}},
		{path: "tokens generate", summary: "print a new random token value for the api's --admin-token-file (offline)", setup: func(fs *flag.FlagSet) runFunc {
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) != 0 {
					return usageErrorf("takes no arguments")
				}
				_, err := fmt.Fprintln(e.Stdout, api.GenerateToken())
				return err
			}
		}},
	}
}

func tokenTable(w io.Writer, ts []client.Token) {
	rows := [][]string{}
	for _, t := range ts {
		rows = append(rows, []string{t.ID, t.Name, tokenRoles(t), t.CreatedBy, stamp(t.ExpiresAt), stamp(t.RevokedAt)})
	}
	table(w, []string{"ID", "NAME", "ROLES", "CREATED BY", "EXPIRES", "REVOKED"}, rows)
}

func grantTable(w io.Writer, gs []events.Grant) {
	rows := make([][]string, 0, len(gs))
	for _, g := range gs {
		rows = append(rows, []string{g.Project, g.Role})
	}
	if len(rows) > 0 {
		table(w, []string{"PROJECT", "ROLE"}, rows)
	}
}

func tokenRoles(t client.Token) string {
	if t.GlobalAdmin {
		return "global-admin"
	}
	parts := make([]string, 0, len(t.Grants))
	for _, g := range t.Grants {
		parts = append(parts, g.Project+"="+g.Role)
	}
	return strings.Join(parts, ",")
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

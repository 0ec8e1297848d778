package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	api "slipway.dev/services/api"
)

// Grant gives a role on a project pattern (owner/project or owner/*).
type Grant struct {
	Project string `json:"project"`
	Role    string `json:"role"`
}

// APIToken is a token as the API shows it (never its hash).
type APIToken struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	GlobalAdmin bool       `json:"globalAdmin"`
	Grants      []Grant    `json:"grants"`
	CreatedBy   string     `json:"createdBy"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   *time.Time `json:"expiresAt"`
	RevokedAt   *time.Time `json:"revokedAt"`
	// Token is the value, present only in the answer to a create.
	Token string `json:"token"`
}

// Whoami is the API's view of the caller.
type Whoami struct {
	Actor     string `json:"actor"`
	Principal struct {
		Subject     string  `json:"subject"`
		Method      string  `json:"method"`
		GlobalAdmin bool    `json:"globalAdmin"`
		Grants      []Grant `json:"grants"`
	} `json:"principal"`
}

// CreateToken makes an API token; its value is in the answer only.
func (c *Client) CreateToken(ctx context.Context, name string, globalAdmin bool, grants []Grant, expiresIn string) (Doc[APIToken], error) {
	body, _ := json.Marshal(map[string]any{"name": name, "globalAdmin": globalAdmin, "grants": grants, "expiresIn": expiresIn}) // always encodes
	var t Doc[APIToken]
	return t, c.postJSON(ctx, "/v1/tokens", body, &t)
}

// ListTokens lists the tokens the caller may see.
func (c *Client) ListTokens(ctx context.Context) (Doc[List[APIToken]], error) {
	var l Doc[List[APIToken]]
	return l, c.getJSON(ctx, "/v1/tokens", nil, &l)
}

// GetToken reads one token.
func (c *Client) GetToken(ctx context.Context, id string) (Doc[APIToken], error) {
	var t Doc[APIToken]
	return t, c.getJSON(ctx, "/v1/tokens/"+url.PathEscape(id), nil, &t)
}

// RevokeToken revokes a token at once.
func (c *Client) RevokeToken(ctx context.Context, id string) (Doc[APIToken], error) {
	var t Doc[APIToken]
	resp, err := c.do(ctx, request{method: http.MethodDelete, path: "/v1/tokens/" + url.PathEscape(id)})
	if err != nil {
		return t, err
	}
	return t, decodeAnswer(resp, &t)
}

// Whoami asks the API who the caller is.
func (c *Client) Whoami(ctx context.Context) (Doc[Whoami], error) {
	var w Doc[Whoami]
	return w, c.getJSON(ctx, "/v1/whoami", nil, &w)
}

type grantsFlag []Grant

func (g *grantsFlag) String() string { return "" }
func (g *grantsFlag) Set(s string) error {
	project, role, ok := strings.Cut(s, "=")
	if !ok || project == "" || role == "" {
		return fmt.Errorf("want OWNER/PROJECT=ROLE (role: viewer, deployer or admin), got %q", s)
	}
	*g = append(*g, Grant{Project: project, Role: role})
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
				return e.printRaw(w.Raw, func(out io.Writer) {
					fmt.Fprintf(out, "%s (%s)\n", w.V.Actor, w.V.Principal.Method)
					if w.V.Principal.GlobalAdmin {
						fmt.Fprintln(out, "global admin")
					}
					grantTable(out, w.V.Principal.Grants)
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
				t, err := c.CreateToken(ctx, args[0], *global, grants, *expires)
				if err != nil {
					return err
				}
				return e.printRaw(t.Raw, func(out io.Writer) {
					fmt.Fprintf(out, "Token %s (%s), shown this once; store it now:\n%s\n", t.V.Name, t.V.ID, t.V.Token)
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
				ts := make([]APIToken, 0, len(l.V.Items))
				for _, d := range l.V.Items {
					ts = append(ts, d.V)
				}
				return e.printRaw(l.Raw, func(out io.Writer) { tokenTable(out, ts) })
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
				return e.printRaw(t.Raw, func(out io.Writer) { tokenTable(out, []APIToken{t.V}) })
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
				return e.printRaw(t.Raw, func(out io.Writer) { fmt.Fprintf(out, "revoked %s (%s)\n", t.V.ID, t.V.Name) })
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

func tokenTable(w io.Writer, ts []APIToken) {
	rows := [][]string{}
	for _, t := range ts {
		rows = append(rows, []string{t.ID, t.Name, tokenRoles(t), t.CreatedBy, stamp(t.ExpiresAt), stamp(t.RevokedAt)})
	}
	table(w, []string{"ID", "NAME", "ROLES", "CREATED BY", "EXPIRES", "REVOKED"}, rows)
}

func grantTable(w io.Writer, gs []Grant) {
	rows := make([][]string, 0, len(gs))
	for _, g := range gs {
		rows = append(rows, []string{g.Project, g.Role})
	}
	if len(rows) > 0 {
		table(w, []string{"PROJECT", "ROLE"}, rows)
	}
}

func tokenRoles(t APIToken) string {
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

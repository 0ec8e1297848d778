package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/access"
)

// Authenticator finds the caller of a request.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request) (access.Principal, error)
}

// AccessLog records access decisions (denials, token changes) in the audit
// log. Record must not block a request for long, and its failures only
// cost the record, never the answer.
type AccessLog interface {
	Record(ctx context.Context, actor, project string, msg events.Message) error
}

// RateLimiter bounds each principal's requests.
type RateLimiter interface {
	Allow(subject string) (bool, time.Duration)
}

const principalKey = "slipway.principal"

// principalOf is the request's caller (Anonymous when auth is off).
func principalOf(c echo.Context) access.Principal {
	if p, ok := c.Get(principalKey).(access.Principal); ok {
		return p
	}
	return access.Anonymous
}

// guard authenticates every non-public request, limits its rate per
// caller (changes and reads apart), and checks the route's role where the route
// names its project. Handlers check the rest (signedIn routes).
func (a *API) guard(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		r, known := routeRules[req.Method+" "+c.Path()]
		if known && r.scope == public && !(c.Path() == "/metrics" && a.MetricsNeedAuth) {
			return next(c)
		}
		p := access.Anonymous
		if a.Auth != nil {
			var err error
			if p, err = a.Auth.Authenticate(req.Context(), req); err != nil {
				return a.unauthenticated(c, err)
			}
		}
		c.Set(principalKey, p)
		trace.SpanFromContext(req.Context()).SetAttributes(attribute.String("enduser.id", p.Subject))
		if !known {
			return next(c) // no route: echo answers 404 or 405
		}
		if err := a.limit(c, p); err != nil {
			return err
		}
		switch r.scope {
		case project:
			proj := c.Param("owner") + "/" + c.Param("project")
			dep := ""
			if name := c.Param("name"); name != "" {
				dep = proj + "/" + name
			}
			if err := a.require(c, r.role, proj, dep, r.action); err != nil {
				return err
			}
		case global:
			if err := a.require(c, access.GlobalAdmin, "", "", r.action); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// limit takes one request from the caller's bucket: the changes' or the
// reads' (separate, so reading never costs a change). An empty bucket is a
// 429 problem+json with Retry-After.
func (a *API) limit(c echo.Context, p access.Principal) error {
	lim, what := a.Limiter, "changes"
	if !mutating(c.Request().Method) {
		lim, what = a.ReadLimiter, "reads"
	}
	if lim == nil {
		return nil
	}
	ok, wait := lim.Allow(p.Subject)
	if ok {
		return nil
	}
	secs := max(1, int(wait.Round(time.Second)/time.Second))
	c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
	return refuse(errRateLimited, fmt.Sprintf("%s sends %s faster than this server allows; retry after %ds", p.Actor(), what, secs))
}

func mutating(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

func (a *API) unauthenticated(c echo.Context, err error) error {
	a.Logger.InfoContext(c.Request().Context(), "unauthenticated request", "method", c.Request().Method, "route", c.Path(),
		"remote", c.RealIP(), "err", err.Error())
	c.Response().Header().Set("WWW-Authenticate", `Bearer realm="slipway"`)
	detail := "send Authorization: Bearer <token>"
	if errors.Is(err, access.ErrUnauthenticated) {
		detail = err.Error()
	}
	return refuse(access.ErrUnauthenticated, detail)
}

// require refuses the request unless its caller holds role on proj
// (owner/project; ignored for GlobalAdmin). A refusal is a 403 recorded in
// the audit log, whatever the path held: the record and the log show proj
// and deployment as displayPath escapes them.
func (a *API) require(c echo.Context, role access.Role, proj, deployment, action string) error {
	p := principalOf(c)
	if p.Can(role, proj) {
		return nil
	}
	proj, deployment = displayPath(proj), displayPath(deployment)
	had := p.RoleIn(proj)
	msg := fmt.Sprintf("to %s you need the %s role on %s; %s has %s", action, role, proj, p.Actor(), roleHeld(had, proj))
	if role == access.GlobalAdmin {
		msg, proj, deployment, had = fmt.Sprintf("to %s you need to be a global admin; %s is not one", action, p.Actor()), "", "", access.None
	}
	ctx := c.Request().Context()
	a.Logger.WarnContext(ctx, "access denied", "actor", p.Actor(), "method", c.Request().Method, "route", c.Path(), "project", proj, "required", role.String())
	if a.Access != nil {
		denied := events.AccessDenied{Method: c.Request().Method, Route: c.Path(), Project: proj, Deployment: deployment,
			Required: role.String(), Had: roleName(had), Message: msg}
		if err := a.Access.Record(ctx, p.Actor(), proj, denied); err != nil {
			a.Logger.WarnContext(ctx, "record access denial", "err", err)
		}
	}
	return refuse(access.ErrForbidden, msg)
}

// roleHeld says what a caller holds on proj, for a denial's message.
func roleHeld(r access.Role, proj string) string {
	if r == access.None {
		return "no role on " + proj
	}
	return "only the " + r.String() + " role on " + proj
}

// roleName is a role as AccessDenied.Had names it: none is "".
func roleName(r access.Role) string {
	if r == access.None {
		return ""
	}
	return r.String()
}

// displayPath is an owner/project[/name] path as denials show it: each
// part percent-encoded as in a URL, so whitespace, CR/LF, control
// characters and invalid UTF-8 are visible and can neither break a log
// line nor make the record unencodable. Valid names are unchanged.
func displayPath(path string) string {
	parts := strings.Split(path, "/")
	for i, part := range parts {
		parts[i] = url.PathEscape(part)
	}
	return strings.Join(parts, "/")
}

// eventProject is the owner/project an event belongs to, "" for events of
// no project (targets, tokens), and whether it is public to every signed-in
// caller (target events, like GET /v1/targets).
func eventProject(env events.Envelope) (proj string, toAll bool) {
	if name, ok := strings.CutPrefix(env.Subject, "targets/"); ok && name != "" && !strings.Contains(name, "/") {
		return "", true // a target's events (envelope subject targets/<name>)
	}
	if msg, err := env.Decode(); err == nil {
		switch m := msg.(type) {
		case events.PromotionPlanned:
			return m.Target.Owner + "/" + m.Target.Project, false
		case events.PromotionApplied:
			return m.Target.Owner + "/" + m.Target.Project, false
		case events.AccessDenied:
			return m.Project, false
		}
	}
	if parts := strings.Split(env.Subject, "/"); len(parts) == 3 {
		return parts[0] + "/" + parts[1], false
	}
	return "", false
}

// mayRead reports whether the caller may see an event.
func mayRead(p access.Principal, env events.Envelope) bool {
	proj, toAll := eventProject(env)
	switch {
	case toAll || p.GlobalAdmin:
		return true
	case proj == "":
		return false
	}
	return p.Can(access.Viewer, proj)
}

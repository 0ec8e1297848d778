package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/access"
	"slipway.dev/services/api/internal/fault"
)

// TokenStore keeps API tokens as hashes.
type TokenStore interface {
	Create(ctx context.Context, n access.NewToken) (access.Token, string, error)
	Get(ctx context.Context, id string) (access.Token, error)
	List(ctx context.Context) ([]access.Token, error)
	Revoke(ctx context.Context, id string) (access.Token, error)
}

type tokenRequest struct {
	Name        string         `json:"name"`
	GlobalAdmin bool           `json:"globalAdmin,omitempty"`
	Grants      []events.Grant `json:"grants,omitempty"`
	// ExpiresIn is a Go duration (720h); at most a year, default 90 days.
	ExpiresIn string `json:"expiresIn,omitempty"`
}

// createdToken is the one answer that holds the token's value.
type createdToken struct {
	access.Token
	Value string `json:"token"`
}

const (
	defaultTokenLife = 90 * 24 * time.Hour
	maxTokenLife     = 366 * 24 * time.Hour
)

func (a *API) whoami(c echo.Context) error {
	p := principalOf(c)
	return c.JSON(http.StatusOK, map[string]any{"actor": p.Actor(), "principal": p})
}

// createToken answers 201 with the token, shown this once. A caller may
// grant only what it holds as admin: a project admin makes tokens for its
// projects, a global admin any token.
func (a *API) createToken(c echo.Context) error {
	if a.Tokens == nil {
		return errors.Join(errUnavailable, errors.New("API tokens are not enabled on this server"))
	}
	var req tokenRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	life := defaultTokenLife
	var fe events.FieldErrors
	if req.ExpiresIn != "" {
		d, err := time.ParseDuration(req.ExpiresIn)
		if err != nil || d < time.Minute || d > maxTokenLife {
			fe = append(fe, events.FieldError{Field: "expiresIn", Message: "must be a duration between 1m and 8784h (a year), like 720h"})
		}
		life = d
	}
	if req.Name == "" || len(req.Name) > 100 {
		fe = append(fe, events.FieldError{Field: "name", Message: "must be 1 to 100 characters"})
	}
	if !req.GlobalAdmin && len(req.Grants) == 0 {
		fe = append(fe, events.FieldError{Field: "grants", Message: "a token needs at least one grant ({\"project\": \"owner/project\", \"role\": \"viewer|deployer|admin\"}), or globalAdmin"})
	}
	for i, g := range req.Grants {
		if err := access.ValidateGrant(g); err != nil {
			fe = append(fe, events.FieldError{Field: fmt.Sprintf("grants[%d]", i), Message: err.Error()})
		}
	}
	if len(fe) > 0 {
		return fe
	}
	p := principalOf(c)
	if req.GlobalAdmin {
		if err := a.require(c, access.GlobalAdmin, "", "", "create a global-admin token"); err != nil {
			return err
		}
	}
	for _, g := range req.Grants {
		if !p.Covers(g) {
			return a.require(c, access.GlobalAdmin, "", "", fmt.Sprintf("grant %s on %s (you may grant only on projects you administer)", g.Role, g.Project))
		}
	}
	expires := time.Now().Add(life).UTC().Truncate(time.Second)
	tok, raw, err := a.Tokens.Create(c.Request().Context(), access.NewToken{Name: req.Name, GlobalAdmin: req.GlobalAdmin,
		Grants: req.Grants, ExpiresAt: &expires, CreatedBy: p.Actor()})
	if err != nil {
		return tokenError(err)
	}
	a.recordAccess(c, p, tokenProject(tok), events.APITokenCreated{ID: tok.ID, Name: tok.Name, GlobalAdmin: tok.GlobalAdmin, Grants: tok.Grants, ExpiresAt: tok.ExpiresAt})
	c.Response().Header().Set(echo.HeaderLocation, "/v1/tokens/"+tok.ID)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, createdToken{Token: tok.Public(), Value: raw})
}

// listTokens shows a global admin every token, anyone else the tokens they
// created. Hashes never leave the store.
func (a *API) listTokens(c echo.Context) error {
	if a.Tokens == nil {
		return errors.Join(errUnavailable, errors.New("API tokens are not enabled on this server"))
	}
	all, err := a.Tokens.List(c.Request().Context())
	if err != nil {
		return tokenError(err)
	}
	p := principalOf(c)
	items := []access.Token{}
	for _, t := range all {
		if p.GlobalAdmin || t.CreatedBy == p.Actor() {
			items = append(items, t.Public())
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (a *API) getToken(c echo.Context) error {
	t, err := a.manageableToken(c, "read an API token")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t.Public())
}

// revokeToken revokes at once: the next request with the token is refused.
func (a *API) revokeToken(c echo.Context) error {
	t, err := a.manageableToken(c, "revoke an API token")
	if err != nil {
		return err
	}
	if t.RevokedAt == nil {
		if t, err = a.Tokens.Revoke(c.Request().Context(), t.ID); err != nil {
			return tokenError(err)
		}
		a.recordAccess(c, principalOf(c), tokenProject(t), events.APITokenRevoked{ID: t.ID, Name: t.Name})
	}
	return c.JSON(http.StatusOK, t.Public())
}

// manageableToken is the path's token when the caller created it or is a
// global admin. Anyone else is answered as for an id that does not exist
// (the denial is still recorded): which ids exist is not theirs to learn.
func (a *API) manageableToken(c echo.Context, action string) (access.Token, error) {
	if a.Tokens == nil {
		return access.Token{}, errors.Join(errUnavailable, errors.New("API tokens are not enabled on this server"))
	}
	id := c.Param("id")
	t, err := a.Tokens.Get(c.Request().Context(), id)
	if err != nil {
		return t, tokenError(err)
	}
	if p := principalOf(c); !p.GlobalAdmin && t.CreatedBy != p.Actor() {
		if err := a.require(c, access.GlobalAdmin, "", "", action+" made by someone else"); err != nil {
			return access.Token{}, fmt.Errorf("token %s: token %w", id, fault.ErrNotFound) // as the store says it
		}
	}
	return t, nil
}

// tokenProject is the project a token's audit entry is filed under: its
// only project, or none (global admins see it) when it spans several.
func tokenProject(t access.Token) string {
	if t.GlobalAdmin || len(t.Grants) != 1 || strings.Contains(t.Grants[0].Project, "*") {
		return ""
	}
	return t.Grants[0].Project
}

// tokenError: a token that is not there, or a request the token store
// cannot carry out, is the caller's; any other failure an outage.
func tokenError(err error) error {
	if errors.Is(err, fault.ErrNotFound) || errors.Is(err, fault.ErrInvalid) {
		return err
	}
	return errors.Join(errUnavailable, err)
}

// recordAccess files an access event in the audit log; a failure is logged.
func (a *API) recordAccess(c echo.Context, p access.Principal, project string, msg events.Message) {
	if a.Access == nil {
		return
	}
	if err := a.Access.Record(c.Request().Context(), p.Actor(), project, msg); err != nil {
		a.Logger.WarnContext(c.Request().Context(), "record access event", "type", msg.Type(), "err", err)
	}
}

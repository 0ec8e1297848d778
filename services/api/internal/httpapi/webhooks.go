package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/access"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/webhooks"
)

// Webhooks manages webhook subscriptions and their delivery log. Secrets
// leave it only in Create's answer.
type Webhooks interface {
	Create(ctx context.Context, req webhooks.CreateRequest) (webhooks.Created, error)
	List(ctx context.Context) ([]webhooks.Subscription, error)
	Get(ctx context.Context, id string) (webhooks.Subscription, error)
	Delete(ctx context.Context, id string) error
	Deliveries(ctx context.Context, id string, q webhooks.DeliveryQuery) ([]webhooks.Delivery, error)
	Redeliver(ctx context.Context, id, deliveryID string) (webhooks.Delivery, error)
}

// createWebhook answers 201 with the subscription and its secret, shown this once.
func (a *API) createWebhook(c echo.Context) error {
	var req webhooks.CreateRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	if err := a.requireWebhookAdmin(c, req.Project, "create a webhook"); err != nil {
		return err
	}
	ctx := c.Request().Context()
	created, err := a.Webhooks.Create(ctx, req)
	if err != nil {
		return webhookError(err)
	}
	if err := a.recordWebhook(c, created.Project, events.WebhookCreated{ID: created.ID, URL: events.RedactURL(created.URL),
		Events: created.Events, Project: created.Project}); err != nil {
		// A subscription made without a trace is what the audit entry
		// prevents: undo it, and the caller may retry.
		if derr := a.Webhooks.Delete(ctx, created.ID); derr != nil {
			a.Logger.ErrorContext(ctx, "webhook created but neither audited nor removed", "webhook", created.ID, "err", derr)
		}
		return errors.Join(errUnavailable, fmt.Errorf("record webhook %s in the audit log: %w", created.ID, err))
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/webhooks/"+created.ID)
	return c.JSON(http.StatusCreated, created)
}

func (a *API) listWebhooks(c echo.Context) error {
	subs, err := a.Webhooks.List(c.Request().Context())
	if err != nil {
		return webhookError(err)
	}
	p := principalOf(c)
	items := []webhooks.Subscription{}
	for _, s := range subs {
		if p.GlobalAdmin || (s.Project != "" && p.Can(access.Admin, s.Project)) {
			items = append(items, s)
		}
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (a *API) getWebhook(c echo.Context) error {
	sub, err := a.ownWebhook(c, "read a webhook")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sub)
}

func (a *API) deleteWebhook(c echo.Context) error {
	sub, err := a.ownWebhook(c, "delete a webhook")
	if err != nil {
		return err
	}
	if err := a.Webhooks.Delete(c.Request().Context(), sub.ID); err != nil {
		return webhookError(err)
	}
	// Done: a failure to record is logged, never a 5xx for a committed change.
	a.logUnrecorded(c, a.recordWebhook(c, sub.Project, events.WebhookDeleted{ID: sub.ID, URL: events.RedactURL(sub.URL), Project: sub.Project}))
	return c.NoContent(http.StatusNoContent)
}

// listDeliveries answers {"items": [...], "nextCursor"}, newest event first,
// optionally only the deliveries in ?state=.
func (a *API) listDeliveries(c echo.Context) error {
	limit, err := limitParam(c)
	if err != nil {
		return err
	}
	if _, err := a.ownWebhook(c, "read webhook deliveries"); err != nil {
		return err
	}
	q := webhooks.DeliveryQuery{State: c.QueryParam("state"), Limit: limit + 1}
	switch q.State {
	case "", webhooks.StatePending, webhooks.StateDelivered, webhooks.StateDead:
	default:
		return fmt.Errorf("%w: state must be pending, delivered or dead", errBadParam)
	}
	if raw := c.QueryParam("cursor"); raw != "" {
		if q.BeforeSeq, err = decodeDeliveryCursor(raw); err != nil {
			return err
		}
	}
	items, err := a.Webhooks.Deliveries(c.Request().Context(), c.Param("id"), q)
	if err != nil {
		return webhookError(err)
	}
	page := map[string]any{"items": items}
	if len(items) > limit {
		page["items"] = items[:limit]
		page["nextCursor"] = base64.RawURLEncoding.EncodeToString([]byte("dlv:" + strconv.FormatUint(items[limit-1].EventSeq, 10)))
	}
	return c.JSON(http.StatusOK, page)
}

// redeliver answers 202 with the delivery queued again (same webhook-id).
func (a *API) redeliver(c echo.Context) error {
	sub, err := a.ownWebhook(c, "redeliver a webhook")
	if err != nil {
		return err
	}
	dl, err := a.Webhooks.Redeliver(c.Request().Context(), sub.ID, c.Param("deliveryId"))
	if err != nil {
		return webhookError(err)
	}
	a.logUnrecorded(c, a.recordWebhook(c, sub.Project, events.WebhookRedelivered{ID: sub.ID, DeliveryID: c.Param("deliveryId"),
		URL: events.RedactURL(sub.URL), Project: sub.Project}))
	return c.JSON(http.StatusAccepted, dl)
}

func decodeDeliveryCursor(raw string) (uint64, error) {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if rest, ok := strings.CutPrefix(string(b), "dlv:"); err == nil && ok {
		if n, err := strconv.ParseUint(rest, 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("%w: cursor is not one this API returned", errBadParam)
}

// webhookError words the webhooks' errors as the API has always answered
// them ("not found: webhook wh_1: not found"); their kinds are their own.
func webhookError(err error) error {
	switch {
	case errors.Is(err, fault.ErrNotFound):
		return fmt.Errorf("%w: %v", fault.ErrNotFound, err)
	case errors.Is(err, fault.ErrUnavailable):
		return errors.Join(errUnavailable, err)
	}
	return err
}

// requireWebhookAdmin: a project's webhooks are its admins'; webhooks of
// every project are a global admin's.
func (a *API) requireWebhookAdmin(c echo.Context, project, action string) error {
	if project == "" || strings.Count(project, "/") != 1 {
		return a.require(c, access.GlobalAdmin, "", "", action+" for every project")
	}
	return a.require(c, access.Admin, project, "", action)
}

// ownWebhook is the path's subscription when the caller administers it.
// Anyone else is answered as for an id that does not exist (the denial is
// still recorded): which ids exist is not theirs to learn.
func (a *API) ownWebhook(c echo.Context, action string) (webhooks.Subscription, error) {
	id := c.Param("id")
	sub, err := a.Webhooks.Get(c.Request().Context(), id)
	if err != nil {
		return sub, webhookError(err)
	}
	if err := a.requireWebhookAdmin(c, sub.Project, action); err != nil {
		return webhooks.Subscription{}, webhookError(fmt.Errorf("webhook %s: %w", id, fault.ErrNotFound))
	}
	return sub, nil
}

// recordWebhook files a webhook event in the audit log, under the
// subscription's project (or none: global admins see it), as the caller's.
func (a *API) recordWebhook(c echo.Context, project string, msg events.Message) error {
	if a.Access == nil {
		return nil
	}
	return a.Access.Record(c.Request().Context(), principalOf(c).Actor(), project, msg)
}

// logUnrecorded logs an audit event that could not be recorded.
func (a *API) logUnrecorded(c echo.Context, err error) {
	if err != nil {
		a.Logger.WarnContext(c.Request().Context(), "webhook change not recorded in the audit log", "path", c.Request().URL.Path, "err", err)
	}
}

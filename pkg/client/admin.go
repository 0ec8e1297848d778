package client

import (
	"context"
	"encoding/json"
)

// Healthz reads GET /healthz: the process is up.
func (c *Client) Healthz(ctx context.Context) (Status, error) {
	var s Status
	_, err := c.send(ctx, call{route: routeHealthz}, &s)
	return s, err
}

// Readyz reads GET /readyz: the API reaches NATS and its store (a
// *ProblemError of type unavailable otherwise).
func (c *Client) Readyz(ctx context.Context) (Status, error) {
	var s Status
	_, err := c.send(ctx, call{route: routeReadyz}, &s)
	return s, err
}

// Metrics reads the Prometheus metrics (text exposition format).
func (c *Client) Metrics(ctx context.Context) (string, error) {
	resp, err := c.send(ctx, call{route: routeMetrics, accept: "text/plain"}, nil)
	if err != nil {
		return "", err
	}
	return string(resp.body), nil
}

// OpenAPI reads the API's OpenAPI 3 document (JSON).
func (c *Client) OpenAPI(ctx context.Context) (json.RawMessage, error) {
	resp, err := c.send(ctx, call{route: routeOpenAPI}, nil)
	if err != nil {
		return nil, err
	}
	return resp.body, nil
}

// Whoami asks the API who the caller is.
func (c *Client) Whoami(ctx context.Context) (Whoami, error) {
	var w Whoami
	_, err := c.send(ctx, call{route: routeWhoami}, &w)
	return w, err
}

// Audit reads a page of the audit log (operations, newest first).
func (c *Client) Audit(ctx context.Context, q AuditQuery) (Page[Operation], error) {
	var p Page[Operation]
	_, err := c.send(ctx, call{route: routeAudit, options: q}, &p)
	return p, err
}

// ListTargets reads the targets.
func (c *Client) ListTargets(ctx context.Context) (Page[Target], error) {
	var p Page[Target]
	_, err := c.send(ctx, call{route: routeListTargets}, &p)
	return p, err
}

// GetTarget reads one target.
func (c *Client) GetTarget(ctx context.Context, name string) (Target, error) {
	var t Target
	_, err := c.send(ctx, call{route: routeGetTarget, params: []string{name}}, &t)
	return t, err
}

// PutTarget registers a target, or replaces its registration.
func (c *Client) PutTarget(ctx context.Context, name string, req TargetRegistration, o CommandOptions) (Operation, error) {
	return c.command(ctx, routePutTarget, []string{name}, o.withoutIfMatch(), req, "")
}

// DeleteTarget removes a registered target (refused while deployments use it).
func (c *Client) DeleteTarget(ctx context.Context, name string, o CommandOptions) (Operation, error) {
	return c.command(ctx, routeDeleteTarget, []string{name}, o.withoutIfMatch(), nil, "")
}

// CreateToken makes an API token; its value is in this answer only.
func (c *Client) CreateToken(ctx context.Context, req CreateTokenRequest) (CreatedToken, error) {
	var t CreatedToken
	_, err := c.send(ctx, call{route: routeCreateToken, body: req}, &t)
	return t, err
}

// ListTokens lists the tokens the caller may see.
func (c *Client) ListTokens(ctx context.Context) (Page[Token], error) {
	var p Page[Token]
	_, err := c.send(ctx, call{route: routeListTokens}, &p)
	return p, err
}

// GetToken reads one token.
func (c *Client) GetToken(ctx context.Context, id string) (Token, error) {
	var t Token
	_, err := c.send(ctx, call{route: routeGetToken, params: []string{id}}, &t)
	return t, err
}

// RevokeToken revokes a token at once and returns it.
func (c *Client) RevokeToken(ctx context.Context, id string) (Token, error) {
	var t Token
	_, err := c.send(ctx, call{route: routeRevokeToken, params: []string{id}}, &t)
	return t, err
}

// CreateWebhook subscribes a URL to events; the signing secret is in this
// answer only.
func (c *Client) CreateWebhook(ctx context.Context, req CreateWebhookRequest) (CreatedWebhook, error) {
	var w CreatedWebhook
	_, err := c.send(ctx, call{route: routeCreateWebhook, body: req}, &w)
	return w, err
}

// ListWebhooks lists the subscriptions the caller administers.
func (c *Client) ListWebhooks(ctx context.Context) (Page[Webhook], error) {
	var p Page[Webhook]
	_, err := c.send(ctx, call{route: routeListWebhooks}, &p)
	return p, err
}

// GetWebhook reads one subscription.
func (c *Client) GetWebhook(ctx context.Context, id string) (Webhook, error) {
	var w Webhook
	_, err := c.send(ctx, call{route: routeGetWebhook, params: []string{id}}, &w)
	return w, err
}

// DeleteWebhook removes a subscription; its deliveries stop.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	_, err := c.send(ctx, call{route: routeDeleteWebhook, params: []string{id}}, nil)
	return err
}

// ListDeliveries reads a page of a subscription's delivery log, newest first.
func (c *Client) ListDeliveries(ctx context.Context, id string, q DeliveryQuery) (Page[WebhookDelivery], error) {
	var p Page[WebhookDelivery]
	_, err := c.send(ctx, call{route: routeListDeliveries, params: []string{id}, options: q}, &p)
	return p, err
}

// Redeliver queues a delivery again now, with the same webhook-id.
func (c *Client) Redeliver(ctx context.Context, id, delivery string) (WebhookDelivery, error) {
	var d WebhookDelivery
	_, err := c.send(ctx, call{route: routeRedeliver, params: []string{id, delivery}}, &d)
	return d, err
}

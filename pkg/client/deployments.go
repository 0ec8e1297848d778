package client

import (
	"context"
	"errors"
	"net/http"
	"strconv"
)

// ErrNotModified is GetDeployment's answer to GetOptions.IfNoneMatch while
// the deployment has not changed.
var ErrNotModified = errors.New("not modified")

// command sends a command on route and returns its operation.
func (c *Client) command(ctx context.Context, r *Route, params []string, options any, body any, contentType string) (Operation, error) {
	var op Operation
	_, err := c.send(ctx, call{route: r, params: params, options: options, body: body, contentType: contentType}, &op)
	return op, err
}

// CreateDeployment creates a deployment in project; its first revision rolls out.
func (c *Client) CreateDeployment(ctx context.Context, project Project, req CreateDeploymentRequest, o CommandOptions) (Operation, error) {
	return c.command(ctx, routeCreateDeployment, []string{project.Owner, project.Name}, o.withoutIfMatch(), req, "")
}

// GetDeployment reads a deployment; its ETag is in the answer.
func (c *Client) GetDeployment(ctx context.Context, ref Ref, o ...GetOptions) (Deployment, error) {
	var d Deployment
	k := call{route: routeGetDeployment, params: ref.params()}
	if len(o) > 0 {
		k.options = o[0]
	}
	resp, err := c.send(ctx, k, nil)
	if err != nil {
		return d, err
	}
	if resp.status == http.StatusNotModified {
		return d, ErrNotModified
	}
	if err := d.UnmarshalJSON(resp.body); err != nil {
		return d, err
	}
	d.ETag = resp.header.Get("ETag")
	return d, nil
}

// UpdateDeployment changes a deployment's spec with a merge patch (a new
// revision, rolled out); o.IfMatch makes it conditional.
func (c *Client) UpdateDeployment(ctx context.Context, ref Ref, req UpdateDeploymentRequest, o CommandOptions) (Operation, error) {
	return c.command(ctx, routeUpdateDeployment, ref.params(), o, req, "application/merge-patch+json")
}

// DeleteDeployment terminates a deployment (its history stays); freeName
// lets its name be used again.
func (c *Client) DeleteDeployment(ctx context.Context, ref Ref, freeName bool, o CommandOptions) (Operation, error) {
	return c.command(ctx, routeDeleteDeployment, ref.params(), deleteOptions{commandOptions: o.withoutIfMatch(), FreeName: freeName}, nil, "")
}

// RollbackDeployment makes a new revision with an earlier revision's spec.
func (c *Client) RollbackDeployment(ctx context.Context, ref Ref, req RollbackRequest, o CommandOptions) (Operation, error) {
	return c.command(ctx, routeRollback, ref.params(), o.withoutIfMatch(), req, "")
}

// Rollout actions.
const (
	RolloutPause  = "pause"
	RolloutResume = "resume"
	RolloutAbort  = "abort"
	// RolloutPromote moves a canary past its current step (a pause, an
	// analysis, an inconclusive one), or with Full to its completion.
	RolloutPromote = "promote"
)

// ControlRollout pauses, resumes, aborts or promotes the rollout in flight (action is
// one of the Rollout* constants).
func (c *Client) ControlRollout(ctx context.Context, ref Ref, action string, req RolloutControlRequest, o CommandOptions) (Operation, error) {
	var body any
	if req != (RolloutControlRequest{}) {
		body = req
	}
	return c.command(ctx, routeControlRollout, ref.params(action), o.withoutIfMatch(), body, "")
}

// SetAlias points alias at a revision (making the alias when new).
func (c *Client) SetAlias(ctx context.Context, ref Ref, alias string, req SetAliasRequest, o CommandOptions) (Operation, error) {
	return c.command(ctx, routeSetAlias, ref.params(alias), o.withoutIfMatch(), req, "")
}

// DeleteAlias removes an alias.
func (c *Client) DeleteAlias(ctx context.Context, ref Ref, alias string, o CommandOptions) (Operation, error) {
	return c.command(ctx, routeDeleteAlias, ref.params(alias), o.withoutIfMatch(), nil, "")
}

// ListRevisions reads a page of a deployment's revisions, newest first.
func (c *Client) ListRevisions(ctx context.Context, ref Ref, o PageOptions) (Page[Revision], error) {
	var p Page[Revision]
	_, err := c.send(ctx, call{route: routeListRevisions, params: ref.params(), options: o}, &p)
	return p, err
}

// GetRevision reads revision n.
func (c *Client) GetRevision(ctx context.Context, ref Ref, n int) (Revision, error) {
	var r Revision
	_, err := c.send(ctx, call{route: routeGetRevision, params: ref.params(strconv.Itoa(n))}, &r)
	return r, err
}

// DiffRevisions reads the difference from revision a to revision b.
func (c *Client) DiffRevisions(ctx context.Context, ref Ref, a, b int) (Diff, error) {
	var d Diff
	_, err := c.send(ctx, call{route: routeDiffRevisions, params: ref.params(strconv.Itoa(a), strconv.Itoa(b))}, &d)
	return d, err
}

// DiffText reads the difference from revision a to revision b as text for people.
func (c *Client) DiffText(ctx context.Context, ref Ref, a, b int) (string, error) {
	resp, err := c.send(ctx, call{route: routeDiffRevisions, params: ref.params(strconv.Itoa(a), strconv.Itoa(b)), accept: "text/plain"}, nil)
	if err != nil {
		return "", err
	}
	return string(resp.body), nil
}

// ListDeployments reads a page of the fleet.
func (c *Client) ListDeployments(ctx context.Context, q DeploymentQuery) (Page[Deployment], error) {
	var p Page[Deployment]
	_, err := c.send(ctx, call{route: routeListDeployments, options: q}, &p)
	return p, err
}

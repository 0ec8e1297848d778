package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Ref names a deployment.
type Ref struct{ Owner, Project, Name string }

func (r Ref) String() string { return r.Owner + "/" + r.Project + "/" + r.Name }

func (r Ref) projectPath() string {
	return "/v1/projects/" + url.PathEscape(r.Owner) + "/" + url.PathEscape(r.Project) + "/deployments"
}

func (r Ref) path() string { return r.projectPath() + "/" + url.PathEscape(r.Name) }

// CommandOptions go with every command.
type CommandOptions struct {
	// Wait asks the API to answer when the operation ends, or after Wait.
	Wait time.Duration
	// IdempotencyKey makes a retry of the same command answer the same operation.
	IdempotencyKey string
	// IfMatch makes an update conditional on the deployment's ETag.
	IfMatch string
}

// submit sends a command and returns its operation. A rejected command is
// a *ProblemError (type rejected).
func (c *Client) submit(ctx context.Context, method, path, contentType string, body []byte, q url.Values, o CommandOptions) (Doc[Operation], error) {
	var op Doc[Operation]
	resp, err := c.command(ctx, method, path, contentType, body, q, o)
	if err != nil {
		return op, err
	}
	return op, decodeAnswer(resp, &op)
}

// command sends a command with its options and returns the answer.
func (c *Client) command(ctx context.Context, method, path, contentType string, body []byte, q url.Values, o CommandOptions) (*response, error) {
	if q == nil {
		q = url.Values{}
	}
	if o.Wait > 0 {
		q.Set("wait", o.Wait.String())
	}
	h := http.Header{}
	if o.IdempotencyKey != "" {
		h.Set("Idempotency-Key", o.IdempotencyKey)
	}
	if o.IfMatch != "" {
		h.Set("If-Match", o.IfMatch)
	}
	return c.do(ctx, request{method: method, path: path, query: q, body: body, contentType: contentType, header: h})
}

// CreateDeployment sends a CreateDeploymentRequest (JSON) for ref's project.
func (c *Client) CreateDeployment(ctx context.Context, ref Ref, body []byte, o CommandOptions) (Doc[Operation], error) {
	return c.submit(ctx, http.MethodPost, ref.projectPath(), "application/json", body, nil, o)
}

// UpdateDeployment sends an UpdateDeploymentRequest (a merge patch of the spec).
func (c *Client) UpdateDeployment(ctx context.Context, ref Ref, body []byte, o CommandOptions) (Doc[Operation], error) {
	return c.submit(ctx, http.MethodPatch, ref.path(), "application/merge-patch+json", body, nil, o)
}

// TerminateDeployment terminates a deployment; freeName lets its name be reused.
func (c *Client) TerminateDeployment(ctx context.Context, ref Ref, freeName bool, o CommandOptions) (Doc[Operation], error) {
	q := url.Values{}
	if freeName {
		q.Set("freeName", "true")
	}
	return c.submit(ctx, http.MethodDelete, ref.path(), "", nil, q, o)
}

// RollbackDeployment rolls back to revision.
func (c *Client) RollbackDeployment(ctx context.Context, ref Ref, revision int, message string, o CommandOptions) (Doc[Operation], error) {
	body, _ := json.Marshal(struct { // a struct of an int and a string always encodes
		Revision int    `json:"revision"`
		Message  string `json:"message,omitempty"`
	}{revision, message})
	return c.submit(ctx, http.MethodPost, ref.path()+"/rollback", "application/json", body, nil, o)
}

// ControlRollout pauses, resumes or aborts the rollout in flight.
func (c *Client) ControlRollout(ctx context.Context, ref Ref, action, message string, o CommandOptions) (Doc[Operation], error) {
	var body []byte
	if message != "" {
		body, _ = json.Marshal(map[string]string{"message": message}) // always encodes
	}
	return c.submit(ctx, http.MethodPost, ref.path()+"/rollout/"+url.PathEscape(action), "application/json", body, nil, o)
}

// PromoteRollout moves a canary in flight past its step, or with full to its completion.
func (c *Client) PromoteRollout(ctx context.Context, ref Ref, full bool, message string, o CommandOptions) (Doc[Operation], error) {
	body := map[string]any{}
	if full {
		body["full"] = true
	}
	if message != "" {
		body["message"] = message
	}
	var data []byte
	if len(body) > 0 {
		data, _ = json.Marshal(body) // always encodes
	}
	return c.submit(ctx, http.MethodPost, ref.path()+"/rollout/promote", "application/json", data, nil, o)
}

// GetDeployment reads a deployment.
func (c *Client) GetDeployment(ctx context.Context, ref Ref) (Doc[Deployment], error) {
	var d Doc[Deployment]
	resp, err := c.do(ctx, request{method: http.MethodGet, path: ref.path()})
	if err != nil {
		return d, err
	}
	if err := decodeAnswer(resp, &d); err != nil {
		return d, err
	}
	d.V.ETag = resp.header.Get("ETag")
	return d, nil
}

// ListDeployments reads a page of the fleet; q holds the filters.
func (c *Client) ListDeployments(ctx context.Context, q url.Values) (Doc[List[Deployment]], error) {
	var l Doc[List[Deployment]]
	return l, c.getJSON(ctx, "/v1/deployments", q, &l)
}

// ListRevisions reads a page of a deployment's revisions, newest first.
func (c *Client) ListRevisions(ctx context.Context, ref Ref, q url.Values) (Doc[List[Revision]], error) {
	var l Doc[List[Revision]]
	return l, c.getJSON(ctx, ref.path()+"/revisions", q, &l)
}

// GetRevision reads revision n.
func (c *Client) GetRevision(ctx context.Context, ref Ref, n int) (Doc[Revision], error) {
	var r Doc[Revision]
	return r, c.getJSON(ctx, ref.path()+"/revisions/"+strconv.Itoa(n), nil, &r)
}

// DiffRevisions reads the difference from revision a to revision b.
func (c *Client) DiffRevisions(ctx context.Context, ref Ref, a, b int) (Doc[Diff], error) {
	var d Doc[Diff]
	return d, c.getJSON(ctx, diffPath(ref, a, b), nil, &d)
}

// DiffText reads the difference from revision a to revision b as text.
func (c *Client) DiffText(ctx context.Context, ref Ref, a, b int) (string, error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, path: diffPath(ref, a, b), header: http.Header{"Accept": {"text/plain"}}})
	if err != nil {
		return "", err
	}
	return string(resp.body), nil
}

func diffPath(ref Ref, a, b int) string {
	return ref.path() + "/revisions/" + strconv.Itoa(a) + "/diff/" + strconv.Itoa(b)
}

// GetOperation reads an operation, waiting up to wait for it to end. A
// rejected operation has status rejected (an API before v1's 200 answered
// it as a *ProblemError of type rejected).
func (c *Client) GetOperation(ctx context.Context, id string, wait time.Duration) (Doc[Operation], error) {
	var op Doc[Operation]
	q := url.Values{}
	if wait > 0 {
		q.Set("wait", wait.String())
	}
	return op, c.getJSON(ctx, "/v1/operations/"+url.PathEscape(id), q, &op)
}

// ListTargets reads the targets.
func (c *Client) ListTargets(ctx context.Context) (Doc[List[Target]], error) {
	var l Doc[List[Target]]
	return l, c.getJSON(ctx, "/v1/targets", nil, &l)
}

// GetTarget reads one target.
func (c *Client) GetTarget(ctx context.Context, name string) (Doc[Target], error) {
	var t Doc[Target]
	return t, c.getJSON(ctx, "/v1/targets/"+url.PathEscape(name), nil, &t)
}

// PutTarget registers a target (or replaces its registration) with a
// TargetRegistration body (JSON).
func (c *Client) PutTarget(ctx context.Context, name string, body []byte, o CommandOptions) (Doc[Operation], error) {
	return c.submit(ctx, http.MethodPut, "/v1/targets/"+url.PathEscape(name), "application/json", body, nil, o)
}

// DeleteTarget removes a registered target.
func (c *Client) DeleteTarget(ctx context.Context, name string, o CommandOptions) (Doc[Operation], error) {
	return c.submit(ctx, http.MethodDelete, "/v1/targets/"+url.PathEscape(name), "", nil, nil, o)
}

// PromotionAnswer is the answer to a promotion command: the promotion once
// its operation ended, else (202) the operation still going.
type PromotionAnswer struct {
	Promotion *Doc[Promotion]
	Operation *Doc[Operation]
}

// CreatePromotion plans (dryRun) or plans and applies a promotion.
func (c *Client) CreatePromotion(ctx context.Context, body []byte, o CommandOptions) (PromotionAnswer, error) {
	return c.promotionCommand(ctx, "/v1/promotions", body, o)
}

// ApplyPromotion applies a reviewed plan.
func (c *Client) ApplyPromotion(ctx context.Context, id string, o CommandOptions) (PromotionAnswer, error) {
	return c.promotionCommand(ctx, "/v1/promotions/"+url.PathEscape(id)+"/apply", nil, o)
}

func (c *Client) promotionCommand(ctx context.Context, path string, body []byte, o CommandOptions) (PromotionAnswer, error) {
	var a PromotionAnswer
	resp, err := c.command(ctx, http.MethodPost, path, "application/json", body, nil, o)
	if err != nil {
		return a, err
	}
	if resp.status == http.StatusAccepted {
		a.Operation = &Doc[Operation]{}
		return a, decodeAnswer(resp, a.Operation)
	}
	a.Promotion = &Doc[Promotion]{}
	return a, decodeAnswer(resp, a.Promotion)
}

// GetPromotion reads a promotion, its plan and status.
func (c *Client) GetPromotion(ctx context.Context, id string) (Doc[Promotion], error) {
	var p Doc[Promotion]
	return p, c.getJSON(ctx, "/v1/promotions/"+url.PathEscape(id), nil, &p)
}

// Audit reads a page of the audit log (operations, newest first).
func (c *Client) Audit(ctx context.Context, q url.Values) (Doc[List[Operation]], error) {
	var l Doc[List[Operation]]
	return l, c.getJSON(ctx, "/v1/audit", q, &l)
}

package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"slipway.dev/pkg/events"
)

// client speaks Slipway's HTTP API.
type client struct {
	base string
	hc   *http.Client
}

func newClient(base string) *client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return &client{base: strings.TrimRight(base, "/"), hc: &http.Client{Transport: tr, Timeout: 5 * time.Minute}}
}

// do sends a request and returns the status, headers and body.
func (c *client) do(ctx context.Context, method, path string, header http.Header, body []byte) (int, http.Header, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}

// operation is the part of an operation the benchmarks read.
type operation struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Revision int    `json:"revision"`
}

// submit sends a command (POST or PATCH) with an Idempotency-Key and
// returns the operation answered with status want.
func (c *client) submit(ctx context.Context, method, path, contentType, key string, body []byte, want int) (operation, error) {
	h := http.Header{"Content-Type": {contentType}}
	if key != "" {
		h.Set("Idempotency-Key", key)
	}
	code, _, b, err := c.do(ctx, method, path, h, body)
	if err != nil {
		return operation{}, err
	}
	if code != want {
		return operation{}, fmt.Errorf("%s %s: %d, want %d: %s", method, path, code, want, b)
	}
	var op operation
	if err := json.Unmarshal(b, &op); err != nil {
		return operation{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return op, nil
}

// deploymentPath is the API path of a deployment.
func deploymentPath(ref events.DeploymentRef) string {
	return "/v1/projects/" + ref.Owner + "/" + ref.Project + "/deployments/" + ref.Name
}

// create makes a deployment and waits until its rollout succeeded.
func (c *client) create(ctx context.Context, ref events.DeploymentRef, labels map[string]string, spec map[string]any) error {
	body, _ := json.Marshal(map[string]any{"name": ref.Name, "environment": "staging", "labels": labels, "spec": spec})
	op, err := c.submit(ctx, http.MethodPost, "/v1/projects/"+ref.Owner+"/"+ref.Project+"/deployments?wait=300s",
		"application/json", "create-"+ref.Name, body, http.StatusOK)
	if err != nil {
		return err
	}
	if op.Status != "succeeded" {
		return fmt.Errorf("create %s: operation %s ended %s", ref, op.ID, op.Status)
	}
	return nil
}

// patch sends a merge patch of the spec; wait is "" (202 at once) or a
// ?wait duration (200 once the operation ended).
func (c *client) patch(ctx context.Context, ref events.DeploymentRef, key string, specPatch map[string]any, wait string) (operation, error) {
	body, _ := json.Marshal(map[string]any{"spec": specPatch, "message": "bench"})
	path, want := deploymentPath(ref), http.StatusAccepted
	if wait != "" {
		path, want = path+"?wait="+wait, http.StatusOK
	}
	return c.submit(ctx, http.MethodPatch, path, "application/merge-patch+json", key, body, want)
}

// waitOperation waits until an operation ended and returns its status.
func (c *client) waitOperation(ctx context.Context, id string) (string, error) {
	for {
		code, _, b, err := c.do(ctx, http.MethodGet, "/v1/operations/"+id+"?wait=60s", nil, nil)
		if err != nil {
			return "", err
		}
		var op operation
		if err := json.Unmarshal(b, &op); err != nil {
			return "", fmt.Errorf("operation %s: %d %s", id, code, b)
		}
		if code == http.StatusOK {
			return op.Status, nil
		}
		if code != http.StatusAccepted {
			return "", fmt.Errorf("operation %s: %d %s", id, code, b)
		}
	}
}

// etag returns the sequence of a deployment's last event as GET's ETag
// answers it.
func (c *client) etag(ctx context.Context, ref events.DeploymentRef) (uint64, error) {
	code, h, b, err := c.do(ctx, http.MethodGet, deploymentPath(ref), nil, nil)
	if err != nil {
		return 0, err
	}
	if code != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %d %s", ref, code, b)
	}
	return etagSequence(h.Get("ETag"))
}

// etagSequence is the sequence part of a deployment's ETag,
// "<version>.<sequence>": every event moves it, the version only some.
func etagSequence(etag string) (uint64, error) {
	_, seq, _ := strings.Cut(strings.Trim(etag, `"`), ".")
	return strconv.ParseUint(seq, 10, 64)
}

// objectName returns the Kubernetes object name of a deployment.
func (c *client) objectName(ctx context.Context, ref events.DeploymentRef) (string, error) {
	code, _, b, err := c.do(ctx, http.MethodGet, deploymentPath(ref), nil, nil)
	if err != nil {
		return "", err
	}
	var d struct {
		ObjectName string `json:"objectName"`
	}
	if err := json.Unmarshal(b, &d); err != nil || code != http.StatusOK {
		return "", fmt.Errorf("GET %s: %d %s", ref, code, b)
	}
	return d.ObjectName, nil
}

// waitReady waits until the api answers /readyz and lists a target (the
// worker publishes it), so commands are not refused for an unknown target.
func waitReady(ctx context.Context, base string) error {
	c := newClient(base)
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for {
		code, _, b, err := c.do(ctx, http.MethodGet, "/v1/targets", nil, nil)
		if err == nil && code == http.StatusOK && bytes.Contains(b, []byte(`"name"`)) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("api at %s not ready: %w (last: %v %d %s)", base, ctx.Err(), err, code, b)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// spec is a deployment spec for the benchmarks: replicas of one image,
// surging one pod at a time.
func spec(image string, replicas int) map[string]any {
	return map[string]any{"image": image, "replicas": replicas,
		"rollout": map[string]any{"maxSurge": "1", "maxUnavailable": "0"}}
}

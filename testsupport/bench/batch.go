package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"slipway.dev/pkg/events"
)

// batchClients is how many commands a batch sends, and how many
// operations it waits on, at once.
const batchClients = 16

// command is one request of a batch: method, path and JSON body, sent with
// an Idempotency-Key so that a retry cannot apply it twice.
type command struct {
	method, path, contentType, key string
	body                           []byte
}

// createCommand makes a one-replica deployment (answered 202 at once).
func createCommand(ref events.DeploymentRef, image string) command {
	body, _ := json.Marshal(map[string]any{"name": ref.Name, "environment": "staging",
		"labels": map[string]string{"team": "risk"}, "spec": spec(image, 1)})
	return command{http.MethodPost, "/v1/projects/" + ref.Owner + "/" + ref.Project + "/deployments", "application/json",
		"create-" + ref.String(), body}
}

// imageCommand changes a deployment's image (answered 202 at once).
func imageCommand(ref events.DeploymentRef, image string) command {
	body, _ := json.Marshal(map[string]any{"spec": map[string]any{"image": image}, "message": "bench"})
	return command{http.MethodPatch, deploymentPath(ref), "application/merge-patch+json", "image-" + ref.String() + "-" + image, body}
}

// batch is how a batch of commands ended.
type batch struct {
	sent, succeeded, failed, unfinished, refused int
	// answers5xx counts 5xx answers to the commands and to the waits (each
	// retried).
	answers5xx int
	// last is when the last succeeded operation finished (its finishedAt,
	// the time of its final event, else when its wait returned); shown is
	// when the api had shown every operation ended (the waits returned).
	last, shown time.Time
	reasons     map[string]int // why operations failed or were refused

	mu  sync.Mutex
	ids []string // operations sent
}

func (b *batch) reason(r string) {
	if b.reasons == nil {
		b.reasons = map[string]int{}
	}
	b.reasons[truncate(r, 120)]++
}

// String says how the batch ended, for a note.
func (b *batch) String() string {
	s := fmt.Sprintf("%d sent, %d succeeded, %d failed, %d unfinished, %d refused, %d 5xx answers retried",
		b.sent, b.succeeded, b.failed, b.unfinished, b.refused, b.answers5xx)
	if len(b.reasons) > 0 {
		keys := make([]string, 0, len(b.reasons))
		for k := range b.reasons {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool { return b.reasons[keys[i]] > b.reasons[keys[j]] })
		var parts []string
		for _, k := range keys[:min(3, len(keys))] {
			parts = append(parts, fmt.Sprintf("%dx %s", b.reasons[k], k))
		}
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s
}

// runBatch sends every command, batchClients at a time, then waits until
// each operation ended or until deadline passed; the rest count as
// unfinished. It fails only when ctx ends.
func runBatch(ctx context.Context, c *client, cmds []command, deadline time.Time) (*batch, error) {
	b := &batch{}
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	g := new(errgroup.Group)
	g.SetLimit(batchClients)
	for _, cmd := range cmds {
		g.Go(func() error { return b.send(ctx, dctx, c, cmd) })
	}
	if err := g.Wait(); err != nil {
		return b, err
	}
	return b, b.wait(ctx, c, deadline)
}

// send sends one command (retrying until dctx ends) and records its
// operation; it fails only when ctx ends.
func (b *batch) send(ctx, dctx context.Context, c *client, cmd command) error {
	id, answers5xx, err := c.send(dctx, cmd)
	b.mu.Lock()
	defer b.mu.Unlock()
	b.note5xx(answers5xx)
	switch {
	case err != nil && ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		b.refused++
		b.reason(err.Error())
	default:
		b.sent++
		b.ids = append(b.ids, id)
	}
	return nil
}

// wait waits, batchClients at a time, until each operation sent ended or
// until deadline; it fails only when ctx ends.
func (b *batch) wait(ctx context.Context, c *client, deadline time.Time) error {
	dctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	b.mu.Lock()
	ids := slices.Clone(b.ids)
	b.mu.Unlock()
	g := new(errgroup.Group)
	g.SetLimit(batchClients)
	for _, id := range ids {
		g.Go(func() error {
			op, answers5xx, err := c.waitEnded(dctx, id)
			b.mu.Lock()
			defer b.mu.Unlock()
			b.note5xx(answers5xx)
			switch {
			case err != nil && ctx.Err() != nil:
				return ctx.Err()
			case err != nil:
				b.unfinished++
			case op.Status == "succeeded":
				b.succeeded++
				at := time.Now()
				if op.FinishedAt != nil {
					at = *op.FinishedAt
				}
				if at.After(b.last) {
					b.last = at
				}
			default:
				b.failed++
				b.reason(op.Status + " " + op.Reason + ": " + op.Message)
			}
			return nil
		})
	}
	err := g.Wait()
	b.shown = time.Now()
	return err
}

// send sends a command, retrying 5xx answers and transport errors until
// ctx ends, and returns the operation id and the 5xx answers it got.
func (c *client) send(ctx context.Context, cmd command) (string, []string, error) {
	h := http.Header{"Content-Type": {cmd.contentType}, "Idempotency-Key": {cmd.key}}
	var n5xx []string
	for {
		code, _, body, err := c.do(ctx, cmd.method, cmd.path, h, cmd.body)
		switch {
		case err == nil && code < 300:
			var op operation
			if err := json.Unmarshal(body, &op); err != nil || op.ID == "" {
				return "", n5xx, fmt.Errorf("%s %s: %d without an operation: %s", cmd.method, cmd.path, code, truncate(string(body), 200))
			}
			return op.ID, n5xx, nil
		case err == nil && code < 500:
			return "", n5xx, fmt.Errorf("%s %s: %d %s", cmd.method, cmd.path, code, truncate(string(body), 200))
		case err == nil:
			n5xx = append(n5xx, answer5xx(cmd.method+" "+routeOf(cmd.path), code, body))
		}
		if err := pause(ctx, 200*time.Millisecond); err != nil {
			return "", n5xx, err
		}
	}
}

// endedOperation is an operation as its wait answers it.
type endedOperation struct {
	Status     string     `json:"status"`
	Reason     string     `json:"reason"`
	Message    string     `json:"message"`
	FinishedAt *time.Time `json:"finishedAt"`
}

// waitEnded waits until operation id ended, retrying 5xx answers, 404 (not
// yet projected) and transport errors until ctx ends.
func (c *client) waitEnded(ctx context.Context, id string) (endedOperation, []string, error) {
	var n5xx []string
	for {
		code, _, body, err := c.do(ctx, http.MethodGet, "/v1/operations/"+id+"?wait=30s", nil, nil)
		if err == nil && code == http.StatusOK {
			var op endedOperation
			if err := json.Unmarshal(body, &op); err != nil {
				return op, n5xx, fmt.Errorf("operation %s: %w", id, err)
			}
			return op, n5xx, nil
		}
		if err == nil && code >= 500 {
			n5xx = append(n5xx, answer5xx("GET operation ?wait", code, body))
		}
		if err == nil && code == http.StatusAccepted {
			continue
		}
		if err := pause(ctx, 200*time.Millisecond); err != nil {
			return endedOperation{}, n5xx, err
		}
	}
}

// note5xx counts 5xx answers, each also a reason, so that a run's note
// says what they were.
func (b *batch) note5xx(answers []string) {
	b.answers5xx += len(answers)
	for _, a := range answers {
		b.reason(a)
	}
}

// answer5xx describes a 5xx answer: what was asked, the status and the
// problem's detail (or the body's start).
func answer5xx(what string, code int, body []byte) string {
	var p struct{ Title, Detail string }
	text := truncate(string(body), 80)
	if json.Unmarshal(body, &p) == nil && (p.Title != "" || p.Detail != "") {
		text = strings.TrimSpace(p.Title + ": " + p.Detail)
	}
	return fmt.Sprintf("5xx to %s: %d %s", what, code, text)
}

// routeOf is a path without its deployment's name, so that answers to
// the same route count together.
func routeOf(path string) string {
	if strings.Count(path, "/") > 4 {
		return "one deployment"
	}
	return "deployments"
}

// pause sleeps d or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

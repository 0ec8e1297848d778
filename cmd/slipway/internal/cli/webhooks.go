package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Webhook is a webhook subscription as the API shows it; Secret is there
// only in the answer to a create.
type Webhook struct {
	ID          string    `json:"id"`
	URL         string    `json:"url"`
	Events      []string  `json:"events"`
	Project     string    `json:"project"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"createdAt"`
	Secret      string    `json:"secret"`
}

// WebhookDelivery is one event's delivery to a subscription.
type WebhookDelivery struct {
	ID            string     `json:"id"`
	EventID       string     `json:"eventId"`
	EventType     string     `json:"eventType"`
	State         string     `json:"state"`
	Attempts      int        `json:"attempts"`
	LastStatus    int        `json:"lastStatus"`
	LastError     string     `json:"lastError"`
	NextAttemptAt *time.Time `json:"nextAttemptAt"`
	CreatedAt     time.Time  `json:"createdAt"`
}

func webhookPath(id string) string { return "/v1/webhooks/" + url.PathEscape(id) }

// CreateWebhook subscribes url to the events filters select.
func (c *Client) CreateWebhook(ctx context.Context, body []byte) (Doc[Webhook], error) {
	var w Doc[Webhook]
	return w, c.postJSON(ctx, "/v1/webhooks", body, &w)
}

// ListWebhooks lists the subscriptions the caller administers.
func (c *Client) ListWebhooks(ctx context.Context) (Doc[List[Webhook]], error) {
	var l Doc[List[Webhook]]
	return l, c.getJSON(ctx, "/v1/webhooks", nil, &l)
}

// GetWebhook reads one subscription.
func (c *Client) GetWebhook(ctx context.Context, id string) (Doc[Webhook], error) {
	var w Doc[Webhook]
	return w, c.getJSON(ctx, webhookPath(id), nil, &w)
}

// DeleteWebhook removes a subscription; its deliveries stop.
func (c *Client) DeleteWebhook(ctx context.Context, id string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: webhookPath(id)})
	return err
}

// ListDeliveries reads a page of a subscription's delivery log, newest first.
func (c *Client) ListDeliveries(ctx context.Context, id string, q url.Values) (Doc[List[WebhookDelivery]], error) {
	var l Doc[List[WebhookDelivery]]
	return l, c.getJSON(ctx, webhookPath(id)+"/deliveries", q, &l)
}

// Redeliver queues a delivery again, with the same webhook-id.
func (c *Client) Redeliver(ctx context.Context, id, delivery string) (Doc[WebhookDelivery], error) {
	var d Doc[WebhookDelivery]
	resp, err := c.do(ctx, request{method: http.MethodPost, path: webhookPath(id) + "/deliveries/" + url.PathEscape(delivery) + "/redeliver"})
	if err != nil {
		return d, err
	}
	return d, decodeAnswer(resp, &d)
}

func webhookCommands() []command {
	return []command{
		{path: "webhooks create", args: "URL --event PATTERN [--project P]", summary: "send events (of project P; default all, global admins only) to URL, signed; the secret is shown once", setup: setupWebhookCreate},
		{path: "webhooks list", summary: "list webhook subscriptions", setup: setupWebhookList},
		{path: "webhooks get", args: "ID", summary: "show a webhook subscription", setup: setupWebhookGet},
		{path: "webhooks delete", args: "ID", summary: "remove a webhook subscription; its deliveries stop", setup: setupWebhookDelete},
		{path: "webhooks deliveries", args: "ID [--state S]", summary: "show a webhook's delivery log, newest event first", setup: setupWebhookDeliveries},
		{path: "webhooks redeliver", args: "ID DELIVERY-ID", summary: "send a delivery again now (same webhook-id; the retry schedule starts again)", setup: setupWebhookRedeliver},
	}
}

func setupWebhookCreate(fs *flag.FlagSet) runFunc {
	var filters multiFlag
	fs.Var(&filters, "event", "an event `pattern`: a type, a prefix ending in * (slipway.deployment.rollout_*), or *; repeat for several")
	description := fs.String("description", "", "what the webhook is for")
	return func(ctx context.Context, e *env, args []string) error {
		c, err := e.clientFor(args, 1, "want the receiver's URL")
		if err != nil {
			return err
		}
		if len(filters) == 0 {
			return usageErrorf("--event is required: a type, a prefix like slipway.deployment.*, or *")
		}
		req := map[string]any{"url": args[0], "events": []string(filters)}
		if e.g.project != "" { // --project: only that project's deployment events
			req["project"] = e.g.project
		}
		if *description != "" {
			req["description"] = *description
		}
		body, _ := json.Marshal(req) // strings always encode
		w, err := c.CreateWebhook(ctx, body)
		if err != nil {
			return err
		}
		return e.printRaw(w.Raw, func(out io.Writer) {
			webhookTable(out, e.now(), []Webhook{w.V})
			fmt.Fprintf(out, "Signing secret, shown this once; store it now:\n%s\n", w.V.Secret)
		})
	}
}

func setupWebhookList(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e *env, args []string) error {
		c, err := e.clientFor(args, 0, "takes no arguments")
		if err != nil {
			return err
		}
		l, err := c.ListWebhooks(ctx)
		if err != nil {
			return err
		}
		ws := make([]Webhook, 0, len(l.V.Items))
		for _, it := range l.V.Items {
			ws = append(ws, it.V)
		}
		return e.printRaw(l.Raw, func(out io.Writer) { webhookTable(out, e.now(), ws) })
	}
}

func setupWebhookGet(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e *env, args []string) error {
		c, err := e.clientFor(args, 1, "want one webhook id")
		if err != nil {
			return err
		}
		w, err := c.GetWebhook(ctx, args[0])
		if err != nil {
			return err
		}
		return e.printRaw(w.Raw, func(out io.Writer) {
			webhookTable(out, e.now(), []Webhook{w.V})
			if w.V.Description != "" {
				fmt.Fprintf(out, "Description: %s\n", w.V.Description)
			}
		})
	}
}

func setupWebhookDelete(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e *env, args []string) error {
		c, err := e.clientFor(args, 1, "want one webhook id")
		if err != nil {
			return err
		}
		if err := c.DeleteWebhook(ctx, args[0]); err != nil {
			return err
		}
		return e.printValue(map[string]string{"deleted": args[0]}, func(out io.Writer) { fmt.Fprintf(out, "deleted %s\n", args[0]) })
	}
}

func setupWebhookDeliveries(fs *flag.FlagSet) runFunc {
	var (
		state, cursor string
		limit         int
		all           bool
	)
	fs.StringVar(&state, "state", "", "only deliveries in this `state`: pending, delivered or dead")
	fs.IntVar(&limit, "limit", 0, "the page `size` (default 50)")
	fs.StringVar(&cursor, "cursor", "", "the page to start at (a next cursor)")
	fs.BoolVar(&all, "all", false, "read every page")
	return func(ctx context.Context, e *env, args []string) error {
		c, err := e.clientFor(args, 1, "want one webhook id")
		if err != nil {
			return err
		}
		q := url.Values{}
		if state != "" {
			q.Set("state", state)
		}
		if limit != 0 {
			q.Set("limit", strconv.Itoa(limit))
		}
		return listPages(e, q, cursor, all, func(q url.Values) (Doc[List[WebhookDelivery]], error) {
			return c.ListDeliveries(ctx, args[0], q)
		}, func(w io.Writer, ds []WebhookDelivery) { deliveryTable(w, e.now(), ds) })
	}
}

func setupWebhookRedeliver(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, e *env, args []string) error {
		c, err := e.clientFor(args, 2, "want a webhook id and a delivery id")
		if err != nil {
			return err
		}
		d, err := c.Redeliver(ctx, args[0], args[1])
		if err != nil {
			return err
		}
		return e.printRaw(d.Raw, func(w io.Writer) { deliveryTable(w, e.now(), []WebhookDelivery{d.V}) })
	}
}

func webhookTable(w io.Writer, now time.Time, ws []Webhook) {
	rows := make([][]string, 0, len(ws))
	for _, h := range ws {
		rows = append(rows, []string{h.ID, h.URL, strings.Join(h.Events, ","), orDash(h.Project), age(now, h.CreatedAt)})
	}
	table(w, []string{"ID", "URL", "EVENTS", "PROJECT", "AGE"}, rows)
}

func deliveryTable(w io.Writer, now time.Time, ds []WebhookDelivery) {
	rows := make([][]string, 0, len(ds))
	for _, d := range ds {
		last := itoaOrDash(d.LastStatus)
		if d.LastError != "" {
			last = d.LastError
		}
		next := "-"
		if d.NextAttemptAt != nil {
			next = d.NextAttemptAt.UTC().Format(time.RFC3339)
		}
		rows = append(rows, []string{d.ID, d.EventType, d.State, strconv.Itoa(d.Attempts), last, next, age(now, d.CreatedAt)})
	}
	table(w, []string{"ID", "EVENT", "STATE", "ATTEMPTS", "LAST", "NEXT ATTEMPT", "AGE"}, rows)
}

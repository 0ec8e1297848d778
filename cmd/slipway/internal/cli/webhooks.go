package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"slipway.dev/pkg/client"
)

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
		// --project: only that project's deployment events
		w, err := c.CreateWebhook(ctx, client.CreateWebhookRequest{URL: args[0], Events: []string(filters), Project: e.g.project, Description: *description})
		if err != nil {
			return err
		}
		return e.printRaw(w.JSON(), func(out io.Writer) {
			webhookTable(out, e.now(), []client.Webhook{{ID: w.ID, URL: w.URL, Events: w.Events, Project: w.Project,
				Description: w.Description, CreatedAt: w.CreatedAt}})
			fmt.Fprintf(out, "Signing secret, shown this once; store it now:\n%s\n", w.Secret)
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
		ws := make([]client.Webhook, 0, len(l.Items))
		for _, it := range l.Items {
			ws = append(ws, it)
		}
		return e.printRaw(l.JSON(), func(out io.Writer) { webhookTable(out, e.now(), ws) })
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
		return e.printRaw(w.JSON(), func(out io.Writer) {
			webhookTable(out, e.now(), []client.Webhook{{ID: w.ID, URL: w.URL, Events: w.Events, Project: w.Project,
				Description: w.Description, CreatedAt: w.CreatedAt}})
			if w.Description != "" {
				fmt.Fprintf(out, "Description: %s\n", w.Description)
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
		return listPages(e, cursor, all, func(cursor string) (client.Page[client.WebhookDelivery], error) {
			return c.ListDeliveries(ctx, args[0], client.DeliveryQuery{State: state, PageOptions: client.PageOptions{Limit: limit, Cursor: cursor}})
		}, func(w io.Writer, ds []client.WebhookDelivery) { deliveryTable(w, e.now(), ds) })
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
		return e.printRaw(d.JSON(), func(w io.Writer) { deliveryTable(w, e.now(), []client.WebhookDelivery{d}) })
	}
}

func webhookTable(w io.Writer, now time.Time, ws []client.Webhook) {
	rows := make([][]string, 0, len(ws))
	for _, h := range ws {
		rows = append(rows, []string{h.ID, h.URL, strings.Join(h.Events, ","), orDash(h.Project), age(now, h.CreatedAt)})
	}
	table(w, []string{"ID", "URL", "EVENTS", "PROJECT", "AGE"}, rows)
}

func deliveryTable(w io.Writer, now time.Time, ds []client.WebhookDelivery) {
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

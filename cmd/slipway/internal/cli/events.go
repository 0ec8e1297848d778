package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

func eventsCommand() command {
	return command{path: "events", args: "[flags]", summary: "follow events as they happen (Server-Sent Events; Ctrl-C stops)", setup: func(fs *flag.FlagSet) runFunc {
		var (
			deployment, after string
			types             multiFlag
		)
		fs.StringVar(&deployment, "deployment", "", "only this deployment's events (`REF`)")
		fs.Var(&types, "type", "only this event `type` (a trailing * is a prefix); repeat for several")
		fs.StringVar(&after, "after", "", "start after this event `id`; 0 replays the whole history (default: from now)")
		return func(ctx context.Context, e *env, args []string) error {
			if len(args) != 0 {
				return usageErrorf("takes no arguments (filter with flags)")
			}
			q := url.Values{}
			switch {
			case deployment != "":
				ref, err := parseRef(deployment, e.g.project)
				if err != nil {
					return err
				}
				q.Set("deployment", ref.String())
			case e.g.project != "":
				q.Set("project", e.g.project)
			}
			for _, t := range types {
				q.Add("type", t)
			}
			if after != "" {
				if _, err := strconv.ParseUint(after, 10, 64); err != nil {
					return usageErrorf("--after %q: want an event id (a number)", after)
				}
				q.Set("after", after)
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			return followEvents(ctx, e, c, q)
		}
	}}
}

// followEvents streams events, reconnecting after the last one received
// (Last-Event-ID) when the stream ends, until ctx is done.
func followEvents(ctx context.Context, e *env, c *Client, q url.Values) error {
	var (
		last     string
		received bool
		failures int
	)
	for {
		retry, err := c.StreamEvents(ctx, q, last, func(ev Event) error {
			last, received, failures = ev.ID, true, 0
			return e.printEvent(ev)
		})
		var conn *ConnectionError
		switch {
		case ctx.Err() != nil:
			return nil // stopped
		case errors.As(err, &conn) && (!received || failures >= 5):
			return err
		case errors.As(err, &conn):
			failures++
		case err != nil:
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(retry):
		}
	}
}

// printEvent writes one event: a line (table), its envelope as one line of
// JSON (json), or a YAML document (yaml).
func (e *env) printEvent(ev Event) error {
	var err error
	switch e.g.output {
	case "json":
		var b bytes.Buffer
		if err := json.Compact(&b, ev.Data); err != nil {
			return fmt.Errorf("event %s is not JSON: %v", ev.ID, err)
		}
		b.WriteByte('\n')
		_, err = e.Stdout.Write(b.Bytes())
	case "yaml":
		var out []byte
		if out, err = jsonToYAML(ev.Data); err == nil {
			_, err = fmt.Fprintf(e.Stdout, "---\n%s", out)
		}
	default:
		var env struct {
			Subject, Actor string
			Time           time.Time
			CorrelationID  string `json:"correlationid"`
		}
		_ = json.Unmarshal(ev.Data, &env) // a line with what could be read
		_, err = fmt.Fprintf(e.Stdout, "%s  %s  %s  %s  %s  %s\n", ev.ID, env.Time.UTC().Format(time.RFC3339), ev.Type,
			orDash(env.Subject), orDash(env.Actor), orDash(env.CorrelationID))
	}
	return err
}

// Event is one message of the event stream: its id (the stream sequence),
// type, and data (the CloudEvents envelope).
type Event struct {
	ID, Type string
	Data     json.RawMessage
}

// StreamEvents reads the event stream (after lastID, when given) and calls
// fn with each event until the stream ends or fn fails. It returns how long
// the server asks clients to wait before reconnecting.
func (c *Client) StreamEvents(ctx context.Context, q url.Values, lastID string, fn func(Event) error) (time.Duration, error) {
	retry := 2 * time.Second
	u := c.BaseURL + "/v1/events"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return retry, err
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("User-Agent", "slipway-cli")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	resp, err := hc.Do(req)
	if err != nil {
		return retry, &ConnectionError{Server: c.BaseURL, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		body, _ := io.ReadAll(resp.Body)
		return retry, checkStatus(&response{status: resp.StatusCode, header: resp.Header, body: body})
	}
	r := bufio.NewReader(resp.Body)
	var ev Event
	var data []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return retry, nil // the stream ended; the caller reconnects
		}
		line = strings.TrimRight(line, "\r\n")
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			if line == "" && data != nil { // a blank line ends an event
				ev.Data = json.RawMessage(strings.Join(data, "\n"))
				if err := fn(ev); err != nil {
					return retry, err
				}
			}
			if line == "" {
				ev, data = Event{}, nil
			}
		case "id":
			ev.ID = value
		case "event":
			ev.Type = value
		case "data":
			data = append(data, value)
		case "retry":
			if ms, err := strconv.Atoi(value); err == nil && ms >= 0 {
				retry = time.Duration(ms) * time.Millisecond
			}
		}
	}
}

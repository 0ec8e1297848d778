package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"slipway.dev/pkg/events"
)

// Event is one message of the event stream: its id (the stream sequence,
// which resumes a stream), its type, and its data, the CloudEvents envelope.
type Event struct {
	ID, Type string
	Data     json.RawMessage
}

// Envelope decodes the event's envelope (its payload stays JSON in Data).
func (e Event) Envelope() (events.Envelope, error) {
	var env events.Envelope
	err := json.Unmarshal(e.Data, &env)
	return env, err
}

// maxReconnects is how many failed reconnections in a row end a Watch.
const maxReconnects = 5

// Watch follows the event stream, yielding each event, until ctx is done
// (then it ends without an error) or the caller stops ranging. A dropped
// connection is resumed after the last event received (Last-Event-ID), after
// the pause the server asks for; an error is yielded, ending the watch, when
// the API refuses the stream, or when it cannot be reached at first or after
// five reconnections in a row.
func (c *Client) Watch(ctx context.Context, filter EventFilter) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		var (
			last     string
			received bool
			failures int
			stopped  bool
		)
		for {
			retry, err := c.stream(ctx, filter, last, func(ev Event) bool {
				last, received, failures = ev.ID, true, 0
				if !yield(ev, nil) {
					stopped = true
				}
				return !stopped
			})
			var conn *ConnectionError
			switch {
			case stopped || ctx.Err() != nil:
				return
			case errors.As(err, &conn) && (!received || failures >= maxReconnects):
				yield(Event{}, err)
				return
			case errors.As(err, &conn):
				failures++
			case err != nil:
				yield(Event{}, err)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(retry):
			}
		}
	}
}

// stream reads the event stream once (after lastID, when given), calling fn
// with each event until the stream ends or fn returns false. It returns how
// long the server asks clients to wait before reconnecting; a connection
// that fails is a *ConnectionError, a refusal a *ProblemError.
func (c *Client) stream(ctx context.Context, filter EventFilter, lastID string, fn func(Event) bool) (time.Duration, error) {
	retry := 2 * time.Second
	q, h := url.Values{}, http.Header{}
	encodeOptions(streamOptions{EventFilter: filter, LastEventID: lastID}, q, h)
	u := c.BaseURL + routeEvents.Path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	h.Set("Accept", "text/event-stream")
	resp, err := c.open(ctx, http.MethodGet, u, h, nil)
	if err != nil {
		return retry, &ConnectionError{Server: c.BaseURL, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		body, _ := io.ReadAll(resp.Body)
		return retry, problemOf(resp.StatusCode, resp.Header, body)
	}
	r := bufio.NewReader(resp.Body)
	var (
		ev   Event
		data []string
	)
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
				if !fn(ev) {
					return retry, nil
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

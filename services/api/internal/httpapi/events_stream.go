package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
	"slipway.dev/services/api/internal/access"
)

// EventSource opens a stream of stored events from a position. Each
// subscriber gets its own ordered consumer, so a slow reader holds back
// only itself: publishers and other readers never wait for it.
type EventSource interface {
	Events(ctx context.Context, subject string, afterSeq uint64) (EventIterator, error)
	LastSeq(ctx context.Context) (uint64, error)
}

// EventIterator yields stored events in stream order.
type EventIterator interface {
	Next() (seq uint64, data []byte, err error)
	Stop()
}

const (
	sseHeartbeat    = 15 * time.Second
	sseWriteTimeout = 30 * time.Second
)

// streamEvents serves GET /v1/events as Server-Sent Events: `id` is the
// stream sequence, `event` the type, `data` the CloudEvents envelope. A
// client that reconnects with Last-Event-ID (or ?after=) resumes after that
// event and misses nothing; ?after=0 replays from the beginning; without
// either, the stream starts with the next event.
func (a *API) streamEvents(c echo.Context) error {
	subject, err := eventSubject(c)
	if err != nil {
		return err
	}
	if err := a.requireStreamScope(c); err != nil {
		return err
	}
	types, err := typeFilter(c.QueryParams()["type"])
	if err != nil {
		return err
	}
	after, fromNow, err := resumePoint(c)
	if err != nil {
		return err
	}
	if isHead(c) { // the stream's headers, without opening it
		c.Response().Header().Set(echo.HeaderContentType, "text/event-stream")
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.NoContent(http.StatusOK)
	}
	ctx := c.Request().Context()
	if fromNow {
		if after, err = a.Stream.LastSeq(ctx); err != nil {
			return errors.Join(errUnavailable, err)
		}
	}
	it, err := a.Stream.Events(ctx, subject, after)
	if err != nil {
		return errors.Join(errUnavailable, err)
	}
	defer it.Stop()
	go func() { <-ctx.Done(); it.Stop() }()

	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	_, _ = fmt.Fprintf(w, ": slipway events after %d\nretry: 2000\n\n", after)
	_ = rc.Flush()
	p := principalOf(c)
	return a.pump(ctx, rc, w, it, func(env events.Envelope) bool { return matches(types, env.Type) && mayRead(p, env) })
}

// pump copies events to the client until it goes away. A client that cannot
// take an event within sseWriteTimeout is disconnected; it resumes with
// Last-Event-ID.
func (a *API) pump(ctx context.Context, rc *http.ResponseController, w http.ResponseWriter, it EventIterator, keep func(events.Envelope) bool) error {
	type item struct {
		seq  uint64
		data []byte
		err  error
	}
	next := make(chan item)
	go func() {
		for {
			seq, data, err := it.Next()
			select {
			case next <- item{seq, data, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	for {
		_ = rc.SetWriteDeadline(time.Now().Add(sseWriteTimeout))
		select {
		case <-ctx.Done():
			return nil
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": keepalive\n\n"); err != nil {
				return nil
			}
		case ev := <-next:
			if ev.err != nil {
				return nil // iterator stopped: client gone or server shutting down
			}
			env, err := events.Unmarshal(ev.data)
			if err != nil || !keep(env) {
				continue
			}
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.seq, env.Type, ev.data); err != nil {
				return nil
			}
		}
		if err := rc.Flush(); err != nil {
			return nil
		}
	}
}

// eventSubject narrows the stream to a project or a deployment.
func eventSubject(c echo.Context) (string, error) {
	if d := c.QueryParam("deployment"); d != "" {
		ref, ok := parseRef(d)
		if !ok {
			return "", fmt.Errorf("%w: deployment must be owner/project/name", errBadParam)
		}
		return events.DeploymentSubject(ref), nil
	}
	if p := c.QueryParam("project"); p != "" {
		owner, project, ok := strings.Cut(p, "/")
		if !ok || validation.Name("", owner, 63) != nil || validation.Name("", project, 63) != nil {
			return "", fmt.Errorf("%w: project must be owner/project", errBadParam)
		}
		return "slipway.evt.deployment." + owner + "." + project + ".*", nil
	}
	return events.EventSubjects, nil
}

func parseRef(s string) (events.DeploymentRef, bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return events.DeploymentRef{}, false
	}
	for _, p := range parts {
		if validation.Name("", p, 63) != nil {
			return events.DeploymentRef{}, false
		}
	}
	return events.DeploymentRef{Owner: parts[0], Project: parts[1], Name: parts[2]}, true
}

// typeFilter reads ?type= (repeatable or comma-separated) as
// events.TypePattern, the grammar of webhook filters too.
func typeFilter(raw []string) ([]events.TypePattern, error) {
	var out []events.TypePattern
	for _, r := range raw {
		for _, t := range strings.Split(r, ",") {
			p, err := events.ParseTypePattern(strings.TrimSpace(t))
			if err != nil {
				return nil, fmt.Errorf("%w: type: %v", errBadParam, err)
			}
			out = append(out, p)
		}
	}
	return out, nil
}

func matches(types []events.TypePattern, typ string) bool {
	return len(types) == 0 || events.MatchesAny(types, typ)
}

// resumePoint reads Last-Event-ID or ?after=; none means "from now".
func resumePoint(c echo.Context) (after uint64, fromNow bool, err error) {
	raw := c.Request().Header.Get("Last-Event-ID")
	if raw == "" {
		raw = c.QueryParam("after")
	}
	if raw == "" {
		return 0, true, nil
	}
	after, err = strconv.ParseUint(raw, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("%w: Last-Event-ID and after are event ids (stream sequences)", errBadParam)
	}
	return after, false, nil
}

// requireStreamScope refuses a stream narrowed to a project or deployment
// the caller may not read; an unnarrowed stream shows only what it may.
func (a *API) requireStreamScope(c echo.Context) error {
	if d := c.QueryParam("deployment"); d != "" {
		return a.requireOn(c, access.Viewer, d, "stream a deployment's events")
	}
	if p := c.QueryParam("project"); p != "" {
		return a.require(c, access.Viewer, p, "", "stream a project's events")
	}
	return nil
}

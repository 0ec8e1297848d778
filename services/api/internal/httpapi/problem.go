package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/eventfeed"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/readmodel"
)

// Problem is an RFC 9457 problem detail. Type is stable per kind of error,
// so clients can match on it.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	Errors    []events.FieldError `json:"errors,omitempty"`
	Operation string              `json:"operation,omitempty"`
	Reason    string              `json:"reason,omitempty"`
	// RetryAfter, in seconds, is sent as the Retry-After header when set.
	RetryAfter int `json:"-"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

const problemBase = "https://slipway.dev/problems/"

// eventStreamRetryAfter is the Retry-After, in seconds, of an event stream
// refused because the replica holds its maximum.
const eventStreamRetryAfter = 5

// Errors the handlers return; problemFor maps each to one HTTP answer.
var (
	errMalformed     = errors.New("malformed request")
	errTooLarge      = errors.New("request body too large")
	errUnavailable   = errors.New("dependency unavailable")
	errBadParam      = errors.New("bad query parameter")
	errUnsupportedCT = errors.New("unsupported content type")
	errPrecondition  = errors.New("precondition failed")
	errHeadersLarge  = errors.New("request headers too large")
)

// problemFor is the one table from errors to HTTP statuses.
func problemFor(err error) *Problem {
	var p *Problem
	var fe events.FieldErrors
	var he *echo.HTTPError
	switch {
	case errors.As(err, &p):
		return p
	case errors.As(err, &fe):
		return &Problem{Type: problemBase + "validation", Title: "The request is invalid", Status: http.StatusBadRequest,
			Detail: fe.Error(), Errors: fe}
	case errors.Is(err, errTooLarge):
		return &Problem{Type: problemBase + "too-large", Title: "Request body too large", Status: http.StatusRequestEntityTooLarge, Detail: err.Error()}
	case errors.Is(err, nats.ErrMaxPayload):
		// Checked by the client before anything is sent: nothing was stored.
		return &Problem{Type: problemBase + "too-large", Title: "Request body too large", Status: http.StatusRequestEntityTooLarge,
			Detail: "the request, wrapped as a command, exceeds the message bus's maximum message size; send a smaller body"}
	case errors.Is(err, errMalformed):
		return &Problem{Type: problemBase + "malformed", Title: "The request body is not valid JSON for this route", Status: http.StatusBadRequest, Detail: err.Error()}
	case errors.Is(err, errUnsupportedCT):
		return &Problem{Type: problemBase + "unsupported-media-type", Title: "Unsupported content type", Status: http.StatusUnsupportedMediaType, Detail: err.Error()}
	case errors.Is(err, errPrecondition):
		return &Problem{Type: problemBase + "precondition-failed", Title: "The deployment changed", Status: http.StatusPreconditionFailed,
			Detail: err.Error(), Reason: events.ReasonPreconditionFailed}
	case errors.Is(err, errHeadersLarge):
		return &Problem{Type: problemBase + "headers-too-large", Title: "Request headers too large", Status: http.StatusRequestHeaderFieldsTooLarge, Detail: err.Error()}
	case errors.Is(err, errBadParam):
		return &Problem{Type: problemBase + "bad-parameter", Title: "A query parameter is invalid", Status: http.StatusBadRequest, Detail: err.Error()}
	case errors.Is(err, readmodel.ErrNotFound), errors.Is(err, intake.ErrUnknownOperation):
		return &Problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound, Detail: err.Error()}
	case errors.Is(err, intake.ErrKeyReused):
		return &Problem{Type: problemBase + "idempotency-key-reused", Title: "Idempotency-Key reused", Status: http.StatusUnprocessableEntity,
			Detail: "this Idempotency-Key was already used for a different request; use a new key"}
	case errors.Is(err, eventfeed.ErrTooManySubscriptions):
		return &Problem{Type: problemBase + "too-many-event-streams", Title: "Too many open event streams", Status: http.StatusServiceUnavailable,
			Detail: "this replica holds its maximum of open /v1/events streams; retry later", RetryAfter: eventStreamRetryAfter}
	case errors.Is(err, errUnavailable), errors.Is(err, readmodel.ErrUnavailable):
		return &Problem{Type: problemBase + "unavailable", Title: "Service unavailable", Status: http.StatusServiceUnavailable, Detail: err.Error()}
	case errors.As(err, &he):
		return &Problem{Type: problemBase + "http", Title: http.StatusText(he.Code), Status: he.Code, Detail: messageOf(he)}
	}
	return &Problem{Type: problemBase + "internal", Title: "Internal error", Status: http.StatusInternalServerError,
		Detail: "an unexpected error occurred; it has been logged"}
}

// rejectionProblem answers a command that was decided against.
func rejectionProblem(op readmodel.Operation) *Problem {
	status := http.StatusUnprocessableEntity
	switch op.Reason {
	case events.ReasonAlreadyExists, events.ReasonNoRolloutInFlight, events.ReasonTargetFromConfig, events.ReasonTargetInUse:
		status = http.StatusConflict
	case events.ReasonPreconditionFailed:
		status = http.StatusPreconditionFailed
	case events.ReasonNotFound:
		status = http.StatusNotFound
	}
	return &Problem{Type: problemBase + "rejected", Title: "The command was rejected", Status: status,
		Detail: op.Message, Errors: op.Fields, Operation: op.ID, Reason: op.Reason}
}

func messageOf(he *echo.HTTPError) string {
	if s, ok := he.Message.(string); ok {
		return s
	}
	return http.StatusText(he.Code)
}

// errorHandler writes every error as application/problem+json.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := problemFor(err)
		if p.Status >= 500 {
			log.ErrorContext(c.Request().Context(), "request failed", "path", c.Path(), "err", err)
		}
		if p.Instance == "" {
			p.Instance = c.Request().URL.Path
		}
		if p.RetryAfter > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
		}
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		c.Response().WriteHeader(p.Status)
		_ = jsonEncode(c.Response(), p)
	}
}

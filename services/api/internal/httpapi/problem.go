package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/access"
	"slipway.dev/services/api/internal/eventfeed"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/readmodel"
)

// Problem is an RFC 9457 problem detail: the body of every error answer.
// Type is stable per kind of error, so clients can match on it. Handlers
// return errors, never a Problem: problemFor makes it, from the table.
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

const problemBase = "https://slipway.dev/problems/"

// eventStreamRetryAfter is the Retry-After, in seconds, of an event stream
// refused because the replica holds its maximum.
const eventStreamRetryAfter = 5

// Errors of the HTTP layer's own; the other packages' are fault's kinds
// (and intake's, eventfeed's and access's own). problemKinds answers each.
var (
	errMalformed     = errors.New("malformed request")
	errTooLarge      = errors.New("request body too large")
	errUnavailable   = fault.Named("dependency unavailable", fault.ErrUnavailable)
	errNotReady      = errors.New("not ready")
	errBadParam      = errors.New("bad query parameter")
	errUnsupportedCT = errors.New("unsupported content type")
	errPrecondition  = errors.New("precondition failed")
	errHeadersLarge  = errors.New("request headers too large")
	errRateLimited   = errors.New("rate limited")
	errConflict      = errors.New("conflict")
	errPanic         = errors.New("handler panic")
	// A command decided against, by the status its reason answers with.
	errRejected             = errors.New("rejected")
	errRejectedConflict     = errors.New("rejected: conflict")
	errRejectedPrecondition = errors.New("rejected: precondition failed")
	errRejectedNotFound     = errors.New("rejected: not found")
)

// problemKind is a row of the table: the errors it answers, and how.
type problemKind struct {
	match  func(error) bool
	status int
	typ    string
	title  string
	// detail is the problem's detail from the error; nil: its message.
	detail func(error) string
	// reason is the problem's reason, unless the error has its own.
	reason     string
	retryAfter int
}

// problemKinds is the one table from errors to HTTP answers: the first row
// an error matches answers it; an error no row matches is a 500 that does
// not show its message. Order matters where an error is of two kinds: a
// command too large for the bus is 413 though publishing it failed.
var problemKinds = []problemKind{
	{match: as[events.FieldErrors], status: http.StatusBadRequest, typ: "validation", title: "The request is invalid", detail: fieldErrorsDetail},
	{match: is(fault.ErrInvalid), status: http.StatusBadRequest, typ: "validation", title: "The request is invalid"},
	{match: is(errTooLarge), status: http.StatusRequestEntityTooLarge, typ: "too-large", title: "Request body too large"},
	// Checked by the client before anything is sent: nothing was stored.
	{match: is(nats.ErrMaxPayload), status: http.StatusRequestEntityTooLarge, typ: "too-large", title: "Request body too large",
		detail: fixed("the request, wrapped as a command, exceeds the message bus's maximum message size; send a smaller body")},
	{match: is(errMalformed), status: http.StatusBadRequest, typ: "malformed", title: "The request body is not valid JSON for this route"},
	{match: is(errUnsupportedCT), status: http.StatusUnsupportedMediaType, typ: "unsupported-media-type", title: "Unsupported content type"},
	{match: is(errPrecondition), status: http.StatusPreconditionFailed, typ: "precondition-failed", title: "The deployment changed",
		reason: events.ReasonPreconditionFailed},
	{match: is(errHeadersLarge), status: http.StatusRequestHeaderFieldsTooLarge, typ: "headers-too-large", title: "Request headers too large"},
	{match: is(errBadParam), status: http.StatusBadRequest, typ: "bad-parameter", title: "A query parameter is invalid"},
	{match: is(access.ErrUnauthenticated), status: http.StatusUnauthorized, typ: "unauthenticated", title: "Authentication required",
		reason: "Unauthenticated"},
	{match: is(access.ErrForbidden), status: http.StatusForbidden, typ: "forbidden", title: "Forbidden", reason: "Forbidden"},
	{match: is(fault.ErrNotFound), status: http.StatusNotFound, typ: "not-found", title: "Not found"},
	{match: is(errConflict), status: http.StatusConflict, typ: "conflict", title: "The target cannot be changed"},
	{match: is(errRejected), status: http.StatusUnprocessableEntity, typ: "rejected", title: "The command was rejected"},
	{match: is(errRejectedConflict), status: http.StatusConflict, typ: "rejected", title: "The command was rejected"},
	{match: is(errRejectedPrecondition), status: http.StatusPreconditionFailed, typ: "rejected", title: "The command was rejected"},
	{match: is(errRejectedNotFound), status: http.StatusNotFound, typ: "rejected", title: "The command was rejected"},
	{match: is(intake.ErrKeyReused), status: http.StatusUnprocessableEntity, typ: "idempotency-key-reused", title: "Idempotency-Key reused",
		detail: fixed("this Idempotency-Key was already used for a different request; use a new key")},
	{match: is(errRateLimited), status: http.StatusTooManyRequests, typ: "rate-limited", title: "Too many requests"},
	{match: is(eventfeed.ErrTooManySubscriptions), status: http.StatusServiceUnavailable, typ: "too-many-event-streams",
		title: "Too many open event streams", detail: fixed("this replica holds its maximum of open /v1/events streams; retry later"),
		retryAfter: eventStreamRetryAfter},
	{match: is(errNotReady), status: http.StatusServiceUnavailable, typ: "unavailable", title: "Not ready"},
	{match: is(fault.ErrUnavailable), status: http.StatusServiceUnavailable, typ: "unavailable", title: "Service unavailable"},
	{match: is(errPanic), status: http.StatusInternalServerError, typ: "internal", title: "Internal error", detail: fixed("")},
}

// internalError answers what the table does not know.
var internalError = problemKind{status: http.StatusInternalServerError, typ: "internal", title: "Internal error",
	detail: fixed("an unexpected error occurred; it has been logged")}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func as[T error](err error) bool {
	var t T
	return errors.As(err, &t)
}

func fixed(detail string) func(error) string { return func(error) string { return detail } }

func fieldErrorsDetail(err error) string {
	var fe events.FieldErrors
	errors.As(err, &fe)
	return fe.Error()
}

// refusal is an error of a kind of the table with more to say than its
// kind: the problem's detail, and the fields, operation and reason it names.
type refusal struct {
	kind      error
	detail    string
	fields    []events.FieldError
	operation string
	reason    string
}

func (r *refusal) Error() string { return r.detail }
func (r *refusal) Unwrap() error { return r.kind }

// refuse is an error of kind whose problem shows detail.
func refuse(kind error, detail string) *refusal { return &refusal{kind: kind, detail: detail} }

// rejectedKinds are the rejections' reasons that answer other than 422.
var rejectedKinds = map[string]error{
	events.ReasonAlreadyExists: errRejectedConflict, events.ReasonNoRolloutInFlight: errRejectedConflict,
	events.ReasonTargetFromConfig: errRejectedConflict, events.ReasonTargetInUse: errRejectedConflict,
	events.ReasonPreconditionFailed: errRejectedPrecondition, events.ReasonNotFound: errRejectedNotFound,
}

// rejection answers a command that was decided against.
func rejection(op readmodel.Operation) error {
	kind, ok := rejectedKinds[op.Reason]
	if !ok {
		kind = errRejected
	}
	return &refusal{kind: kind, detail: op.Message, fields: op.Fields, operation: op.ID, reason: op.Reason}
}

// problemFor is the answer to err, from the table.
func problemFor(err error) *Problem {
	k, found := kindOf(err)
	var he *echo.HTTPError
	if !found && errors.As(err, &he) {
		// echo's own: no such route or method.
		return &Problem{Type: problemBase + "http", Title: http.StatusText(he.Code), Status: he.Code, Detail: messageOf(he)}
	}
	p := &Problem{Type: problemBase + k.typ, Title: k.title, Status: k.status, Detail: err.Error(), Reason: k.reason,
		RetryAfter: k.retryAfter}
	if k.detail != nil {
		p.Detail = k.detail(err)
	}
	var fe events.FieldErrors
	if k.typ == "validation" && errors.As(err, &fe) {
		p.Errors = fe
	}
	var r *refusal
	if errors.As(err, &r) {
		p.Detail, p.Errors, p.Operation = r.detail, r.fields, r.operation
		if r.reason != "" {
			p.Reason = r.reason
		}
	}
	return p
}

// kindOf is the table's row for err.
func kindOf(err error) (problemKind, bool) {
	for _, k := range problemKinds {
		if k.match(err) {
			return k, true
		}
	}
	return internalError, false
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
		// A client that went away (its request's context cancelled) gets no
		// answer and is no server error: a load generator ending its waits,
		// or a user's Ctrl-C on `?wait`, logged nothing worse than this.
		if ctx := c.Request().Context(); errors.Is(err, context.Canceled) && ctx.Err() != nil {
			log.InfoContext(ctx, "client went away", "path", c.Path(), "err", err)
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

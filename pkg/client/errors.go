package client

import (
	"fmt"
	"strings"

	"slipway.dev/pkg/events"
)

// ProblemError is an error answer of the API (RFC 9457,
// application/problem+json). Match it with errors.As; Errors names each
// offending field by its JSON path (spec.replicas, labels.team).
type ProblemError struct {
	// Type is stable per kind of error: one of the Problem* constants.
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Instance is the request's path.
	Instance string              `json:"instance"`
	Errors   []events.FieldError `json:"errors"`
	// Operation and Reason come with a rejected command: its operation and
	// a stable reason code (AlreadyExists, UnknownTarget, ...).
	Operation string `json:"operation"`
	Reason    string `json:"reason"`
}

// The problem types the API answers with.
const (
	ProblemValidation           = "https://slipway.dev/problems/validation"
	ProblemMalformed            = "https://slipway.dev/problems/malformed"
	ProblemTooLarge             = "https://slipway.dev/problems/too-large"
	ProblemUnsupportedMediaType = "https://slipway.dev/problems/unsupported-media-type"
	ProblemBadParameter         = "https://slipway.dev/problems/bad-parameter"
	ProblemNotFound             = "https://slipway.dev/problems/not-found"
	ProblemKeyReused            = "https://slipway.dev/problems/idempotency-key-reused"
	ProblemPreconditionFailed   = "https://slipway.dev/problems/precondition-failed"
	ProblemRejected             = "https://slipway.dev/problems/rejected"
	ProblemUnavailable          = "https://slipway.dev/problems/unavailable"
	ProblemInternal             = "https://slipway.dev/problems/internal"
	ProblemHTTP                 = "https://slipway.dev/problems/http"
	ProblemConflict             = "https://slipway.dev/problems/conflict"
	ProblemUnauthenticated      = "https://slipway.dev/problems/unauthenticated"
	ProblemForbidden            = "https://slipway.dev/problems/forbidden"
	ProblemRateLimited          = "https://slipway.dev/problems/rate-limited"
	ProblemHeadersTooLarge      = "https://slipway.dev/problems/headers-too-large"
)

func (p *ProblemError) Error() string {
	s := fmt.Sprintf("%s (%d)", p.Title, p.Status)
	if p.Detail != "" {
		s += ": " + p.Detail
	}
	for _, f := range p.Errors {
		if !strings.Contains(p.Detail, f.Field) { // the detail often lists them already
			s += "; " + f.Field + ": " + f.Message
		}
	}
	return s
}

// Rejected reports whether the problem is a command decided against.
func (p *ProblemError) Rejected() bool { return p.Type == ProblemRejected }

// Field returns the message about field (a JSON path), if the problem names it.
func (p *ProblemError) Field(field string) (string, bool) {
	for _, f := range p.Errors {
		if f.Field == field {
			return f.Message, true
		}
	}
	return "", false
}

// ConnectionError is a request that got no answer after its retries.
type ConnectionError struct {
	Server string
	Err    error
}

func (c *ConnectionError) Error() string {
	return fmt.Sprintf("cannot reach the Slipway API at %s: %v", c.Server, c.Err)
}

func (c *ConnectionError) Unwrap() error { return c.Err }

// OperationError is an operation that ended failed or rejected (see
// Operation.Err).
type OperationError struct {
	Operation Operation
}

func (o *OperationError) Error() string {
	s := fmt.Sprintf("operation %s %s", o.Operation.ID, o.Operation.Status)
	if o.Operation.Reason != "" {
		s += ": " + o.Operation.Reason
	}
	if o.Operation.Message != "" {
		s += ": " + o.Operation.Message
	}
	return s
}

package httpapi

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/access"
	"slipway.dev/services/api/internal/eventfeed"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/readmodel"
)

// TestProblemTable pins the one table from errors to HTTP answers, row by
// row: a client's mistake is never a 5xx, an outage is a 503, the rest a
// 500; errors of two kinds answer as the first.
func TestProblemTable(t *testing.T) {
	tests := []struct {
		err    error
		status int
		typ    string
		want   Problem // fields beyond type and status that must show (zero: not checked)
	}{
		{err: events.FieldErrors{{Field: "name", Message: "x"}}, status: 400, typ: "validation",
			want: Problem{Title: "The request is invalid", Errors: []events.FieldError{{Field: "name", Message: "x"}}}},
		{err: fmt.Errorf("%w: name is required", fault.Named("invalid token request", fault.ErrInvalid)), status: 400, typ: "validation",
			want: Problem{Detail: "invalid token request: name is required"}},
		{err: fmt.Errorf("%w: x", errMalformed), status: 400, typ: "malformed"},
		{err: fmt.Errorf("%w: x", errBadParam), status: 400, typ: "bad-parameter", want: Problem{Detail: "bad query parameter: x"}},
		{err: &refusal{kind: errBadParam, detail: "unknown query parameter x", fields: []events.FieldError{{Field: "x", Message: "?"}}},
			status: 400, typ: "bad-parameter", want: Problem{Detail: "unknown query parameter x", Errors: []events.FieldError{{Field: "x", Message: "?"}}}},
		{err: refuse(access.ErrUnauthenticated, "send a token"), status: 401, typ: "unauthenticated",
			want: Problem{Detail: "send a token", Reason: "Unauthenticated"}},
		{err: refuse(access.ErrForbidden, "you need admin"), status: 403, typ: "forbidden", want: Problem{Detail: "you need admin", Reason: "Forbidden"}},
		{err: fmt.Errorf("deployment a/b/c: %w", fault.ErrNotFound), status: 404, typ: "not-found", want: Problem{Detail: "deployment a/b/c: not found"}},
		{err: intake.ErrUnknownOperation, status: 404, typ: "not-found", want: Problem{Detail: "unknown operation"}},
		{err: targetConflict(events.ReasonTargetInUse, "in use"), status: 409, typ: "conflict",
			want: Problem{Title: "The target cannot be changed", Reason: events.ReasonTargetInUse}},
		{err: fmt.Errorf("%w: x", errPrecondition), status: 412, typ: "precondition-failed", want: Problem{Reason: events.ReasonPreconditionFailed}},
		{err: fmt.Errorf("%w: x", errTooLarge), status: 413, typ: "too-large"},
		{err: errors.Join(errUnavailable, fmt.Errorf("publish x: %w", nats.ErrMaxPayload)), status: 413, typ: "too-large"},
		{err: fmt.Errorf("%w: x", errUnsupportedCT), status: 415, typ: "unsupported-media-type"},
		{err: intake.ErrKeyReused, status: 422, typ: "idempotency-key-reused"},
		{err: refuse(errRateLimited, "slow down"), status: 429, typ: "rate-limited", want: Problem{Detail: "slow down"}},
		{err: fmt.Errorf("%w: x", errHeadersLarge), status: 431, typ: "headers-too-large"},
		{err: errors.Join(errUnavailable, errors.New("nats: timeout")), status: 503, typ: "unavailable", want: Problem{Title: "Service unavailable"}},
		{err: fmt.Errorf("list: %w", fmt.Errorf("%w: server selection", fault.Named("read models unavailable", fault.ErrUnavailable))),
			status: 503, typ: "unavailable"},
		{err: unavailable("mongodb", errors.New("no server")), status: 503, typ: "unavailable", want: Problem{Title: "Not ready", Detail: "mongodb: no server"}},
		{err: errors.Join(errUnavailable, fmt.Errorf("subscribe: %w", eventfeed.ErrTooManySubscriptions)), status: 503,
			typ: "too-many-event-streams", want: Problem{RetryAfter: eventStreamRetryAfter}},
		{err: echo.NewHTTPError(http.StatusMethodNotAllowed), status: 405, typ: "http"},
		{err: errPanic, status: 500, typ: "internal"},
		{err: errors.New("something unexpected"), status: 500, typ: "internal"},
	}
	for _, tt := range tests {
		p := problemFor(tt.err)
		if p.Status != tt.status || p.Type != problemBase+tt.typ {
			t.Errorf("%v: got %d %s, want %d %s", tt.err, p.Status, p.Type, tt.status, tt.typ)
		}
		w := tt.want
		if w.Title != "" && p.Title != w.Title || w.Detail != "" && p.Detail != w.Detail || w.Reason != "" && p.Reason != w.Reason ||
			w.Errors != nil && !slices.Equal(p.Errors, w.Errors) || w.RetryAfter != 0 && p.RetryAfter != w.RetryAfter {
			t.Errorf("%v: got %+v, want %+v", tt.err, p, w)
		}
	}
	if p := problemFor(errors.New("secret detail")); p.Detail == "secret detail" || p.Status != http.StatusInternalServerError {
		t.Errorf("an internal error must not leak its detail: %+v", p)
	}
	if p := problemFor(errPanic); p.Detail != "" {
		t.Errorf("a panic shows detail %q", p.Detail)
	}
}

// TestRejectionsAnswerByReason: a command decided against is a rejected
// problem naming its operation, reason and fields, with the status its
// reason answers with.
func TestRejectionsAnswerByReason(t *testing.T) {
	for reason, status := range map[string]int{
		events.ReasonAlreadyExists: 409, events.ReasonNoRolloutInFlight: 409, events.ReasonTargetFromConfig: 409,
		events.ReasonTargetInUse: 409, events.ReasonPreconditionFailed: 412, events.ReasonNotFound: 404, "Invalid": 422,
	} {
		op := readmodel.Operation{ID: "op-1", Reason: reason, Message: "no", Fields: []events.FieldError{{Field: "spec", Message: "x"}}}
		p := problemFor(rejection(op))
		if p.Status != status || p.Type != problemBase+"rejected" || p.Operation != "op-1" || p.Reason != reason || p.Detail != "no" ||
			len(p.Errors) != 1 {
			t.Errorf("%s: %+v, want %d", reason, p, status)
		}
	}
}

// TestOnlyTheTableBuildsProblems: outside problem.go no code of the
// package writes a Problem literal; handlers return errors, and the table
// answers them (Problem is not an error, so one could not be returned).
func TestOnlyTheTableBuildsProblems(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if name == "problem.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.CompositeLit); ok {
				if id, ok := lit.Type.(*ast.Ident); ok && id.Name == "Problem" {
					t.Errorf("%s: a Problem built outside the table", fset.Position(lit.Pos()))
				}
			}
			return true
		})
	}
}

// TestAClientThatWentAwayIsNoServerError: a request whose client cancelled
// it (a `?wait` ended by Ctrl-C, a load generator at its deadline) logs no
// ERROR line; the same error on a live request is still a 5xx and logged.
func TestAClientThatWentAwayIsNoServerError(t *testing.T) {
	for _, tc := range []struct {
		name      string
		cancelled bool
		wantError bool
	}{
		{name: "client went away", cancelled: true},
		{name: "client still there", wantError: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs strings.Builder
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			ctx, cancel := context.WithCancel(t.Context())
			if tc.cancelled {
				cancel()
			} else {
				defer cancel()
			}
			req := httptest.NewRequest(http.MethodGet, "/v1/operations/op-1?wait=30s", nil).WithContext(ctx)
			rec := httptest.NewRecorder()
			e := echo.New()
			errorHandler(log)(fmt.Errorf("operation op-1: %w", context.Canceled), e.NewContext(req, rec))
			if got := strings.Contains(logs.String(), `"level":"ERROR"`); got != tc.wantError {
				t.Errorf("ERROR logged: %v, want %v: %s", got, tc.wantError, logs.String())
			}
		})
	}
}

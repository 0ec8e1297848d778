package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"slipway.dev/services/api/internal/access"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/intake"
	"slipway.dev/services/api/internal/readmodel"
)

// maxWait bounds ?wait so a request cannot hold a connection forever.
const maxWait = 10 * time.Minute

type waitFor time.Duration

func waitParam(c echo.Context) (waitFor, error) {
	raw := c.QueryParam("wait")
	if raw == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d < 0 || d > maxWait {
		return 0, fmt.Errorf("%w: wait must be a duration between 0s and %s, like 30s", errBadParam, maxWait)
	}
	return waitFor(d), nil
}

func (a *API) getOperation(c echo.Context) error {
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	op, err := a.readOperation(c.Request().Context(), c.Param("id"), nil)
	if err != nil {
		return err
	}
	if err := a.requireOn(c, access.Viewer, op.Deployment, "read an operation"); err != nil {
		return err
	}
	// Reading an operation succeeds whatever became of its command: a
	// rejected one is 200 with status rejected, its reason and fields (the
	// command's own ?wait answers the rejection as a problem instead).
	// Once read, a later read that fails answers what was read: a long
	// poll that already knows the operation does not turn into a 5xx.
	op, err = a.awaitOperation(c.Request().Context(), op.ID, time.Duration(wait), &op)
	if err != nil {
		return err
	}
	if op.Ended() {
		return c.JSON(http.StatusOK, operationOf(op))
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/operations/"+op.ID)
	return c.JSON(http.StatusAccepted, operationOf(op))
}

// requireOn checks role on the project of a deployment id
// (owner/project/name); things of no project need a global admin.
func (a *API) requireOn(c echo.Context, role access.Role, deployment, action string) error {
	parts := strings.Split(deployment, "/")
	if len(parts) != 3 {
		return a.require(c, access.GlobalAdmin, "", "", action)
	}
	return a.require(c, role, parts[0]+"/"+parts[1], deployment, action)
}

// answerOperation answers a command with its operation: 200 when it has
// ended (a rejection as a problem), 202 while it is still going.
func (a *API) answerOperation(c echo.Context, id string, wait waitFor) error {
	// No fallback: the command was just stored by this request, which
	// answers from its record through answerCommitted when it has one.
	op, err := a.awaitOperation(c.Request().Context(), id, time.Duration(wait), nil)
	if err != nil {
		return err
	}
	return writeOperation(c, op)
}

// answerCommitted answers a command the intake has stored: its operation
// as the read model has it (with ?wait, once it ends), or, when the read
// model fails or does not answer within readLimit, as the intake recorded
// it: 202 + Location. Never a 5xx: the command will be decided, and a
// client retrying an error without a key would apply it twice.
func (a *API) answerCommitted(c echo.Context, rec intake.Record, wait waitFor) error {
	accepted := acceptedOperation(rec)
	op, _ := a.awaitOperation(c.Request().Context(), rec.ID, time.Duration(wait), &accepted)
	return writeOperation(c, op)
}

func writeOperation(c echo.Context, op readmodel.Operation) error {
	switch {
	case op.Status == readmodel.OpRejected:
		return rejection(op)
	case op.Ended():
		return c.JSON(http.StatusOK, operationOf(op))
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/operations/"+op.ID)
	return c.JSON(http.StatusAccepted, operationOf(op))
}

// readLimit bounds each read-model read of an operation being awaited: a
// slow store delays an answer by at most this much beyond its wait.
const readLimit = 2 * time.Second

// awaitOperation returns the operation once it ends or wait passes. With
// known (the operation as last read, or the intake's record of a stored
// command), a read that fails or times out counts as "not ended yet",
// answered as the last read had it, and the error is never returned.
func (a *API) awaitOperation(ctx context.Context, id string, wait time.Duration, known *readmodel.Operation) (readmodel.Operation, error) {
	deadline := time.Now().Add(wait)
	for {
		op, done, err := a.awaitOnce(ctx, id, wait, deadline, known)
		if done || err != nil {
			return op, err
		}
		known = &op
	}
}

// awaitOnce reads the operation and, unless that ends the wait, waits for
// a flush that wrote it (each waiter reads again only when its operation
// changed, not at every flush: a fleet's waiters would otherwise swamp the
// store) or a poll interval: another api replica's projector may apply it.
func (a *API) awaitOnce(ctx context.Context, id string, wait time.Duration, deadline time.Time, known *readmodel.Operation) (readmodel.Operation, bool, error) {
	changed, release := a.Changes.OperationChanged(id)
	defer release()
	op, err := a.readOperation(ctx, id, known)
	if err != nil && known != nil {
		op, err = *known, nil
	}
	if err == nil && op.Ended() {
		a.deploymentCaughtUp(ctx, op)
	}
	if err != nil || op.Ended() || wait <= 0 {
		return op, true, err
	}
	left := time.Until(deadline)
	if left <= 0 {
		return op, true, nil
	}
	select {
	case <-ctx.Done():
		return op, true, nil
	case <-changed:
	case <-time.After(min(left, 500*time.Millisecond)):
	}
	return op, false, nil
}

// readOperation is operation, each read bounded by readLimit; an operation
// the read model does not have yet is known when given (no intake lookup).
func (a *API) readOperation(ctx context.Context, id string, known *readmodel.Operation) (readmodel.Operation, error) {
	ctx, cancel := context.WithTimeout(ctx, readLimit)
	defer cancel()
	if known == nil {
		return a.operation(ctx, id)
	}
	op, err := a.Reads.Operation(ctx, id)
	if errors.Is(err, fault.ErrNotFound) {
		return *known, nil
	}
	return op, err
}

// operation reads the projected operation, or the intake's record of one
// that no event has settled yet, or that the read model cannot be asked
// about (the store down or overloaded: answered as accepted, 202, and
// read again by the client's next poll). Unknown to both, the store's
// error stands: the operation may exist.
func (a *API) operation(ctx context.Context, id string) (readmodel.Operation, error) {
	op, err := a.Reads.Operation(ctx, id)
	if err == nil {
		return op, nil
	}
	if !errors.Is(err, fault.ErrNotFound) && !errors.Is(err, fault.ErrUnavailable) {
		return readmodel.Operation{}, err
	}
	// The store's read may have used up ctx's time: the lookup has its own.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), readLimit)
	defer cancel()
	rec, lerr := a.Commands.Lookup(lctx, id)
	switch {
	case lerr == nil:
		return acceptedOperation(rec), nil
	case errors.Is(err, fault.ErrUnavailable):
		return readmodel.Operation{}, err
	}
	return readmodel.Operation{}, lerr
}

// acceptedOperation is an operation that no event has settled yet, as the
// intake recorded it.
func acceptedOperation(rec intake.Record) readmodel.Operation {
	return readmodel.Operation{ID: rec.ID, Kind: readmodel.KindOf(rec.Type), Deployment: rec.Deployment, Target: rec.Target,
		Status: readmodel.OpAccepted, Actor: rec.Actor, AcceptedAt: rec.AcceptedAt, UpdatedAt: rec.AcceptedAt}
}

// catchUpLimit bounds how long an ended operation's answer waits for its
// deployment's document.
const catchUpLimit = 2 * time.Second

// deploymentCaughtUp waits until the deployment's document shows the event
// that ended op. A flush writes the operation before the deployment, so a
// read between the two (a poll, or a replica without the projector) could
// answer "succeeded" and then serve the deployment as it was: a client that
// waited for an operation then reads its outcome.
func (a *API) deploymentCaughtUp(ctx context.Context, op readmodel.Operation) {
	if op.Deployment == "" || op.Seq == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, catchUpLimit)
	defer cancel()
	for {
		changed := a.Changes.Changed()
		d, err := a.Reads.Deployment(ctx, op.Deployment)
		if err != nil || d.Seq >= op.Seq {
			return // gone (a freed name) or caught up; errors show on the next read
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-time.After(10 * time.Millisecond):
		}
	}
}

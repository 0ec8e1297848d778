package httpapi

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/fault"
)

type controlRequest struct {
	Message string `json:"message,omitempty"`
	// Full (promote only) moves a canary to its completion.
	Full bool `json:"full,omitempty"`
}

// controlRollout pauses, resumes, aborts or (a canary) promotes the rollout in flight. The body
// ({"message"}) is optional.
func (a *API) controlRollout(c echo.Context) error {
	ref := deploymentRef(c)
	var req controlRequest
	if c.Request().ContentLength != 0 {
		if err := decodeStrict(c, &req); err != nil {
			return err
		}
	}
	if req.Full && c.Param("action") != "promote" {
		return events.FieldErrors{{Field: "full", Message: "is for promote only"}}
	}
	if len(req.Message) > maxMessageLen {
		return events.FieldErrors{{Field: "message", Message: fmt.Sprintf("must be at most %d characters", maxMessageLen)}}
	}
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	var cmd events.Message
	var kind string
	switch c.Param("action") {
	case "pause":
		kind, cmd = events.KindPause, events.PauseRollout{Deployment: ref, Message: req.Message}
	case "resume":
		kind, cmd = events.KindResume, events.ResumeRollout{Deployment: ref, Message: req.Message}
	case "abort":
		kind, cmd = events.KindAbort, events.AbortRollout{Deployment: ref, Message: req.Message}
	case "promote":
		kind, cmd = events.KindPromoteRollout, events.PromoteRollout{Deployment: ref, Full: req.Full, Message: req.Message}
	default:
		return fmt.Errorf("rollout action %q: %w (the actions are pause, resume, abort and promote)", c.Param("action"), fault.ErrNotFound)
	}
	if _, err := a.Reads.Deployment(c.Request().Context(), ref.String()); err != nil {
		return a.orStored(c, err, submitRequest(c, kind, ref, cmd), wait)
	}
	return a.submit(c, kind, ref, cmd, wait)
}

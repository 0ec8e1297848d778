package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/specdiff"
	"slipway.dev/pkg/validation"
	"slipway.dev/services/api/internal/access"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/readmodel"
)

type promotionRequest struct {
	Source         string            `json:"source"`
	SourceRevision int               `json:"sourceRevision,omitempty"`
	Target         string            `json:"target"`
	DryRun         bool              `json:"dryRun,omitempty"`
	Env            map[string]string `json:"env,omitempty"`
	UseSourceEnv   []string          `json:"useSourceEnv,omitempty"`
	// Secrets names the target's secret for each secret reference new in
	// the source (by env name); UseSourceSecrets takes the source's.
	Secrets          map[string]events.SecretKeyRef `json:"secrets,omitempty"`
	UseSourceSecrets []string                       `json:"useSourceSecrets,omitempty"`
	Message          string                         `json:"message,omitempty"`
}

// createPromotion plans (dryRun) or plans and applies a promotion. The
// promoter plans against the deployments as they are when it decides.
func (a *API) createPromotion(c echo.Context) error {
	var req promotionRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	src, tgt, err := a.validatePromotion(c, req)
	if err == nil {
		err = a.authorizePromotion(c, src, tgt)
	}
	if err == nil {
		err = a.checkPromotedArtifact(c.Request().Context(), src, req.SourceRevision)
	}
	cmd := events.PlanPromotion{Source: src, SourceRevision: req.SourceRevision, Target: tgt, Env: req.Env,
		UseSourceEnv: req.UseSourceEnv, Secrets: req.Secrets, UseSourceSecrets: req.UseSourceSecrets, DryRun: req.DryRun, Message: req.Message}
	if err != nil {
		return a.orStored(c, err, submitRequest(c, events.KindPromote, tgt, cmd), wait)
	}
	return a.submitPromotion(c, tgt, cmd, wait)
}

func (a *API) validatePromotion(c echo.Context, req promotionRequest) (events.DeploymentRef, events.DeploymentRef, error) {
	var fe events.FieldErrors
	src, okSrc := parseRef(req.Source)
	tgt, okTgt := parseRef(req.Target)
	if !okSrc {
		fe = append(fe, events.FieldError{Field: "source", Message: "must be owner/project/name"})
	}
	if !okTgt {
		fe = append(fe, events.FieldError{Field: "target", Message: "must be owner/project/name"})
	}
	if okSrc && okTgt && src == tgt {
		fe = append(fe, events.FieldError{Field: "target", Message: "must differ from source"})
	}
	if req.SourceRevision < 0 {
		fe = append(fe, events.FieldError{Field: "sourceRevision", Message: "must be a revision number"})
	}
	fe = append(fe, validatePromotionEnv(req.Env)...)
	fe = append(fe, validatePromotionSecrets(req)...)
	if len(req.Message) > maxMessageLen {
		fe = append(fe, events.FieldError{Field: "message", Message: fmt.Sprintf("must be at most %d characters", maxMessageLen)})
	}
	if len(fe) > 0 {
		return src, tgt, fe
	}
	ctx := c.Request().Context()
	for field, ref := range map[string]events.DeploymentRef{"source": src, "target": tgt} {
		if _, err := a.Reads.Deployment(ctx, ref.String()); errors.Is(err, fault.ErrNotFound) {
			return src, tgt, &refusal{kind: fault.ErrNotFound, detail: fmt.Sprintf("%s deployment %s does not exist", field, ref),
				fields: []events.FieldError{{Field: field, Message: "does not exist"}}}
		} else if err != nil {
			return src, tgt, err
		}
	}
	return src, tgt, nil
}

// validatePromotionSecrets checks the secret decisions: env names, and the
// secret names and keys a spec's references must have.
func validatePromotionSecrets(req promotionRequest) []events.FieldError {
	var fe []events.FieldError
	for env, s := range req.Secrets {
		spec := events.Spec{Image: "x", Secrets: []events.SecretRef{{Env: env, Name: s.Name, Key: s.Key}}}
		var errs events.FieldErrors
		if errors.As(validation.Spec(spec), &errs) {
			for _, e := range errs {
				rest, ok := strings.CutPrefix(e.Field, "spec.secrets[0]")
				if !ok {
					continue
				}
				e.Field = "secrets." + env + strings.TrimSuffix(rest, ".env") // .name, .key, or the env name itself
				fe = append(fe, e)
			}
		}
	}
	for i, env := range req.UseSourceSecrets {
		if _, given := req.Secrets[env]; given {
			fe = append(fe, events.FieldError{Field: fmt.Sprintf("useSourceSecrets[%d]", i), Message: env + " is also given in secrets: choose one"})
		}
	}
	return fe
}

// applyPromotion applies a reviewed plan as it is; a stale plan is refused.
func (a *API) applyPromotion(c echo.Context) error {
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	p, err := a.Reads.Promotion(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	tgt, _ := parseRef(p.Target)
	src, _ := parseRef(p.Source)
	if err := a.authorizePromotion(c, src, tgt); err != nil {
		return err
	}
	if err := checkPlannedSpec(p.Plan); err != nil {
		return err
	}
	return a.submitPromotion(c, tgt, events.ApplyPromotion{ID: p.ID, Target: tgt}, wait)
}

// submitPromotion submits a promotion command and answers with the
// promotion once its operation ended within the wait (a rejection as a
// problem), else 202 with the operation.
func (a *API) submitPromotion(c echo.Context, tgt events.DeploymentRef, cmd events.Message, wait waitFor) error {
	ctx := c.Request().Context()
	rec, err := a.Commands.Submit(ctx, submitRequest(c, events.KindPromote, tgt, cmd))
	if err != nil {
		return submitError(err)
	}
	// Stored: from here on never a 5xx (see answerCommitted).
	accepted := acceptedOperation(rec)
	op, _ := a.awaitOperation(ctx, rec.ID, time.Duration(wait), &accepted)
	id := rec.ID
	if apply, ok := cmd.(events.ApplyPromotion); ok {
		id = apply.ID
	}
	switch {
	case op.Status == readmodel.OpRejected:
		return rejection(op)
	case op.Ended():
		c.Response().Header().Set(echo.HeaderLocation, "/v1/promotions/"+id)
		if err := a.answerPromotion(c, id); err == nil {
			return nil
		}
		// The read model did not answer the promotion: the operation's
		// answer, as while it runs, never a 5xx (see answerCommitted).
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/operations/"+op.ID)
	return c.JSON(http.StatusAccepted, operationOf(op))
}

func (a *API) getPromotion(c echo.Context) error {
	p, err := a.Reads.Promotion(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if err := a.requireOn(c, access.Viewer, p.Target, "read a promotion"); err != nil {
		return err
	}
	return a.answerPromotion(c, p.ID)
}

// authorizePromotion needs viewer on the source and deployer on the
// target, or admin when the target runs in production.
func (a *API) authorizePromotion(c echo.Context, src, tgt events.DeploymentRef) error {
	if err := a.require(c, access.Viewer, src.Owner+"/"+src.Project, src.String(), "promote from "+src.String()); err != nil {
		return err
	}
	role, action := access.Deployer, "promote into "+tgt.String()
	d, err := a.Reads.Deployment(c.Request().Context(), tgt.String())
	if err != nil && !errors.Is(err, fault.ErrNotFound) {
		return err
	}
	if d.Environment == ProductionEnvironment {
		role, action = access.Admin, "promote into production ("+tgt.String()+")"
	}
	return a.require(c, role, tgt.Owner+"/"+tgt.Project, tgt.String(), action)
}

// ProductionEnvironment is the environment whose promotions need an admin.
const ProductionEnvironment = "production"

// promotionView is a promotion with its status and readable diff.
type promotionView struct {
	promotion
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	Diff   string `json:"diffText"`
}

// answerPromotion writes the promotion with a status derived from its
// operations: needs-input, planned, applying, applied, failed or rejected.
func (a *API) answerPromotion(c echo.Context, id string) error {
	ctx := c.Request().Context()
	p, err := a.Reads.Promotion(ctx, id)
	if err != nil {
		return err
	}
	view := promotionView{promotion: promotionOf(p), Status: "planned"}
	if len(p.Missing)+len(p.MissingSecrets) > 0 {
		view.Status = "needs-input"
	}
	if n := len(p.Applications); n > 0 {
		op, err := a.operation(ctx, p.Applications[n-1].Operation)
		if err != nil {
			return err
		}
		view.Status, view.Reason = map[string]string{readmodel.OpSucceeded: "applied", readmodel.OpFailed: "failed",
			readmodel.OpRejected: "rejected"}[op.Status], op.Reason
		if view.Status == "" {
			view.Status = "applying"
		}
	}
	var doc struct {
		Diff []specdiff.Change `json:"diff"`
	}
	if json.Unmarshal(p.Plan, &doc) == nil {
		view.Diff = specdiff.Render(doc.Diff)
	}
	return c.JSON(http.StatusOK, view)
}

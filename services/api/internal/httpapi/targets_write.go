package httpapi

import (
	"context"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/metrics"
	"slipway.dev/pkg/validation"
	"slipway.dev/services/api/internal/fault"
	"slipway.dev/services/api/internal/fleetquery"
	"slipway.dev/services/api/internal/readmodel"
)

// targetRequest is the body of PUT /v1/targets/{target}. The connection is
// a reference to credentials the workers can read, never credentials.
type targetRequest struct {
	Region        string                         `json:"region,omitempty"`
	Namespace     string                         `json:"namespace"`
	BaseURL       string                         `json:"baseURL"`
	InstanceTypes map[string]events.InstanceType `json:"instanceTypes"`
	Connection    events.TargetConnection        `json:"connection"`
	// Routing says which objects serve the target's canonical URLs
	// (absent: none), as a configured target's routing does.
	Routing *events.Routing `json:"routing,omitempty"`
	// PrometheusURL is the Prometheus canaries' checks on the target query
	// (absent: the workers' global one).
	PrometheusURL string `json:"prometheusURL,omitempty"`
}

// putTarget registers a target, or replaces the registration of one
// registered earlier. A worker decides (TargetRegistered/TargetUpdated) and
// publishes it to the catalogue; workers and the health monitor connect to
// it without a restart. Targets of the workers' configuration are refused.
func (a *API) putTarget(c echo.Context) error {
	name := c.Param("target")
	var req targetRequest
	if err := decodeStrict(c, &req); err != nil {
		return err
	}
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	spec := events.TargetSpec{Name: name, Region: req.Region, Namespace: req.Namespace, BaseURL: req.BaseURL,
		InstanceTypes: req.InstanceTypes, Connection: req.Connection, Routing: req.Routing,
		PrometheusURL: req.PrometheusURL}
	if fe := validation.Target(spec); len(fe) > 0 {
		for i := range fe {
			if fe[i].Field == "name" {
				fe[i].Field = "target" // the path parameter
			}
		}
		return fe
	}
	if rec, found, _ := a.Targets.Target(name); found && !rec.FromAPI() {
		return targetConflict(events.ReasonTargetFromConfig,
			fmt.Sprintf("target %s is defined by the workers' configuration; change it there", name))
	}
	return a.submitTarget(c, name, events.RegisterTarget{Target: spec}, wait)
}

// deleteTarget removes a target registered through the API. It is refused
// (409, reason TargetInUse) while deployments that are not terminated run
// on it, and for targets of the workers' configuration (TargetFromConfig).
func (a *API) deleteTarget(c echo.Context) error {
	name := c.Param("target")
	wait, err := waitParam(c)
	if err != nil {
		return err
	}
	rec, found, _ := a.Targets.Target(name)
	if !found {
		return fmt.Errorf("target %s: %w", name, fault.ErrNotFound)
	}
	if !rec.FromAPI() {
		return targetConflict(events.ReasonTargetFromConfig,
			fmt.Sprintf("target %s is defined by the workers' configuration; remove it there", name))
	}
	inUse, err := a.deploymentsOn(c.Request().Context(), name)
	if err != nil {
		return err
	}
	if len(inUse) > 0 {
		return targetConflict(events.ReasonTargetInUse,
			fmt.Sprintf("deployments still run on target %s (%s); terminate them first", name, strings.Join(inUse, ", ")))
	}
	return a.submitTarget(c, name, events.RemoveTarget{Name: name}, wait)
}

// inUseShown bounds the deployments a TargetInUse problem names.
const inUseShown = 5

// deploymentsOn names up to inUseShown deployments (not terminated) on target.
func (a *API) deploymentsOn(ctx context.Context, target string) ([]string, error) {
	q := readmodel.FleetQuery{Limit: inUseShown + 1, // in id order, terminated ones left out
		Query: fleetquery.Query{Terms: []fleetquery.Term{{Field: "target", Op: fleetquery.Eq, Value: target}}}}
	deps, err := a.Reads.Deployments(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(deps))
	for i, d := range deps {
		if i == inUseShown {
			out = append(out, "…")
			break
		}
		out = append(out, d.ID)
	}
	return out, nil
}

// submitTarget accepts a target command: 202 with its operation, or with
// ?wait its outcome (a rejection as a problem).
func (a *API) submitTarget(c echo.Context, name string, cmd events.Message, wait waitFor) error {
	req := submitRequest(c, events.KindTarget, events.DeploymentRef{}, cmd)
	req.Target = name
	rec, err := a.Commands.Submit(c.Request().Context(), req)
	if err != nil {
		return submitError(err)
	}
	metrics.CommandsAccepted.WithLabelValues(events.KindTarget).Inc()
	c.Response().Header().Set(echo.HeaderLocation, "/v1/operations/"+rec.ID)
	return a.answerCommitted(c, rec, wait)
}

// targetConflict is a 409 refusal made before any command is written.
func targetConflict(reason, detail string) error {
	return &refusal{kind: errConflict, detail: detail, reason: reason}
}

// reachability is whether target answered the workers' last check
// (reachable, unreachable), or unknown.
func (a *API) reachability(target string) string {
	if rec, found, _ := a.Targets.Target(target); found {
		return rec.Status.Reachability()
	}
	return "unknown"
}

// fleetItem is a deployment in the fleet list with view=full, with whether
// its target answered the workers' last check.
type fleetItem struct {
	deployment
	TargetReachability string `json:"targetReachability"`
}

// summaryItem is a deployment in the fleet list, with whether its target
// answered the workers' last check.
type summaryItem struct {
	summary
	TargetReachability string `json:"targetReachability"`
}

package httpapi

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"slipway.dev/pkg/events"
	"slipway.dev/services/api/internal/fault"
)

// Targets is the api's view of the targets the workers serve.
type Targets interface {
	Target(name string) (rec events.TargetRecord, found, known bool)
	List() []events.TargetRecord
	Names() []string
}

func (a *API) listTargets(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"items": a.Targets.List()})
}

func (a *API) getTarget(c echo.Context) error {
	rec, found, _ := a.Targets.Target(c.Param("target"))
	if !found {
		return fmt.Errorf("target %s: %w", c.Param("target"), fault.ErrNotFound)
	}
	return c.JSON(http.StatusOK, rec)
}

// checkPlacement refuses an unknown target or an instance type the target
// does not offer. When no worker has published its targets yet, the worker
// checks when it decides.
func (a *API) checkPlacement(target, instanceType string) events.FieldErrors {
	rec, found, known := a.Targets.Target(target)
	switch {
	case !known:
		return nil
	case !found && target == "":
		return nil
	case !found:
		return events.FieldErrors{{Field: "target", Message: fmt.Sprintf("is not a known target; known: %s", strings.Join(a.Targets.Names(), ", "))}}
	}
	if instanceType == "" {
		return nil
	}
	if _, ok := rec.InstanceTypes[instanceType]; !ok {
		offered := make([]string, 0, len(rec.InstanceTypes))
		for name := range rec.InstanceTypes {
			offered = append(offered, name)
		}
		sort.Strings(offered)
		return events.FieldErrors{{Field: "spec.instanceType",
			Message: fmt.Sprintf("%q is not offered by target %s; offered: %s", instanceType, rec.Name, strings.Join(offered, ", "))}}
	}
	return nil
}

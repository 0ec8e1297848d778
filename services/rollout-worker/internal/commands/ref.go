package commands

import (
	"strings"

	"slipway.dev/pkg/events"
	"slipway.dev/pkg/validation"
)

// refFromSubject parses an envelope subject of the form owner/project/name.
func refFromSubject(s string) (events.DeploymentRef, bool) {
	parts := strings.Split(s, "/")
	if len(parts) != 3 {
		return events.DeploymentRef{}, false
	}
	ref := events.DeploymentRef{Owner: parts[0], Project: parts[1], Name: parts[2]}
	for _, p := range parts {
		if validation.Name("", p, 63) != nil {
			return events.DeploymentRef{}, false
		}
	}
	return ref, true
}

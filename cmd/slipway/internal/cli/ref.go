package cli

import (
	"strconv"
	"strings"

	"slipway.dev/pkg/client"
)

// parseRef reads a deployment reference: owner/project/name, or a bare name
// in project (owner/project, from --project).
func parseRef(s, project string) (client.Ref, error) {
	parts := strings.Split(s, "/")
	switch {
	case len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] != "":
		return client.Ref{Owner: parts[0], Project: parts[1], Name: parts[2]}, nil
	case len(parts) == 1 && s != "" && project != "":
		owner, proj, ok := strings.Cut(project, "/")
		if !ok || owner == "" || proj == "" || strings.Contains(proj, "/") {
			return client.Ref{}, usageErrorf("--project %q: want owner/project", project)
		}
		return client.Ref{Owner: owner, Project: proj, Name: s}, nil
	case len(parts) == 1 && s != "":
		return client.Ref{}, usageErrorf("deployment %q: want owner/project/name, or --project owner/project", s)
	}
	return client.Ref{}, usageErrorf("deployment %q: want owner/project/name", s)
}

// oneRef reads the single REF argument of a command.
func (e *env) oneRef(args []string) (client.Ref, error) {
	if len(args) != 1 {
		return client.Ref{}, usageErrorf("want one deployment (owner/project/name), got %d arguments", len(args))
	}
	return parseRef(args[0], e.g.project)
}

// parseRevision reads a revision number, like 3 or v3.
func parseRevision(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(s, "v"))
	if err != nil || n < 1 {
		return 0, usageErrorf("revision %q: want a number like 3 or v3", s)
	}
	return n, nil
}

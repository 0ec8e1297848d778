package readmodel

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"slipway.dev/pkg/events"
)

// maxAliasHistory bounds the moves kept per alias in the document; the
// event history keeps all of them.
const maxAliasHistory = 100

func projectAlias(d *Deployment, env events.Envelope, msg events.Message) bool {
	switch m := msg.(type) {
	case events.AliasSet:
		a := d.alias(m.Alias)
		a.Pending, a.PendingBy, a.PendingOperation = m.Revision, env.Actor, env.CorrelationID
	case events.AliasMoveFailed:
		a := d.alias(m.Alias)
		if a.Pending == m.Revision {
			a.Pending, a.PendingBy, a.PendingOperation = 0, "", ""
		}
		t := env.Time
		a.LastFailure = &AliasFailure{Revision: m.Revision, Reason: m.Reason, Message: m.Message, At: t}
	case events.AliasMoved:
		a := d.alias(m.Alias)
		a.History = append(slices.Clip(a.History), AliasMove{From: m.Previous, To: m.Revision, Warm: m.Warm, Actor: a.PendingBy, At: env.Time})
		if len(a.History) > maxAliasHistory {
			a.History = a.History[len(a.History)-maxAliasHistory:]
		}
		a.Revision, a.Pending, a.PendingBy, a.PendingOperation, a.LastFailure = m.Revision, 0, "", "", nil
	case events.AliasDeleted:
		out := d.Aliases[:0]
		for _, a := range d.Aliases {
			if a.Name != m.Alias {
				out = append(out, a)
			}
		}
		d.Aliases = out
	default:
		return false
	}
	return true
}

// EndedAliasMoves are the operations of alias moves that an event ends
// without an outcome of their own, by operation id, with why: setting the
// alias again supersedes its move (also one recorded before AliasSet named
// the move it supersedes), deleting the alias or terminating the deployment
// ends it. before is the deployment as it was before the event.
func EndedAliasMoves(before Deployment, msg events.Message) map[string]string {
	out := map[string]string{}
	for _, a := range before.Aliases {
		if a.Pending == 0 || a.PendingOperation == "" {
			continue
		}
		switch m := msg.(type) {
		case events.AliasSet:
			if m.Alias == a.Name {
				out[a.PendingOperation] = fmt.Sprintf("alias %s was set to revision %d before its move to revision %d ended", a.Name, m.Revision, a.Pending)
			}
		case events.AliasDeleted:
			if m.Alias == a.Name {
				out[a.PendingOperation] = fmt.Sprintf("alias %s was deleted before its move to revision %d ended", a.Name, a.Pending)
			}
		case events.DeploymentTerminated:
			out[a.PendingOperation] = fmt.Sprintf("the deployment was terminated before alias %s moved to revision %d", a.Name, a.Pending)
		}
	}
	return out
}

// alias returns the named alias, adding it in name order when new.
func (d *Deployment) alias(name string) *Alias {
	for i := range d.Aliases {
		if d.Aliases[i].Name == name {
			return &d.Aliases[i]
		}
	}
	d.Aliases = append(d.Aliases, Alias{Name: name, URLs: d.aliasURLs(name), History: []AliasMove{}})
	sort.Slice(d.Aliases, func(i, j int) bool { return d.Aliases[i].Name < d.Aliases[j].Name })
	return d.alias(name)
}

// aliasURLs are the canonical URLs of an alias:
// <base>/<owner>/<project>/<deployment>/<alias>/<endpoint>.
func (d *Deployment) aliasURLs(alias string) []EndpointURL {
	base := strings.TrimRight(d.BaseURL, "/") + "/" + d.Owner + "/" + d.Project + "/" + d.Name + "/" + alias
	out := make([]EndpointURL, 0, len(d.Endpoints))
	for _, ep := range d.Endpoints {
		out = append(out, EndpointURL{Name: ep.Name, URL: base + "/" + ep.Name})
	}
	return out
}

// versionURL is <base>/<owner>/<project>/<deployment>/v<N>/<endpoint>.
func versionURL(base string, ref events.DeploymentRef, revision int, endpoint string) string {
	return strings.TrimRight(base, "/") + "/" + ref.Owner + "/" + ref.Project + "/" + ref.Name + "/v" + strconv.Itoa(revision) + "/" + endpoint
}

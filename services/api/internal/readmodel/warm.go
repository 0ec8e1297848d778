package readmodel

import (
	"sort"

	"slipway.dev/pkg/events"
)

// maxSeenRevisions bounds the revisions a deployment document remembers for
// its warm list (aliased ones are kept beyond it); keepWarm reaches back at
// most validation.MaxKeepWarm good revisions.
const maxSeenRevisions = 100

// seenRevision is what the warm list needs of a revision: its pod template,
// its endpoints and whether its rollout succeeded.
type seenRevision struct {
	Number    int      `bson:"n"`
	Template  int      `bson:"t"`
	KeepWarm  int32    `bson:"kw,omitempty"`
	Endpoints []string `bson:"ep"`
	Succeeded bool     `bson:"ok,omitempty"`
}

// WarmRevision is a revision whose pods run, with its per-version URLs
// (<base>/<owner>/<project>/<deployment>/v<N>/<endpoint>) and why it runs:
// `running` (the last one that rolled out), `alias:<name>`, `keepWarm`.
type WarmRevision struct {
	Revision int          `bson:"revision"`
	Serves   []string     `bson:"serves"`
	URLs     []VersionURL `bson:"urls"`
}

// VersionURL is an endpoint's per-version URL.
type VersionURL struct {
	Name string `bson:"name"`
	URL  string `bson:"url"`
}

// seeRevision remembers a new revision.
func (d *Deployment) seeRevision(rev events.Revision) {
	eps := make([]string, 0, len(rev.Spec.Endpoints))
	for _, ep := range rev.Spec.Endpoints {
		eps = append(eps, ep.Name)
	}
	d.Seen = append(d.Seen, seenRevision{Number: rev.Number, Template: rev.PodTemplateRevision(), KeepWarm: rev.Spec.KeepWarm, Endpoints: eps})
	if len(d.Seen) <= maxSeenRevisions {
		return
	}
	aliased := d.aliasedRevisions()
	out := d.Seen[:0]
	for i, r := range d.Seen {
		if i >= len(d.Seen)-maxSeenRevisions || aliased[r.Number] {
			out = append(out, r)
		}
	}
	d.Seen = out
}

func (d *Deployment) seen(n int) (*seenRevision, bool) {
	for i := range d.Seen {
		if d.Seen[i].Number == n {
			return &d.Seen[i], true
		}
	}
	return nil, false
}

func (d *Deployment) aliasedRevisions() map[int]bool {
	out := map[int]bool{}
	for _, a := range d.Aliases {
		out[a.Revision], out[a.Pending] = true, true
	}
	return out
}

// refreshWarm recomputes the warm list as the worker decides what runs
// (rollout-worker internal/rollout ServedRevisions): the last revision that
// rolled out, the revisions aliases serve, and the last keepWarm good
// revisions before the current one whose pod templates are neither the
// current one's nor an alias's (served or moving to), one per template.
func (d *Deployment) refreshWarm() {
	d.Warm = []WarmRevision{}
	if d.Terminated {
		return
	}
	serves := map[int][]string{}
	if d.RunningRevision > 0 {
		serves[d.RunningRevision] = append(serves[d.RunningRevision], "running")
	}
	taken := map[int]bool{}
	for _, a := range d.Aliases {
		if a.Revision > 0 {
			serves[a.Revision] = append(serves[a.Revision], "alias:"+a.Name)
		}
		for _, n := range []int{a.Revision, a.Pending} {
			if r, ok := d.seen(n); ok {
				taken[r.Template] = true
			}
		}
	}
	var keep int32
	current := 0
	if r, ok := d.seen(d.Revision); ok {
		keep, current = r.KeepWarm, r.Template
	}
	for i := len(d.Seen) - 1; i >= 0 && keep > 0; i-- {
		r := d.Seen[i]
		if r.Number > d.RunningRevision || r.Number == d.Revision || r.Template == current || taken[r.Template] || !r.Succeeded {
			continue
		}
		taken[r.Template] = true
		serves[r.Number] = append(serves[r.Number], "keepWarm")
		keep--
	}
	ref := events.DeploymentRef{Owner: d.Owner, Project: d.Project, Name: d.Name}
	for n, why := range serves {
		w := WarmRevision{Revision: n, Serves: why, URLs: []VersionURL{}}
		eps := d.endpointNames()
		if r, ok := d.seen(n); ok {
			eps = r.Endpoints
		}
		for _, ep := range eps {
			w.URLs = append(w.URLs, VersionURL{Name: ep, URL: versionURL(d.BaseURL, ref, n, ep)})
		}
		d.Warm = append(d.Warm, w)
	}
	sort.Slice(d.Warm, func(i, j int) bool { return d.Warm[i].Revision > d.Warm[j].Revision })
}

func (d *Deployment) endpointNames() []string {
	out := make([]string, 0, len(d.Endpoints))
	for _, ep := range d.Endpoints {
		out = append(out, ep.Name)
	}
	return out
}

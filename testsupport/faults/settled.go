package faults

import (
	"fmt"
	"slices"

	"slipway.dev/pkg/events"
)

// life is what the invariants need of one deployment's history.
type life struct {
	revisions  map[int]events.Spec
	current    int          // the newest revision
	settled    int          // the newest revision whose rollout succeeded
	ended      map[int]bool // revisions whose rollout succeeded or failed
	terminated bool
	completed  bool           // the termination removed its objects
	aliases    map[string]int // alias -> revision served (moved)
	pending    map[string]int // alias -> revision a move is under way to
}

// lives folds every deployment's history out of events, by subject.
func lives(evts []Event) map[string]*life {
	out := map[string]*life{}
	get := func(subject string) *life {
		l, ok := out[subject]
		if !ok {
			l = &life{revisions: map[int]events.Spec{}, ended: map[int]bool{}, aliases: map[string]int{}, pending: map[string]int{}}
			out[subject] = l
		}
		return l
	}
	for _, e := range evts {
		if rev, ok := events.RevisionOf(e.Message); ok {
			l := get(e.Envelope.Subject)
			l.revisions[rev.Number] = rev.Spec
			l.current = max(l.current, rev.Number)
		}
		switch m := e.Message.(type) {
		case events.RolloutSucceeded:
			l := get(e.Envelope.Subject)
			l.ended[m.Revision] = true
			l.settled = max(l.settled, m.Revision)
		case events.RolloutFailed:
			get(e.Envelope.Subject).ended[m.Revision] = true
		case events.DeploymentTerminated:
			get(e.Envelope.Subject).terminated = true
		case events.TerminationCompleted:
			get(e.Envelope.Subject).completed = true
		case events.AliasSet:
			get(e.Envelope.Subject).pending[m.Alias] = m.Revision
		case events.AliasMoved:
			l := get(e.Envelope.Subject)
			l.aliases[m.Alias] = m.Revision
			if l.pending[m.Alias] == m.Revision {
				delete(l.pending, m.Alias)
			}
		case events.AliasMoveFailed:
			l := get(e.Envelope.Subject)
			if l.pending[m.Alias] == m.Revision {
				delete(l.pending, m.Alias)
			}
		case events.AliasDeleted:
			l := get(e.Envelope.Subject)
			delete(l.aliases, m.Alias)
			delete(l.pending, m.Alias)
		}
	}
	for subject, l := range out { // subjects with no revision are not deployments
		if len(l.revisions) == 0 {
			delete(out, subject)
		}
	}
	return out
}

func checkCluster(o Observed) []Violation {
	var out []Violation
	ls := lives(o.Events)
	for _, subject := range sortedKeys(ls) {
		l, obj := ls[subject], o.Cluster[subject]
		bad := func(format string, args ...any) {
			out = append(out, Violation{InvCluster, subject + ": " + fmt.Sprintf(format, args...)})
		}
		switch {
		case l.terminated:
			if obj.Exists {
				bad("terminated, yet its Deployment is on the cluster")
			}
			continue
		case l.settled == 0:
			continue // never rolled out: no revision to match
		case !obj.Exists:
			bad("revision %d settled, but no Deployment is on the cluster", l.settled)
			continue
		}
		spec := l.revisions[l.settled]
		if obj.AppliedRevision != l.settled {
			bad("the cluster runs revision %d, the last settled is %d", obj.AppliedRevision, l.settled)
		}
		if obj.Image != spec.Image {
			bad("image %q on the cluster, %q in revision %d", obj.Image, spec.Image, l.settled)
		}
		if spec.Replicas != nil && obj.Replicas != *spec.Replicas {
			bad("%d replicas on the cluster, %d in revision %d", obj.Replicas, *spec.Replicas, l.settled)
		}
		for _, alias := range sortedKeys(l.aliases) {
			if !slices.Contains(obj.AliasServices, alias) {
				bad("alias %s serves revision %d but has no Service", alias, l.aliases[alias])
			}
		}
	}
	return out
}

func checkNoOrphanWork(o Observed) []Violation {
	var out []Violation
	ls := lives(o.Events)
	for _, subject := range sortedKeys(ls) {
		l := ls[subject]
		if l.terminated {
			if !l.completed {
				out = append(out, Violation{InvNoOrphanWork, subject + ": terminated, but its objects were never removed"})
			}
			continue
		}
		if !l.ended[l.current] {
			out = append(out, Violation{InvNoOrphanWork, fmt.Sprintf("%s: the rollout of revision %d never ended", subject, l.current)})
		}
		for _, alias := range sortedKeys(l.pending) {
			out = append(out, Violation{InvNoOrphanWork, fmt.Sprintf("%s: the move of alias %s to revision %d never ended", subject, alias, l.pending[alias])})
		}
	}
	return out
}

func checkWebhooks(o Observed) []Violation {
	var out []Violation
	for _, e := range o.Events {
		if e.Seq <= o.WebhookAfter || !o.WebhookPattern.Matches(e.Envelope.Type) {
			continue
		}
		if o.Delivered[e.Envelope.ID] < 1 {
			out = append(out, Violation{InvWebhooks, fmt.Sprintf("event %s (%s, seq %d) was never delivered signed", e.Envelope.ID, e.Envelope.Type, e.Seq)})
		}
	}
	return out
}

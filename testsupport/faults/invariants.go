package faults

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"slipway.dev/pkg/events"
)

// Event is one event stored on EVENTS. Message is nil for a type this build
// does not know.
type Event struct {
	Seq      uint64
	Envelope events.Envelope
	Message  events.Message
}

// Documents are read-model documents: collection -> _id -> document.
type Documents map[string]map[string]map[string]any

// Object is what the cluster holds for one deployment: its main Deployment
// (when it exists) and the Services of its aliases.
type Object struct {
	Exists          bool
	AppliedRevision int
	Image           string
	Replicas        int32
	AliasServices   []string // alias names with a Service
}

// Observed is everything the invariants are checked on, gathered once the
// schedule ended and the system settled. It holds no connection: the checks
// are pure, so each can be shown to catch a deliberately broken Observed.
type Observed struct {
	// Accepted are the operations the api answered 202 Accepted for.
	Accepted []string
	// FirstSeq and LastSeq bound EVENTS; Events are all it holds, in order.
	FirstSeq, LastSeq uint64
	Events            []Event
	// ReadModel is the live read models; Rebuilt the same collections
	// projected from EVENTS into an empty database.
	ReadModel, Rebuilt Documents
	// Cluster is the cluster's objects by deployment (owner/project/name).
	Cluster map[string]Object
	// WebhookAfter is EVENTS' last sequence when the subscription was made;
	// WebhookPattern its event filter; Delivered counts the deliveries the
	// receiver got and verified (signature and body), by event id.
	WebhookAfter   uint64
	WebhookPattern events.TypePattern
	Delivered      map[string]int
	// Unanswered are the commands with no 2xx or 4xx answer after the
	// client's retries, classified committed or not (classify).
	Unanswered []Unanswered
}

// Violation is one broken invariant.
type Violation struct {
	Invariant string
	Detail    string
}

func (v Violation) String() string { return v.Invariant + ": " + v.Detail }

// Invariant names, as violations report them.
const (
	InvOneOutcome   = "one-outcome-per-accepted-command"
	InvContiguous   = "contiguous-revisions-and-sequences"
	InvReplay       = "read-models-equal-replay"
	InvCluster      = "cluster-matches-settled-revision"
	InvWebhooks     = "webhooks-delivered-signed"
	InvNoOrphanWork = "no-rollout-left-running"
	InvCommitted5xx = "committed-command-answered"
)

// Check runs every invariant on o.
func Check(o Observed) []Violation {
	var out []Violation
	for _, check := range []func(Observed) []Violation{checkOutcomes, checkContiguous, checkReplay, checkCluster, checkWebhooks, checkNoOrphanWork,
		checkCommittedAnswered} {
		out = append(out, check(o)...)
	}
	return out
}

// outcomeTypes are the events that settle a command: exactly one per
// command (docs/ARCHITECTURE.md, Idempotency).
var outcomeTypes = map[string]bool{
	events.DeploymentCreated{}.Type(): true, events.CommandRejected{}.Type(): true, events.RevisionCreated{}.Type(): true,
	events.DeploymentUnchanged{}.Type(): true, events.DeploymentTerminated{}.Type(): true, events.RolloutPaused{}.Type(): true,
	events.RolloutResumed{}.Type(): true, events.RolloutAborted{}.Type(): true, events.AliasSet{}.Type(): true,
	events.AliasDeleted{}.Type(): true, events.PromotionPlanned{}.Type(): true,
}

func checkOutcomes(o Observed) []Violation {
	count := map[string]int{}
	for _, e := range o.Events {
		if outcomeTypes[e.Envelope.Type] && e.Envelope.CausationID != "" {
			count[e.Envelope.CausationID]++
		}
	}
	var out []Violation
	for _, id := range o.Accepted {
		if n := count[id]; n != 1 {
			out = append(out, Violation{InvOneOutcome, fmt.Sprintf("operation %s answered 202 has %d outcome events, want 1", id, n)})
		}
	}
	return out
}

// checkCommittedAnswered: a command the intake stored is answered 202 with
// its operation by any api that is up (docs/ARCHITECTURE.md, Idempotency),
// so one answered only 5xx or nothing on an attempt made after it was
// stored, while the api was up and the store running, is a violation. One
// never stored, or retried only while they were down, is not: the client
// gave up during an outage.
func checkCommittedAnswered(o Observed) []Violation {
	var out []Violation
	for _, u := range o.Unanswered {
		if !u.Committed {
			continue
		}
		var up []string
		for _, a := range u.Attempts {
			if !a.Down && !a.Start.Before(u.CommittedAt) {
				up = append(up, a.String())
			}
		}
		if len(up) == 0 {
			continue
		}
		var all []string
		for _, a := range u.Attempts {
			all = append(all, a.String())
		}
		out = append(out, Violation{InvCommitted5xx, fmt.Sprintf(
			"%s %s (Idempotency-Key %s, operation %s) was stored at %s yet answered only 5xx or nothing, %d times while the api was up; attempts: %s",
			u.Kind, u.Path, u.Key, u.OperationID, u.CommittedAt.Format("15:04:05.000"), len(up), strings.Join(all, "; "))})
	}
	return out
}

func checkContiguous(o Observed) []Violation {
	var out []Violation
	want := o.FirstSeq
	for _, e := range o.Events {
		if e.Seq != want {
			out = append(out, Violation{InvContiguous, fmt.Sprintf("EVENTS sequence %d follows %d: %d missing", e.Seq, want-1, e.Seq-want)})
		}
		want = e.Seq + 1
	}
	if o.LastSeq >= o.FirstSeq && want != o.LastSeq+1 {
		out = append(out, Violation{InvContiguous, fmt.Sprintf("EVENTS ends at %d but its last sequence is %d", want-1, o.LastSeq)})
	}
	next := map[string]int{}
	for _, e := range o.Events {
		rev, ok := events.RevisionOf(e.Message)
		if !ok {
			continue
		}
		subject := e.Envelope.Subject
		if rev.Number != next[subject]+1 {
			out = append(out, Violation{InvContiguous, fmt.Sprintf("%s: revision %d follows %d (seq %d)", subject, rev.Number, next[subject], e.Seq)})
		}
		next[subject] = rev.Number
	}
	return out
}

func checkReplay(o Observed) []Violation {
	var out []Violation
	for _, coll := range sortedKeys(o.ReadModel, o.Rebuilt) {
		live, rebuilt := o.ReadModel[coll], o.Rebuilt[coll]
		for _, id := range sortedKeys(live, rebuilt) {
			l, lok := live[id]
			r, rok := rebuilt[id]
			switch {
			case !rok:
				out = append(out, Violation{InvReplay, fmt.Sprintf("%s %s is in the read model, not in the rebuild", coll, id)})
			case !lok:
				out = append(out, Violation{InvReplay, fmt.Sprintf("%s %s is in the rebuild, not in the read model", coll, id)})
			default:
				if fields := differing(l, r); len(fields) > 0 {
					var values []string
					for _, f := range fields {
						values = append(values, fmt.Sprintf("%s: %s live, %s rebuilt", f, brief(fmt.Sprint(l[f])), brief(fmt.Sprint(r[f]))))
					}
					out = append(out, Violation{InvReplay, fmt.Sprintf("%s %s differs from the rebuild in %v (%s)", coll, id, fields,
						strings.Join(values, "; "))})
				}
			}
		}
	}
	return out
}

func differing(a, b map[string]any) []string {
	var out []string
	for _, k := range sortedKeys(a, b) {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, k)
		}
	}
	return out
}

func sortedKeys[V any](maps ...map[string]V) []string {
	var keys []string
	for _, m := range maps {
		for k := range m {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// Package rollout is the rollout worker's pure decision logic: it folds a
// deployment's events into State and decides which events a command or an
// observation of the cluster leads to. It does no I/O.
package rollout

import (
	"time"

	"slipway.dev/pkg/events"
)

// Phase of a rollout: the contract's (events.RolloutPhase). The worker
// decides on these; Queued, Paused and Superseded are the read model's.
type Phase = events.RolloutPhase

// Rollout phases.
const (
	PhasePending     = events.RolloutPhasePending
	PhaseProgressing = events.RolloutPhaseProgressing
	PhaseBaking      = events.RolloutPhaseBaking
	PhaseSucceeded   = events.RolloutPhaseSucceeded
	PhaseFailed      = events.RolloutPhaseFailed
	PhaseAborted     = events.RolloutPhaseAborted
)

// State is a deployment as its event history says it is.
type State struct {
	Exists      bool
	Ref         events.DeploymentRef
	Target      events.TargetInfo
	Environment string
	Revisions   map[int]events.Revision
	// Current is the newest revision; Stable the newest that rolled out.
	Current int
	Stable  int
	Rollout *Rollout
	// Terminated: the deployment was terminated (its objects are removed once
	// TerminationDone). A terminated deployment whose name was freed no longer
	// Exists, and may be created again, continuing the revision numbers.
	Terminated      bool
	TerminationDone bool
	TerminationOp   string
	// Aliases maps alias names to the revision they serve and, while a move
	// is in progress, the revision they are moving to.
	Aliases map[string]Alias
	// Health is the last health transition recorded.
	Health events.HealthChanged
	// Routing is the last routing outcome recorded (nil: none yet, or the
	// deployment was terminated or created again since).
	Routing *events.RoutingChanged
	// LastSeq is the stream sequence of the last event folded: the expected
	// last subject sequence of the next append.
	LastSeq uint64
	// Version is the sequence of the last event that changed what the
	// client controls (events.MovesVersion): what If-Match and a
	// promotion's plan condition on. Progress and health do not move it.
	Version uint64
	// CanaryRan: a canary Deployment was started for this deployment
	// (since it was created), so ending a rollout may have one to remove.
	CanaryRan bool
	// handled holds the ids of commands already decided, so a redelivered
	// command is acknowledged without a second effect.
	handled map[string]bool
	// succeeded holds the revisions whose rollout succeeded.
	succeeded map[int]bool
}

// Alias is where an alias points.
type Alias struct {
	Revision    int // served now (0: not yet)
	Pending     int // moving to (0: no move in progress)
	OperationID string
	// Failure is a reason the health monitor reported for the pending
	// revision's pods (crash loops, image pulls) that fails the move.
	Failure, FailureMessage string
}

// Rollout is the move to one revision.
type Rollout struct {
	Revision    int
	Phase       Phase
	OperationID string
	Actor       string
	StartedAt   time.Time
	Replicas    events.Replicas
	Conditions  []events.Condition
	Reason      string
	// Paused holds the rollout (Kubernetes spec.paused).
	Paused bool
	// Queued: the rollout waited for a slot on its target.
	Queued bool
	// Failure is a reason the health monitor reported for this rollout's
	// pods (crash loops, image pulls) that fails it before its deadline.
	Failure, FailureMessage string
	// AbortOperation is the operation of the abort that ended the rollout;
	// the rollback it causes belongs to it.
	AbortOperation string
	// BakeUntil is when a baking rollout succeeds (PhaseBaking).
	BakeUntil time.Time
	// Canary is where a canary rollout stands (nil: not a canary, or its
	// first step has not started).
	Canary *Canary
	// Background is the rollout's background analysis (nil before it
	// started); see BackgroundApplies.
	Background *Background
}

// Handled reports whether the command with this id was already decided.
func (s State) Handled(commandID string) bool { return s.handled[commandID] }

// Fold builds the state from events in stream order.
func Fold(history []Event) State {
	s := State{Revisions: map[int]events.Revision{}, Aliases: map[string]Alias{}, handled: map[string]bool{}}
	for _, e := range history {
		s.Apply(e)
	}
	return s
}

// Event is one stored event: what Fold needs of a bus record.
type Event struct {
	Seq      uint64
	Envelope events.Envelope
	Message  events.Message
}

// Apply folds one event into the state. Unknown messages only move LastSeq.
func (s *State) Apply(e Event) {
	s.LastSeq = e.Seq
	if events.MovesVersion(e.Message) {
		s.Version = e.Seq
	}
	if s.handled == nil {
		s.handled = map[string]bool{}
	}
	if s.Revisions == nil {
		s.Revisions = map[int]events.Revision{}
	}
	if s.Aliases == nil {
		s.Aliases = map[string]Alias{}
	}
	if s.succeeded == nil {
		s.succeeded = map[int]bool{}
	}
	if e.Envelope.CausationID != "" && isDecision(e.Message) {
		s.handled[e.Envelope.CausationID] = true
	}
	// A new revision is current, its rollout pending.
	if rev, ok := events.RevisionOf(e.Message); ok {
		s.newRevision(rev, e.Envelope)
	}
	s.applyCanary(e)
	s.applyBackground(e)
	switch m := e.Message.(type) {
	case events.DeploymentCreated:
		s.Exists, s.Ref, s.Target, s.Environment = true, m.Deployment, m.Target, m.Environment
		s.Terminated, s.TerminationDone, s.TerminationOp, s.Stable, s.Routing = false, false, "", 0, nil
	case events.DeploymentTerminated:
		s.Terminated, s.TerminationDone, s.TerminationOp = true, false, e.Envelope.CorrelationID
		if m.FreeName {
			s.Exists = false
		}
		if s.Rollout != nil && !s.Rollout.Phase.Terminal() {
			s.Rollout.Phase = PhaseFailed
			s.Rollout.Reason = events.ReasonSuperseded
		}
	case events.HealthChanged:
		s.Health = m
		s.aliasHealth(m)
		r := s.Rollout
		if r == nil || m.Revision != s.Revisions[r.Revision].PodTemplateRevision() {
			break
		}
		if r.Phase == PhaseProgressing && failsRollout(m.Reason) || r.Phase == PhaseBaking && failsBake(m) {
			r.Failure, r.FailureMessage = m.Reason, m.Message
		}
	case events.AliasSet:
		a := s.Aliases[m.Alias]
		a.Pending, a.OperationID, a.Failure, a.FailureMessage = m.Revision, e.Envelope.CorrelationID, "", ""
		s.Aliases[m.Alias] = a
		// The revision's pods may be failing already (the monitor publishes
		// transitions only): then the move fails at once.
		s.aliasHealth(s.Health)
	case events.AliasMoveFailed:
		if a := s.Aliases[m.Alias]; a.Pending == m.Revision {
			s.Aliases[m.Alias] = Alias{Revision: a.Revision}
		}
	case events.AliasMoved:
		if a := s.Aliases[m.Alias]; a.Pending == m.Revision {
			s.Aliases[m.Alias] = Alias{Revision: m.Revision}
		}
	case events.AliasDeleted:
		delete(s.Aliases, m.Alias)
	case events.RolloutQueued:
		if r := s.rolloutOf(m.Revision); r != nil {
			r.Queued = true
		}
	case events.RolloutPaused:
		if r := s.rolloutOf(m.Revision); r != nil {
			r.Paused = true
		}
	case events.RolloutResumed:
		if r := s.rolloutOf(m.Revision); r != nil {
			r.Paused = false
		}
	case events.RolloutAborted:
		if r := s.rolloutOf(m.Revision); r != nil {
			r.Phase, r.Reason, r.Paused, r.AbortOperation = PhaseAborted, m.Reason, false, e.Envelope.CorrelationID
		}
	case events.TerminationCompleted:
		s.TerminationDone, s.Routing = true, nil
	case events.RoutingChanged:
		s.Routing = &m
	case events.RolloutStarted:
		if r := s.rolloutOf(m.Revision); r != nil {
			r.Phase, r.StartedAt = PhaseProgressing, e.Envelope.Time
			r.Replicas.Desired = m.Desired
		}
	case events.RolloutProgressed:
		if r := s.rolloutOf(m.Revision); r != nil {
			r.Replicas, r.Conditions = m.Replicas, m.Conditions
		}
	case events.RolloutBaking:
		if r := s.rolloutOf(m.Revision); r != nil {
			r.Phase, r.Replicas, r.BakeUntil = PhaseBaking, m.Replicas, m.Until
		}
	case events.RolloutSucceeded:
		if r := s.rolloutOf(m.Revision); r != nil {
			r.Phase, r.Replicas, r.Reason = PhaseSucceeded, m.Replicas, events.ReasonRolloutComplete
			s.Stable = m.Revision
			s.succeeded[m.Revision] = true
		}
	case events.RolloutFailed:
		if r := s.rolloutOf(m.Revision); r != nil {
			r.Phase, r.Replicas, r.Reason = PhaseFailed, m.Replicas, m.Reason
		}
	}
}

func (s *State) newRevision(rev events.Revision, env events.Envelope) {
	s.Revisions[rev.Number] = rev
	s.Current = rev.Number
	s.Rollout = &Rollout{Revision: rev.Number, Phase: PhasePending, OperationID: env.CorrelationID, Actor: env.Actor}
}

// aliasHealth marks the moves whose pending revision's pods the health
// monitor reports failing in a way waiting does not cure.
func (s *State) aliasHealth(m events.HealthChanged) {
	if !failsRollout(m.Reason) {
		return
	}
	for name, a := range s.Aliases {
		if r, ok := s.Revisions[a.Pending]; ok && a.Pending != 0 && r.PodTemplateRevision() == m.Revision {
			a.Failure, a.FailureMessage = m.Reason, m.Message
			s.Aliases[name] = a
		}
	}
}

func (s *State) rolloutOf(revision int) *Rollout {
	if s.Rollout == nil || s.Rollout.Revision != revision {
		return nil
	}
	return s.Rollout
}

// isDecision reports whether a message is the direct outcome of a command.
func isDecision(m events.Message) bool {
	switch m.(type) {
	case events.DeploymentCreated, events.CommandRejected, events.RevisionCreated, events.DeploymentUnchanged, events.DeploymentTerminated,
		events.RolloutPaused, events.RolloutResumed, events.RolloutAborted, events.AliasSet, events.AliasDeleted, events.CanaryPromoted:
		return true
	}
	return false
}

// failsRollout reports health reasons that fail a rollout at once: its pods
// will not become ready by waiting.
func failsRollout(reason string) bool {
	return reason == events.ReasonCrashLoopBackOff || reason == events.ReasonImagePullBackOff
}

// failsBake reports health changes that fail a baking rollout: what fails a
// rollout, or the deployment no longer serving at all.
func failsBake(m events.HealthChanged) bool {
	return failsRollout(m.Reason) || m.To == events.HealthUnavailable
}

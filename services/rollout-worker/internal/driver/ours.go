package driver

import "slipway.dev/services/rollout-worker/internal/rollout"

// ours answers "is this rollout still ours?" for the driver of revision's
// rollout, from the history as folded in st: the deployment is not
// terminated and revision is still its current revision.
//
// Contract: false means a newer revision (an update, a rollback, an
// adopted drift, an automatic rollback) superseded the rollout, or the
// deployment was terminated. The driver then stops without acting: it
// appends nothing more for the rollout and changes nothing on the cluster;
// the newer revision's own event, or the termination's, drives what
// follows. It says nothing about the rollout's phase: whether the rollout
// still runs, bakes or has ended is asked separately (rolling, baking).
func ours(st rollout.State, revision int) bool {
	return !st.Terminated && st.Current == revision
}

// rolling reports whether revision's rollout is ours and its Deployment is
// still to be watched: it has not ended and is not baking.
func rolling(st rollout.State, revision int) bool {
	return ours(st, revision) && st.Rollout != nil && !st.Rollout.Phase.Terminal() && st.Rollout.Phase != rollout.PhaseBaking
}

// baking reports whether revision's rollout is ours and baking: its
// Deployment is complete and it waits out its bake time.
func baking(st rollout.State, revision int) bool {
	return ours(st, revision) && st.Rollout != nil && st.Rollout.Phase == rollout.PhaseBaking
}

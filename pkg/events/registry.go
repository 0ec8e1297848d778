package events

import "encoding/json"

// registry maps each wire type name to its decoder. Every command and event
// type must be listed in Types; a test checks each has a golden file.
var registry = map[string]func([]byte) (Message, error){}

func register[T Message]() {
	var zero T
	registry[zero.Type()] = func(b []byte) (Message, error) {
		var v T
		err := json.Unmarshal(b, &v)
		return v, err
	}
}

func init() {
	register[CreateDeployment]()
	register[DeploymentCreated]()
	register[CommandRejected]()
	register[RolloutStarted]()
	register[RolloutProgressed]()
	register[RolloutSucceeded]()
	register[RolloutBaking]()
	register[RolloutFailed]()
	register[HealthChanged]()
	register[UpdateDeployment]()
	register[RevisionCreated]()
	register[DeploymentUnchanged]()
	register[DriftDetected]()
	register[RollbackDeployment]()
	register[TerminateDeployment]()
	register[DeploymentTerminated]()
	register[TerminationCompleted]()
	register[PauseRollout]()
	register[ResumeRollout]()
	register[AbortRollout]()
	register[RolloutPaused]()
	register[RolloutResumed]()
	register[RolloutAborted]()
	register[RolloutQueued]()
	register[PromoteRollout]()
	register[CanaryStepStarted]()
	register[AnalysisMeasured]()
	register[AnalysisInconclusive]()
	register[CanaryPromoted]()
	register[PlanPromotion]()
	register[ApplyPromotion]()
	register[PromoteDeployment]()
	register[PromotionPlanned]()
	register[PromotionApplied]()
	register[SetAlias]()
	register[DeleteAlias]()
	register[AliasSet]()
	register[AliasMoved]()
	register[AliasMoveFailed]()
	register[AliasDeleted]()
	register[RoutingChanged]()
	register[RegisterTarget]()
	register[RemoveTarget]()
	register[TargetRegistered]()
	register[TargetUpdated]()
	register[TargetRemoved]()
	register[AccessDenied]()
	register[APITokenCreated]()
	register[APITokenRevoked]()
	register[WebhookCreated]()
	register[WebhookDeleted]()
	register[WebhookRedelivered]()
}

// Types lists every registered wire type name.
func Types() []string {
	out := make([]string, 0, len(registry))
	for t := range registry {
		out = append(out, t)
	}
	return out
}

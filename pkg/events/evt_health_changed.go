package events

// HealthChanged is published by the health monitor on a transition only: when
// the settled health state, its reason or the revision it is about changes.
type HealthChanged struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Reason   string   `json:"reason"`
	Message  string   `json:"message,omitempty"`
	Replicas Replicas `json:"replicas"`
	// Revision is the pod template revision (the pods' slipway.dev/revision
	// label) the transition is about: for ReasonCrashLoopBackOff,
	// ReasonImagePullBackOff and ReasonUnschedulable the revision of the
	// failing pods (the Deployment's current template revision when its pods
	// are among them), otherwise the Deployment's current template revision.
	// 0 when unknown, as in events written before the field existed.
	Revision int `json:"revision,omitempty"`
	// Pods counts the deployment's pods as the monitor saw them; nil in events
	// written before the field existed.
	Pods *PodCounts `json:"pods,omitempty"`
	// ReadyEndpoints counts the ready endpoints of the deployment's Service;
	// nil when the target has no EndpointSlice for it (the simulated cluster
	// has none).
	ReadyEndpoints *int32 `json:"readyEndpoints,omitempty"`
}

func (HealthChanged) Type() string { return "slipway.deployment.health_changed.v1" }

// PodCounts are a deployment's pods by what is wrong with them. A pod counts
// in at most one failure: crash-looping before failing to pull its image
// before unschedulable.
type PodCounts struct {
	Total int32 `json:"total"`
	Ready int32 `json:"ready"`
	// CrashLooping: a container waits in CrashLoopBackOff, or restarted since
	// the previous sample.
	CrashLooping int32 `json:"crashLooping,omitempty"`
	// ImagePullBackOff: a container waits in ErrImagePull or ImagePullBackOff.
	ImagePullBackOff int32 `json:"imagePullBackOff,omitempty"`
	// Unschedulable: Pending with PodScheduled=False.
	Unschedulable int32 `json:"unschedulable,omitempty"`
}

package events

// HealthChanged is published by the health monitor on a transition only.
type HealthChanged struct {
	From     string   `json:"from"`
	To       string   `json:"to"`
	Reason   string   `json:"reason"`
	Message  string   `json:"message,omitempty"`
	Replicas Replicas `json:"replicas"`
}

func (HealthChanged) Type() string { return "slipway.deployment.health_changed.v1" }

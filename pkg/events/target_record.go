package events

// TargetRecord is a target as published in BucketTargets.
type TargetRecord struct {
	Name          string                  `json:"name"`
	Region        string                  `json:"region,omitempty"`
	Namespace     string                  `json:"namespace"`
	BaseURL       string                  `json:"baseURL"`
	Simulated     bool                    `json:"simulated,omitempty"`
	Default       bool                    `json:"default,omitempty"`
	InstanceTypes map[string]InstanceType `json:"instanceTypes"`
	// Routing says which objects serve the target's canonical URLs (absent: none).
	Routing *Routing `json:"routing,omitempty"`
	// PrometheusURL is the Prometheus canaries' checks on the target query
	// (empty: the workers' global one).
	PrometheusURL string `json:"prometheusURL,omitempty"`
	// Source is TargetSourceConfig or TargetSourceAPI (empty: config, as
	// published before targets could be registered).
	Source string `json:"source,omitempty"`
	// Connection is how workers reach an API-registered target: a
	// reference, never credentials.
	Connection *TargetConnection `json:"connection,omitempty"`
	// Status is filled in by readers from BucketTargetStatus; it is never
	// stored in BucketTargets.
	Status *TargetStatus `json:"status,omitempty"`
}

// FromAPI reports whether the target was registered through the API.
func (r TargetRecord) FromAPI() bool { return r.Source == TargetSourceAPI }

// InstanceType is what a pod of a catalogue entry requests and is limited to.
type InstanceType struct {
	CPU    string `json:"cpu"`
	Memory string `json:"memory"`
	GPU    int    `json:"gpu,omitempty"`
}

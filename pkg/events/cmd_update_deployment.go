package events

import "encoding/json"

// UpdateDeployment asks for a new revision: SpecPatch is a JSON merge patch
// (RFC 7396) applied by the worker to the spec of the current revision, so
// two concurrent updates never overwrite each other's fields unseen.
type UpdateDeployment struct {
	Deployment DeploymentRef   `json:"deployment"`
	SpecPatch  json.RawMessage `json:"specPatch"`
	Message    string          `json:"message,omitempty"`
	// ExpectedSeq, when not 0, is the deployment's version the caller read
	// (its ETag): the update is rejected if the version moved since
	// (MovesVersion: the spec, aliases, termination changed; not health).
	ExpectedSeq uint64 `json:"expectedSeq,omitempty"`
}

func (UpdateDeployment) Type() string { return "slipway.command.update_deployment.v1" }

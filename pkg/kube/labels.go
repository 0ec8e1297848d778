// Package kube holds what every Slipway service agrees on about Kubernetes:
// the labels that mark Slipway's objects, how object names are derived, and
// the targets (clusters) deployments run on.
package kube

import (
	"crypto/sha256"
	"encoding/hex"
)

// Labels Slipway puts on every object it manages. Selectors and informers in
// the health monitor rely on these exact keys.
const (
	LabelManagedBy  = "app.kubernetes.io/managed-by"
	ManagedByValue  = "slipway"
	LabelOwner      = "slipway.dev/owner"
	LabelProject    = "slipway.dev/project"
	LabelDeployment = "slipway.dev/deployment"
	LabelRevision   = "slipway.dev/revision"

	// FieldManager is the server-side apply field manager of every write.
	FieldManager = "slipway"
)

// ObjectName is the Kubernetes name of a deployment's objects. Several projects
// share a target namespace, so the name carries a short hash of owner/project
// to stay unique while keeping the deployment's own name readable. Deployment
// names are at most 40 characters, so the result fits a DNS-1035 label (63).
func ObjectName(owner, project, deployment string) string {
	sum := sha256.Sum256([]byte(owner + "/" + project))
	return deployment + "-" + hex.EncodeToString(sum[:])[:8]
}

// SelectorLabels are the labels a deployment's Service selects on.
func SelectorLabels(owner, project, deployment string) map[string]string {
	return map[string]string{
		LabelOwner:      owner,
		LabelProject:    project,
		LabelDeployment: deployment,
	}
}

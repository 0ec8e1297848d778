// Package kube holds what every Slipway service agrees on about Kubernetes:
// the labels that mark Slipway's objects, how object names are derived, and
// the targets (clusters) deployments run on.
package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
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
	// LabelInstance is on every pod serving a deployment, main or pinned:
	// alias Services select on it with the revision label.
	LabelInstance = "slipway.dev/instance"
	// LabelPinnedOf marks a pinned Deployment (one revision kept running for
	// aliases and keepWarm) and its pods; they carry no deployment label, so
	// the deployment's own selector, monitor and drift check ignore them.
	LabelPinnedOf = "slipway.dev/pinned-of"
	// LabelCanaryOf marks a deployment's canary Deployment (the new
	// revision beside the stable one while a canary's steps run) and its pods.
	LabelCanaryOf = "slipway.dev/canary-of"
	// LabelAlias names the alias an alias Service serves.
	LabelAlias = "slipway.dev/alias"
	// LabelRouteOf marks the routing objects of a deployment (HTTPRoutes,
	// Ingresses, per-version Services); like pinned objects they carry no
	// deployment label, so the monitor and the drift check ignore them.
	LabelRouteOf = "slipway.dev/route-of"

	// AnnotationRevision is on a deployment's main Deployment: the number of
	// the revision last applied to it. Revision numbers only grow, so a
	// driver about to apply a lower one knows a newer rollout overtook it.
	AnnotationRevision = "slipway.dev/applied-revision"

	// FieldManager is the server-side apply field manager of every write.
	FieldManager = "slipway"
	// HandoverFieldManager holds a Deployment's spec.replicas while Slipway
	// hands the field to its autoscaler: a field only Slipway owned would be
	// reset to 1 when Slipway's next apply leaves it out.
	HandoverFieldManager = "slipway-autoscaler-handover"
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

// PinnedName is the name of the pinned Deployment running a template revision.
func PinnedName(objectName string, templateRevision int) string {
	return fmt.Sprintf("%s-t%d", objectName, templateRevision)
}

// AliasServiceName is the name of an alias's Service: readable prefixes and
// a hash of the whole, kept within a DNS-1035 label.
func AliasServiceName(owner, project, deployment, alias string) string {
	sum := sha256.Sum256([]byte(owner + "/" + project + "/" + deployment + "/" + alias))
	return "a-" + cut(deployment, 20) + "-" + cut(alias, 20) + "-" + hex.EncodeToString(sum[:])[:8]
}

func cut(s string, n int) string {
	if len(s) > n {
		return strings.TrimRight(s[:n], "-")
	}
	return s
}

// VersionServiceName is the name of the Service selecting the pods of one
// pod template revision, behind the per-version paths (v<N>) of every
// revision that runs that template. It fits a DNS-1035 label.
func VersionServiceName(objectName string, templateRevision int) string {
	return fmt.Sprintf("v-%s-t%d", objectName, templateRevision)
}

// Package simcluster is a simulated Kubernetes target for `slipway dev` and
// integration tests.
//
// A Cluster wraps client-go's fake clientset (which supports server-side
// apply) and adds what the fake lacks, so code written against
// kubernetes.Interface runs against it unchanged:
//
//   - apiserver write semantics for Deployments: metadata.generation starts
//     at 1 and is bumped when .spec or .metadata.annotations change, status
//     writes never touch spec or generation, uid and creationTimestamp are
//     set on create;
//   - watches of every resource that honour label selectors and name and
//     namespace field selectors, and never panic, block a writer or drop an
//     event however slow their reader (see eventTracker);
//   - a simulated Deployment controller and kubelet that create, ready and
//     delete real v1.Pod objects and write Deployment status and conditions
//     the way kube-controller-manager does, so that `kubectl rollout status`
//     logic (RolloutStatus) converges;
//   - a simulated HPA controller without metrics: it holds the Deployment a
//     HorizontalPodAutoscaler targets within its min and max replicas;
//   - failure injection through pod template annotations (AnnotationNeverReady,
//     AnnotationCrashLoop).
//
// The controller logic is a pure function, Step, so rollout invariants can be
// tested without clocks or goroutines; Cluster.Sync and Cluster.Run drive it
// against the fake. A tick costs what changed: it examines the Deployments
// written since the last tick (directly or through a pod or autoscaler of
// theirs, as the tracker reports every write) and those whose state moves
// with time (pods warming up or crash-looping, a running progress deadline),
// and finds pods through an owner index, never by listing the fleet.
//
// Server-side apply dry runs of Deployments store nothing (the fake would
// persist them). Not simulated: ReplicaSets, Endpoints, scheduling,
// spec.paused, resource versions and optimistic concurrency, dry runs of
// other writes, and apiserver defaulting (unset Deployment fields are read with
// the apiserver's defaults instead, see ResolveRollingParams).
package simcluster

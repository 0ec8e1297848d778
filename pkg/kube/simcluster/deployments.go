package simcluster

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	appsac "k8s.io/client-go/applyconfigurations/apps/v1"
	typedappsv1 "k8s.io/client-go/kubernetes/typed/apps/v1"
	"sigs.k8s.io/yaml"
)

// deployments is the fake's Deployments client with the apiserver's write
// semantics (registry/apps/deployment strategy) added:
//
//   - create sets generation 1, uid and creationTimestamp (when empty) and
//     clears status;
//   - update, patch and apply of the main resource keep status, uid and
//     creationTimestamp, and bump generation by one iff .spec or
//     .metadata.annotations changed (apimachinery semantic equality);
//   - status writes (UpdateStatus, status patches, ApplyStatus) change only
//     .status and never generation.
//
// Each write reaches the fake, and so its watchers, exactly once and
// already carrying its final generation: a patch or apply is first computed
// on a scratch fake to decide the generation. Reads, watches and deletes are
// the fake's, through the eventTracker (which honours watch selectors).
type deployments struct {
	typedappsv1.DeploymentInterface
	store *deployStore
}

func (c *deployments) Create(ctx context.Context, d *appsv1.Deployment, opts metav1.CreateOptions) (*appsv1.Deployment, error) {
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	out := d.DeepCopy()
	out.Generation = 1
	out.Status = appsv1.DeploymentStatus{}
	if out.UID == "" {
		out.UID = uuid.NewUUID()
	}
	if out.CreationTimestamp.IsZero() {
		out.CreationTimestamp = metav1.Now().Rfc3339Copy()
	}
	return c.DeploymentInterface.Create(ctx, out, opts)
}

func (c *deployments) Update(ctx context.Context, d *appsv1.Deployment, opts metav1.UpdateOptions) (*appsv1.Deployment, error) {
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	before, err := c.DeploymentInterface.Get(ctx, d.Name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return c.DeploymentInterface.Update(ctx, mainResourceWrite(before, d.DeepCopy()), opts)
}

// UpdateStatus stores d.Status on the current object. Unlike the apiserver
// it also ignores metadata changes: the fake has no resourceVersion
// conflicts, so a stale object must not be able to revert anything else.
func (c *deployments) UpdateStatus(ctx context.Context, d *appsv1.Deployment, opts metav1.UpdateOptions) (*appsv1.Deployment, error) {
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	before, err := c.DeploymentInterface.Get(ctx, d.Name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	out := before.DeepCopy()
	out.Status = *d.Status.DeepCopy()
	return c.DeploymentInterface.UpdateStatus(ctx, out, opts)
}

func (c *deployments) Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (*appsv1.Deployment, error) {
	if pt == types.ApplyPatchType {
		return c.apply(ctx, name, data, opts, subresources...)
	}
	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	before, err := c.DeploymentInterface.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	after, err := c.store.preview(before, func(s typedappsv1.DeploymentInterface) (*appsv1.Deployment, error) {
		return s.Patch(ctx, name, pt, data, opts, subresources...)
	})
	if err != nil {
		return nil, err
	}
	uopts := metav1.UpdateOptions{DryRun: opts.DryRun, FieldManager: opts.FieldManager, FieldValidation: opts.FieldValidation}
	if isStatus(subresources) {
		out := before.DeepCopy()
		out.Status = after.Status
		return c.DeploymentInterface.UpdateStatus(ctx, out, uopts)
	}
	return c.DeploymentInterface.Update(ctx, mainResourceWrite(before, after), uopts)
}

func (c *deployments) Apply(ctx context.Context, d *appsac.DeploymentApplyConfiguration, opts metav1.ApplyOptions) (*appsv1.Deployment, error) {
	name, data, err := encodeApply(d)
	if err != nil {
		return nil, err
	}
	return c.apply(ctx, name, data, opts.ToPatchOptions())
}

func (c *deployments) ApplyStatus(ctx context.Context, d *appsac.DeploymentApplyConfiguration, opts metav1.ApplyOptions) (*appsv1.Deployment, error) {
	name, data, err := encodeApply(d)
	if err != nil {
		return nil, err
	}
	return c.apply(ctx, name, data, opts.ToPatchOptions(), "status")
}

// apply performs a server-side apply through the fake's field manager, with
// the system fields (generation, uid, creationTimestamp) written into the
// applied configuration. The field manager never records ownership of those,
// so managedFields stay exactly what a plain apply would produce. Status
// (for the main resource) or spec (for the status subresource) is dropped
// from the configuration, as the apiserver resets them.
func (c *deployments) apply(ctx context.Context, name string, data []byte, opts metav1.PatchOptions, subresources ...string) (*appsv1.Deployment, error) {
	cfg := map[string]any{}
	if err := yaml.Unmarshal(data, &cfg); err != nil {
		return nil, apierrors.NewBadRequest("invalid apply configuration: " + err.Error())
	}
	meta, _ := cfg["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		cfg["metadata"] = meta
	}
	delete(meta, "uid")
	delete(meta, "creationTimestamp")

	c.store.mu.Lock()
	defer c.store.mu.Unlock()
	before, err := c.DeploymentInterface.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err) && !isStatus(subresources):
		before = nil
	case err != nil:
		return nil, err
	}
	// A resourceVersion in the configuration is a precondition, checked
	// here against the object read under the store's lock (the preview's
	// scratch copy has versions of its own).
	if want, _ := meta["resourceVersion"].(string); want != "" {
		if before == nil || before.ResourceVersion != want {
			return nil, staleVersion(deploymentsResource.GroupResource(), name, want)
		}
		delete(meta, "resourceVersion")
	}
	dryRun := len(opts.DryRun) > 0 && !isStatus(subresources)
	switch {
	case isStatus(subresources):
		delete(cfg, "spec")
		meta["generation"] = before.Generation
	case before == nil && dryRun:
		// Would be created; nothing is stored (a drift check's dry run must
		// not bring back a Deployment deleted meanwhile).
		ns, _ := meta["namespace"].(string)
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Generation: 1}}, nil
	case before == nil:
		delete(cfg, "status")
		meta["generation"] = 1
		meta["uid"] = string(uuid.NewUUID())
		meta["creationTimestamp"] = time.Now().UTC().Format(time.RFC3339)
	default:
		delete(cfg, "status")
		meta["generation"] = before.Generation
		body, err := json.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		after, err := c.store.preview(before, func(s typedappsv1.DeploymentInterface) (*appsv1.Deployment, error) {
			return s.Patch(ctx, name, types.ApplyPatchType, body, opts)
		})
		if err != nil {
			return nil, err
		}
		if dryRun { // the outcome, conflicts included, without storing it
			after.Generation = nextGeneration(before, after)
			return after, nil
		}
		meta["generation"] = nextGeneration(before, after)
	}
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	return c.DeploymentInterface.Patch(ctx, name, types.ApplyPatchType, body, opts, subresources...)
}

// mainResourceWrite turns after into what the apiserver stores for a write
// to the main resource of before.
func mainResourceWrite(before, after *appsv1.Deployment) *appsv1.Deployment {
	after.Status = *before.Status.DeepCopy()
	after.UID = before.UID
	after.CreationTimestamp = before.CreationTimestamp
	after.Generation = nextGeneration(before, after)
	return after
}

// nextGeneration is before's generation, plus one if after's spec or
// annotations differ semantically from before's.
func nextGeneration(before, after *appsv1.Deployment) int64 {
	if !equality.Semantic.DeepEqual(before.Spec, after.Spec) ||
		!equality.Semantic.DeepEqual(before.Annotations, after.Annotations) {
		return before.Generation + 1
	}
	return before.Generation
}

func isStatus(subresources []string) bool {
	return slices.Equal(subresources, []string{"status"})
}

func encodeApply(d *appsac.DeploymentApplyConfiguration) (name string, data []byte, err error) {
	if d == nil {
		return "", nil, errors.New("deployment provided to Apply must not be nil")
	}
	if d.Name == nil {
		return "", nil, errors.New("deployment.Name must be provided to Apply")
	}
	data, err = json.Marshal(d)
	return *d.Name, data, err
}
